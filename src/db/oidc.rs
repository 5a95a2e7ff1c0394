//! OpenID Connect: registered clients, authorization codes and consents.

use crate::error::Error;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// A registered application. The lists are stored as JSON arrays.
#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    pub id: String,
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub public: bool,
    pub skip_consent: bool,
    pub scopes: Vec<String>,
    pub organisation_ids: Vec<String>,
    pub signing_alg: String,
    pub created_at: String,
    pub updated_at: String,
}

const CLIENT_COLUMNS: &str = "id, name, redirect_uris, post_logout_redirect_uris, public,
    skip_consent, scopes, organisation_ids, signing_alg, created_at, updated_at";

fn list_of(r: &Row, i: usize) -> rusqlite::Result<Vec<String>> {
    let text: String = r.get(i)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn text_of(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

fn client(r: &Row) -> rusqlite::Result<Client> {
    Ok(Client {
        id: r.get(0)?,
        name: r.get(1)?,
        redirect_uris: list_of(r, 2)?,
        post_logout_redirect_uris: list_of(r, 3)?,
        public: r.get(4)?,
        skip_consent: r.get(5)?,
        scopes: list_of(r, 6)?,
        organisation_ids: list_of(r, 7)?,
        signing_alg: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
    })
}

pub fn insert_client(
    conn: &Connection,
    c: &Client,
    secret_hash: Option<&[u8]>,
) -> Result<(), Error> {
    conn.prepare_cached(&format!(
        "INSERT INTO oidc_clients ({CLIENT_COLUMNS}, secret_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    ))?
    .execute(params![
        c.id,
        c.name,
        text_of(&c.redirect_uris),
        text_of(&c.post_logout_redirect_uris),
        c.public,
        c.skip_consent,
        text_of(&c.scopes),
        text_of(&c.organisation_ids),
        c.signing_alg,
        c.created_at,
        c.updated_at,
        secret_hash
    ])?;
    Ok(())
}

/// Writes every changeable field of a client (not its secret).
pub fn update_client(conn: &Connection, c: &Client) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE oidc_clients SET name = ?2, redirect_uris = ?3, post_logout_redirect_uris = ?4,
            skip_consent = ?5, scopes = ?6, organisation_ids = ?7, signing_alg = ?8,
            updated_at = ?9 WHERE id = ?1",
    )?
    .execute(params![
        c.id,
        c.name,
        text_of(&c.redirect_uris),
        text_of(&c.post_logout_redirect_uris),
        c.skip_consent,
        text_of(&c.scopes),
        text_of(&c.organisation_ids),
        c.signing_alg,
        c.updated_at
    ])?;
    Ok(())
}

/// A client with its stored secret hash (None for a public client).
pub type ClientWithSecret = (Client, Option<Vec<u8>>);

/// The client and its stored secret hash.
pub fn find_client(conn: &Connection, id: &str) -> Result<Option<ClientWithSecret>, Error> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {CLIENT_COLUMNS}, secret_hash FROM oidc_clients WHERE id = ?1"
        ))?
        .query_row([id], |r| Ok((client(r)?, r.get(11)?)))
        .optional()?)
}

/// Every client, by name. There are a handful per plant, never a page's worth.
pub fn list_clients(conn: &Connection) -> Result<Vec<Client>, Error> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CLIENT_COLUMNS} FROM oidc_clients ORDER BY name, id"
    ))?;
    let rows = stmt.query_map([], client)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn delete_client(conn: &Connection, id: &str) -> Result<bool, Error> {
    Ok(conn
        .prepare_cached("DELETE FROM oidc_clients WHERE id = ?1")?
        .execute([id])?
        == 1)
}

/// An authorization code as stored; the code itself only as its SHA-256.
#[derive(Debug, Clone)]
pub struct Code {
    pub id: String,
    pub client_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub code_challenge: String,
    pub auth_time: String,
    pub session_id: Option<String>,
    pub family_id: String,
    pub created_at: String,
    pub expires_at: String,
    pub used_at: Option<String>,
}

const CODE_COLUMNS: &str = "id, client_id, user_id, redirect_uri, scope, nonce, code_challenge,
    auth_time, session_id, family_id, created_at, expires_at, used_at";

fn code(r: &Row) -> rusqlite::Result<Code> {
    Ok(Code {
        id: r.get(0)?,
        client_id: r.get(1)?,
        user_id: r.get(2)?,
        redirect_uri: r.get(3)?,
        scope: r.get(4)?,
        nonce: r.get(5)?,
        code_challenge: r.get(6)?,
        auth_time: r.get(7)?,
        session_id: r.get(8)?,
        family_id: r.get(9)?,
        created_at: r.get(10)?,
        expires_at: r.get(11)?,
        used_at: r.get(12)?,
    })
}

