//! Configuration, read once from the environment (and an optional `.env`) at start-up, through the
//! settings table (`table.rs`: every setting's one definition, from which the README's table and
//! `.env.example` are written too).
//!
//! Every problem is reported at once and the server refuses to start: a half-configured
//! authentication server is worse than none. A hand-written table rather than a configuration crate
//! (clap's `env`, figment, envy): those stop at the first bad value or cannot say what production
//! requires; this one reports everything in one go and documents itself.

pub mod docs;
mod reader;
pub mod table;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipnet::IpNet;

use app::ssr::guard::throttle::{Limits, Throttle};
use app::ssr::housekeeping::Retention;
use app::ssr::identity::settings::SignupPolicy;
use app::ssr::recovery::settings::Recovery;
use app::ssr::session::settings::SessionSettings;
use app::ssr::session::signing_keys::KeyPolicy;
use app::ssr::session::tokens::{MIN_SECRET_BYTES, Signing, TokenSettings};
use app::ssr::state::Profile;

use reader::Reader;
use table::{Production, SETTINGS};

use crate::listener::ListenerLimits;

/// Access-token lifetime in demo mode: 24 hours, as in the tutorial, whose clients never refresh.
const DEMO_JWT_EXPIRES_IN: u64 = 86_400;
/// File under `DATA_DIR` holding the generated development server key (named for its first use,
/// two-factor secrets).
const DEV_MFA_KEY_FILE: &str = "mfa-key";
/// Lowest bcrypt cost production accepts (OWASP's floor).
const MIN_PRODUCTION_BCRYPT_COST: u32 = 10;
/// File under `DATA_DIR` holding the generated development secret.
const DEV_SECRET_FILE: &str = "jwt-secret";
/// Seconds in a day.
const DAY: u64 = 24 * 60 * 60;

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
    /// `AUTH_CACHE_MB`: memory for the auth cache, in MiB (default 64; 0 turns it off).
    pub auth_cache_mb: u64,
    /// `JWT_ALGORITHM`: what signs new tokens (default ES256).
    pub jwt_algorithm: Signing,
    /// `JWT_SECRET`: HS256 key, at least 32 bytes (with ES256, verifies tokens issued before the
    /// switch).
    pub jwt_secret: Vec<u8>,
    /// `JWT_KEY_ROTATION_DAYS` (30) and `JWKS_MAX_AGE_SECS` (600), with the token lifetime: when
    /// ES256 keys rotate and retire.
    pub key_policy: KeyPolicy,
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
    /// `SHUTDOWN_DRAIN_SECS`: how long `/readyz` fails before the listener closes (default 0).
    pub shutdown_drain: Duration,
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
    /// `WEBAUTHN_RP_ID` and `WEBAUTHN_ORIGINS` as given (defaults come from the public URL once the
    /// site address is known: see [`Config::relying_party`]).
    pub webauthn: (Option<String>, Option<Vec<String>>),
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

/// The host of an `http(s)://host[:port]/...` address (an IPv6 one without its brackets).
fn url_host(address: &str) -> Option<String> {
    let rest = address.trim().split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => authority.split(':').next()?,
    };
    Some(host.to_ascii_lowercase())
}

impl Config {
    /// The app's address as its users reach it: `PUBLIC_URL`, or the site address, with `localhost`
    /// for a loopback IP (browsers refuse passkeys on an IP address, so development uses
    /// `http://localhost:PORT`).
    pub fn public_url(&self, site: std::net::SocketAddr) -> String {
        self.public_url.clone().unwrap_or_else(|| {
            // `localhost`, not 127.0.0.1: WebAuthn refuses IP addresses, and a page on
            // http://localhost is a secure context. A server listening on every address is
            // reached as localhost by its developer too.
            let local = site.ip().is_loopback() || site.ip().is_unspecified();
            let host = if local { "localhost".to_owned() } else { site.ip().to_string() };
            format!("http://{host}:{}", site.port())
        })
    }

