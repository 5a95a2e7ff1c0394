//! Access tokens, refresh tokens and browser sessions: only the SHA-256 of each secret is stored.

use crate::error::Error;
use rusqlite::{params, Connection, OptionalExtension, Row};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
    Session,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
            TokenKind::Session => "session",
        }
    }

    fn parse(text: &str) -> TokenKind {
        match text {
            "access" => TokenKind::Access,
            "refresh" => TokenKind::Refresh,
            _ => TokenKind::Session,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub id: String,
    pub kind: TokenKind,
    pub user_id: String,
    pub family_id: String,
    pub api_key_id: Option<String>,
    pub audience: Option<String>,
    pub epoch: i64,
    pub csrf_token: Option<String>,
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// The address the token was issued to (none for tokens issued before migration 7).
    pub address: Option<String>,
    /// The OpenID Connect client a code grant issued the token to, and the scope granted.
    pub client_id: Option<String>,
    pub scope: Option<String>,
}

const COLUMNS: &str = "id, kind, user_id, family_id, api_key_id, audience, epoch, csrf_token,
    created_at, expires_at, last_used_at, revoked_at, address, client_id, scope";

fn token(r: &Row) -> rusqlite::Result<Token> {
    Ok(Token {
        id: r.get(0)?,
        kind: TokenKind::parse(&r.get::<_, String>(1)?),
        user_id: r.get(2)?,
        family_id: r.get(3)?,
        api_key_id: r.get(4)?,
        audience: r.get(5)?,
        epoch: r.get(6)?,
        csrf_token: r.get(7)?,
        created_at: r.get(8)?,
        expires_at: r.get(9)?,
        last_used_at: r.get(10)?,
        revoked_at: r.get(11)?,
        address: r.get(12)?,
        client_id: r.get(13)?,
        scope: r.get(14)?,
    })
}

pub fn insert_token(conn: &Connection, t: &Token, secret_hash: &[u8]) -> Result<(), Error> {
    conn.prepare_cached("INSERT INTO tokens (id, kind, user_id, secret_hash, family_id, api_key_id, audience, epoch,
            csrf_token, created_at, expires_at, last_used_at, address, client_id, scope)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?10, ?12, ?13, ?14)")?.execute(params![
            t.id, t.kind.as_str(), t.user_id, secret_hash, t.family_id, t.api_key_id, t.audience, t.epoch,
            t.csrf_token, t.created_at, t.expires_at, t.address, t.client_id, t.scope
        ])?;
    Ok(())
}

/// The one token `condition` (on `?1`) selects, with its stored secret hash for a
/// constant-time comparison.
fn token_with_hash(
    conn: &Connection,
    condition: &str,
    key: impl rusqlite::ToSql,
) -> Result<Option<(Token, Vec<u8>)>, Error> {
    let sql = format!("SELECT {COLUMNS}, secret_hash FROM tokens WHERE {condition}");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([key], |r| Ok((token(r)?, r.get::<_, Vec<u8>>(15)?)))
        .optional()?)
}

/// The token with this id, with its stored secret hash.
pub fn find_token_with_hash(
    conn: &Connection,
    id: &str,
) -> Result<Option<(Token, Vec<u8>)>, Error> {
    token_with_hash(conn, "id = ?1", id)
}

/// A token issued before its secret carried its id (migration 6), by its secret's hash.
pub fn find_old_token_by_hash(
    conn: &Connection,
    secret_hash: &[u8],
) -> Result<Option<(Token, Vec<u8>)>, Error> {
    token_with_hash(conn, "secret_hash = ?1 AND found_by_hash = 1", secret_hash)
}

/// Revokes one token; returns whether it was live until now (false: already revoked).
pub fn revoke_token(conn: &Connection, id: &str, now: &str) -> Result<bool, Error> {
    let changed = conn
        .prepare_cached("UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL")?
        .execute(params![id, now])?;
    Ok(changed == 1)
}

/// Revokes every token of a family (a replayed refresh token).
pub fn revoke_family(conn: &Connection, family_id: &str, now: &str) -> Result<usize, Error> {
    let n = conn
        .prepare_cached(
            "UPDATE tokens SET revoked_at = ?2 WHERE family_id = ?1 AND revoked_at IS NULL",
        )?
        .execute(params![family_id, now])?;
    Ok(n)
}

/// Moves a token to the user's current epoch, so it survives the change it was used for.
pub fn set_token_epoch(conn: &Connection, id: &str, epoch: i64) -> Result<(), Error> {
    conn.prepare_cached("UPDATE tokens SET epoch = ?2 WHERE id = ?1")?
        .execute(params![id, epoch])?;
    Ok(())
}

/// Records use (for the idle timeout), at most once per `interval_start`.
pub fn touch_token(
    conn: &Connection,
    id: &str,
    now: &str,
    interval_start: &str,
) -> Result<(), Error> {
    conn.prepare_cached("UPDATE tokens SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?3)")?.execute(params![id, now, interval_start])?;
    Ok(())
}

/// Drops tokens that expired before `now`; they can never be used again.
pub fn delete_expired_tokens(conn: &Connection, now: &str) -> Result<usize, Error> {
    Ok(conn
        .prepare_cached("DELETE FROM tokens WHERE expires_at < ?1")?
        .execute([now])?)
}

/// A user's tokens that still work: not revoked, not expired, of the current credential epoch,
/// and (sessions) used since `idle_since`; newest first.
pub fn live_tokens_of(
    conn: &Connection,
    user_id: &str,
    epoch: i64,
    now: &str,
    idle_since: &str,
) -> Result<Vec<Token>, Error> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM tokens WHERE user_id = ?1 AND epoch = ?2 AND revoked_at IS NULL
           AND expires_at > ?3 AND (kind <> 'session' OR last_used_at >= ?4)
         ORDER BY created_at DESC, id DESC"
    ))?;
    let rows = stmt.query_map(params![user_id, epoch, now, idle_since], token)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn find_token_by_id(conn: &Connection, id: &str) -> Result<Option<Token>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM tokens WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], token)
        .optional()?)
}
