//! Configuration, read once from the environment (and an optional `.env`) at start-up.
//!
//! Every problem is reported at once and the server refuses to start: a half-configured
//! authentication server is worse than none.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipnet::IpNet;

use app::ssr::housekeeping::Retention;
use app::ssr::sessions::SessionSettings;
use app::ssr::state::{Profile, Recovery, SignupPolicy};
use app::ssr::throttle::{Limits, Throttle};
use app::ssr::tokens::{DEFAULT_ISSUER, MIN_SECRET_BYTES, TokenSettings};

use crate::listener::ListenerLimits;

/// Default access-token lifetime: 15 minutes (sessions last longer through refresh tokens).
const DEFAULT_JWT_EXPIRES_IN: u64 = 900;
/// Default access-token lifetime in demo mode: 24 hours, as in the tutorial, whose clients never
/// refresh.
const DEMO_JWT_EXPIRES_IN: u64 = 86_400;
/// File under `DATA_DIR` holding the generated development server key (named for its first use,
/// two-factor secrets).
const DEV_MFA_KEY_FILE: &str = "mfa-key";
/// Default bcrypt cost: 12 (the tutorial's 8 is too cheap today).
const DEFAULT_BCRYPT_COST: u32 = 12;
/// Lowest bcrypt cost production accepts (OWASP's floor).
const MIN_PRODUCTION_BCRYPT_COST: u32 = 10;
/// Default audit retention: 90 days.
const DEFAULT_AUDIT_RETENTION_DAYS: u64 = 90;
/// Default retention of sent mails (their bodies are gone once sent): 7 days.
const DEFAULT_MAIL_RETENTION_DAYS: u64 = 7;
/// Default sender of mails.
const DEFAULT_MAIL_FROM: &str = "Rust Auth <no-reply@localhost>";
/// File under `DATA_DIR` holding the generated development secret.
const DEV_SECRET_FILE: &str = "jwt-secret";

/// Where the server runs: development generates what is missing, production refuses to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    /// Local work: a missing `JWT_SECRET` is generated and kept in `DATA_DIR`.
    Development,
    /// A real deployment: every secret must be given.
    Production,
}

