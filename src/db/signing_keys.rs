//! The keys that sign ID tokens and JWT access tokens (OpenID Connect).

use crate::error::Error;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// A signing key; the private part never leaves the server.
#[derive(Clone)]
pub struct SigningKey {
    pub id: String,
    pub algorithm: String,
    pub private_der: Vec<u8>,
    pub public_jwk: String,
    pub created_at: String,
    pub retired_at: Option<String>,
    pub published_until: Option<String>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({} {})", self.algorithm, self.id)
    }
}

const KEY_COLUMNS: &str =
    "id, algorithm, private_der, public_jwk, created_at, retired_at, published_until";

fn signing_key(r: &Row) -> rusqlite::Result<SigningKey> {
    Ok(SigningKey {
        id: r.get(0)?,
        algorithm: r.get(1)?,
        private_der: r.get(2)?,
        public_jwk: r.get(3)?,
        created_at: r.get(4)?,
        retired_at: r.get(5)?,
        published_until: r.get(6)?,
    })
}

pub fn insert_signing_key(conn: &Connection, k: &SigningKey) -> Result<(), Error> {
    conn.prepare_cached(&format!(
        "INSERT INTO signing_keys ({KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    ))?
    .execute(params![
        k.id,
        k.algorithm,
        k.private_der,
        k.public_jwk,
        k.created_at,
        k.retired_at,
        k.published_until
    ])?;
    Ok(())
}

/// The key that signs with `algorithm` now.
pub fn current_signing_key(
    conn: &Connection,
    algorithm: &str,
) -> Result<Option<SigningKey>, Error> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {KEY_COLUMNS} FROM signing_keys WHERE algorithm = ?1 AND retired_at IS NULL"
        ))?
        .query_row([algorithm], signing_key)
        .optional()?)
}

/// Keys still published at `now`: the current ones and the retired ones whose tokens may not
/// all have expired yet; oldest first.
pub fn published_signing_keys(conn: &Connection, now: &str) -> Result<Vec<SigningKey>, Error> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {KEY_COLUMNS} FROM signing_keys
          WHERE retired_at IS NULL OR published_until > ?1 ORDER BY created_at, id"
    ))?;
    let rows = stmt.query_map([now], signing_key)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Retires the current key of `algorithm`, published until `until`.
pub fn retire_signing_key(
    conn: &Connection,
    algorithm: &str,
    now: &str,
    until: &str,
) -> Result<usize, Error> {
    Ok(conn
        .prepare_cached(
            "UPDATE signing_keys SET retired_at = ?2, published_until = ?3
              WHERE algorithm = ?1 AND retired_at IS NULL",
        )?
        .execute(params![algorithm, now, until])?)
}

/// Drops retired keys nobody can need any more.
pub fn delete_unpublished_signing_keys(conn: &Connection, now: &str) -> Result<usize, Error> {
    Ok(conn
        .prepare_cached(
            "DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND published_until <= ?1",
        )?
        .execute([now])?)
}
