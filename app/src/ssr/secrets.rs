//! The server's own key (`ENCRYPTION_KEY`, formerly `MFA_ENCRYPTION_KEY`): what keeps secrets at
//! rest unreadable to whoever holds only a copy of the database.
//!
//! It seals (AES-256-GCM) what must be read back later: two-factor secrets, mails waiting in the
//! outbox. It also derives MAC keys, one per purpose, for values the server recognises without
//! storing them (refresh tokens). A purpose's key is `HMAC-SHA256(key, purpose)`, so no two uses
//! share a key.

use std::sync::Arc;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{AppError, Result};

/// Length of the key, in bytes.
pub const KEY_BYTES: usize = 32;
/// Length of a nonce, in bytes.
pub const NONCE_BYTES: usize = 12;

/// The server key, built once at start-up.
#[derive(Clone)]
pub struct ServerKey {
    cipher: Arc<Aes256Gcm>,
    key: Arc<[u8; KEY_BYTES]>,
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey(..)")
    }
}

impl ServerKey {
    /// The key from its 32 bytes.
    ///
    /// # Errors
    /// A key of another length.
    pub fn new(key: &[u8]) -> Result<Self, String> {
        let key: [u8; KEY_BYTES] = key
            .try_into()
            .map_err(|_| format!("ENCRYPTION_KEY must be {KEY_BYTES} bytes (got {})", key.len()))?;
        let cipher =
            Aes256Gcm::new_from_slice(&key).map_err(|_| "ENCRYPTION_KEY is not usable".to_owned())?;
        Ok(ServerKey { cipher: Arc::new(cipher), key: Arc::new(key) })
    }

    /// Seals `plain` under a fresh random nonce; returns the ciphertext and the nonce.
    ///
    /// # Errors
    /// `Internal` if encryption fails (it cannot for inputs of this size).
    pub fn seal(&self, plain: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
        let nonce: [u8; NONCE_BYTES] = rand::random();
        let sealed = self.cipher.encrypt(Nonce::from_slice(&nonce), plain).map_err(|_| AppError::Internal)?;
        Ok((sealed, nonce.to_vec()))
    }

    /// Opens what [`seal`](Self::seal) sealed.
    ///
    /// # Errors
    /// `Internal` when the nonce is malformed or the ciphertext was not sealed under this key
    /// (logged: the key was probably changed).
    pub fn open(&self, sealed: &[u8], nonce: &[u8]) -> Result<Vec<u8>> {
        if nonce.len() != NONCE_BYTES {
            return Err(AppError::Internal);
        }
        self.cipher.decrypt(Nonce::from_slice(nonce), sealed).map_err(|_| {
            tracing::error!("a sealed value could not be opened: was ENCRYPTION_KEY changed?");
            AppError::Internal
        })
    }

    /// HMAC-SHA256 of `parts` (each length-prefixed, so no two lists collide) under the key of
    /// `purpose`.
    pub fn mac(&self, purpose: &str, parts: &[&[u8]]) -> [u8; 32] {
        let mut derive =
            <Hmac<Sha256> as Mac>::new_from_slice(self.key.as_slice()).expect("HMAC takes any key");
        derive.update(purpose.as_bytes());
        let purpose_key = derive.finalize().into_bytes();
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&purpose_key).expect("HMAC takes any key");
        for part in parts {
            mac.update(&u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// The bytes of lower- or upper-case hexadecimal `text`, if it is that.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| text.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect()
}

/// Compares two byte strings in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_under_their_key() {
        let key = ServerKey::new(&[3; 32]).unwrap();
        let (sealed, nonce) = key.seal(b"a secret of twenty b").unwrap();
        assert_ne!(&sealed[..20], b"a secret of twenty b");
        assert_eq!(key.open(&sealed, &nonce).unwrap(), b"a secret of twenty b");
        assert!(ServerKey::new(&[4; 32]).unwrap().open(&sealed, &nonce).is_err());
        assert!(ServerKey::new(&[1; 16]).is_err());
    }

    #[test]
    fn macs_differ_by_purpose_and_by_parts() {
        let key = ServerKey::new(&[3; 32]).unwrap();
        assert_eq!(key.mac("a", &[b"x"]), key.mac("a", &[b"x"]));
        assert_ne!(key.mac("a", &[b"x"]), key.mac("b", &[b"x"]));
        assert_ne!(key.mac("a", &[b"xy", b"z"]), key.mac("a", &[b"x", b"yz"]));
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(hex(&[0, 15, 255]), "000fff");
        assert_eq!(unhex("000fFF"), Some(vec![0, 15, 255]));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
        assert!(constant_time_eq(b"abc", b"abc") && !constant_time_eq(b"abc", b"abd"));
    }
}
