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

mod limits;

pub use limits::{Throttle, Ticket, Turn, Turns};

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
// long: the steps of a sign-in in order: throttle, cache, reservation, bcrypt, outcome.
pub fn password(
    conn: &mut Connection,
    env: &Env,
    email: &str,
    password: &str,
    source: &str,
    via: Via,
) -> Result<String, Error> {
    may_check(env, source, via)?;
    let email_key = crate::domain::fields::Email::key_of(email);
    // One check of an account at a time: parallel sign-ins of one account wait, and once the
    // first has succeeded the others are answered by the cache, not refused as a burst.
    let _turn = env.signin_turns.take(&email_key);
    let stored = store::find_credentials(conn, &email_key)?;
    if let Some(user_id) = remembered(conn, env, stored.as_ref(), &email_key, password)? {
        crate::metrics::signin(via.as_str(), "success");
        return Ok(user_id);
    }
    let ticket = env
        .throttle
        .reserve(env, source)
        .map_err(|wait| throttled(via, wait))?;
    let attempt = match &stored {
        Some(s) if s.active => reserve_attempt(conn, env, &s.user_id)?,
        _ => Attempt::Hopeless,
    };
    // bcrypt runs in every case, so that an unknown or locked account takes as long as any
    // other; only a reserved attempt is checked against the account's own hash.
    let hash = match (&stored, attempt) {
        (Some(s), Attempt::Reserved | Attempt::Hopeless) => s.password_hash.as_str(),
        _ => env.dummy_hash.get(),
    };
    let matches = bcrypt_verify(password, hash);
    let signin = SignIn {
        email_key: &email_key,
        source,
        via,
        stored: stored.as_ref(),
    };
    let outcome = record_outcome(conn, env, &signin, attempt, matches)?;
    crate::metrics::signin(
        via.as_str(),
        if outcome.is_ok() {
            "success"
        } else {
            "failure"
        },
    );
    match &outcome {
        Ok(user_id) => {
            if let Some(s) = &stored {
                env.cache.remember(&email_key, password, user_id, s.epoch);
            }
        }
        Err(_) => ticket.failed(env),
    }
    outcome
}

/// Whether a password may be checked here at all. The failed-attempt count and the lock live
/// on the primary: a replica that checked one could neither count a failure nor see a lock set
/// there a moment ago. And an address that failed too often waits.
fn may_check(env: &Env, source: &str, via: Via) -> Result<(), Error> {
    if env.replica() {
        return Err(env.refused_on_replica());
    }
    match env.throttle.blocked(env, source) {
        Some(wait) => Err(throttled(via, wait)),
        None => Ok(()),
    }
}

/// Refused before any check: this address failed too often.
fn throttled(via: Via, wait: u64) -> Error {
    crate::metrics::signin(via.as_str(), "throttled");
    crate::metrics::throttled();
    Error::TooManyRequests(wait)
}

/// bcrypt over all of a password of up to 72 bytes; a longer one never matches (none is ever
/// stored).
pub fn bcrypt_verify(password: &str, hash: &str) -> bool {
    password.len() <= crate::domain::password::MAX_BYTES
        && bcrypt::verify(password, hash).unwrap_or(false)
}

/// A sign-in the credential cache vouches for: the same password recently checked, the
/// account still active, at the same epoch and not locked.
fn remembered(
    conn: &mut Connection,
    env: &Env,
    stored: Option<&store::StoredCredentials>,
    email_key: &str,
    password: &str,
) -> Result<Option<String>, Error> {
    let Some(stored) = stored else {
        return Ok(None);
    };
    let now = env.clock.now();
    if is_locked(stored.locked_until.as_deref(), now) {
        return Ok(None);
    }
    let Some((user_id, epoch)) = env.cache.lookup(email_key, password) else {
        return Ok(None);
    };
    if !(stored.active && stored.user_id == user_id && stored.epoch == epoch) {
        return Ok(None);
    }
    if stored.failed_logins > 0 {
        // A success resets the count of failures in a row, remembered or not.
        let tx = db::write(conn)?;
        store::record_login(&tx, &user_id, &clock::format(now))?;
        tx.commit()?;
    }
    Ok(Some(user_id))
}

fn is_locked(locked_until: Option<&str>, now: time::OffsetDateTime) -> bool {
    locked_until
        .and_then(clock::parse)
        .is_some_and(|until| until > now)
}

/// Whether the account's own hash may be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attempt {
    /// One of the attempts the lockout allows, counted as a failure until it succeeds.
    Reserved,
    /// Locked, or every allowed attempt is already under way.
    Locked,
    /// No such account, or a disabled one: it cannot succeed and is not counted.
    Hopeless,
}

