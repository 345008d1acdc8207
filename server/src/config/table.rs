//! Every setting, defined once: its name, default, allowed values, what production asks of it and
//! what it does. [`Config`](super::Config) is read through this table, and the README's settings
//! table and `.env.example` are written from it (`server config --markdown`, `--env-example`; a test
//! fails when either file drifts).

/// What values a setting takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A whole number within `min..=max`.
    Whole {
        /// The smallest allowed.
        min: u64,
        /// The largest allowed.
        max: u64,
    },
    /// `true` or `false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
    Flag,
    /// One of these words.
    Choice(&'static [&'static str]),
    /// Free text.
    Text,
    /// A secret of at least this many bytes.
    Secret(usize),
    /// 32 bytes as 64 hexadecimal characters.
    Key,
    /// Comma-separated IP addresses or CIDR ranges.
    Ranges,
    /// An address and port (`127.0.0.1:9100`).
    SocketAddr,
}

/// Where the default comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// This value, read like one that was set.
    Value(&'static str),
    /// Computed (or generated) when unset; the text says how.
    Computed(&'static str),
    /// Unset means off or none; the text says which.
    Unset(&'static str),
}

/// What `APP_ENV=production` asks of a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Production {
    /// Nothing.
    Free,
    /// It must be set.
    Required,
    /// A rule, in words (checked in `Config::from_lookup`).
    Rule(&'static str),
}

/// Which part of the app a setting belongs to (the sections of `.env.example`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Deployment,
    Tokens,
    Sessions,
    Accounts,
    Throttling,
    Mail,
    Connections,
    Observability,
    /// Read by a library (tokio, leptos, tracing), not by `Config`.
    Runtime,
}

impl Group {
    /// The groups in the order `.env.example` lists them.
    pub const ALL: [Group; 9] = [
        Group::Deployment,
        Group::Tokens,
        Group::Sessions,
        Group::Accounts,
        Group::Throttling,
        Group::Mail,
        Group::Connections,
        Group::Observability,
        Group::Runtime,
    ];

    /// The section's heading in `.env.example`.
    pub fn heading(self) -> &'static str {
        match self {
            Group::Deployment => "Deployment: the database, the profile and where the app is reached.",
            Group::Tokens => "Access tokens and the server's keys.",
            Group::Sessions => "Sessions and their refresh tokens.",
            Group::Accounts => "Accounts: passwords, roles, verification and two-factor sign-in.",
            Group::Throttling => "Throttling: how many attempts within a window, then 429.",
            Group::Mail => "Mail and mailed links.",
            Group::Connections => "Proxies, connections and retention.",
            Group::Observability => "Logs and metrics.",
            Group::Runtime => "Read by the libraries themselves, not by the server's configuration.",
        }
    }
}

/// One setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The environment variable.
    pub name: &'static str,
    /// Where it belongs.
    pub group: Group,
    /// Its values.
    pub kind: Kind,
    /// Its default.
    pub default: Fallback,
    /// What production asks of it.
    pub production: Production,
    /// What it does, in one line.
    pub description: &'static str,
}

const fn whole(min: u64, max: u64) -> Kind {
    Kind::Whole { min, max }
}

/// Seconds in a year: the largest lifetime or window any setting takes.
const YEAR: u64 = 365 * 24 * 60 * 60;
const DAY: u64 = 24 * 60 * 60;

macro_rules! setting {
    ($name:literal, $group:ident, $kind:expr, $default:expr, $production:expr, $description:literal) => {
        Setting {
            name: $name,
            group: Group::$group,
            kind: $kind,
            default: $default,
            production: $production,
            description: $description,
        }
    };
}

use Fallback::{Computed, Unset, Value};
use Production::{Free, Required, Rule};

