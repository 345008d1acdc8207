//! Configuration, read once from the environment (and an optional `.env`) at start-up.
//!
//! Every problem is reported at once and the server refuses to start: a half-configured
//! authentication server is worse than none.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use app::ssr::state::SignupPolicy;
use app::ssr::throttle::ThrottleLimits;
use app::ssr::tokens::MIN_SECRET_BYTES;

/// Default token lifetime: 24 hours, as in the tutorial.
const DEFAULT_JWT_EXPIRES_IN: u64 = 86_400;
/// Default bcrypt cost: 12 (the tutorial's 8 is too cheap today).
const DEFAULT_BCRYPT_COST: u32 = 12;
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
    /// `JWT_EXPIRES_IN`: token lifetime in seconds (default 86400).
    pub jwt_ttl: Duration,
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
    /// `SIGNIN_MAX_FAILURES` (5), `SIGNIN_MAX_FAILURES_PER_ADDRESS` (50), `SIGNIN_WINDOW_SECS` (900).
    pub throttle: ThrottleLimits,
    /// `TRUSTED_PROXIES`: comma-separated addresses whose `X-Forwarded-For` is believed (none).
    pub trusted_proxies: Vec<IpAddr>,
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
            note("DATABASE_URL is not set (the run and test scripts set it for the local database)".into());
            String::new()
        });
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let default_pool = u32::try_from(cores * 4).unwrap_or(8).max(8);
        let database_max_connections = number(&get, "DATABASE_MAX_CONNECTIONS", default_pool, &mut note);
        let jwt_ttl = Duration::from_secs(number(&get, "JWT_EXPIRES_IN", DEFAULT_JWT_EXPIRES_IN, &mut note));
        if jwt_ttl.is_zero() {
            note("JWT_EXPIRES_IN must be at least 1 second".into());
        }
        let bcrypt_cost = number(&get, "BCRYPT_COST", DEFAULT_BCRYPT_COST, &mut note);
        let signup = match flag(&get, "AUTH_OPEN_ROLE_SIGNUP", &mut note) {
            true => SignupPolicy::Open,
            false => SignupPolicy::AdminsOnly,
        };
        let defaults = ThrottleLimits::default();
        let throttle = ThrottleLimits {
            per_account: number(&get, "SIGNIN_MAX_FAILURES", defaults.per_account, &mut note).max(1),
            per_address: number(&get, "SIGNIN_MAX_FAILURES_PER_ADDRESS", defaults.per_address, &mut note)
                .max(1),
            window: Duration::from_secs(number(
                &get,
                "SIGNIN_WINDOW_SECS",
                defaults.window.as_secs(),
                &mut note,
            )),
        };
        let trusted_proxies = get("TRUSTED_PROXIES")
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .filter_map(|item| {
                        item.parse()
                            .map_err(|_| note(format!("TRUSTED_PROXIES: `{item}` is not an IP address")))
                            .ok()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let log_json = match get("LOG_FORMAT").as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(other) => {
                note(format!("LOG_FORMAT must be `text` or `json`, not `{other}`"));
                false
            }
        };
        let jwt_secret = match get("JWT_SECRET") {
            Some(secret) => secret.into_bytes(),
            None if app_env == AppEnv::Development => dev_secret(&data_dir).unwrap_or_else(|err| {
                note(err);
                Vec::new()
            }),
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
            jwt_ttl,
            bcrypt_cost,
            signup,
            app_env,
            data_dir,
            log_json,
            throttle,
            trusted_proxies,
        })
    }
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

/// The development secret: read from `DATA_DIR/jwt-secret`, or generated there on first use, so a
/// restart keeps everyone signed in. Only ever used when `APP_ENV` is not production.
fn dev_secret(data_dir: &Path) -> Result<Vec<u8>, String> {
    let path = data_dir.join(DEV_SECRET_FILE);
    if let Ok(secret) = std::fs::read_to_string(&path) {
        return Ok(secret.trim().as_bytes().to_vec());
    }
    let secret: String = (0..48).map(|_| format!("{:02x}", rand::random::<u8>())).collect();
    std::fs::create_dir_all(data_dir)
        .and_then(|()| write_private(&path, &secret))
        .map_err(|err| format!("could not keep a generated JWT_SECRET in {}: {err}", path.display()))?;
    tracing::warn!(path = %path.display(), "JWT_SECRET not set: generated a development secret");
    Ok(secret.into_bytes())
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

    fn config(pairs: &[(&str, &str)]) -> Result<Config, String> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|key| map.get(key).cloned())
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn defaults_apply() {
        let config = config(&[("DATABASE_URL", "postgres://x"), ("JWT_SECRET", SECRET)]).unwrap();
        assert_eq!(config.jwt_ttl, Duration::from_secs(86_400));
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
        assert_eq!(parsed.throttle.per_account, 3);
        assert_eq!(parsed.throttle.per_address, 50);
        assert_eq!(parsed.throttle.window, Duration::from_secs(60));
        assert_eq!(
            parsed.trusted_proxies,
            vec!["10.0.0.1".parse::<IpAddr>().unwrap(), "::1".parse().unwrap()]
        );
        let err =
            config(&[("DATABASE_URL", "x"), ("JWT_SECRET", SECRET), ("TRUSTED_PROXIES", "proxy.local")]);
        assert!(err.unwrap_err().contains("TRUSTED_PROXIES"));
    }

    #[test]
    fn open_role_signup_is_a_flag() {
        let config =
            config(&[("DATABASE_URL", "x"), ("JWT_SECRET", SECRET), ("AUTH_OPEN_ROLE_SIGNUP", "TRUE")]);
        assert_eq!(config.unwrap().signup, SignupPolicy::Open);
    }
}
