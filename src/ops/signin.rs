//! Password sign-in, shared by HTTP Basic, the OAuth password grant and the login endpoint:
//! account lockout after consecutive failures, throttling of failing client addresses, the
//! credential cache, and the audit of every real check.

use super::audit::{self, Actor, Event};
use super::Env;
use crate::clock;
use crate::db::{self, users as store};
use crate::error::Error;
use rusqlite::Connection;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;

/// Failed sign-ins per client address within a fixed window.
pub struct Throttle {
    windows: Mutex<HashMap<String, (i64, u32)>>,
}

const MAX_TRACKED_ADDRESSES: usize = 100_000;

impl Throttle {
    pub fn new() -> Throttle {
        Throttle {
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds to wait when `address` is over its limit, else None.
    pub fn blocked(&self, env: &Env, address: &str) -> Option<u64> {
        let now = env.clock.now().unix_timestamp();
        let window = env.config.lockout.address_window.0.as_secs() as i64;
        let windows = self.windows.lock().ok()?;
        let (start, count) = windows.get(address)?;
        let open = now < start + window;
        (open && *count >= env.config.lockout.address_max_failures)
            .then(|| (start + window - now).max(1) as u64)
    }

    pub fn failed(&self, env: &Env, address: &str) {
        let now = env.clock.now().unix_timestamp();
        let window = env.config.lockout.address_window.0.as_secs() as i64;
        let Ok(mut windows) = self.windows.lock() else {
            return;
        };
        if windows.len() >= MAX_TRACKED_ADDRESSES {
            windows.retain(|_, (start, _)| now < *start + window);
        }
        let entry = windows.entry(address.to_string()).or_insert((now, 0));
        if now >= entry.0 + window {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle::new()
    }
}

/// How the password was presented, for the audit trail.
#[derive(Debug, Clone, Copy)]
pub enum Via {
    Basic,
    PasswordGrant,
    Login,
    PasswordChange,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Via::Basic => "basic",
            Via::PasswordGrant => "password_grant",
            Via::Login => "login",
            Via::PasswordChange => "password_change",
        }
    }
}

/// Checks an email and password; returns the user id. Every failure is `Unauthenticated`
/// whatever its cause (unknown, wrong, disabled, locked), or `TooManyRequests` for an address
/// that has failed too often.
pub fn password(
    conn: &mut Connection,
    env: &Env,
    email: &str,
    password: &str,
    source: &str,
    via: Via,
) -> Result<String, Error> {
    if let Some(wait) = env.throttle.blocked(env, source) {
        return Err(Error::TooManyRequests(wait));
    }
    let email_key = email.trim().to_lowercase();
    let stored = store::find_credentials(conn, &email_key)?;
    let now = env.clock.now();
    let locked = stored
        .as_ref()
        .and_then(|s| s.locked_until.as_deref())
        .and_then(clock::parse)
        .is_some_and(|until| until > now);
    if let (Some(stored), Some((user_id, epoch)), false) =
        (&stored, env.cache.lookup(&email_key, password), locked)
    {
        if stored.active && stored.user_id == user_id && stored.epoch == epoch {
            if stored.failed_logins > 0 {
                // A success resets the count of failures in a row, remembered or not.
                store::record_login(conn, &user_id, &clock::format(now))?;
            }
            return Ok(user_id);
        }
    }
    let hash = stored
        .as_ref()
        .map_or(env.dummy_hash.as_str(), |s| s.password_hash.as_str());
    // bcrypt runs in every case, so that an unknown or locked account takes as long as any other.
    let matches = bcrypt::non_truncating_verify(password, hash).unwrap_or(false);
    let actor = Actor {
        id: stored.as_ref().map(|s| s.user_id.clone()),
        email: Some(crate::logging::escape(
            &email_key.chars().take(254).collect::<String>(),
        )),
        credential_kind: Some(via.as_str().to_string()),
        credential_id: None,
        source: Some(source.to_string()),
    };
    let tx = db::write(conn)?;
    let organisations = match &stored {
        Some(s) => audit::organisations_of(&store::list_memberships(&tx, &[s.user_id.as_str()])?),
        None => Vec::new(),
    };
    let outcome = match &stored {
        Some(s) if matches && s.active && !locked => {
            store::record_login(&tx, &s.user_id, &clock::format(now))?;
            let event = Event::new("signin")
                .target("user", &s.user_id)
                .organisations(organisations);
            audit::record(&tx, env, &actor, event)?;
            Ok(s.user_id.clone())
        }
        _ => {
            let reason = match &stored {
                None => "unknown account",
                Some(_) if locked => "account locked",
                Some(s) if !s.active => "account disabled",
                Some(_) => "wrong password",
            };
            let mut event = Event::new("signin")
                .failed()
                .organisations(organisations.clone())
                .summary(json!({"reason": reason}));
            if let Some(s) = &stored {
                event = event.target("user", &s.user_id);
                if !locked && !matches {
                    count_failure(&tx, env, &actor, s.user_id.as_str(), organisations)?;
                }
            }
            audit::record(&tx, env, &actor, event)?;
            env.throttle.failed(env, source);
            Err(Error::Unauthenticated)
        }
    };
    tx.commit()?;
    if let (Ok(user_id), Some(s)) = (&outcome, &stored) {
        env.cache.remember(&email_key, password, user_id, s.epoch);
    }
    outcome
}

/// Counts a wrong password; at the configured number in a row, locks the account.
fn count_failure(
    tx: &Connection,
    env: &Env,
    actor: &Actor,
    user_id: &str,
    organisations: Vec<String>,
) -> Result<(), Error> {
    let failures = store::add_failed_login(tx, user_id)?;
    if failures < env.config.lockout.max_failures as i64 {
        return Ok(());
    }
    let span =
        time::Duration::try_from(env.config.lockout.duration.0).unwrap_or(time::Duration::MAX);
    let until = clock::format(env.clock.now() + span);
    store::lock_user(tx, user_id, &until)?;
    let event = Event::new("account.lock")
        .target("user", user_id)
        .organisations(organisations)
        .summary(json!({"lockedUntil": until, "failures": failures}));
    audit::record(tx, env, actor, event)
}
