//! bcrypt hashing, always off the async runtime and never more at once than there are cores.
//!
//! One bcrypt verify at cost 12 takes about a quarter of a second of CPU. Running it on a runtime
//! worker would stall every other request on that worker, so it goes to the blocking pool; a
//! semaphore sized to the cores keeps a burst of sign-ins from starting hundreds of threads that
//! would only fight over the same CPUs.
//!
//! bcrypt reads at most 72 bytes. Longer passwords are refused at sign-up and never match at
//! sign-in, so no password is ever silently cut to a prefix.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use tokio::sync::Semaphore;

use crate::error::{AppError, Result};
use crate::validation::PASSWORD_MAX_BYTES;

/// The work factors bcrypt accepts.
const COSTS: std::ops::RangeInclusive<u32> = 4..=31;

/// Hashes and verifies passwords at a fixed cost.
#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    permits: Arc<Semaphore>,
    /// A real hash of a random password at `cost`, verified when the account does not exist so an
    /// unknown username costs the same time as a wrong password.
    dummy_hash: Arc<OnceLock<String>>,
    /// bcrypt runs so far (hashes and verifies): what "answered before any hash" is checked with.
    runs: Arc<AtomicU64>,
}

impl PasswordHasher {
    /// A hasher at bcrypt `cost` running at most `parallelism` hashes at once.
    ///
    /// # Errors
    /// A cost outside bcrypt's 4..=31.
    pub fn new(cost: u32, parallelism: usize) -> Result<Self, String> {
        if !COSTS.contains(&cost) {
            return Err(format!(
                "BCRYPT_COST must be between {} and {} (got {cost})",
                COSTS.start(),
                COSTS.end()
            ));
        }
        let dummy_hash = Arc::new(OnceLock::new());
        // Computed in the background so start-up does not wait a whole hash; a sign-in that
        // needs it before it is ready waits for it (OnceLock blocks concurrent initialisers).
        let warm = Arc::clone(&dummy_hash);
        std::thread::spawn(move || warm.get_or_init(|| dummy_hash_at(cost)).len());
        Ok(PasswordHasher {
            cost,
            permits: Arc::new(Semaphore::new(parallelism.max(1))),
            dummy_hash,
            runs: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Hashes `password` with a fresh salt.
    ///
    /// # Errors
    /// `Internal` if the blocking task fails.
    pub async fn hash(&self, password: String) -> Result<String> {
        let cost = self.cost;
        if password.len() > PASSWORD_MAX_BYTES {
            return Err(AppError::invalid_field("password", "Password must be at most 72 bytes."));
        }
        self.run(move || bcrypt::hash(password, cost)).await
    }

    /// Whether `password` matches `hash`. A malformed stored hash counts as no match (and is logged).
    ///
    /// # Errors
    /// `Internal` if the blocking task fails.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool> {
        if password.len() > PASSWORD_MAX_BYTES {
            return Ok(false); // never stored, so never a match (bcrypt would compare a prefix)
        }
        self.run(move || bcrypt::verify(password, &hash)).await.or_else(|err| match err {
            AppError::Internal => Err(err),
            _ => Ok(false),
        })
    }

    /// Burns the same work as [`verify`](Self::verify) against an account that does not exist.
    ///
    /// # Errors
    /// `Internal` if the blocking task fails.
    pub async fn verify_dummy(&self, password: String) -> Result<()> {
        if password.len() > PASSWORD_MAX_BYTES {
            return Ok(()); // `verify` answers these at once too
        }
        let dummy = self.dummy_hash.clone();
        let cost = self.cost;
        self.run(move || bcrypt::verify(password, dummy.get_or_init(|| dummy_hash_at(cost)))).await.map(drop)
    }

    /// How many bcrypt hashes and verifies this hasher has run (metric `bcrypt_runs_total` too).
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, bcrypt::BcryptError> + Send + 'static,
    ) -> Result<T> {
        // How long a hash waits for a core is what a burst of sign-ins costs everyone else.
        let queued = std::time::Instant::now();
        let _permit = self.permits.acquire().await.map_err(|_| AppError::Internal)?;
        metrics::histogram!("bcrypt_queue_wait_seconds").record(queued.elapsed().as_secs_f64());
        self.runs.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("bcrypt_runs_total").increment(1);
        match tokio::task::spawn_blocking(work).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => {
                tracing::warn!(%err, "bcrypt refused its input");
                Err(AppError::bad_request("The password could not be processed."))
            }
            Err(err) => {
                tracing::error!(%err, "bcrypt task failed");
                Err(AppError::Internal)
            }
        }
    }
}

/// A hash of a random password nobody knows.
fn dummy_hash_at(cost: u32) -> String {
    bcrypt::hash(rand::random::<u128>().to_string(), cost).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_mismatches_do_not() {
        let hasher = PasswordHasher::new(4, 2).unwrap();
        let hash = hasher.hash("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$2b$04$"));
        assert!(hasher.verify("correct horse".into(), hash.clone()).await.unwrap());
        assert!(!hasher.verify("wrong horse".into(), hash).await.unwrap());
        assert!(!hasher.verify("x".into(), "not a hash".into()).await.unwrap());
        hasher.verify_dummy("anything".into()).await.unwrap();
        assert_eq!(hasher.runs(), 5);
        // Over-long passwords are answered without bcrypt.
        assert!(!hasher.verify("x".repeat(73), "irrelevant".into()).await.unwrap());
        assert_eq!(hasher.runs(), 5);
    }

    #[test]
    fn costs_outside_bcrypt_range_are_refused() {
        assert!(PasswordHasher::new(3, 1).is_err());
        assert!(PasswordHasher::new(32, 1).is_err());
    }
}