/// The server's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: the PostgreSQL server and database (the scripts start a local one when unset).
    pub database_url: String,
    /// `DATABASE_MAX_CONNECTIONS`: pool size (default: 4 per core, at least 8).
    pub database_max_connections: u32,
    /// `JWT_SECRET`: HS256 key, at least 32 bytes.
    pub jwt_secret: Vec<u8>,
    /// `JWT_EXPIRES_IN` (seconds, default 86400), `JWT_ISSUER` and `JWT_AUDIENCE` (default
    /// `rust-auth`): what tokens say and must say.
    pub tokens: TokenSettings,
    /// `BCRYPT_COST`: bcrypt work factor, 4..=31 (default 12).
    pub bcrypt_cost: u32,
    /// `AUTH_OPEN_ROLE_SIGNUP`: `true` lets anyone pick roles at sign-up (the tutorial's demo mode).
    pub signup: SignupPolicy,
    /// `APP_ENV`: `development` (default) or `production`.
    pub app_env: AppEnv,
    /// `DATA_DIR`: where development state (the generated secret) is kept (default `.data`).
    pub data_dir: PathBuf,
    /// `LOG_FORMAT`: `text` (default) or `json`.
    pub log_json: bool,
    /// `SIGNIN_MAX_FAILURES` (5, per account and address), `SIGNIN_MAX_FAILURES_PER_ACCOUNT` (100),
    /// `SIGNIN_MAX_FAILURES_PER_ADDRESS` (50), `SIGNIN_WINDOW_SECS` (900), `SIGNUP_MAX_PER_ADDRESS`
    /// (20), `SIGNUP_WINDOW_SECS` (3600).
    pub throttle: Throttle,
    /// `TRUSTED_PROXIES`: comma-separated addresses or CIDR ranges whose `X-Forwarded-For` is
    /// believed (none).
    pub trusted_proxies: Vec<IpNet>,
    /// `HSTS`: send `Strict-Transport-Security` (default false; only behind HTTPS).
    pub hsts: bool,
    /// `HEADER_READ_TIMEOUT_SECS` (10), `MAX_CONNECTIONS` (10,000) and
    /// `MAX_CONNECTIONS_PER_ADDRESS` (64): what slow or numerous clients get.
    pub listener: ListenerLimits,
    /// `AUDIT_RETENTION_DAYS` (90) and `MAIL_RETENTION_DAYS` (7): how long audit entries and sent
    /// mails are kept.
    pub retention: Retention,
    /// `SMTP_URL` (none: mails wait in the outbox; required in production), `MAIL_FROM` (default
    /// `Rust Auth <no-reply@localhost>`), `MAIL_RETRY_SECS` (5).
    pub mail: MailConfig,
    /// `PUBLIC_URL`: the app's address as users reach it, for links in mails (default: the site
    /// address; required in production).
    pub public_url: Option<String>,
    /// `PASSWORD_RESET_TTL_SECS` (1800), `EMAIL_VERIFY_TTL_SECS` (172800), `REQUIRE_VERIFIED_EMAIL`
    /// (false).
    pub recovery: Recovery,
    /// `REFRESH_TTL_SECS` (86400), `REMEMBER_TTL_SECS` (2592000), `SESSION_MAX_LIFETIME_SECS`
    /// (7776000), `REFRESH_REUSE_GRACE_SECS` (10), `REFRESH_MAX_PER_HOUR` (60).
    pub sessions: SessionSettings,
    /// `ENCRYPTION_KEY` (formerly `MFA_ENCRYPTION_KEY`): 32 bytes that seal secrets at rest and key
    /// refresh-token MACs (generated in development).
    pub encryption_key: Vec<u8>,
    /// `BODY_READ_TIMEOUT_SECS`: how long a request body may take to arrive (10).
    pub body_read_timeout: Duration,
    /// `REQUIRE_2FA_FOR_ADMINS`: admins must set up two-factor sign-in before the Admin board.
    pub require_2fa_for_admins: bool,
    /// `METRICS_ADDR`: where Prometheus metrics are served (off when unset).
    pub metrics_addr: Option<std::net::SocketAddr>,
}

/// How mail leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailConfig {
    /// The SMTP server, if any.
    pub smtp_url: Option<String>,
    /// The sender.
    pub from: String,
    /// The first retry's wait.
    pub retry_base: Duration,
}

impl Config {
    /// What request handling needs to know of the profile.
    pub fn profile(&self) -> Profile {
        Profile {
            production: self.app_env == AppEnv::Production,
            hsts: self.hsts,
            body_read_timeout: self.body_read_timeout,
        }
    }
}

