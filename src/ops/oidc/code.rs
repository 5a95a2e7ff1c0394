//! The authorization code grant (RFC 6749 section 4.1.3, RFC 7636 section 4.6): a code, once,
//! for tokens and an ID token. A code presented a second time was stolen or replayed: every
//! token issued from it is revoked.

use super::claims::{person, IdToken};
use super::clients::{self, serves};
use super::keys;
use crate::db;
use crate::db::oidc::{self as store, Client, Code};
use crate::db::tokens::{revoke_family, Token};
use crate::domain::model::{UserRecord, UserStatus};
use crate::domain::oidc;
use crate::error::Error;
use crate::ops::audit::{self, Actor, Event};
use crate::ops::tokens::{issue_pair_in, required, GrantError, GrantRequest, Granted, Issue};
use crate::ops::Env;
use crate::signing::Alg;
use crate::{clock, secrets};
use rusqlite::Connection;

fn invalid(why: &str) -> GrantError {
    GrantError::InvalidGrant(why.to_string())
}

/// The client a token request names, authenticated; a wrong one is `invalid_client`.
fn client_of(conn: &Connection, request: &GrantRequest) -> Result<Client, GrantError> {
    let id = required(request.client_id.clone(), "client_id")?;
    clients::authenticate(conn, &id, request.client_secret.as_deref())?
        .ok_or(GrantError::InvalidClient)
}

/// Whether the refresh of `token` may go on: a token issued to an OpenID Connect client is
/// refreshed only by that client, with its secret when it has one.
pub fn client_may_refresh(
    conn: &Connection,
    token: &Token,
    request: &GrantRequest,
) -> Result<bool, Error> {
    let Some(client_id) = &token.client_id else {
        return Ok(true);
    };
    if request
        .client_id
        .as_deref()
        .is_some_and(|id| id != client_id)
    {
        return Ok(false);
    }
    Ok(clients::authenticate(conn, client_id, request.client_secret.as_deref())?.is_some())
}

/// The code a request presents, if it is one of ours and this client's.
fn code_of(tx: &Connection, secret: &str, client: &Client) -> Result<Option<Code>, Error> {
    let Some(id) = crate::ops::tokens::id_in_secret(secret) else {
        return Ok(None);
    };
    let hash = secrets::digest(secret);
    Ok(store::find_code(tx, &id)?
        .filter(|(c, stored)| secrets::equal(stored, &hash) && c.client_id == client.id)
        .map(|(c, _)| c))
}

// long: every check of section 4.1.3 and the issue are one IMMEDIATE transaction, so that of two concurrent exchanges one wins and the other is the reuse.
pub fn exchange(
    conn: &mut Connection,
    env: &Env,
    request: GrantRequest,
    source: &str,
) -> Result<Granted, GrantError> {
    let secret = required(request.code.clone(), "code")?;
    let redirect_uri = required(request.redirect_uri.clone(), "redirect_uri")?;
    let verifier = required(request.code_verifier.clone(), "code_verifier")
        .map_err(|_| GrantError::InvalidRequest("code_verifier is required (PKCE)".into()))?;
    let client = client_of(conn, &request)?;
    let tx = db::write(conn)?;
    let Some(code) = code_of(&tx, &secret, &client)? else {
        return Err(invalid("the code is not valid"));
    };
    let now = env.clock.now_text();
    if !store::use_code(&tx, &code.id, &now)? {
        reused(&tx, env, &code, source)?;
        tx.commit().map_err(Error::from)?;
        return Err(invalid(
            "the code was already used; the tokens issued from it are revoked",
        ));
    }
    let record = checked(&tx, env, &code, &client, &redirect_uri, &verifier)?;
    let issue = Issue {
        user_id: &code.user_id,
        api_key_id: None,
        audience: None,
        source,
        family_id: &code.family_id,
        grant: "authorization_code",
        client_id: Some(client.id.clone()),
        scope: Some(code.scope.clone()),
    };
    let mut granted = issue_pair_in(&tx, env, issue)?;
    let scopes: Vec<String> = code.scope.split(' ').map(str::to_string).collect();
    if scopes.iter().any(|s| s == "openid") {
        granted.id_token = Some(id_token(&tx, env, &client, &code, &scopes, &record)?);
    }
    record_exchange(&tx, env, &code, &record, source)?;
    tx.commit().map_err(Error::from)?;
    Ok(granted)
}

