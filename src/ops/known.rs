//! Callers known from a recent request: a request with the same API key, Bearer token or
//! password is answered without asking the database who it is from.
//!
//! Nothing here outlives a change. Every request that writes to the database moves the
//! generation on (`AppState::run` sees the connection's change count move), and an entry
//! counts only at the generation it was read at, so a revoked key, a disabled user or a
//! removed role stops at the next request. A change that another process makes to the file
//! (`gatehouse import` beside a running server) is seen within `KNOWN_FOR`. Entries also end
//! when their credential expires, and are keyed by a SHA-256 of the secret under a key that
//! lives only in this process, so the map holds nothing usable as a credential.

use crate::domain::access::Principal;
use crate::secrets;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use time::OffsetDateTime;

/// How long a caller stays known at most: also the bound on how late a change made by
/// another process is seen, and how often `lastUsedAt` and `lastLoginAt` can be refreshed.
pub const KNOWN_FOR: Duration = Duration::from_secs(5);

/// Enough for every service and person of a plant; beyond it, the map starts again.
const MAX_KNOWN: usize = 4096;

struct Known {
    principal: Principal,
    generation: u64,
    until: OffsetDateTime,
}

pub struct KnownCallers {
    key: [u8; 32],
    lifetime: Duration,
    generation: AtomicU64,
    entries: Mutex<HashMap<[u8; 32], Known>>,
}

/// What a recognised request presented, as the map's key.
pub type Recognition = [u8; 32];

impl KnownCallers {
    /// `lifetime` zero (or no randomness for the key) turns the map off.
    pub fn new(lifetime: Duration) -> KnownCallers {
        let mut key = [0u8; 32];
        let usable = secrets::fill(&mut key).is_ok();
        KnownCallers {
            key,
            lifetime: if usable {
                lifetime.min(KNOWN_FOR)
            } else {
                Duration::ZERO
            },
            generation: AtomicU64::new(0),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The key of a credential: its kind and its parts (a secret, or an email and a password).
    pub fn recognise(&self, kind: &str, parts: &[&str]) -> Recognition {
        let mut all: Vec<&[u8]> = vec![&self.key, kind.as_bytes()];
        for part in parts {
            all.push(b"\0");
            all.push(part.as_bytes());
        }
        secrets::digest_parts(&all)
    }

    /// The generation now: read before the database is, and handed to `remember`.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Something was written: every entry stops counting.
    pub fn moved_on(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The caller known by this credential, if still current at `now`.
    pub fn recall(&self, seen: &Recognition, now: OffsetDateTime) -> Option<Principal> {
        let entries = self.entries.lock().ok()?;
        let known = entries.get(seen)?;
        let current = known.generation == self.generation() && now < known.until;
        current.then(|| known.principal.clone())
    }

    /// Remembers a caller read from the database at `generation`, until `expires` (the
    /// credential's own end) or the lifetime, whichever is sooner.
    pub fn remember(
        &self,
        seen: Recognition,
        principal: &Principal,
        generation: u64,
        now: OffsetDateTime,
        expires: Option<OffsetDateTime>,
    ) {
        if self.lifetime.is_zero() || generation != self.generation() {
            return;
        }
        let until = now + self.lifetime;
        let until = expires.map_or(until, |e| e.min(until));
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= MAX_KNOWN {
            entries.retain(|_, k| k.until > now && k.generation == generation);
            if entries.len() >= MAX_KNOWN {
                entries.clear();
            }
        }
        let known = Known {
            principal: principal.clone(),
            generation,
            until,
        };
        entries.insert(seen, known);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::Credential;

    fn caller() -> Principal {
        Principal {
            user_id: "u".into(),
            email: "u@x.io".into(),
            superadmin: false,
            must_change_password: false,
            can_introspect: false,
            memberships: vec![],
            credential: Credential::ApiKey("k".into()),
            source: String::new(),
        }
    }

    #[test]
    fn a_known_caller_is_forgotten_by_any_write_by_time_and_by_expiry() {
        let known = KnownCallers::new(Duration::from_secs(300));
        let now = OffsetDateTime::UNIX_EPOCH;
        let seen = known.recognise("key", &["secret"]);
        assert_ne!(seen, known.recognise("key", &["other"]));
        assert_ne!(seen, known.recognise("bearer", &["secret"]));
        known.remember(seen, &caller(), known.generation(), now, None);
        assert_eq!(
            known.recall(&seen, now).map(|p| p.user_id),
            Some("u".into())
        );
        assert!(
            known.recall(&seen, now + KNOWN_FOR).is_none(),
            "at most KNOWN_FOR"
        );
        known.moved_on();
        assert!(known.recall(&seen, now).is_none(), "a write ends it");
        // Read before a write, remembered after it: never counts.
        let before = known.generation();
        known.moved_on();
        known.remember(seen, &caller(), before, now, None);
        assert!(known.recall(&seen, now).is_none());
        let soon = now + Duration::from_secs(1);
        known.remember(seen, &caller(), known.generation(), now, Some(soon));
        assert!(
            known.recall(&seen, soon).is_none(),
            "the credential's expiry ends it"
        );
        let off = KnownCallers::new(Duration::ZERO);
        off.remember(seen, &caller(), off.generation(), now, None);
        assert!(off.recall(&seen, now).is_none());
    }
}