pub fn insert_code(conn: &Connection, c: &Code, code_hash: &[u8]) -> Result<(), Error> {
    conn.prepare_cached(&format!(
        "INSERT INTO oidc_codes ({CODE_COLUMNS}, code_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
    ))?
    .execute(params![
        c.id,
        c.client_id,
        c.user_id,
        c.redirect_uri,
        c.scope,
        c.nonce,
        c.code_challenge,
        c.auth_time,
        c.session_id,
        c.family_id,
        c.created_at,
        c.expires_at,
        c.used_at,
        code_hash
    ])?;
    Ok(())
}

/// The code with this id, with its stored hash for a constant-time comparison.
pub fn find_code(conn: &Connection, id: &str) -> Result<Option<(Code, Vec<u8>)>, Error> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {CODE_COLUMNS}, code_hash FROM oidc_codes WHERE id = ?1"
        ))?
        .query_row([id], |r| Ok((code(r)?, r.get(13)?)))
        .optional()?)
}

/// Marks a code used; false when it already was (the second use of a code).
pub fn use_code(conn: &Connection, id: &str, now: &str) -> Result<bool, Error> {
    Ok(conn
        .prepare_cached("UPDATE oidc_codes SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL")?
        .execute(params![id, now])?
        == 1)
}

/// Drops codes that expired before `before` (a used code is kept until then, so that its
/// reuse is recognised).
pub fn delete_expired_codes(conn: &Connection, before: &str) -> Result<usize, Error> {
    Ok(conn
        .prepare_cached("DELETE FROM oidc_codes WHERE expires_at < ?1")?
        .execute([before])?)
}

/// A person's consent to an application.
#[derive(Debug, Clone, PartialEq)]
pub struct Consent {
    pub user_id: String,
    pub client_id: String,
    pub client_name: String,
    pub scope: String,
    pub granted_at: String,
}

pub fn find_consent(
    conn: &Connection,
    user_id: &str,
    client_id: &str,
) -> Result<Option<Consent>, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT c.user_id, c.client_id, o.name, c.scope, c.granted_at
               FROM oidc_consents c JOIN oidc_clients o ON o.id = c.client_id
              WHERE c.user_id = ?1 AND c.client_id = ?2",
        )?
        .query_row(params![user_id, client_id], consent)
        .optional()?)
}

fn consent(r: &Row) -> rusqlite::Result<Consent> {
    Ok(Consent {
        user_id: r.get(0)?,
        client_id: r.get(1)?,
        client_name: r.get(2)?,
        scope: r.get(3)?,
        granted_at: r.get(4)?,
    })
}

pub fn upsert_consent(conn: &Connection, c: &Consent) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO oidc_consents (user_id, client_id, scope, granted_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id, client_id) DO UPDATE SET scope = ?3, granted_at = ?4",
    )?
    .execute(params![c.user_id, c.client_id, c.scope, c.granted_at])?;
    Ok(())
}

/// A person's consents, by application name.
pub fn consents_of(conn: &Connection, user_id: &str) -> Result<Vec<Consent>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.user_id, c.client_id, o.name, c.scope, c.granted_at
           FROM oidc_consents c JOIN oidc_clients o ON o.id = c.client_id
          WHERE c.user_id = ?1 ORDER BY o.name, c.client_id",
    )?;
    let rows = stmt.query_map([user_id], consent)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn delete_consent(conn: &Connection, user_id: &str, client_id: &str) -> Result<bool, Error> {
    Ok(conn
        .prepare_cached("DELETE FROM oidc_consents WHERE user_id = ?1 AND client_id = ?2")?
        .execute(params![user_id, client_id])?
        == 1)
}

/// Revokes every live token a person holds from one application.
pub fn revoke_client_tokens(
    conn: &Connection,
    user_id: &str,
    client_id: &str,
    now: &str,
) -> Result<usize, Error> {
    Ok(conn
        .prepare_cached(
            "UPDATE tokens SET revoked_at = ?3
              WHERE user_id = ?1 AND client_id = ?2 AND revoked_at IS NULL",
        )?
        .execute(params![user_id, client_id, now])?)
}

/// Revokes every live token issued to one application (it was removed).
pub fn revoke_all_client_tokens(
    conn: &Connection,
    client_id: &str,
    now: &str,
) -> Result<usize, Error> {
    Ok(conn
        .prepare_cached(
            "UPDATE tokens SET revoked_at = ?2 WHERE client_id = ?1 AND revoked_at IS NULL",
        )?
        .execute(params![client_id, now])?)
}