    /// The WebAuthn relying party: `WEBAUTHN_RP_ID` (default: the public URL's host) and
    /// `WEBAUTHN_ORIGINS` (default: the public URL). `None`, passkeys off, when neither is set and
    /// the public URL's host is an IP address (browsers refuse passkeys there; a server reached by
    /// an address still starts, and says so).
    ///
    /// # Errors
    /// A sentence naming the setting that is wrong: an id or origins that cannot work together, an
    /// IP address given as the id, or, in production, an origin that is not https (localhost
    /// aside).
    pub fn relying_party(
        &self,
        site: std::net::SocketAddr,
    ) -> Result<Option<app::ssr::factors::settings::RelyingParty>, String> {
        let public = self.public_url(site);
        let (configured_id, configured_origins) = &self.webauthn;
        let origins = configured_origins.clone().unwrap_or_else(|| vec![public.clone()]);
        let id = match configured_id {
            Some(id) => id.clone(),
            None => match url_host(&public) {
                Some(host) if host.parse::<std::net::IpAddr>().is_ok() && configured_origins.is_none() => {
                    return Ok(None);
                }
                host => host.unwrap_or_default(),
            },
        };
        if self.app_env == AppEnv::Production {
            for origin in &origins {
                let local = url_host(origin).is_some_and(|host| host == "localhost");
                if !origin.trim().starts_with("https://") && !local {
                    return Err(format!(
                        "WEBAUTHN_ORIGINS: `{origin}` must be https:// in production (only localhost may be http)"
                    ));
                }
            }
        }
        app::ssr::factors::settings::RelyingParty::new(&id, &origins).map(Some)
    }

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
        let mut reader = Reader::new(&get);
        let read = &mut reader;

