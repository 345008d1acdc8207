//! The server binary's command line: `serve` (default), `migrate`, `create-admin`, which gives a
//! fresh installation its first administrator, and `config`, which prints the settings table.

use std::io::{BufRead, IsTerminal, Write};

use app::roles::Role;
use app::ssr::identity::accounts;
use app::ssr::state::AppState;
use app::validation::SignupForm;

/// Usage text printed for `--help` and after a mistake.
pub const USAGE: &str = "\
usage: server [serve]
       server migrate
       server create-admin --name <NAME> --username <USERNAME> --email <EMAIL>
       server config --markdown | --env-example
       server keys list | rotate [--fresh] | retire <KID>

create-admin reads the password from ADMIN_PASSWORD, or asks for it on the terminal
(or reads one line from standard input when it is not a terminal).
keys list shows each token signing key (ES256) with its state and dates; keys rotate makes the
next key sign at once (every instance follows within seconds) and publishes a new next one;
keys rotate --fresh retires the published next key too and signs with a brand-new one (the stored
keys thought exposed); keys retire refuses a previous key's tokens from now on.";

/// What the binary was asked to do.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Run the web server.
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Create an account holding the `user` and `admin` roles.
    CreateAdmin {
        /// Display name.
        name: String,
        /// Login name.
        username: String,
        /// Email address.
        email: String,
    },
    /// Print the settings table: as the README's Markdown, or as `.env.example`.
    Config {
        /// `--markdown` (true) or `--env-example` (false).
        markdown: bool,
    },
    /// Show the signing keys.
    KeysList,
    /// Rotate the signing keys now; `fresh`: with a brand-new key.
    KeysRotate {
        /// `--fresh`.
        fresh: bool,
    },
    /// Retire a previous key now.
    KeysRetire {
        /// Its name.
        kid: String,
    },
    /// Print the usage.
    Help,
}

impl Command {
    /// Parses the arguments after the program name.
    ///
    /// # Errors
    /// A message naming the unknown command or the missing option.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut args = args.into_iter();
        match args.next().as_deref() {
            None | Some("serve") => Ok(Command::Serve),
            Some("migrate") => Ok(Command::Migrate),
            Some("-h" | "--help" | "help") => Ok(Command::Help),
            Some("config") => match args.next().as_deref() {
                Some("--markdown") => Ok(Command::Config { markdown: true }),
                Some("--env-example") => Ok(Command::Config { markdown: false }),
                _ => Err("config needs --markdown or --env-example".to_owned()),
            },
            Some("keys") => match args.next().as_deref() {
                Some("list") => Ok(Command::KeysList),
                Some("rotate") => match args.next().as_deref() {
                    None => Ok(Command::KeysRotate { fresh: false }),
                    Some("--fresh") => Ok(Command::KeysRotate { fresh: true }),
                    Some(other) => Err(format!("unknown option `{other}`")),
                },
                Some("retire") => match args.next() {
                    Some(kid) => Ok(Command::KeysRetire { kid }),
                    None => Err("keys retire needs the key's name (see keys list)".to_owned()),
                },
                _ => Err("keys needs list or rotate".to_owned()),
            },
            Some("create-admin") => {
                let (mut name, mut username, mut email) = (None, None, None);
                while let Some(flag) = args.next() {
                    let slot = match flag.as_str() {
                        "--name" => &mut name,
                        "--username" => &mut username,
                        "--email" => &mut email,
                        other => return Err(format!("unknown option `{other}`")),
                    };
                    *slot = Some(args.next().ok_or_else(|| format!("`{flag}` needs a value"))?);
                }
                match (name, username, email) {
                    (Some(name), Some(username), Some(email)) => {
                        Ok(Command::CreateAdmin { name, username, email })
                    }
                    _ => Err("create-admin needs --name, --username and --email".to_owned()),
                }
            }
            Some(other) => Err(format!("unknown command `{other}`")),
        }
    }
}

