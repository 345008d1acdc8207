//! Two-factor helpers: reading the secret the set-up hands out, and computing its codes.

use app::ssr::factors::totp::{hotp, step_at};

/// Decodes RFC 4648 base32 (what the set-up hands out).
pub fn base32_decode(text: &str) -> Vec<u8> {
    let (mut buffer, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => panic!("not base32: {text}"),
        };
        buffer = (buffer << 5) | u32::from(value);
        bits += 5;
        if bits >= 8 {
            out.push((buffer >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    out
}

/// The 30-second step now.
pub fn now_step() -> u64 {
    step_at(u64::try_from(chrono::Utc::now().timestamp()).unwrap())
}

/// The code of `secret` at `step`.
pub fn code(secret: &[u8], step: u64) -> String {
    format!("{:06}", hotp(secret, step))
}
