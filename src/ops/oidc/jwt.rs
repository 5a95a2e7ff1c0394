//! JWT access tokens (RFC 9068), when `[tokens] format = "jwt"`: the token's record is stored
//! as for an opaque one (so that revocation and introspection work where Gatehouse is asked),
//! and the secret handed out is the signed JWT whose `jti` is the record's id.

use super::claims::{memberships_for, AccessToken};
use crate::clock;
use crate::db::oidc::find_client;
use crate::db::tokens::Token;
use crate::error::Error;
use crate::ops::{users, Env};
use crate::signing::Alg;
use rusqlite::Connection;

/// The `client_id` of a token no application or API key asked for (the password grant).
pub const GATEHOUSE_CLIENT: &str = "gatehouse";

fn epoch(text: &str) -> i64 {
    clock::parse(text).map_or(0, |t| t.unix_timestamp())
}

/// The signed JWT for the access token `token`, about to be stored.
pub fn access_token(conn: &Connection, env: &Env, token: &Token) -> Result<String, Error> {
    let record = users::load_record(conn, &token.user_id)?.ok_or(Error::Unauthenticated)?;
    let client = match &token.client_id {
        Some(id) => find_client(conn, id)?.map(|(c, _)| c),
        None => None,
    };
    let alg = client
        .as_ref()
        .and_then(|c| Alg::parse(&c.signing_alg))
        .unwrap_or(env.config.tokens.signing_alg.alg());
    let organisations = client
        .as_ref()
        .map(|c| c.organisation_ids.clone())
        .unwrap_or_default();
    let client_id = token
        .client_id
        .clone()
        .or_else(|| token.api_key_id.clone())
        .unwrap_or_else(|| GATEHOUSE_CLIENT.to_string());
    let issuer = super::issuer(env);
    let claims = AccessToken {
        aud: token
            .audience
            .clone()
            .or_else(|| token.client_id.clone())
            .unwrap_or_else(|| issuer.clone()),
        iss: issuer,
        sub: token.user_id.clone(),
        exp: epoch(&token.expires_at),
        iat: epoch(&token.created_at),
        jti: token.id.clone(),
        client_id,
        scope: token.scope.clone(),
        memberships: memberships_for(&record, &organisations),
        modules: record.modules,
    };
    super::keys::sign(conn, alg, "at+jwt", &claims)
}

/// The token id (`jti`) a JWT names, read without checking the signature: only to find the
/// stored record, which the whole token is then compared with (by its SHA-256).
pub fn id_in(token: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Jti {
        jti: String,
    }
    if token.matches('.').count() != 2 || token.len() > 64 * 1024 {
        return None;
    }
    crate::signing::unverified_claims::<Jti>(token).map(|c| c.jti)
}