/// The checks of section 4.1.3 after the code is known and marked used: unexpired, the same
/// redirect URI, the PKCE verifier, and a person who may still sign in to this application.
fn checked(
    tx: &Connection,
    env: &Env,
    code: &Code,
    client: &Client,
    redirect_uri: &str,
    verifier: &str,
) -> Result<UserRecord, GrantError> {
    if crate::ops::lookup::is_expired(Some(&code.expires_at), env.clock.now()) {
        return Err(invalid("the code has expired"));
    }
    if code.redirect_uri != redirect_uri {
        return Err(invalid(
            "redirect_uri is not the one the code was issued for",
        ));
    }
    if !oidc::pkce_matches(verifier, &code.code_challenge) {
        return Err(invalid("code_verifier does not match the code_challenge"));
    }
    let record = crate::ops::users::load_record(tx, &code.user_id)?
        .filter(|r| r.user.status == UserStatus::Active && !r.user.must_change_password)
        .ok_or_else(|| invalid("the user cannot sign in (disabled or gone)"))?;
    if !serves(client, &record) {
        return Err(invalid(
            "this application is only for members of the organisations it serves",
        ));
    }
    Ok(record)
}

fn record_exchange(
    tx: &Connection,
    env: &Env,
    code: &Code,
    record: &UserRecord,
    source: &str,
) -> Result<(), Error> {
    let actor = Actor::user(
        tx,
        &code.user_id,
        "oidc_code",
        Some(code.id.clone()),
        source,
    )?;
    let event = Event::new("oidc.code_exchange")
        .target("oidc_client", &code.client_id)
        .organisations(audit::organisations_of(&record.memberships))
        .summary(serde_json::json!({"clientId": code.client_id, "scope": code.scope}));
    audit::record(tx, env, &actor, event)
}

/// A code used a second time: every token of its family ends, and the trail says why.
fn reused(tx: &Connection, env: &Env, code: &Code, source: &str) -> Result<(), Error> {
    let revoked = revoke_family(tx, &code.family_id, &env.clock.now_text())?;
    let actor = Actor::user(
        tx,
        &code.user_id,
        "oidc_code",
        Some(code.id.clone()),
        source,
    )?;
    let event = Event::new("oidc.code_reuse")
        .failed()
        .target("oidc_client", &code.client_id)
        .organisations(audit::account_organisations_by_id(tx, &code.user_id)?)
        .summary(serde_json::json!({"clientId": code.client_id, "revoked": revoked}));
    audit::record(tx, env, &actor, event)
}

fn id_token(
    tx: &Connection,
    env: &Env,
    client: &Client,
    code: &Code,
    scopes: &[String],
    record: &UserRecord,
) -> Result<String, Error> {
    let now = env.clock.now();
    let claims = IdToken {
        iss: super::issuer(env),
        aud: client.id.clone(),
        exp: (now + keys::ID_TOKEN_LIFETIME).unix_timestamp(),
        iat: now.unix_timestamp(),
        auth_time: clock::parse(&code.auth_time).map_or(0, |t| t.unix_timestamp()),
        azp: client.id.clone(),
        nonce: code.nonce.clone(),
        person: person(record, scopes, &client.organisation_ids),
    };
    let alg = Alg::parse(&client.signing_alg).unwrap_or(Alg::Es256);
    keys::sign(tx, alg, "JWT", &claims)
}
