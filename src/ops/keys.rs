//! API keys: any active user creates keys for themselves; a key acts with its owner's rights.

use super::{new_id, Env};
use crate::db::keys::{self as store, ApiKey};
use crate::domain::access::Principal;
use crate::domain::fields;
use crate::error::Error;
use crate::ops::audit::{self, Actor, Event};
use crate::{clock, db, secrets};
use rusqlite::Connection;

/// Every key starts with this, so that a leaked one is easy to recognise in a scan.
pub const KEY_PREFIX: &str = "ghk_";

/// A new key: the record and the whole secret, shown this once.
pub struct NewKey {
    pub key: ApiKey,
    pub secret: String,
}

pub fn create_key(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    name: &str,
    expires_at: Option<&str>,
) -> Result<NewKey, Error> {
    let tx = db::write(conn)?;
    let created = create_key_in(&tx, env, actor, name, expires_at)?;
    tx.commit()?;
    Ok(created)
}

/// Creates a key inside the caller's transaction (a provisioning key is one with its row).
pub(crate) fn create_key_in(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    name: &str,
    expires_at: Option<&str>,
) -> Result<NewKey, Error> {
    if !actor.may_create_api_key() {
        return Err(Error::Forbidden(
            "an API key can only be created with a password sign-in".into(),
        ));
    }
    let name = fields::name("name", name)?;
    let now = env.clock.now();
    let expires_at = parse_expiry(expires_at, now)?;
    // 32 random bytes: 256 bits, well over the 128 required.
    let secret = secrets::token(KEY_PREFIX, 32)?;
    let key = ApiKey {
        id: new_id(),
        user_id: actor.user_id.clone(),
        name,
        prefix: secret[..KEY_PREFIX.len() + 8].to_string(),
        created_at: clock::format(now),
        expires_at,
        last_used_at: None,
    };
    store::insert_key(tx, &key, &secrets::digest(&secret))?;
    audit::record(
        tx,
        env,
        &Actor::of(actor),
        key_event(tx, "apikey.create", actor, &key)?,
    )?;
    Ok(NewKey { key, secret })
}

/// An optional expiry: RFC 3339, in the future.
fn parse_expiry(text: Option<&str>, now: time::OffsetDateTime) -> Result<Option<String>, Error> {
    let Some(text) = text else {
        return Ok(None);
    };
    let at = clock::parse(text).ok_or_else(|| {
        Error::invalid(
            "expiresAt",
            "must be an RFC 3339 time such as 2027-01-31T00:00:00Z",
        )
    })?;
    if at <= now {
        return Err(Error::invalid("expiresAt", "must be in the future"));
    }
    Ok(Some(clock::format(at)))
}

fn key_event(
    tx: &Connection,
    action: &'static str,
    actor: &Principal,
    key: &ApiKey,
) -> Result<Event, Error> {
    Ok(Event::new(action)
        .target("api_key", &key.id)
        .organisations(audit::account_organisations_by_id(tx, &actor.user_id)?)
        .summary(serde_json::json!({"name": key.name, "expiresAt": key.expires_at})))
}

pub fn list_keys(conn: &Connection, actor: &Principal) -> Result<Vec<ApiKey>, Error> {
    store::list_keys(conn, &actor.user_id)
}

/// Revokes one of the caller's own keys; anyone else's is "not found".
pub fn revoke_key(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
) -> Result<ApiKey, Error> {
    let tx = db::write(conn)?;
    let key = store::find_key(&tx, id)?
        .filter(|k| k.user_id == actor.user_id)
        .ok_or_else(|| Error::not_found("API key"))?;
    store::delete_key(&tx, id)?;
    audit::record(
        &tx,
        env,
        &Actor::of(actor),
        key_event(&tx, "apikey.revoke", actor, &key)?,
    )?;
    tx.commit()?;
    Ok(key)
}
