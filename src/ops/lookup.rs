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

/// The token whose secret this is, with the stored hash already compared in constant time.
/// A secret carries its token's id (see `tokens::secret_for`); one issued before that is found
/// by its hash.
fn by_secret(conn: &Connection, secret: &str) -> Result<Option<Token>, Error> {
    let hash = secrets::digest(secret);
    let found = match crate::ops::tokens::id_in_secret(secret) {
        Some(id) => tokens::find_token_with_hash(conn, &id)?,
        None => tokens::find_old_token_by_hash(conn, &hash)?,
    };
    Ok(found
        .filter(|(_, stored)| secrets::equal(stored, &hash))
        .map(|(t, _)| t))
}

/// The token of `kind` whose secret this is, revoked or not; whether it is still good is
/// `tokens::live_user`'s question.
pub fn token(conn: &Connection, secret: &str, kind: TokenKind) -> Result<Option<Token>, Error> {
    Ok(by_secret(conn, secret)?.filter(|t| t.kind == kind))
}

/// The token whose secret this is, of any kind but a browser session (the OAuth endpoints
/// revoke and describe access and refresh tokens only).
pub fn oauth_token(conn: &Connection, secret: &str) -> Result<Option<Token>, Error> {
    Ok(by_secret(conn, secret)?.filter(|t| t.kind != TokenKind::Session))
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