impl Config {
    /// Reads the process environment, after loading `.env` if there is one.
    ///
    /// # Errors
    /// Every missing or invalid setting, one per line.
    pub fn from_env() -> Result<Self, String> {
        // A missing .env is normal; a malformed one is reported by the variables it fails to set.
        let _ = dotenvy::dotenv();
        Self::from_lookup(|key| std::env::var(key).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Builds the configuration from any key lookup (the environment, or a map in tests).
    ///
    /// # Errors
    /// Every missing or invalid setting, one per line.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut problems = Vec::new();
        let mut note = |problem: String| problems.push(problem);

        let app_env = match get("APP_ENV").as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("development" | "dev") => AppEnv::Development,
            Some("production" | "prod") => AppEnv::Production,
            Some(other) => {
                note(format!("APP_ENV must be `development` or `production`, not `{other}`"));
                AppEnv::Development
            }
        };
        let data_dir = PathBuf::from(get("DATA_DIR").unwrap_or_else(|| ".data".to_owned()));
        let database_url = get("DATABASE_URL").unwrap_or_else(|| {
            note("DATABASE_URL is not set (in development the server starts the project-local PostgreSQL; this needs scripts/db.sh and the PostgreSQL server binaries)".into());
            String::new()
        });
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let default_pool = u32::try_from(cores * 4).unwrap_or(8).max(8);
        let database_max_connections = number(&get, "DATABASE_MAX_CONNECTIONS", default_pool, &mut note);
        let bcrypt_cost = number(&get, "BCRYPT_COST", DEFAULT_BCRYPT_COST, &mut note);
        let signup = match flag(&get, "AUTH_OPEN_ROLE_SIGNUP", &mut note) {
            true => SignupPolicy::Open,
            false => SignupPolicy::AdminsOnly,
        };
        let default_ttl =
            if signup == SignupPolicy::Open { DEMO_JWT_EXPIRES_IN } else { DEFAULT_JWT_EXPIRES_IN };
        let jwt_ttl = Duration::from_secs(number(&get, "JWT_EXPIRES_IN", default_ttl, &mut note));
        if jwt_ttl.is_zero() {
            note("JWT_EXPIRES_IN must be at least 1 second".into());
        }
        let tokens = TokenSettings {
            ttl: jwt_ttl,
            issuer: get("JWT_ISSUER").unwrap_or_else(|| DEFAULT_ISSUER.to_owned()),
            audience: get("JWT_AUDIENCE").unwrap_or_else(|| DEFAULT_ISSUER.to_owned()),
        };
        let session_defaults = SessionSettings::default();
        let sessions = SessionSettings {
            refresh_ttl: Duration::from_secs(
                number(&get, "REFRESH_TTL_SECS", session_defaults.refresh_ttl.as_secs(), &mut note).max(60),
            ),
            remember_ttl: Duration::from_secs(
                number(&get, "REMEMBER_TTL_SECS", session_defaults.remember_ttl.as_secs(), &mut note).max(60),
            ),
            max_lifetime: Duration::from_secs(
                number(&get, "SESSION_MAX_LIFETIME_SECS", session_defaults.max_lifetime.as_secs(), &mut note)
                    .max(60),
            ),
            reuse_grace: Duration::from_secs(number(
                &get,
                "REFRESH_REUSE_GRACE_SECS",
                session_defaults.reuse_grace.as_secs(),
                &mut note,
            )),
            max_refreshes_per_hour: number(
                &get,
                "REFRESH_MAX_PER_HOUR",
                session_defaults.max_refreshes_per_hour,
                &mut note,
            )
            .max(1),
        };
        let require_2fa_for_admins = flag(&get, "REQUIRE_2FA_FOR_ADMINS", &mut note);
        let metrics_addr = get("METRICS_ADDR").and_then(|addr| {
            addr.trim()
                .parse()
                .map_err(|_| {
                    note(format!(
                        "METRICS_ADDR must be an address and port like 127.0.0.1:9100, not `{addr}`"
                    ))
                })
                .ok()
        });
        if app_env == AppEnv::Production {
            if signup == SignupPolicy::Open {
                note("AUTH_OPEN_ROLE_SIGNUP=true (demo mode: anyone may make themselves admin) is refused when APP_ENV=production".into());
            }
            if bcrypt_cost < MIN_PRODUCTION_BCRYPT_COST {
                note(format!(
                    "BCRYPT_COST must be at least {MIN_PRODUCTION_BCRYPT_COST} when APP_ENV=production (got {bcrypt_cost})"
                ));
            }
        }
        let throttle = throttle(&get, &mut note);
        let trusted_proxies = get("TRUSTED_PROXIES")
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .filter_map(|item| {
                        proxy_range(item)
                            .map_err(|_| {
                                note(format!("TRUSTED_PROXIES: `{item}` is not an IP address or CIDR range"))
                            })
                            .ok()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let hsts = flag(&get, "HSTS", &mut note);
        let defaults = ListenerLimits::default();
        let listener = ListenerLimits {
            header_read_timeout: Duration::from_secs(
                number(&get, "HEADER_READ_TIMEOUT_SECS", defaults.header_read_timeout.as_secs(), &mut note)
                    .max(1),
            ),
            max_connections: number(&get, "MAX_CONNECTIONS", defaults.max_connections, &mut note).max(1),
            max_per_address: number(&get, "MAX_CONNECTIONS_PER_ADDRESS", defaults.max_per_address, &mut note)
                .max(1),
        };
        let body_read_timeout =
            Duration::from_secs(number(&get, "BODY_READ_TIMEOUT_SECS", 10, &mut note).max(1));
        let audit_days = number(&get, "AUDIT_RETENTION_DAYS", DEFAULT_AUDIT_RETENTION_DAYS, &mut note).max(1);
        let mail_days = number(&get, "MAIL_RETENTION_DAYS", DEFAULT_MAIL_RETENTION_DAYS, &mut note).max(1);
        let retention = Retention {
            audit: Duration::from_secs(audit_days.saturating_mul(24 * 60 * 60)),
            mail: Duration::from_secs(mail_days.saturating_mul(24 * 60 * 60)),
        };
        let mail = MailConfig {
            smtp_url: get("SMTP_URL"),
            from: get("MAIL_FROM").unwrap_or_else(|| DEFAULT_MAIL_FROM.to_owned()),
            retry_base: Duration::from_secs(number(&get, "MAIL_RETRY_SECS", 5, &mut note).max(1)),
        };
        let public_url = get("PUBLIC_URL");
        let defaults = Recovery::default();
        let reset_secs = number(&get, "PASSWORD_RESET_TTL_SECS", defaults.reset_ttl.as_secs(), &mut note);
        let verify_secs = number(&get, "EMAIL_VERIFY_TTL_SECS", defaults.verify_ttl.as_secs(), &mut note);
        let recovery = Recovery {
            reset_ttl: Duration::from_secs(reset_secs.max(60)),
            verify_ttl: Duration::from_secs(verify_secs.max(60)),
            require_verified_email: flag(&get, "REQUIRE_VERIFIED_EMAIL", &mut note),
        };
        if app_env == AppEnv::Production {
            if mail.smtp_url.is_none() {
                note("SMTP_URL is required when APP_ENV=production (password resets and verification links are mailed)".into());
            }
            if public_url.is_none() {
                note("PUBLIC_URL is required when APP_ENV=production (the address the links in mails point to)".into());
            }
        }
        let log_json = match get("LOG_FORMAT").as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(other) => {
                note(format!("LOG_FORMAT must be `text` or `json`, not `{other}`"));
                false
            }
        };
        // `MFA_ENCRYPTION_KEY` is the key's first name, from when it sealed two-factor secrets only.
        let encryption_key = match get("ENCRYPTION_KEY").or_else(|| get("MFA_ENCRYPTION_KEY")) {
            Some(key) => key_bytes(&key).unwrap_or_else(|| {
                note(
                    "ENCRYPTION_KEY must be 32 bytes as 64 hexadecimal characters (`openssl rand -hex 32`)"
                        .into(),
                );
                Vec::new()
            }),
            None if app_env == AppEnv::Development => {
                dev_secret(&data_dir, DEV_MFA_KEY_FILE, "ENCRYPTION_KEY", 32)
                    .map(|hex| key_bytes(&hex).unwrap_or_default())
                    .unwrap_or_else(|err| {
                        note(err);
                        Vec::new()
                    })
            }
            None => {
                note("ENCRYPTION_KEY is required when APP_ENV=production (`openssl rand -hex 32`)".into());
                Vec::new()
            }
        };
        let jwt_secret = match get("JWT_SECRET") {
            Some(secret) => secret.into_bytes(),
            None if app_env == AppEnv::Development => {
                dev_secret(&data_dir, DEV_SECRET_FILE, "JWT_SECRET", 48)
                    .map(String::into_bytes)
                    .unwrap_or_else(|err| {
                        note(err);
                        Vec::new()
                    })
            }
            None => {
                note("JWT_SECRET is required when APP_ENV=production".into());
                Vec::new()
            }
        };
        if !jwt_secret.is_empty() && jwt_secret.len() < MIN_SECRET_BYTES {
            note(format!(
                "JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes, got {}; generate one with `openssl rand -base64 48`",
                jwt_secret.len()
            ));
        }

        if !problems.is_empty() {
            return Err(problems.join("\n"));
        }
        Ok(Config {
            database_url,
            database_max_connections,
            jwt_secret,
            tokens,
            bcrypt_cost,
            signup,
            app_env,
            data_dir,
            log_json,
            throttle,
            trusted_proxies,
            hsts,
            listener,
            retention,
            mail,
            public_url,
            recovery,
            sessions,
            encryption_key,
            body_read_timeout,
            require_2fa_for_admins,
            metrics_addr,
        })
    }
}

/// The throttling settings, each limit at least 1.
fn throttle(get: &impl Fn(&str) -> Option<String>, note: &mut impl FnMut(String)) -> Throttle {
    let defaults = Throttle::default();
    let mut limit =
        |key: &str, default: Option<i32>| Some(number(get, key, default.unwrap_or(1), note).max(1));
    let signin = Limits {
        per_pair: limit("SIGNIN_MAX_FAILURES", defaults.signin.per_pair),
        per_key: limit("SIGNIN_MAX_FAILURES_PER_ACCOUNT", defaults.signin.per_key),
        per_address: limit("SIGNIN_MAX_FAILURES_PER_ADDRESS", defaults.signin.per_address),
        window: defaults.signin.window,
    };
    let signup = Limits {
        per_address: limit("SIGNUP_MAX_PER_ADDRESS", defaults.signup.per_address),
        ..defaults.signup
    };
    let mail = Limits {
        per_key: limit("RECOVERY_MAX_PER_EMAIL", defaults.mail.per_key),
        per_address: limit("RECOVERY_MAX_PER_ADDRESS", defaults.mail.per_address),
        ..defaults.mail
    };
    let signin_attempts = Limits {
        per_address: limit("SIGNIN_MAX_ATTEMPTS_PER_ADDRESS", defaults.signin_attempts.per_address),
        ..defaults.signin_attempts
    };
    let mfa = Limits {
        per_pair: limit("MFA_MAX_FAILURES", defaults.mfa.per_pair),
        per_key: limit("MFA_MAX_FAILURES_PER_ACCOUNT", defaults.mfa.per_key),
        ..defaults.mfa
    };
    let email_change = Limits {
        per_key: limit("EMAIL_CHANGE_MAX_PER_HOUR", defaults.email_change.per_key),
        ..defaults.email_change
    };
    let mut window =
        |key: &str, default: Duration| Duration::from_secs(number(get, key, default.as_secs(), note).max(1));
    Throttle {
        signin: Limits { window: window("SIGNIN_WINDOW_SECS", signin.window), ..signin },
        signin_attempts: Limits {
            window: window("SIGNIN_WINDOW_SECS", signin_attempts.window),
            ..signin_attempts
        },
        mfa: Limits { window: window("MFA_WINDOW_SECS", mfa.window), ..mfa },
        signup: Limits { window: window("SIGNUP_WINDOW_SECS", signup.window), ..signup },
        mail: Limits { window: window("RECOVERY_WINDOW_SECS", mail.window), ..mail },
        email_change,
    }
}

/// A proxy address (`10.0.0.1`) or range (`10.0.0.0/8`).
fn proxy_range(item: &str) -> Result<IpNet, ()> {
    item.parse::<IpNet>().or_else(|_| item.parse::<IpAddr>().map(IpNet::from)).map_err(drop)
}

fn number<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: T,
    note: &mut impl FnMut(String),
) -> T {
    match get(key) {
        None => default,
        Some(raw) => raw.trim().parse().unwrap_or_else(|_| {
            note(format!("{key} must be a whole number, not `{raw}`"));
            default
        }),
    }
}