        let app_env =
            if read.choice("APP_ENV") == "production" { AppEnv::Production } else { AppEnv::Development };
        let production = app_env == AppEnv::Production;
        let data_dir = PathBuf::from(read.text("DATA_DIR").unwrap_or_default());
        let database_url = read.text("DATABASE_URL").unwrap_or_else(|| {
            read.note("DATABASE_URL is not set (in development the server starts the project-local PostgreSQL; this needs scripts/db.sh and the PostgreSQL server binaries)");
            String::new()
        });
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let default_pool = u64::try_from(cores * 4).unwrap_or(8).max(8);
        let database_max_connections =
            u32::try_from(read.whole("DATABASE_MAX_CONNECTIONS", Some(default_pool))).unwrap_or(u32::MAX);
        let auth_cache_mb = read.whole("AUTH_CACHE_MB", None);
        let bcrypt_cost: u32 = read.whole_as("BCRYPT_COST");
        let signup =
            if read.flag("AUTH_OPEN_ROLE_SIGNUP") { SignupPolicy::Open } else { SignupPolicy::AdminsOnly };
        // Demo mode keeps the tutorial's day-long tokens unless told otherwise.
        let jwt_ttl = match (signup, read.raw("JWT_EXPIRES_IN")) {
            (SignupPolicy::Open, None) => DEMO_JWT_EXPIRES_IN,
            _ => read.whole("JWT_EXPIRES_IN", None),
        };
        let tokens = TokenSettings {
            ttl: Duration::from_secs(jwt_ttl),
            issuer: read.text("JWT_ISSUER").unwrap_or_default(),
            audience: read.text("JWT_AUDIENCE").unwrap_or_default(),
        };
        let jwt_algorithm =
            if read.choice("JWT_ALGORITHM") == "HS256" { Signing::Hs256 } else { Signing::Es256 };
        let key_policy = KeyPolicy {
            rotation: Duration::from_secs(read.whole("JWT_KEY_ROTATION_DAYS", None).saturating_mul(DAY)),
            publish_ahead: Duration::from_secs(read.whole("JWKS_MAX_AGE_SECS", None)),
            token_ttl: tokens.ttl,
        };
        let secs = |read: &mut Reader, name: &str| Duration::from_secs(read.whole(name, None));
        let sessions = SessionSettings {
            refresh_ttl: secs(read, "REFRESH_TTL_SECS"),
            remember_ttl: secs(read, "REMEMBER_TTL_SECS"),
            max_lifetime: secs(read, "SESSION_MAX_LIFETIME_SECS"),
            reuse_grace: secs(read, "REFRESH_REUSE_GRACE_SECS"),
            max_refreshes_per_hour: read.whole_as("REFRESH_MAX_PER_HOUR"),
        };
        let require_2fa_for_admins = read.flag("REQUIRE_2FA_FOR_ADMINS");
        let metrics_addr = read.raw("METRICS_ADDR").and_then(|addr| {
            addr.trim()
                .parse()
                .map_err(|_| {
                    read.note(format!(
                        "METRICS_ADDR must be an address and port like 127.0.0.1:9100, not `{addr}`"
                    ))
                })
                .ok()
        });
        let throttle = throttle(read);
        let trusted_proxies = read
            .raw("TRUSTED_PROXIES")
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .filter_map(|item| {
                        proxy_range(item)
                            .map_err(|()| {
                                read.note(format!(
                                    "TRUSTED_PROXIES: `{item}` is not an IP address or CIDR range"
                                ))
                            })
                            .ok()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let hsts = read.flag("HSTS");
        let listener = ListenerLimits {
            header_read_timeout: secs(read, "HEADER_READ_TIMEOUT_SECS"),
            max_connections: read.whole_as("MAX_CONNECTIONS"),
            max_per_address: read.whole_as("MAX_CONNECTIONS_PER_ADDRESS"),
            shutdown_grace: secs(read, "SHUTDOWN_GRACE_SECS"),
        };
        let shutdown_drain = secs(read, "SHUTDOWN_DRAIN_SECS");
        let body_read_timeout = secs(read, "BODY_READ_TIMEOUT_SECS");
        let retention = Retention {
            audit: Duration::from_secs(read.whole("AUDIT_RETENTION_DAYS", None) * DAY),
            mail: Duration::from_secs(read.whole("MAIL_RETENTION_DAYS", None) * DAY),
        };
        let mail = MailConfig {
            smtp_url: read.raw("SMTP_URL"),
            from: read.text("MAIL_FROM").unwrap_or_default(),
            retry_base: secs(read, "MAIL_RETRY_SECS"),
        };
        let public_url = read.raw("PUBLIC_URL");
        let recovery = Recovery {
            reset_ttl: secs(read, "PASSWORD_RESET_TTL_SECS"),
            verify_ttl: secs(read, "EMAIL_VERIFY_TTL_SECS"),
            require_verified_email: read.flag("REQUIRE_VERIFIED_EMAIL"),
        };
        let log_json = read.choice("LOG_FORMAT") == "json";
        let webauthn = (
            read.raw("WEBAUTHN_RP_ID"),
            read.raw("WEBAUTHN_ORIGINS").map(|list| {
                list.split(',').map(str::trim).filter(|item| !item.is_empty()).map(str::to_owned).collect()
            }),
        );
        // `MFA_ENCRYPTION_KEY` is the key's first name, from when it sealed two-factor secrets only.
        let encryption_key = match read.raw("ENCRYPTION_KEY").or_else(|| read.raw_alias("MFA_ENCRYPTION_KEY"))
        {
            Some(key) => key_bytes(&key).unwrap_or_else(|| {
                read.note(
                    "ENCRYPTION_KEY must be 32 bytes as 64 hexadecimal characters (`openssl rand -hex 32`)",
                );
                Vec::new()
            }),
            None if !production => dev_secret(&data_dir, DEV_MFA_KEY_FILE, "ENCRYPTION_KEY", 32)
                .map(|hex| key_bytes(&hex).unwrap_or_default())
                .unwrap_or_else(|err| {
                    read.note(err);
                    Vec::new()
                }),
            None => Vec::new(), // reported below with the other settings production requires
        };
        let jwt_secret = match read.raw("JWT_SECRET") {
            Some(secret) => secret.into_bytes(),
            None if !production => dev_secret(&data_dir, DEV_SECRET_FILE, "JWT_SECRET", 48)
                .map(String::into_bytes)
                .unwrap_or_else(|err| {
                    read.note(err);
                    Vec::new()
                }),
            None => Vec::new(),
        };
        if !jwt_secret.is_empty() && jwt_secret.len() < MIN_SECRET_BYTES {
            read.note(format!(
                "JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes, got {}; generate one with `openssl rand -base64 48`",
                jwt_secret.len()
            ));
        }
        if production {
            production_rules(read, signup, bcrypt_cost);
            if jwt_algorithm == Signing::Hs256 && read.raw("JWT_SECRET").is_none() {
                read.note("JWT_SECRET is required when APP_ENV=production and JWT_ALGORITHM=HS256");
            }
        }
        reader.finish()?;
        Ok(Config {
            database_url,
            database_max_connections,
            auth_cache_mb,
            jwt_algorithm,
            jwt_secret,
            key_policy,
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
            shutdown_drain,
            retention,
            mail,
            public_url,
            recovery,
            sessions,
            encryption_key,
            body_read_timeout,
            require_2fa_for_admins,
            metrics_addr,
            webauthn,
        })
    }
}

/// What `APP_ENV=production` asks, from the table: every required setting set, and the rules.
fn production_rules(read: &mut Reader, signup: SignupPolicy, bcrypt_cost: u32) {
    for setting in SETTINGS.iter().filter(|setting| setting.production == Production::Required) {
        let set = read.raw(setting.name).is_some()
            || (setting.name == "ENCRYPTION_KEY" && read.raw_alias("MFA_ENCRYPTION_KEY").is_some());
        if !set {
            read.note(format!(
                "{} is required when APP_ENV=production: {}",
                setting.name, setting.description
            ));
        }
    }
    if signup == SignupPolicy::Open {
        read.note("AUTH_OPEN_ROLE_SIGNUP=true (demo mode: anyone may make themselves admin) is refused when APP_ENV=production");
    }
    if bcrypt_cost < MIN_PRODUCTION_BCRYPT_COST {
        read.note(format!(
            "BCRYPT_COST must be at least {MIN_PRODUCTION_BCRYPT_COST} when APP_ENV=production (got {bcrypt_cost})"
        ));
    }
}

/// The throttling settings.
fn throttle(read: &mut Reader) -> Throttle {
    let defaults = Throttle::default();
    let mut limit = |name: &str| Some(i32::try_from(read.whole(name, None)).unwrap_or(i32::MAX));
    let signin = Limits {
        per_pair: limit("SIGNIN_MAX_FAILURES"),
        per_key: limit("SIGNIN_MAX_FAILURES_PER_ACCOUNT"),
        per_address: limit("SIGNIN_MAX_FAILURES_PER_ADDRESS"),
        ..defaults.signin
    };
    let signin_attempts =
        Limits { per_address: limit("SIGNIN_MAX_ATTEMPTS_PER_ADDRESS"), ..defaults.signin_attempts };
    let signup = Limits { per_address: limit("SIGNUP_MAX_PER_ADDRESS"), ..defaults.signup };
    let mail = Limits {
        per_key: limit("RECOVERY_MAX_PER_EMAIL"),
        per_address: limit("RECOVERY_MAX_PER_ADDRESS"),
        ..defaults.mail
    };
    let mfa = Limits {
        per_pair: limit("MFA_MAX_FAILURES"),
        per_key: limit("MFA_MAX_FAILURES_PER_ACCOUNT"),
        ..defaults.mfa
    };
    let email_change = Limits { per_key: limit("EMAIL_CHANGE_MAX_PER_HOUR"), ..defaults.email_change };
    let mut window = |name: &str| Duration::from_secs(read.whole(name, None));
    let signin_window = window("SIGNIN_WINDOW_SECS");
    Throttle {
        signin: Limits { window: signin_window, ..signin },
        signin_attempts: Limits { window: signin_window, ..signin_attempts },
        mfa: Limits { window: window("MFA_WINDOW_SECS"), ..mfa },
        signup: Limits { window: window("SIGNUP_WINDOW_SECS"), ..signup },
        mail: Limits { window: window("RECOVERY_WINDOW_SECS"), ..mail },
        email_change,
    }
}

/// A proxy address (`10.0.0.1`) or range (`10.0.0.0/8`).
fn proxy_range(item: &str) -> Result<IpNet, ()> {
    item.parse::<IpNet>().or_else(|_| item.parse::<IpAddr>().map(IpNet::from)).map_err(drop)
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
        // ES256 (the default) signs with keys from the database: JWT_SECRET is optional then.
        let err = config(&[("DATABASE_URL", "postgres://x"), ("APP_ENV", "production")]).unwrap_err();
        assert!(err.contains("ENCRYPTION_KEY is required"), "{err}");
        assert!(!err.contains("JWT_SECRET"), "{err}");
        let err = config(&[
            ("DATABASE_URL", "postgres://x"),
            ("APP_ENV", "production"),
            ("JWT_ALGORITHM", "HS256"),
        ])
        .unwrap_err();
        assert!(err.contains("JWT_SECRET is required"), "{err}");
        let err = config(&[("DATABASE_URL", "postgres://x"), ("JWT_ALGORITHM", "RS256")]).unwrap_err();
        assert!(err.contains("JWT_ALGORITHM must be one of ES256, HS256"), "{err}");
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

    #[test]
    fn the_passkey_relying_party_follows_the_public_url_and_is_checked() {
        let site: std::net::SocketAddr = "127.0.0.1:3000".parse().unwrap();
        let base = [("DATABASE_URL", "x"), ("JWT_SECRET", SECRET)];
        let party = |extra: &[(&str, &str)]| {
            let pairs: Vec<(&str, &str)> = base.iter().chain(extra).copied().collect();
            config(&pairs).unwrap().relying_party(site)
        };
        // Development on a loopback address: http://localhost:3000.
        assert_eq!(party(&[]).unwrap().unwrap().id, "localhost");
        // A public URL by name: its host.
        let named = party(&[("PUBLIC_URL", "https://auth.example.com")]).unwrap().unwrap();
        assert_eq!(named.id, "auth.example.com");
        // Reached by an IP address, nothing configured: passkeys off, the server still starts.
        assert!(party(&[("PUBLIC_URL", "http://203.0.113.5:3000")]).unwrap().is_none());
        assert!(party(&[("PUBLIC_URL", "http://[2001:db8::1]:3000")]).unwrap().is_none());
        // What is set must work, or the server says why.
        let err = party(&[("WEBAUTHN_RP_ID", "203.0.113.5")]).unwrap_err();
        assert!(err.contains("WEBAUTHN_RP_ID") && err.contains("IP"), "{err}");
        let err = party(&[
            ("PUBLIC_URL", "https://auth.example.com"),
            ("WEBAUTHN_ORIGINS", "https://evil.example"),
        ])
        .unwrap_err();
        assert!(err.contains("WEBAUTHN_ORIGINS") && err.contains("evil.example"), "{err}");
        let subdomains = party(&[
            ("WEBAUTHN_RP_ID", "example.com"),
            ("WEBAUTHN_ORIGINS", "https://example.com,https://auth.example.com"),
        ]);
        assert_eq!(subdomains.unwrap().unwrap().id, "example.com");
        // Production: https only, localhost aside.
        let production = [
            ("APP_ENV", "production"),
            ("SMTP_URL", "smtps://mail.example.com"),
            ("MFA_ENCRYPTION_KEY", MFA_KEY),
        ];
        let plain: Vec<(&str, &str)> =
            production.iter().copied().chain([("PUBLIC_URL", "http://auth.example.com")]).collect();
        let err = party(&plain).unwrap_err();
        assert!(err.contains("https"), "{err}");
        let secure: Vec<(&str, &str)> =
            production.iter().copied().chain([("PUBLIC_URL", "https://auth.example.com")]).collect();
        assert!(party(&secure).unwrap().is_some());
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

    /// The README's settings table and `.env.example` are written from the table; this fails when
    /// either drifts. `UPDATE_SETTINGS=1 cargo test -p server --lib config` rewrites both.
    #[test]
    fn the_readme_and_env_example_follow_the_table() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let readme_path = root.join("README.md");
        let readme = std::fs::read_to_string(&readme_path).unwrap();
        let start = readme.find(docs::README_START).expect("the README marks its settings table");
        let end = readme.find(docs::README_END).expect("the README ends its settings table")
            + docs::README_END.len()
            + 1;
        let current = &readme[start..end];
        let env_path = root.join(".env.example");
        let env = std::fs::read_to_string(&env_path).unwrap();
        if std::env::var_os("UPDATE_SETTINGS").is_some() {
            std::fs::write(
                &readme_path,
                format!("{}{}{}", &readme[..start], docs::markdown(), &readme[end..]),
            )
            .unwrap();
            std::fs::write(&env_path, docs::env_example()).unwrap();
            return;
        }
        assert_eq!(
            current,
            docs::markdown(),
            "README.md's settings table drifted: UPDATE_SETTINGS=1 cargo test -p server --lib config"
        );
        assert_eq!(
            env,
            docs::env_example(),
            ".env.example drifted: UPDATE_SETTINGS=1 cargo test -p server --lib config"
        );
    }

    #[test]
    fn every_setting_read_is_in_the_table_and_out_of_range_is_reported() {
        let err = config(&[
            ("DATABASE_URL", "x"),
            ("JWT_SECRET", SECRET),
            ("REFRESH_TTL_SECS", "30"),
            ("MAX_CONNECTIONS_PER_ADDRESS", "0"),
            ("LOG_FORMAT", "xml"),
        ])
        .unwrap_err();
        assert!(err.contains("REFRESH_TTL_SECS must be between 60"), "{err}");
        assert!(err.contains("MAX_CONNECTIONS_PER_ADDRESS must be between 1"), "{err}");
        assert!(err.contains("LOG_FORMAT must be one of text, json"), "{err}");
    }
}
