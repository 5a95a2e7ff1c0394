//! The signing keys: made at the first start, rotated by the operator, published as a JWKS.
//! A rotated key signs nothing more but stays in the JWKS until every token it signed has
//! expired, so that a verifier holding an older token can still check it.

use crate::db::signing_keys::{self as store, SigningKey};
use crate::domain::access::Principal;
use crate::error::Error;
use crate::ops::audit::{self, Actor, Event};
use crate::ops::{new_id, Env};
use crate::signing::{self, Alg};
use crate::{clock, db};
use jsonwebtoken::jwk::Jwk;
use rusqlite::Connection;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// How long an ID token lives.
pub const ID_TOKEN_LIFETIME: time::Duration = time::Duration::hours(1);

/// A new key of `alg`, with its public half described for the JWKS.
fn new_key(alg: Alg, now: &str) -> Result<SigningKey, Error> {
    let id = new_id();
    let der = signing::generate(alg)?;
    let jwk = signing::public_jwk(alg, &der, &id)?;
    Ok(SigningKey {
        id,
        algorithm: alg.as_str().to_string(),
        private_der: der,
        public_jwk: serde_json::to_string(&jwk).map_err(|e| Error::Internal(e.to_string()))?,
        created_at: now.to_string(),
        retired_at: None,
        published_until: None,
    })
}

/// Makes a key for each algorithm that has none (the first start, or a new algorithm after
/// an upgrade). Returns how many were made. Like the migrations, this is the server setting
/// itself up, not anyone's act: not audited (a rotation is). The keys are made before the write transaction
/// (an RSA key takes a moment) and only inserted in it.
pub fn ensure(conn: &mut Connection, env: &Env) -> Result<usize, Error> {
    let missing: Vec<Alg> = Alg::ALL
        .into_iter()
        .filter_map(|alg| match store::current_signing_key(conn, alg.as_str()) {
            Ok(Some(_)) => None,
            Ok(None) => Some(Ok(alg)),
            Err(e) => Some(Err(e)),
        })
        .collect::<Result<_, _>>()?;
    if missing.is_empty() {
        return Ok(0);
    }
    let now = env.clock.now_text();
    let keys: Vec<SigningKey> = missing
        .into_iter()
        .map(|alg| new_key(alg, &now))
        .collect::<Result<_, _>>()?;
    let tx = db::write(conn)?;
    let mut made = 0;
    for key in &keys {
        // Another process may have made it meanwhile: its key stands.
        if store::current_signing_key(&tx, &key.algorithm)?.is_none() {
            store::insert_signing_key(&tx, key)?;
            made += 1;
        }
    }
    tx.commit()?;
    Ok(made)
}

fn record(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    action: &'static str,
    key: &SigningKey,
) -> Result<(), Error> {
    let event = Event::new(action)
        .target("signing_key", &key.id)
        .summary(serde_json::json!({"algorithm": key.algorithm}));
    audit::record(tx, env, &Actor::of(actor), event)
}

/// The longest any signed token lives: a retired key stays published this long, and a
/// minute more for clocks that differ.
fn longest_token_life(env: &Env) -> time::Duration {
    let access = time::Duration::try_from(env.config.tokens.access_lifetime())
        .unwrap_or(time::Duration::MAX);
    access.max(ID_TOKEN_LIFETIME) + time::Duration::minutes(1)
}

/// Replaces every current key with a new one (`gatehouse keys rotate`); the old ones stay
/// published until the tokens they signed have expired. Returns the new keys.
pub fn rotate(conn: &mut Connection, env: &Env) -> Result<Vec<SigningKey>, Error> {
    let now_at = env.clock.now();
    let now = clock::format(now_at);
    let until = clock::format(now_at + longest_token_life(env));
    let keys: Vec<SigningKey> = Alg::ALL
        .into_iter()
        .map(|alg| new_key(alg, &now))
        .collect::<Result<_, _>>()?;
    let tx = db::write(conn)?;
    store::delete_unpublished_signing_keys(&tx, &now)?;
    for key in &keys {
        store::retire_signing_key(&tx, &key.algorithm, &now, &until)?;
        store::insert_signing_key(&tx, key)?;
        record(&tx, env, &Principal::operator(), "signing_key.rotate", key)?;
    }
    tx.commit()?;
    Ok(keys)
}

/// The public keys a verifier needs: the current ones and those retired whose tokens may
/// still be alive. Never a private part.
pub fn published(conn: &Connection, env: &Env) -> Result<Vec<Jwk>, Error> {
    store::published_signing_keys(conn, &env.clock.now_text())?
        .iter()
        .map(|k| {
            serde_json::from_str(&k.public_jwk)
                .map_err(|e| Error::Internal(format!("signing key {} unreadable: {e}", k.id)))
        })
        .collect()
}

/// `claims` signed with the current key of `alg`.
pub fn sign(
    conn: &Connection,
    alg: Alg,
    typ: &str,
    claims: &impl Serialize,
) -> Result<String, Error> {
    let key = store::current_signing_key(conn, alg.as_str())?.ok_or_else(|| {
        Error::Internal(format!(
            "there is no {} signing key; `gatehouse init` or `gatehouse keys rotate` makes one",
            alg.as_str()
        ))
    })?;
    signing::sign(alg, &key.private_der, &key.id, typ, claims)
}

/// The claims of a token one of the published keys signed; None for anything else.
pub fn verify<T: DeserializeOwned>(
    conn: &Connection,
    env: &Env,
    token: &str,
) -> Result<Option<T>, Error> {
    let Some(kid) = signing::key_id_of(token) else {
        return Ok(None);
    };
    let keys = published(conn, env)?;
    Ok(keys
        .iter()
        .find(|k| k.common.key_id.as_deref() == Some(kid.as_str()))
        .and_then(|jwk| signing::verified(token, jwk)))
}
