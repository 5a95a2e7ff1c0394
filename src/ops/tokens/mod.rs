//! OAuth2 tokens (RFC 6749, 7009, 7662): grants, rotation of refresh tokens, revocation and
//! introspection. Tokens are random and opaque; only their SHA-256 is stored. This file issues
//! them; `lifecycle` checks, revokes and describes them.

mod client;
mod lifecycle;
mod refresh;

pub use client::{grant_in, plan, GrantPlan};
pub use lifecycle::{introspect, live_user, revoke, Introspection};

use super::audit::{self, Actor, Event};
use super::signin::{self, Via};
use super::{new_id, Env};
use crate::db::tokens::{self as store, Token, TokenKind};
use crate::db::{self, users};
use crate::error::Error;
use crate::{clock, secrets};
use rusqlite::Connection;
use serde_json::json;
use std::time::Duration;

/// Why a grant was refused, in RFC 6749 section 5.2's terms.
#[derive(Debug)]
pub enum GrantError {
    InvalidRequest(String),
    InvalidClient,
    InvalidGrant(String),
    UnsupportedGrantType(String),
    Throttled(u64),
    Internal(Error),
}

impl From<Error> for GrantError {
    fn from(e: Error) -> GrantError {
        match e {
            Error::TooManyRequests(wait) => GrantError::Throttled(wait),
            Error::Invalid { .. } => GrantError::InvalidRequest(e.public_message()),
            other => GrantError::Internal(other),
        }
    }
}

/// A token request, whichever body format it came in.
#[derive(Debug, Default)]
pub struct GrantRequest {
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub refresh_token: Option<String>,
    pub audience: Option<String>,
    /// The authorization code grant's.
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
}

/// The tokens granted; the secrets are shown this once.
pub struct Granted {
    pub access_token: String,
    pub expires_in: u64,
    pub refresh_token: Option<String>,
    /// An OpenID Connect code grant's ID token and the scope granted.
    pub id_token: Option<String>,
    pub scope: Option<String>,
}

/// The hex digits of a token's id in its secret, after the four-character prefix.
const ID_DIGITS: usize = 32;
/// Random bytes in a secret, after the id.
const RANDOM_BYTES: usize = 32;

/// A new secret for the token `id`: the prefix, the id's hex digits (so that the token is found
/// by its id), then 32 random bytes in hex (what makes it a secret).
pub(crate) fn secret_for(prefix: &str, id: &str) -> Result<String, Error> {
    let random = secrets::token("", RANDOM_BYTES)?;
    Ok(format!("{prefix}{}{random}", id.replace('-', "")))
}

/// The token id a secret carries, when it has the form `secret_for` gives; None for anything
/// else (a token issued before secrets carried ids, or not a token at all).
pub fn id_in_secret(secret: &str) -> Option<String> {
    if secret.contains('.') {
        return crate::ops::oidc::jwt::id_in(secret);
    }
    let digits = secret.get(4..)?;
    let hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    if digits.len() != ID_DIGITS + 2 * RANDOM_BYTES || !hex(digits) {
        return None;
    }
    let d = &digits[..ID_DIGITS];
    Some(format!(
        "{}-{}-{}-{}-{}",
        &d[..8],
        &d[8..12],
        &d[12..16],
        &d[16..20],
        &d[20..]
    ))
}

/// A new random secret and its stored record.
pub fn issue(
    env: &Env,
    kind: TokenKind,
    user_id: &str,
    epoch: i64,
    family_id: &str,
    ttl: Duration,
) -> Result<(Token, String), Error> {
    let prefix = match kind {
        TokenKind::Access => "gha_",
        TokenKind::Refresh => "ghr_",
        TokenKind::Session => "ghs_",
    };
    let id = new_id();
    let secret = secret_for(prefix, &id)?;
    let now = env.clock.now();
    let ttl = time::Duration::try_from(ttl).unwrap_or(time::Duration::MAX);
    let token = Token {
        id,
        kind,
        user_id: user_id.to_string(),
        family_id: family_id.to_string(),
        api_key_id: None,
        audience: None,
        epoch,
        csrf_token: None,
        created_at: clock::format(now),
        expires_at: clock::format(now + ttl),
        last_used_at: None,
        revoked_at: None,
        address: None,
        client_id: None,
        scope: None,
    };
    Ok((token, secret))
}

pub(crate) fn store_token(tx: &Connection, token: &Token, secret: &str) -> Result<(), Error> {
    store::insert_token(tx, token, &secrets::digest(secret))
}

pub(crate) fn organisations(tx: &Connection, user_id: &str) -> Result<Vec<String>, Error> {
    audit::account_organisations_by_id(tx, user_id)
}

pub(crate) fn required(value: Option<String>, name: &str) -> Result<String, GrantError> {
    value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| GrantError::InvalidRequest(format!("{name} is required")))
}

pub fn grant(
    conn: &mut Connection,
    env: &Env,
    request: GrantRequest,
    source: &str,
) -> Result<Granted, GrantError> {
    match required(request.grant_type.clone(), "grant_type")?.as_str() {
        "password" => password_grant(conn, env, request, source),
        "client_credentials" => client::client_credentials(conn, env, request, source),
        "refresh_token" => refresh::rotate(conn, env, request, source),
        "authorization_code" => crate::ops::oidc::code::exchange(conn, env, request, source),
        other => Err(GrantError::UnsupportedGrantType(format!(
            "grant_type `{}` is not supported",
            crate::logging::escape(other)
        ))),
    }
}

