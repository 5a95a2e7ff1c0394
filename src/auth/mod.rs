//! Authentication: turns the credentials a request presents into a `Principal`.
//!
//! Accepted: `X-API-KEY` (header only, never the query string) and HTTP Basic with email and
//! password. Every failure is the same `Unauthenticated`, whatever the reason, so that the
//! answer does not tell which accounts exist; an unknown email costs a bcrypt check too.

pub mod cache;

use crate::app::AppState;
use crate::domain::access::{Credential, Principal};
use crate::domain::model::UserStatus;
use crate::error::Error;
use crate::{clock, db, secrets};
use actix_web::http::header;
use actix_web::HttpRequest;
use base64::Engine;
use rusqlite::Connection;

/// The credentials a request carries. `Debug` never shows a secret.
pub enum Presented {
    ApiKey(String),
    Basic { email: String, password: String },
    Nothing,
}

impl std::fmt::Debug for Presented {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Presented::ApiKey(_) => "ApiKey(..)",
            Presented::Basic { .. } => "Basic(..)",
            Presented::Nothing => "Nothing",
        })
    }
}

/// Reads the credentials from the headers; malformed ones are simply unauthenticated.
pub fn presented(req: &HttpRequest) -> Result<Presented, Error> {
    if let Some(key) = req.headers().get("x-api-key") {
        let key = key.to_str().map_err(|_| Error::Unauthenticated)?;
        return Ok(Presented::ApiKey(key.trim().to_string()));
    }
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(Presented::Nothing);
    };
    let value = value.to_str().map_err(|_| Error::Unauthenticated)?;
    let (scheme, rest) = value.split_once(' ').ok_or(Error::Unauthenticated)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(Error::Unauthenticated);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .map_err(|_| Error::Unauthenticated)?;
    let text = String::from_utf8(decoded).map_err(|_| Error::Unauthenticated)?;
    let (email, password) = text.split_once(':').ok_or(Error::Unauthenticated)?;
    Ok(Presented::Basic {
        email: email.to_string(),
        password: password.to_string(),
    })
}

/// Authenticates the request. Unless `allow_pending_password_change`, a user who must change
/// their password is refused with `PasswordChangeRequired`.
pub async fn authenticate(
    state: &AppState,
    req: &HttpRequest,
    allow_pending_password_change: bool,
) -> Result<Principal, Error> {
    let presented = presented(req)?;
    if matches!(presented, Presented::Nothing) {
        return Err(Error::Unauthenticated);
    }
    let principal = state
        .run(move |conn, env| check(conn, env, presented))
        .await?;
    if principal.must_change_password && !allow_pending_password_change {
        return Err(Error::PasswordChangeRequired);
    }
    Ok(principal)
}

fn check(
    conn: &mut Connection,
    env: &crate::ops::Env,
    presented: Presented,
) -> Result<Principal, Error> {
    match presented {
        Presented::ApiKey(secret) => check_api_key(conn, env, &secret),
        Presented::Basic { email, password } => check_password(conn, env, &email, &password)
            .map(|user_id| (user_id, Credential::Basic))
            .and_then(|(id, credential)| load_principal(conn, &id, credential)),
        Presented::Nothing => Err(Error::Unauthenticated),
    }
}

fn check_api_key(
    conn: &Connection,
    env: &crate::ops::Env,
    secret: &str,
) -> Result<Principal, Error> {
    let hash = secrets::digest(secret);
    let (key, stored) = db::keys::find_key_by_hash(conn, &hash)?.ok_or(Error::Unauthenticated)?;
    if !secrets::equal(&stored, &hash) {
        return Err(Error::Unauthenticated);
    }
    let now = env.clock.now();
    let expired = key
        .expires_at
        .as_deref()
        .and_then(clock::parse)
        .is_some_and(|at| at <= now);
    if expired {
        return Err(Error::Unauthenticated);
    }
    let principal = load_principal(conn, &key.user_id, Credential::ApiKey(key.id.clone()))?;
    let a_minute_ago = clock::format(now - time::Duration::minutes(1));
    db::keys::touch_key(conn, &key.id, &clock::format(now), &a_minute_ago)?;
    Ok(principal)
}

/// Checks an email and password; returns the user id. Uses the credential cache when it can.
pub fn check_password(
    conn: &Connection,
    env: &crate::ops::Env,
    email: &str,
    password: &str,
) -> Result<String, Error> {
    let email_key = email.trim().to_lowercase();
    let stored = db::users::find_credentials(conn, &email_key)?;
    if let (Some(stored), Some((user_id, epoch))) =
        (&stored, env.cache.lookup(&email_key, password))
    {
        if stored.active && stored.user_id == user_id && stored.epoch == epoch {
            return Ok(user_id);
        }
    }
    let Some(stored) = stored else {
        // Spend the same time as a real check so that unknown emails cannot be told apart.
        let _ = bcrypt::non_truncating_verify(password, &env.dummy_hash);
        return Err(Error::Unauthenticated);
    };
    let matches = bcrypt::non_truncating_verify(password, &stored.password_hash).unwrap_or(false);
    if !matches || !stored.active {
        return Err(Error::Unauthenticated);
    }
    env.cache
        .remember(&email_key, password, &stored.user_id, stored.epoch);
    Ok(stored.user_id)
}

/// Loads an active user and their memberships as a principal.
pub fn load_principal(
    conn: &Connection,
    user_id: &str,
    credential: Credential,
) -> Result<Principal, Error> {
    let user = db::users::find_user(conn, user_id)?.ok_or(Error::Unauthenticated)?;
    if user.status != UserStatus::Active {
        return Err(Error::Unauthenticated);
    }
    let memberships = db::users::list_memberships(conn, &[user_id])?;
    Ok(Principal {
        user_id: user.id,
        email: user.email,
        superadmin: user.superadmin,
        must_change_password: user.must_change_password,
        memberships,
        credential,
    })
}
