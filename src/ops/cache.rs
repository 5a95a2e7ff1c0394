//! Remembers successful Basic checks for a while, so that bcrypt runs once, not per request.
//!
//! An entry holds a salted SHA-256 of email and password under a key that lives only in this
//! process, so the cache holds nothing usable as a credential. Entries also carry the user's
//! credential epoch: a password change, disable or delete moves the epoch on (or removes the
//! user), and the entry stops matching at once; `forget` drops it as well.

use crate::secrets;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const MAX_ENTRIES: usize = 10_000;

struct Entry {
    digest: [u8; 32],
    user_id: String,
    epoch: i64,
    expires: Instant,
}

pub struct CredentialCache {
    key: [u8; 32],
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

impl CredentialCache {
    pub fn new(ttl: Duration) -> CredentialCache {
        let mut key = [0u8; 32];
        // Without randomness the cache would still be safe (it only ever matches what was
        // verified) but less so against a memory dump; refuse to cache then.
        let usable = secrets::fill(&mut key).is_ok();
        CredentialCache {
            key,
            ttl: if usable { ttl } else { Duration::ZERO },
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn digest(&self, email_key: &str, password: &str) -> [u8; 32] {
        secrets::digest_parts(&[&self.key, email_key.as_bytes(), password.as_bytes()])
    }

    /// The user id of a remembered, unexpired match for these credentials at this epoch.
    pub fn lookup(&self, email_key: &str, password: &str) -> Option<(String, i64)> {
        let digest = self.digest(email_key, password);
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(email_key)?;
        let fresh = entry.expires > Instant::now();
        (fresh && secrets::equal(&entry.digest, &digest))
            .then(|| (entry.user_id.clone(), entry.epoch))
    }

    pub fn remember(&self, email_key: &str, password: &str, user_id: &str, epoch: i64) {
        if self.ttl.is_zero() {
            return;
        }
        let entry = Entry {
            digest: self.digest(email_key, password),
            user_id: user_id.to_string(),
            epoch,
            expires: Instant::now() + self.ttl,
        };
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                let now = Instant::now();
                entries.retain(|_, e| e.expires > now);
                if entries.len() >= MAX_ENTRIES {
                    entries.clear();
                }
            }
            entries.insert(email_key.to_string(), entry);
        }
    }

    /// Drops every entry (for tests that must see bcrypt run again).
    pub fn forget_all(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    /// Drops every entry of this user (password change, disable, delete).
    pub fn forget(&self, user_id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, e| e.user_id != user_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_check_matches_only_the_same_password_until_forgotten() {
        let cache = CredentialCache::new(Duration::from_secs(60));
        cache.remember("a@x.io", "right password", "u1", 3);
        assert_eq!(
            cache.lookup("a@x.io", "right password"),
            Some(("u1".into(), 3))
        );
        assert_eq!(cache.lookup("a@x.io", "wrong password"), None);
        cache.forget("u1");
        assert_eq!(cache.lookup("a@x.io", "right password"), None);
    }
}