fn flag(get: &impl Fn(&str) -> Option<String>, key: &str, note: &mut impl FnMut(String)) -> bool {
    match get(key).as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("false" | "0" | "no" | "off") => false,
        Some("true" | "1" | "yes" | "on") => true,
        Some(other) => {
            note(format!("{key} must be `true` or `false`, not `{other}`"));
            false
        }
    }
}

/// A development secret of `bytes` random bytes, in hexadecimal: read from `DATA_DIR/<file>`, or
/// generated there on first use, so a restart keeps everyone signed in (and two-factor secrets
/// readable). Only ever used when `APP_ENV` is not production. A file that other users could read
/// is refused: whoever reads it can mint tokens.
fn dev_secret(data_dir: &Path, file: &str, setting: &str, bytes: usize) -> Result<String, String> {
    let path = data_dir.join(file);
    if let Ok(secret) = std::fs::read_to_string(&path) {
        ensure_private(&path)?;
        return Ok(secret.trim().to_owned());
    }
    let secret: String = (0..bytes).map(|_| format!("{:02x}", rand::random::<u8>())).collect();
    std::fs::create_dir_all(data_dir)
        .and_then(|()| write_private(&path, &secret))
        .map_err(|err| format!("could not keep a generated {setting} in {}: {err}", path.display()))?;
    tracing::warn!(path = %path.display(), "{setting} not set: generated a development one");
    Ok(secret)
}