/// Counts the attempt as a failure before bcrypt, under the write lock, so that a parallel
/// burst checks at most `max_failures` passwords; a success takes it back.
fn reserve_attempt(conn: &mut Connection, env: &Env, user_id: &str) -> Result<Attempt, Error> {
    let tx = db::write(conn)?;
    let now = env.clock.now();
    let Some((failures, locked_until)) = store::failed_logins(&tx, user_id)? else {
        return Ok(Attempt::Hopeless);
    };
    if is_locked(locked_until.as_deref(), now) {
        return Ok(Attempt::Locked);
    }
    if failures >= env.config.lockout.max_failures as i64 {
        return Ok(Attempt::Locked);
    }
    store::add_failed_login(&tx, user_id)?;
    tx.commit()?;
    Ok(Attempt::Reserved)
}

/// Who tried to sign in, and how.
struct SignIn<'a> {
    email_key: &'a str,
    source: &'a str,
    via: Via,
    stored: Option<&'a store::StoredCredentials>,
}

impl SignIn<'_> {
    /// Who tried, for the audit trail: for a failure, only the name they tried.
    fn actor(&self) -> Actor {
        let tried: String = self.email_key.chars().take(254).collect();
        Actor {
            id: self.stored.map(|s| s.user_id.clone()),
            email: Some(crate::logging::escape(&tried)),
            credential_kind: Some(self.via.as_str().to_string()),
            credential_id: None,
            source: Some(self.source.to_string()),
        }
    }
}

/// Records the outcome of a checked password: the sign-in, or the failure (and the lock it
/// brings), in one transaction.
fn record_outcome(
    conn: &mut Connection,
    env: &Env,
    signin: &SignIn,
    attempt: Attempt,
    matches: bool,
) -> Result<Result<String, Error>, Error> {
    let actor = signin.actor();
    let tx = db::write(conn)?;
    let organisations = match signin.stored {
        Some(s) => audit::account_organisations_by_id(&tx, &s.user_id)?,
        None => Vec::new(),
    };
    let outcome = match signin.stored {
        Some(s) if matches && attempt == Attempt::Reserved => {
            store::record_login(&tx, &s.user_id, &env.clock.now_text())?;
            let event = Event::new("signin")
                .target("user", &s.user_id)
                .organisations(organisations);
            audit::record(&tx, env, &actor, event)?;
            Ok(s.user_id.clone())
        }
        stored => {
            record_failure(&tx, env, &actor, stored, attempt, organisations)?;
            Err(Error::Unauthenticated)
        }
    };
    tx.commit()?;
    Ok(outcome)
}

/// A failed sign-in, with why, and the lock it brings when it is one too many.
fn record_failure(
    tx: &Connection,
    env: &Env,
    actor: &Actor,
    stored: Option<&store::StoredCredentials>,
    attempt: Attempt,
    organisations: Vec<String>,
) -> Result<(), Error> {
    let reason = match (stored, attempt) {
        (None, _) => "unknown account",
        (Some(_), Attempt::Locked) => "account locked",
        (Some(_), Attempt::Hopeless) => "account disabled",
        (Some(_), Attempt::Reserved) => "wrong password",
    };
    let mut event = Event::new("signin")
        .failed()
        .organisations(organisations.clone())
        .summary(json!({"reason": reason}));
    if let Some(s) = stored {
        event = event.target("user", &s.user_id);
        if attempt == Attempt::Reserved {
            lock_when_due(tx, env, actor, &s.user_id, organisations)?;
        }
    }
    audit::record(tx, env, actor, event)
}

/// The failure was counted when the attempt was reserved; at the configured number in a row,
/// locks the account.
fn lock_when_due(
    tx: &Connection,
    env: &Env,
    actor: &Actor,
    user_id: &str,
    organisations: Vec<String>,
) -> Result<(), Error> {
    let Some((failures, locked_until)) = store::failed_logins(tx, user_id)? else {
        return Ok(());
    };
    if failures < env.config.lockout.max_failures as i64
        || is_locked(locked_until.as_deref(), env.clock.now())
    {
        return Ok(());
    }
    let span =
        time::Duration::try_from(env.config.lockout.duration.0).unwrap_or(time::Duration::MAX);
    let until = clock::format(env.clock.now().saturating_add(span));
    store::lock_user(tx, user_id, &until)?;
    crate::metrics::lockout();
    let event = Event::new("account.lock")
        .target("user", user_id)
        .organisations(organisations)
        .summary(json!({"lockedUntil": until, "failures": failures}));
    audit::record(tx, env, actor, event)
}