/// Every setting, in the order the README and `.env.example` list them.
pub const SETTINGS: &[Setting] = &[
    setting!(
        "DATABASE_URL",
        Deployment,
        Kind::Text,
        Computed("the local cluster (development)"),
        Required,
        "PostgreSQL connection URL"
    ),
    setting!(
        "DATABASE_MAX_CONNECTIONS",
        Deployment,
        whole(1, 10_000),
        Computed("4 per core, at least 8"),
        Free,
        "database pool size"
    ),
    setting!(
        "AUTH_CACHE_MB",
        Deployment,
        whole(0, 65_536),
        Value("64"),
        Free,
        "memory for remembering sessions and accounts between requests, kept true by PostgreSQL notices; 0 reads the database on every request"
    ),
    setting!(
        "APP_ENV",
        Deployment,
        Kind::Choice(&["development", "production"]),
        Value("development"),
        Free,
        "`production` requires the settings marked so, refuses demo mode and cheap bcrypt, and always sends the production CSP"
    ),
    setting!(
        "DATA_DIR",
        Deployment,
        Kind::Text,
        Value(".data"),
        Free,
        "where development keeps the secrets it generates (`jwt-secret`, `mfa-key`; mode 0600)"
    ),
    setting!(
        "PUBLIC_URL",
        Deployment,
        Kind::Text,
        Computed("`http://` + the site address"),
        Required,
        "the app's address as users reach it, for the links in mails"
    ),
    setting!(
        "HSTS",
        Deployment,
        Kind::Flag,
        Value("false"),
        Free,
        "send `Strict-Transport-Security: max-age=63072000; includeSubDomains` (only behind HTTPS)"
    ),
    setting!(
        "JWT_ALGORITHM",
        Tokens,
        Kind::Choice(&["ES256", "HS256"]),
        Value("ES256"),
        Free,
        "`ES256`: tokens signed with P-256 keys kept in the database and published at `/.well-known/jwks.json`, rotated on a schedule; `HS256`: signed with `JWT_SECRET`"
    ),
    setting!(
        "JWT_SECRET",
        Tokens,
        Kind::Secret(32),
        Computed("generated in development"),
        Rule("required with `JWT_ALGORITHM=HS256`"),
        "HS256 key, at least 32 bytes (`openssl rand -base64 48`); with ES256 it only verifies HS256 tokens issued before the switch, for one token lifetime"
    ),
    setting!(
        "JWT_KEY_ROTATION_DAYS",
        Tokens,
        whole(1, 365),
        Value("30"),
        Free,
        "ES256: days a key signs before the next one takes over (`server keys rotate` rotates at once)"
    ),
    setting!(
        "JWKS_MAX_AGE_SECS",
        Tokens,
        whole(0, DAY),
        Value("600"),
        Free,
        "how long verifiers may cache `/.well-known/jwks.json`; a new key is published at least this long before it signs"
    ),
    setting!(
        "JWT_EXPIRES_IN",
        Tokens,
        whole(1, YEAR),
        Value("900"),
        Free,
        "access-token lifetime in seconds (86400 in demo mode, whose clients never refresh)"
    ),
    setting!(
        "JWT_ISSUER",
        Tokens,
        Kind::Text,
        Value("rust-auth"),
        Free,
        "the `iss` claim written into tokens and required of them"
    ),
    setting!(
        "JWT_AUDIENCE",
        Tokens,
        Kind::Text,
        Value("rust-auth"),
        Free,
        "the `aud` claim written into tokens and required of them"
    ),
    setting!(
        "ENCRYPTION_KEY",
        Tokens,
        Kind::Key,
        Computed("generated in development"),
        Required,
        "the server key, 64 hex characters (`openssl rand -hex 32`): seals two-factor secrets and waiting mails, keys refresh-token MACs (`MFA_ENCRYPTION_KEY`, its old name, is still read)"
    ),
    setting!(
        "WEBAUTHN_RP_ID",
        Tokens,
        Kind::Text,
        Computed("`PUBLIC_URL`'s host"),
        Free,
        "the domain passkeys are bound to (never an IP address: WebAuthn refuses those)"
    ),
    setting!(
        "WEBAUTHN_ORIGINS",
        Tokens,
        Kind::Text,
        Computed("`PUBLIC_URL`"),
        Free,
        "comma-separated origins the pages using passkeys are served from, each under `WEBAUTHN_RP_ID`; behind a proxy, the public one, never the `Host` header"
    ),
    setting!(
        "REFRESH_TTL_SECS",
        Sessions,
        whole(60, YEAR),
        Value("86400"),
        Free,
        "how long a session lives unused without \"Keep me signed in\"; also its absolute lifetime"
    ),
    setting!(
        "REMEMBER_TTL_SECS",
        Sessions,
        whole(60, YEAR),
        Value("2592000"),
        Free,
        "how long a session lives unused with \"Keep me signed in\" (30 days)"
    ),
    setting!(
        "SESSION_MAX_LIFETIME_SECS",
        Sessions,
        whole(60, YEAR),
        Value("7776000"),
        Free,
        "the absolute lifetime of a session with \"Keep me signed in\" (90 days), however often it is refreshed"
    ),
    setting!(
        "REFRESH_REUSE_GRACE_SECS",
        Sessions,
        whole(0, 300),
        Value("10"),
        Free,
        "how long the previous refresh token is still answered, with the same next token (two tabs refreshing at once)"
    ),
    setting!(
        "REFRESH_MAX_PER_HOUR",
        Sessions,
        whole(1, 1_000_000),
        Value("60"),
        Free,
        "refreshes one session may make in an hour, then 429"
    ),
    setting!("BCRYPT_COST", Accounts, whole(4, 31), Value("12"), Rule("at least 10"), "bcrypt work factor"),
    setting!(
        "AUTH_OPEN_ROLE_SIGNUP",
        Accounts,
        Kind::Flag,
        Value("false"),
        Rule("refused"),
        "`true` = the tutorial's demo mode: anyone may choose `pm`/`admin` at sign-up"
    ),
    setting!(
        "REQUIRE_VERIFIED_EMAIL",
        Accounts,
        Kind::Flag,
        Value("false"),
        Free,
        "sign-in with an unverified address is refused (403 `email_not_verified`)"
    ),
    setting!(
        "REQUIRE_2FA_FOR_ADMINS",
        Accounts,
        Kind::Flag,
        Value("false"),
        Free,
        "admins without two-factor sign-in may use no admin power (403 `mfa_setup_required`) until they set it up"
    ),
    setting!(
        "SIGNIN_MAX_FAILURES",
        Throttling,
        whole(1, 1_000_000),
        Value("5"),
        Free,
        "wrong passwords per account **from one address** within the window"
    ),
    setting!(
        "SIGNIN_MAX_FAILURES_PER_ACCOUNT",
        Throttling,
        whole(1, 1_000_000),
        Value("100"),
        Free,
        "wrong passwords per account from all addresses together within the window"
    ),
    setting!(
        "SIGNIN_MAX_FAILURES_PER_ADDRESS",
        Throttling,
        whole(1, 1_000_000),
        Value("50"),
        Free,
        "wrong passwords from one address over all accounts within the window"
    ),
    setting!(
        "SIGNIN_MAX_ATTEMPTS_PER_ADDRESS",
        Throttling,
        whole(1, 1_000_000),
        Value("300"),
        Free,
        "sign-in attempts from one address within the window, right passwords included (bounds the bcrypt work one address asks for)"
    ),
    setting!(
        "SIGNIN_WINDOW_SECS",
        Throttling,
        whole(1, YEAR),
        Value("900"),
        Free,
        "how long a sign-in attempt counts (15 minutes)"
    ),
    setting!(
        "MFA_MAX_FAILURES",
        Throttling,
        whole(1, 1_000_000),
        Value("5"),
        Free,
        "wrong second-factor codes per account **from one address** within `MFA_WINDOW_SECS`"
    ),
    setting!(
        "MFA_MAX_FAILURES_PER_ACCOUNT",
        Throttling,
        whole(1, 1_000_000),
        Value("20"),
        Free,
        "wrong second-factor codes per account from all addresses within the window"
    ),
    setting!(
        "MFA_WINDOW_SECS",
        Throttling,
        whole(1, YEAR),
        Value("900"),
        Free,
        "how long a wrong code counts (15 minutes)"
    ),
    setting!(
        "SIGNUP_MAX_PER_ADDRESS",
        Throttling,
        whole(1, 1_000_000),
        Value("20"),
        Free,
        "sign-ups from one address within `SIGNUP_WINDOW_SECS` (admins creating accounts are not counted)"
    ),
    setting!(
        "SIGNUP_WINDOW_SECS",
        Throttling,
        whole(1, YEAR),
        Value("3600"),
        Free,
        "the sign-up window (1 hour)"
    ),
    setting!(
        "RECOVERY_MAX_PER_EMAIL",
        Throttling,
        whole(1, 1_000_000),
        Value("5"),
        Free,
        "mails asked for one address (reset, verification, change of address) within `RECOVERY_WINDOW_SECS`"
    ),
    setting!(
        "RECOVERY_MAX_PER_ADDRESS",
        Throttling,
        whole(1, 1_000_000),
        Value("20"),
        Free,
        "such requests from one client address within the window"
    ),
    setting!(
        "RECOVERY_WINDOW_SECS",
        Throttling,
        whole(1, YEAR),
        Value("3600"),
        Free,
        "the mail window (1 hour)"
    ),
    setting!(
        "EMAIL_CHANGE_MAX_PER_HOUR",
        Throttling,
        whole(1, 1_000_000),
        Value("5"),
        Free,
        "changes of address one account may ask for in an hour"
    ),
    setting!(
        "SMTP_URL",
        Mail,
        Kind::Text,
        Computed("MailDev (development)"),
        Required,
        "`smtp://[user:password@]host[:port]` (STARTTLS; plain only to a loopback host or with `?tls=none`) or `smtps://…`; unset: mails wait in the outbox"
    ),
    setting!("MAIL_FROM", Mail, Kind::Text, Value("Rust Auth <no-reply@localhost>"), Free, "the sender"),
    setting!(
        "MAIL_RETRY_SECS",
        Mail,
        whole(1, 3600),
        Value("5"),
        Free,
        "the first retry's wait when the mail server fails; each next one waits twice as long (at most an hour, 12 attempts)"
    ),
    setting!(
        "PASSWORD_RESET_TTL_SECS",
        Mail,
        whole(60, YEAR),
        Value("1800"),
        Free,
        "how long a reset link works"
    ),
    setting!(
        "EMAIL_VERIFY_TTL_SECS",
        Mail,
        whole(60, YEAR),
        Value("172800"),
        Free,
        "how long a verification link works"
    ),
    setting!(
        "TRUSTED_PROXIES",
        Connections,
        Kind::Ranges,
        Unset("none"),
        Free,
        "comma-separated proxy addresses or CIDR ranges (`10.0.0.0/8`) whose `X-Forwarded-For` and `X-Request-Id` are believed"
    ),
    setting!(
        "SHUTDOWN_DRAIN_SECS",
        Connections,
        whole(0, 300),
        Value("0"),
        Free,
        "on SIGTERM, how long `/readyz` answers 503 while requests are still served, so a proxy's health checks move traffic away first (behind a proxy: at least its check interval times its fall count)"
    ),
    setting!(
        "SHUTDOWN_GRACE_SECS",
        Connections,
        whole(1, 3600),
        Value("20"),
        Free,
        "then, how long requests in flight get to finish once no new connection is accepted"
    ),
    setting!(
        "HEADER_READ_TIMEOUT_SECS",
        Connections,
        whole(1, 3600),
        Value("10"),
        Free,
        "a request's headers must arrive within this time; an idle keep-alive connection closes after it"
    ),
    setting!(
        "BODY_READ_TIMEOUT_SECS",
        Connections,
        whole(1, 3600),
        Value("10"),
        Free,
        "a request's body must arrive within this time (408 otherwise)"
    ),
    setting!(
        "MAX_CONNECTIONS",
        Connections,
        whole(1, 1_000_000),
        Value("10000"),
        Free,
        "open connections at most; more wait in the kernel's backlog"
    ),
    setting!(
        "MAX_CONNECTIONS_PER_ADDRESS",
        Connections,
        whole(1, 1_000_000),
        Value("64"),
        Free,
        "open connections at most from one client address (IPv6 by its /64); trusted proxies are not capped"
    ),
    setting!(
        "AUDIT_RETENTION_DAYS",
        Connections,
        whole(1, 36_500),
        Value("90"),
        Free,
        "audit entries older than this are deleted"
    ),
    setting!(
        "MAIL_RETENTION_DAYS",
        Connections,
        whole(1, 36_500),
        Value("7"),
        Free,
        "sent (or given-up) mails are deleted after this; their bodies go as soon as they are sent"
    ),
    setting!(
        "LOG_FORMAT",
        Observability,
        Kind::Choice(&["text", "json"]),
        Value("text"),
        Free,
        "`json` for one JSON object per line"
    ),
    setting!(
        "METRICS_ADDR",
        Observability,
        Kind::SocketAddr,
        Unset("off"),
        Free,
        "where Prometheus metrics are served (`127.0.0.1:9100`): their own listener, never the app's"
    ),
    setting!(
        "RUST_LOG",
        Runtime,
        Kind::Text,
        Value("info,sqlx=warn,tower_http=info"),
        Free,
        "log filter (tracing-subscriber's `EnvFilter` syntax)"
    ),
    setting!(
        "TOKIO_WORKER_THREADS",
        Runtime,
        whole(1, 1024),
        Computed("one per core"),
        Free,
        "async runtime workers (read by tokio itself)"
    ),
    setting!(
        "LEPTOS_SITE_ADDR",
        Runtime,
        Kind::Text,
        Value("127.0.0.1:3000"),
        Free,
        "listen address (cargo-leptos sets it from `Cargo.toml`)"
    ),
    setting!(
        "LEPTOS_SITE_ROOT",
        Runtime,
        Kind::Text,
        Value("target/site"),
        Free,
        "where the client files are (cargo-leptos sets it; set it when running a release binary yourself)"
    ),
    setting!(
        "LEPTOS_HASH_FILES",
        Runtime,
        Kind::Flag,
        Value("false"),
        Free,
        "whether the client files' names carry hashes (cargo-leptos sets it; set it when running a release binary yourself)"
    ),
];

/// The setting named `name`.
///
/// # Panics
/// For a name the table does not hold: a setting read but never defined is a bug, caught by the
/// configuration's tests.
pub fn setting(name: &str) -> &'static Setting {
    SETTINGS
        .iter()
        .find(|setting| setting.name == name)
        .unwrap_or_else(|| panic!("{name} is not in the settings table"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_defaults_are_allowed() {
        for (i, setting) in SETTINGS.iter().enumerate() {
            assert!(SETTINGS[..i].iter().all(|other| other.name != setting.name), "{} twice", setting.name);
            if let (Fallback::Value(value), Kind::Whole { min, max }) = (setting.default, setting.kind) {
                let value: u64 = value.parse().unwrap();
                assert!((min..=max).contains(&value), "{}: default out of range", setting.name);
            }
        }
    }
}
