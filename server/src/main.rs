//! The `server` binary: serves the app, or runs one of the admin commands (see `server --help`).

use std::process::ExitCode;

use leptos::config::get_configuration;

use server::cli::{self, Command};
use server::config::Config;

// glibc's malloc cost 13% of a protected GET under load (perf, docs/benchmarks.md); mimalloc's
// thread-local pages take most of that away.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Before anything reads the environment: `.env`, then the local services in development.
    let _ = dotenvy::dotenv();
    if !std::env::args().nth(1).is_some_and(|arg| matches!(arg.as_str(), "-h" | "--help" | "help" | "config"))
    {
        server::dev_services::ensure();
    }
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The tokio runtime: one worker per core, or `TOKIO_WORKER_THREADS` (read by tokio itself).
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build()
}

async fn run() -> Result<(), String> {
    let command =
        Command::parse(std::env::args().skip(1)).map_err(|err| format!("{err}\n\n{}", cli::USAGE))?;
    match command {
        Command::Help => {
            println!("{}", cli::USAGE);
            return Ok(());
        }
        // Needs no configuration: it prints what the configuration reads.
        Command::Config { markdown } => {
            let text =
                if markdown { server::config::docs::markdown() } else { server::config::docs::env_example() };
            print!("{text}");
            return Ok(());
        }
        _ => {}
    }
    let config = Config::from_env()?;
    let _log_writer = server::telemetry::init(config.log_json);
    let mut leptos = get_configuration(None).map_err(|err| format!("leptos configuration: {err}"))?;
    client_files_from_the_build(&mut leptos.leptos_options);
    let state = server::build_state(&config, leptos.leptos_options).await?;
    match command {
        Command::Migrate => {
            println!("migrations applied");
            Ok(())
        }
        Command::CreateAdmin { name, username, email } => {
            cli::create_admin(&state, name, username, email).await
        }
        Command::KeysList => cli::keys_list(&state).await,
        Command::KeysRotate { fresh } => cli::keys_rotate(&state, fresh).await,
        Command::KeysRetire { kid } => cli::keys_retire(&state, &kid).await,
        Command::Serve | Command::Help | Command::Config { .. } => serve(state, &config).await,
    }
}

async fn serve(state: app::ssr::state::AppState, config: &Config) -> Result<(), String> {
    let addr = state.leptos_options.site_addr;
    let listener =
        tokio::net::TcpListener::bind(addr).await.map_err(|err| format!("cannot listen on {addr}: {err}"))?;
    if let Some(metrics) = config.metrics_addr {
        server::telemetry::install_metrics(metrics)?;
        server::telemetry::spawn_samplers(state.pool.clone());
        tracing::info!("metrics on http://{metrics}/metrics");
    }
    // The address to open is the public one: passkeys work on http://localhost, never on an IP.
    tracing::info!("listening on http://{addr}: open {}", config.public_url(addr));
    app::ssr::housekeeping::spawn(state.clone(), config.retention);
    app::ssr::session::keyring::spawn(state.clone(), config.key_policy);
    app::ssr::session::revocations::spawn(state.pool.clone(), state.auth_cache.clone());
    let (stop_mail, mail_stop) = tokio::sync::watch::channel(false);
    let mail = app::ssr::recovery::mail::worker::spawn_stoppable(
        state.pool.clone(),
        state.mailer.clone(),
        mail_stop,
    );
    // On SIGTERM: fail /readyz first and keep serving for SHUTDOWN_DRAIN_SECS, so a proxy's health
    // checks move traffic away; then stop accepting and let requests in flight finish.
    let draining = state.draining.clone();
    let drain = config.shutdown_drain;
    let shutdown = async move {
        shutdown_signal().await;
        draining.start();
        if !drain.is_zero() {
            tracing::info!(?drain, "draining: /readyz answers 503; still serving");
            tokio::time::sleep(drain).await;
        }
    };
    let trusted = state.trusted_proxies.clone();
    let served =
        server::listener::serve(listener, server::app(state), config.listener, trusted, shutdown).await;
    // The mail being sent is finished and committed; no other is claimed.
    let _ = stop_mail.send(true);
    if tokio::time::timeout(MAIL_STOP_WAIT, mail).await.is_err() {
        tracing::warn!(
            "the mail worker was still sending; its mail goes back to the outbox with the connection"
        );
    }
    // The database connections close with the process: PostgreSQL rolls back whatever they had
    // open (nothing is, once the mail worker is done) and releases their locks.
    tracing::info!("stopped");
    served.map_err(|err| format!("server error: {err}"))
}

/// How long the mail worker gets to finish its mail at shutdown.
const MAIL_STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The client files' name and hashing, when the environment does not say: those of the build that
/// produced this binary (cargo-leptos sets both while compiling the server). A release binary
/// started with only a deployer's settings then links the files that build wrote, and hydrates.
fn client_files_from_the_build(options: &mut leptos::config::LeptosOptions) {
    if std::env::var_os("LEPTOS_OUTPUT_NAME").is_none()
        && let Some(name) = option_env!("LEPTOS_OUTPUT_NAME").filter(|name| !name.is_empty())
    {
        options.output_name = name.into();
    }
    if std::env::var_os("LEPTOS_HASH_FILES").is_none() {
        options.hash_files = option_env!("LEPTOS_HASH_FILES") == Some("true");
    }
}

/// Resolves on Ctrl-C or SIGTERM, so in-flight requests finish before the process exits.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