/// 32 bytes from 64 hexadecimal characters.
fn key_bytes(hex: &str) -> Option<Vec<u8>> {
    let hex = hex.trim();
    if hex.len() != 64 {
        return None;
    }
    (0..32).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()).collect()
}

/// Refuses a secret file readable or writable by its group or others.
fn ensure_private(path: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode =
            std::fs::metadata(path).map_err(|err| format!("{}: {err}", path.display()))?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "{} is readable by other users (mode {:o}): run `chmod 600 {}` or delete it to generate a new one",
                path.display(),
                mode & 0o777,
                path.display()
            ));
        }
    }
    Ok(())
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// The configuration from `pairs`. Unless a test is about the generated development key (it
    /// names `DATA_DIR`), a key is given, so nothing is written to the working directory.
    fn config(pairs: &[(&str, &str)]) -> Result<Config, String> {
        let mut map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        if !map.contains_key("DATA_DIR") && !map.contains_key("APP_ENV") {
            map.entry("MFA_ENCRYPTION_KEY".into()).or_insert_with(|| MFA_KEY.into());
        }
        Config::from_lookup(|key| map.get(key).cloned())
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    const MFA_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[test]
    fn defaults_apply() {
        let config = config(&[
            ("DATABASE_URL", "postgres://x"),
            ("JWT_SECRET", SECRET),
            ("MFA_ENCRYPTION_KEY", MFA_KEY),
        ])
        .unwrap();
        assert_eq!(config.tokens.ttl, Duration::from_secs(900));
        assert_eq!(config.sessions, SessionSettings::default());
        assert_eq!(config.encryption_key.len(), 32);
        assert_eq!(config.tokens.issuer, "rust-auth");
        assert_eq!(config.throttle, Throttle::default());
        assert_eq!(config.listener, ListenerLimits::default());
        assert_eq!(config.retention, Retention::default());
        assert!(!config.hsts);
        assert_eq!(config.bcrypt_cost, 12);
        assert_eq!(config.signup, SignupPolicy::AdminsOnly);
        assert_eq!(config.app_env, AppEnv::Development);
    }

    #[test]
    fn short_secret_and_bad_numbers_are_all_reported() {
        let err = config(&[
            ("DATABASE_URL", "postgres://x"),
            ("JWT_SECRET", "short"),
            ("BCRYPT_COST", "twelve"),
            ("AUTH_OPEN_ROLE_SIGNUP", "maybe"),
        ])
        .unwrap_err();
        assert!(err.contains("JWT_SECRET must be at least 32 bytes"), "{err}");
        assert!(err.contains("BCRYPT_COST"), "{err}");
        assert!(err.contains("AUTH_OPEN_ROLE_SIGNUP"), "{err}");
    }

    #[test]
    fn production_requires_a_secret() {
        let err = config(&[("DATABASE_URL", "postgres://x"), ("APP_ENV", "production")]).unwrap_err();
        assert!(err.contains("JWT_SECRET is required"), "{err}");
    }

    #[test]
    fn development_generates_and_keeps_a_secret() {
        let dir = std::env::temp_dir().join(format!("rust-auth-config-{}", std::process::id()));
        let dir_str = dir.to_str().unwrap();
        let first = config(&[("DATABASE_URL", "postgres://x"), ("DATA_DIR", dir_str)]).unwrap();
        let second = config(&[("DATABASE_URL", "postgres://x"), ("DATA_DIR", dir_str)]).unwrap();
        assert_eq!(first.jwt_secret, second.jwt_secret);
        assert!(first.jwt_secret.len() >= MIN_SECRET_BYTES);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn throttling_and_proxies_are_configurable() {
        let parsed = config(&[
            ("DATABASE_URL", "x"),
            ("JWT_SECRET", SECRET),
            ("SIGNIN_MAX_FAILURES", "3"),
            ("SIGNIN_WINDOW_SECS", "60"),
            ("TRUSTED_PROXIES", "10.0.0.1, ::1"),
        ])
        .unwrap();
        assert_eq!(parsed.throttle.signin.per_pair, Some(3));
        assert_eq!(parsed.throttle.signin.per_key, Some(100));
        assert_eq!(parsed.throttle.signin.per_address, Some(50));
        assert_eq!(parsed.throttle.signin.window, Duration::from_secs(60));
        assert_eq!(parsed.throttle.signup.per_address, Some(20));
        assert_eq!(
            parsed.trusted_proxies,
            vec!["10.0.0.1/32".parse::<IpNet>().unwrap(), "::1/128".parse().unwrap()]
        );
        let ranges = config(&[
            ("DATABASE_URL", "x"),
            ("JWT_SECRET", SECRET),
            ("TRUSTED_PROXIES", "10.0.0.0/8,fd00::/8"),
        ]);
        assert_eq!(ranges.unwrap().trusted_proxies.len(), 2);
        let err =
            config(&[("DATABASE_URL", "x"), ("JWT_SECRET", SECRET), ("TRUSTED_PROXIES", "proxy.local")]);
        assert!(err.unwrap_err().contains("TRUSTED_PROXIES"));
    }

    #[test]
    fn production_refuses_demo_mode_and_cheap_bcrypt() {
        let err = config(&[
            ("DATABASE_URL", "x"),
            ("JWT_SECRET", SECRET),
            ("APP_ENV", "production"),
            ("AUTH_OPEN_ROLE_SIGNUP", "true"),
            ("BCRYPT_COST", "8"),
        ])
        .unwrap_err();
        assert!(err.contains("AUTH_OPEN_ROLE_SIGNUP") && err.contains("BCRYPT_COST"), "{err}");
        assert!(err.contains("SMTP_URL") && err.contains("PUBLIC_URL"), "{err}");
        let ok = config(&[
            ("DATABASE_URL", "x"),
            ("JWT_SECRET", SECRET),
            ("APP_ENV", "production"),
            ("HSTS", "true"),
            ("SMTP_URL", "smtps://mail.example.com"),
            ("PUBLIC_URL", "https://auth.example.com"),
            ("MFA_ENCRYPTION_KEY", MFA_KEY),
        ]);
        let profile = ok.unwrap().profile();
        assert!(profile.production && profile.hsts);
    }

    #[cfg(unix)]
    #[test]
    fn a_dev_secret_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("rust-auth-config-mode-{}", std::process::id()));
        let dir_str = dir.to_str().unwrap();
        config(&[("DATABASE_URL", "x"), ("DATA_DIR", dir_str)]).unwrap();
        let file = dir.join(DEV_SECRET_FILE);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = config(&[("DATABASE_URL", "x"), ("DATA_DIR", dir_str)]).unwrap_err();
        assert!(err.contains("chmod 600"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn open_role_signup_is_a_flag() {
        let config =
            config(&[("DATABASE_URL", "x"), ("JWT_SECRET", SECRET), ("AUTH_OPEN_ROLE_SIGNUP", "TRUE")])
                .unwrap();
        assert_eq!(config.signup, SignupPolicy::Open);
        // The tutorial's clients never refresh: demo mode keeps its 24-hour tokens.
        assert_eq!(config.tokens.ttl, Duration::from_secs(86_400));
    }
}
