//! `cargo leptos watch` on its own: in development, a server started without `DATABASE_URL` (or
//! `SMTP_URL`) starts, or reuses, the project-local PostgreSQL (and MailDev) itself, with the very
//! scripts the run and test commands use (`scripts/db.sh start`, `scripts/mail.sh start`), so there
//! is one way to do it. Production never does this: there, `DATABASE_URL` is required.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The workspace: the working directory when it holds the scripts (cargo-leptos runs the server
/// from there), else where this crate was built.
fn workspace() -> Option<PathBuf> {
    let here = std::env::current_dir().ok()?;
    if here.join("scripts/db.sh").exists() {
        return Some(here);
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).parent()?.to_path_buf();
    built.join("scripts/db.sh").exists().then_some(built)
}

/// Sets `DATABASE_URL` and `SMTP_URL` for the local services when they are unset and this is not
/// production. Their scripts log to the terminal; a failure is reported, and the configuration
/// then says what is missing. Call it from `main` before any thread starts.
pub fn ensure() {
    let production = std::env::var("APP_ENV")
        .is_ok_and(|env| matches!(env.to_ascii_lowercase().as_str(), "production" | "prod"));
    if production {
        return;
    }
    let Some(root) = workspace() else {
        return;
    };
    for (variable, script, what) in
        [("DATABASE_URL", "scripts/db.sh", "PostgreSQL"), ("SMTP_URL", "scripts/mail.sh", "MailDev")]
    {
        if std::env::var(variable).is_ok_and(|value| !value.trim().is_empty()) {
            continue;
        }
        match start(&root, script) {
            Ok(value) => {
                eprintln!("{variable} not set: using the project-local {what} at {value}");
                // SAFETY: `ensure` runs first thing in `main`, before the runtime or any other thread
                // exists, so nothing reads the environment while it changes.
                unsafe { std::env::set_var(variable, value) };
            }
            Err(err) => eprintln!("{variable} not set, and the local {what} could not be started: {err}"),
        }
    }
}

/// Runs `script start` and returns the last line it prints (the service's URL).
fn start(root: &Path, script: &str) -> Result<String, String> {
    let output = Command::new("bash")
        .arg(root.join(script))
        .arg("start")
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|err| err.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    match stdout.lines().last().map(str::trim) {
        Some(url) if output.status.success() && !url.is_empty() => Ok(url.to_owned()),
        _ => Err(format!("{script} start exited with {}", output.status)),
    }
}