/// Creates an administrator account; the operator has the database, so no token is needed.
///
/// # Errors
/// A sentence per problem (invalid field, taken username, database failure).
pub async fn create_admin(
    state: &AppState,
    name: String,
    username: String,
    email: String,
) -> Result<(), String> {
    let password = read_password()?;
    let form = SignupForm {
        name,
        username,
        email,
        password,
        roles: vec![Role::User.as_str().to_owned(), Role::Admin.as_str().to_owned()],
    };
    let user = accounts::create(state, &form).await.map_err(|err| match err.clone() {
        app::error::AppError::Validation { fields } => fields
            .into_iter()
            .map(|(field, message)| format!("{field}: {message}"))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => err.to_string(),
    })?;
    println!("created admin `{}` ({})", user.username, user.id);
    Ok(())
}

fn read_password() -> Result<String, String> {
    if let Ok(password) = std::env::var("ADMIN_PASSWORD") {
        return Ok(password);
    }
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    if interactive {
        print!("Password for the new admin: ");
        std::io::stdout().flush().ok();
        set_echo(false);
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if interactive {
        set_echo(true);
        println!();
    }
    read.map_err(|err| format!("could not read the password: {err}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Hides typed characters on a terminal (best effort: `stty` is on every Unix this runs on).
fn set_echo(on: bool) {
    let _ = std::process::Command::new("stty").arg(if on { "echo" } else { "-echo" }).status();
}

/// `server keys list`: each key's name, state and dates, the newest first.
///
/// # Errors
/// Database errors.
pub async fn keys_list(state: &AppState) -> Result<(), String> {
    let keys = app::ssr::session::signing_keys::list(&state.pool).await.map_err(|err| err.to_string())?;
    let date = |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.map_or_else(|| "-".to_owned(), |at| at.format("%Y-%m-%d %H:%M UTC").to_string())
    };
    println!(
        "{:<44} {:<9} {:<20} {:<20} {:<20} {:<20}",
        "kid", "state", "published", "signing since", "signing until", "retired"
    );
    for key in keys {
        println!(
            "{:<44} {:<9} {:<20} {:<20} {:<20} {:<20}",
            key.kid,
            key.state,
            date(Some(key.created_at)),
            date(key.activated_at),
            date(key.deactivated_at),
            date(key.retired_at)
        );
    }
    Ok(())
}

/// `server keys rotate`: the next key signs from now on; a new one is published as next.
///
/// # Errors
/// Database errors.
pub async fn keys_rotate(state: &AppState, fresh: bool) -> Result<(), String> {
    let kid = app::ssr::session::signing_keys::rotate(&state.pool, &state.key, fresh)
        .await
        .map_err(|err| err.to_string())?;
    println!("rotated: {kid} signs from now on; the key that signed verifies its tokens until they expire");
    Ok(())
}

/// `server keys retire <KID>`: a previous key's tokens are refused from now on.
///
/// # Errors
/// A key that signs or waits to, an unknown key, database errors.
pub async fn keys_retire(state: &AppState, kid: &str) -> Result<(), String> {
    match app::ssr::session::signing_keys::retire(&state.pool, kid).await {
        Ok(true) => {
            println!("retired: tokens signed with {kid} are refused from now on");
            Ok(())
        }
        Ok(false) => Err(format!("no previous key named {kid} (see `server keys list`)")),
        Err(err) => Err(err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        Command::parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn parses_commands() {
        assert_eq!(parse(&[]), Ok(Command::Serve));
        assert_eq!(parse(&["migrate"]), Ok(Command::Migrate));
        assert_eq!(parse(&["keys", "list"]), Ok(Command::KeysList));
        assert_eq!(parse(&["keys", "rotate"]), Ok(Command::KeysRotate { fresh: false }));
        assert_eq!(parse(&["keys", "rotate", "--fresh"]), Ok(Command::KeysRotate { fresh: true }));
        assert!(parse(&["keys"]).is_err());
        assert_eq!(
            parse(&["create-admin", "--name", "Root", "--username", "root", "--email", "r@x.io"]),
            Ok(Command::CreateAdmin { name: "Root".into(), username: "root".into(), email: "r@x.io".into() })
        );
        assert!(parse(&["create-admin", "--name"]).is_err());
        assert!(parse(&["create-admin", "--name", "x"]).is_err());
        assert!(parse(&["launch"]).is_err());
        assert_eq!(parse(&["config", "--markdown"]), Ok(Command::Config { markdown: true }));
        assert_eq!(parse(&["config", "--env-example"]), Ok(Command::Config { markdown: false }));
        assert!(parse(&["config"]).is_err());
    }
}
