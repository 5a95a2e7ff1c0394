//! Random secrets, their stored digests, and constant-time comparison.

use crate::error::Error;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Fills `buf` from the operating system's random source.
pub fn fill(buf: &mut [u8]) -> Result<(), Error> {
    getrandom::fill(buf).map_err(|e| Error::Internal(format!("random source: {e}")))
}

/// A random secret of `bytes` bytes, as lower-case hex, prefixed with `prefix`.
pub fn token(prefix: &str, bytes: usize) -> Result<String, Error> {
    let mut buf = vec![0u8; bytes];
    fill(&mut buf)?;
    Ok(format!("{prefix}{}", hex(&buf)))
}

/// The SHA-256 of a secret: what is stored instead of the secret.
pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// SHA-256 over several parts, each length-prefixed so that parts cannot run into each other.
pub fn digest_parts(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hasher.finalize().into()
}

pub fn equal(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_long_random_and_prefixed() {
        let a = super::token("ghk_", 32).unwrap();
        assert!(a.starts_with("ghk_") && a.len() == 4 + 64);
        assert_ne!(a, super::token("ghk_", 32).unwrap());
        assert!(super::equal(&super::digest(&a), &super::digest(&a)));
    }
}