/// A person's email and password for a token pair; never for a password that must change
/// first (the token would work nowhere).
fn password_grant(
    conn: &mut Connection,
    env: &Env,
    request: GrantRequest,
    source: &str,
) -> Result<Granted, GrantError> {
    let username = required(request.username, "username")?;
    let password = required(request.password, "password")?;
    let user_id =
        match signin::password(conn, env, &username, &password, source, Via::PasswordGrant) {
            Ok(id) => id,
            Err(Error::Unauthenticated) => {
                return Err(GrantError::InvalidGrant(
                    "the username or password is wrong".into(),
                ))
            }
            Err(e) => return Err(e.into()),
        };
    if users::find_user(conn, &user_id)?.is_some_and(|u| u.must_change_password) {
        return Err(GrantError::InvalidGrant(
            "the password must be changed first (PUT /api/v1/users/me/password, or the admin page)"
                .into(),
        ));
    }
    let issue = Issue {
        user_id: &user_id,
        api_key_id: None,
        audience: request.audience,
        source,
        family_id: &new_id(),
        grant: "password",
        client_id: None,
        scope: None,
    };
    issue_pair(conn, env, issue)
}

/// What a new pair of tokens is issued for.
pub(crate) struct Issue<'a> {
    pub user_id: &'a str,
    pub api_key_id: Option<String>,
    pub audience: Option<String>,
    pub source: &'a str,
    pub family_id: &'a str,
    pub grant: &'static str,
    /// The OpenID Connect client of a code grant, and the scope granted.
    pub client_id: Option<String>,
    pub scope: Option<String>,
}

/// Issues an access token, and a refresh token unless the grant is for a client (RFC 6749
/// 4.4.3), in its own transaction.
fn issue_pair(conn: &mut Connection, env: &Env, issue: Issue) -> Result<Granted, GrantError> {
    let tx = db::write(conn)?;
    let granted = issue_pair_in(&tx, env, issue)?;
    tx.commit().map_err(Error::from)?;
    Ok(granted)
}

/// The same, inside the caller's transaction.
// long: the pair, its audit row and the answer are written together.
pub(crate) fn issue_pair_in(
    tx: &Connection,
    env: &Env,
    issue: Issue,
) -> Result<Granted, GrantError> {
    let epoch = users::credential_epoch(tx, issue.user_id)?
        .ok_or(GrantError::InvalidGrant("the user is gone".into()))?;
    let tokens = &env.config.tokens;
    let (access, access_secret) = store_one(
        tx,
        env,
        &issue,
        TokenKind::Access,
        epoch,
        tokens.access_lifetime(),
    )?;
    // A client's token (client_credentials) gets no refresh token: the client asks again.
    let refresh_secret = match issue.api_key_id {
        Some(_) => None,
        None => Some(
            store_one(
                tx,
                env,
                &issue,
                TokenKind::Refresh,
                epoch,
                tokens.refresh_ttl.0,
            )?
            .1,
        ),
    };
    record_issue(tx, env, &issue, &access)?;
    crate::metrics::token_issued("access");
    if refresh_secret.is_some() {
        crate::metrics::token_issued("refresh");
    }
    Ok(Granted {
        access_token: access_secret,
        expires_in: tokens.access_lifetime().as_secs(),
        refresh_token: refresh_secret,
        id_token: None,
        scope: issue.scope,
    })
}

/// The audit row of an issued pair.
fn record_issue(tx: &Connection, env: &Env, issue: &Issue, access: &Token) -> Result<(), Error> {
    let kind = match issue.api_key_id {
        Some(_) => "api_key",
        None => "password_grant",
    };
    let credential = issue.api_key_id.clone();
    let actor = Actor::user(tx, issue.user_id, kind, credential, issue.source)?;
    let event = Event::new("token.issue")
        .target("token", &access.id)
        .organisations(organisations(tx, issue.user_id)?)
        .summary(
            json!({"grant": issue.grant, "family": issue.family_id, "audience": issue.audience,
            "expiresAt": access.expires_at, "clientId": issue.client_id}),
        );
    audit::record(tx, env, &actor, event)
}

/// Issues and stores one token of the pair; returns it with its secret.
fn store_one(
    tx: &Connection,
    env: &Env,
    issue: &Issue,
    kind: TokenKind,
    epoch: i64,
    ttl: Duration,
) -> Result<(Token, String), Error> {
    let (mut token, mut secret) =
        self::issue(env, kind, issue.user_id, epoch, issue.family_id, ttl)?;
    token.audience = issue.audience.clone();
    token.address = Some(issue.source.to_string());
    token.client_id = issue.client_id.clone();
    token.scope = issue.scope.clone();
    if kind == TokenKind::Access {
        token.api_key_id = issue.api_key_id.clone();
        if env.config.tokens.format == crate::config::TokenFormat::Jwt {
            secret = crate::ops::oidc::jwt::access_token(tx, env, &token)?;
        }
    }
    store_token(tx, &token, &secret)?;
    Ok((token, secret))
}
