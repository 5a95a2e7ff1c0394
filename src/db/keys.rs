//! API keys: only the SHA-256 of each secret is stored.

use crate::error::Error;
use rusqlite::{params, Connection, OptionalExtension, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub prefix: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
}

const KEY: &str =
    "SELECT id, user_id, name, prefix, created_at, expires_at, last_used_at FROM api_keys";

fn key(row: &Row) -> rusqlite::Result<ApiKey> {
    Ok(ApiKey {
        id: row.get(0)?,
        user_id: row.get(1)?,
        name: row.get(2)?,
        prefix: row.get(3)?,
        created_at: row.get(4)?,
        expires_at: row.get(5)?,
        last_used_at: row.get(6)?,
    })
}

pub fn insert_key(conn: &Connection, k: &ApiKey, secret_hash: &[u8]) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO api_keys (id, user_id, name, prefix, secret_hash, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        k.id,
        k.user_id,
        k.name,
        k.prefix,
        secret_hash,
        k.created_at,
        k.expires_at
    ])?;
    Ok(())
}

pub fn list_keys(conn: &Connection, user_id: &str) -> Result<Vec<ApiKey>, Error> {
    let mut stmt =
        conn.prepare_cached(&format!("{KEY} WHERE user_id = ?1 ORDER BY created_at, id"))?;
    let rows = stmt.query_map([user_id], key)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn find_key(conn: &Connection, id: &str) -> Result<Option<ApiKey>, Error> {
    Ok(conn
        .prepare_cached(&format!("{KEY} WHERE id = ?1"))?
        .query_row([id], key)
        .optional()?)
}

/// The key whose secret has this hash, with the stored hash for a constant-time comparison.
pub fn find_key_by_hash(
    conn: &Connection,
    secret_hash: &[u8],
) -> Result<Option<(ApiKey, Vec<u8>)>, Error> {
    let sql = "SELECT id, user_id, name, prefix, created_at, expires_at, last_used_at, secret_hash
        FROM api_keys WHERE secret_hash = ?1";
    let found = conn
        .prepare_cached(sql)?
        .query_row([secret_hash], |r| Ok((key(r)?, r.get::<_, Vec<u8>>(7)?)))
        .optional()?;
    Ok(found)
}

pub fn delete_key(conn: &Connection, id: &str) -> Result<(), Error> {
    conn.prepare_cached("DELETE FROM api_keys WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Records use, at most once a minute per key so that reads do not become writes.
pub fn touch_key(conn: &Connection, id: &str, now: &str, a_minute_ago: &str) -> Result<(), Error> {
    conn.prepare_cached("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?3)")?.execute(params![id, now, a_minute_ago])?;
    Ok(())
}

/// Ends every API key of the account for good (disabled, deleted, or its password reset by an
/// administrator); returns how many there were.
pub fn delete_keys_of(
    conn: &Connection,
    w: &crate::domain::access::AccountWrite,
) -> Result<usize, Error> {
    Ok(conn
        .prepare_cached("DELETE FROM api_keys WHERE user_id = ?1")?
        .execute([w.user_id()])?)
}
