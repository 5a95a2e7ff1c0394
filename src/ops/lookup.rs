//! The one way to find a credential by its secret: by the secret's SHA-256, compared again in
//! constant time, of the kind asked for, and not expired. Every check of a token, session or
//! API key starts here.

use crate::db::keys::{self, ApiKey};
use crate::db::tokens::{self, Token, TokenKind};
use crate::error::Error;
use crate::{clock, secrets};
use rusqlite::Connection;
use time::OffsetDateTime;

/// Whether a stored expiry (RFC 3339 text; `None` for never) has passed at `now`. Text that
/// does not parse counts as expired: a credential never outlives a time we cannot read.
pub fn is_expired(expires_at: Option<&str>, now: OffsetDateTime) -> bool {
    match expires_at {
        None => false,
        Some(text) => clock::parse(text).is_none_or(|at| at <= now),
    }
}

/// The token of `kind` whose secret this is, revoked or not; whether it is still good is
/// `tokens::live_user`'s question.
pub fn token(conn: &Connection, secret: &str, kind: TokenKind) -> Result<Option<Token>, Error> {
    let hash = secrets::digest(secret);
    Ok(tokens::find_token_by_hash(conn, &hash)?
        .filter(|(t, stored)| t.kind == kind && secrets::equal(stored, &hash))
        .map(|(t, _)| t))
}

/// The token whose secret this is, of any kind but a browser session (the OAuth endpoints
/// revoke and describe access and refresh tokens only).
pub fn oauth_token(conn: &Connection, secret: &str) -> Result<Option<Token>, Error> {
    let hash = secrets::digest(secret);
    Ok(tokens::find_token_by_hash(conn, &hash)?
        .filter(|(t, stored)| t.kind != TokenKind::Session && secrets::equal(stored, &hash))
        .map(|(t, _)| t))
}

/// The unexpired API key whose secret this is.
pub fn api_key(
    conn: &Connection,
    secret: &str,
    now: OffsetDateTime,
) -> Result<Option<ApiKey>, Error> {
    let hash = secrets::digest(secret);
    Ok(keys::find_key_by_hash(conn, &hash)?
        .filter(|(k, stored)| {
            secrets::equal(stored, &hash) && !is_expired(k.expires_at.as_deref(), now)
        })
        .map(|(k, _)| k))
}
