//! Where a user is signed in: their live sessions and tokens, and signing them out of all of
//! them at once. For the user themselves, and for those who manage their account.

use super::audit::{self, Actor, Event};
use super::users::{require_manageable, visible};
use super::Env;
use crate::db::tokens::{self as store, Token};
use crate::db::{self, users};
use crate::domain::access::{AccountWrite, Credential, Principal};
use crate::error::Error;
use rusqlite::Connection;
use serde_json::json;

/// A live session or token of a user; `current` when it is the one asking.
pub struct SignedIn {
    pub token: Token,
    pub current: bool,
}

/// The proof that the caller may see and end where `user_id` is signed in: their own, or an
/// account they manage (seeing a user is not enough: addresses are the account's business).
fn may_end(conn: &Connection, actor: &Principal, user_id: &str) -> Result<AccountWrite, Error> {
    if user_id == actor.user_id {
        return Ok(AccountWrite::own(actor));
    }
    require_manageable(actor, &visible(conn, actor, user_id)?)
}

fn current_id(actor: &Principal) -> Option<&str> {
    match &actor.credential {
        Credential::Session(id) | Credential::Bearer(id) => Some(id),
        _ => None,
    }
}

/// The user's sessions and tokens that still work, newest first.
pub fn list(
    conn: &Connection,
    env: &Env,
    actor: &Principal,
    user_id: &str,
) -> Result<Vec<SignedIn>, Error> {
    may_end(conn, actor, user_id)?;
    let epoch = users::credential_epoch(conn, user_id)?.ok_or_else(|| Error::not_found("user"))?;
    let now = env.clock.now_text();
    let idle =
        time::Duration::try_from(env.config.sessions.idle_timeout.0).unwrap_or(time::Duration::MAX);
    let idle_since = crate::clock::format(
        env.clock
            .now()
            .checked_sub(idle)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
    );
    let live = store::live_tokens_of(conn, user_id, epoch, &now, &idle_since)?;
    let current = current_id(actor);
    Ok(live
        .into_iter()
        .map(|token| SignedIn {
            current: current == Some(token.id.as_str()),
            token,
        })
        .collect())
}

/// Ends every session and token of the user (their API keys stay); signing oneself out
/// everywhere keeps the session or token asking. Returns how many ended.
pub fn sign_out_everywhere(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    user_id: &str,
) -> Result<usize, Error> {
    let before = list(conn, env, actor, user_id)?;
    let tx = db::write(conn)?;
    let write = may_end(&tx, actor, user_id)?;
    users::bump_credential_epoch(&tx, &write)?;
    let mut ended = before.len();
    if let (true, Some(id)) = (user_id == actor.user_id, current_id(actor)) {
        let epoch = users::credential_epoch(&tx, user_id)?.unwrap_or_default();
        store::set_token_epoch(&tx, id, epoch)?;
        ended = ended.saturating_sub(1);
    }
    let event = Event::new("session.end_all")
        .target("user", user_id)
        .organisations(audit::account_organisations_by_id(&tx, user_id)?)
        .summary(json!({"ended": ended}));
    audit::record(&tx, env, &Actor::of(actor), event)?;
    tx.commit()?;
    env.cache.forget(user_id);
    crate::metrics::tokens_revoked(ended as u64);
    Ok(ended)
}
