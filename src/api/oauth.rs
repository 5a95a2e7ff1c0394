//! OAuth2 endpoints: `/oauth/token` (RFC 6749), `/oauth/revoke` (RFC 7009) and
//! `/oauth/introspect` (RFC 7662). Bodies may be form-encoded or JSON.

use super::extract::Caller;
use super::refusal::{ApiError, Refusals};
use super::routes::Routes;
use crate::auth;
use crate::error::Error;
use crate::ops::tokens::{self as ops, GrantError, GrantPlan, GrantRequest};
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use serde::{Deserialize, Serialize};

pub fn configure(routes: &mut Routes) {
    routes
        .resource(|r| {
            r.to(__path_token, token);
        })
        .resource(|r| {
            r.to(__path_revoke, revoke);
        })
        .resource(|r| {
            r.to(__path_introspect, introspect);
        });
    oidc::configure(routes);
    authorize::configure(routes);
    end_session::configure(routes);
    sign_in::configure(routes);
}

/// The body of revocation and introspection, as the document describes it (read as a
/// `TokenBody`, like the token endpoint's).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct TokenRef {
    /// The token itself.
    #[schema(min_length = 1)]
    token: String,
    /// `access_token` or `refresh_token`; a hint only.
    token_type_hint: Option<String>,
}

/// Every field any grant may carry; `scope` and `token_type_hint` are read and not used, and
/// unknown ones are ignored, as RFC 6749 asks.
#[derive(Deserialize, Default, utoipa::ToSchema)]
struct TokenBody {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    username: Option<String>,
    password: Option<String>,
    refresh_token: Option<String>,
    audience: Option<String>,
    token: Option<String>,
    /// The authorization code grant's: the code, the redirect URI it was issued for, and the
    /// PKCE verifier.
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    /// Read only so that a value that is not text is refused like any other field's.
    #[allow(dead_code)]
    token_type_hint: Option<String>,
    /// The same: RFC 6749 scopes are not used, but must be text.
    #[allow(dead_code)]
    scope: Option<String>,
}

mod authorize;
mod end_session;
mod oidc;
mod page;
mod refusal;
mod sign_in;
use refusal::{no_store, OAuthError, OAuthRefusal};

/// Parses a form-encoded or JSON body.
fn parse_body(req: &HttpRequest, bytes: &[u8]) -> Result<TokenBody, GrantError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let parsed = if content_type.starts_with("application/json") {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        serde_urlencoded::from_bytes(bytes).map_err(|e| e.to_string())
    } else {
        return Err(GrantError::InvalidRequest(
            "send application/x-www-form-urlencoded or application/json".into(),
        ));
    };
    parsed.map_err(|e| GrantError::InvalidRequest(format!("the body does not parse: {e}")))
}

/// Client credentials sent as HTTP Basic (RFC 6749 section 2.3.1), when present.
fn basic_client(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let unescape = |s: &str| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}"))
            .ok()?
            .pop()
            .map(|(_, v)| v)
    };
    Some((unescape(id)?, unescape(secret)?))
}

/// The grant a token request asks for, its client named by HTTP Basic or in the body.
fn grant_request(req: &HttpRequest, body: TokenBody) -> GrantRequest {
    let (client_id, client_secret) = match basic_client(req) {
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (body.client_id, body.client_secret),
    };
    GrantRequest {
        grant_type: body.grant_type,
        client_id,
        client_secret,
        username: body.username,
        password: body.password,
        refresh_token: body.refresh_token,
        audience: body.audience,
        code: body.code,
        redirect_uri: body.redirect_uri,
        code_verifier: body.code_verifier,
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    /// The authorization code grant's ID token, when `openid` was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
}

/// Issues tokens: `authorization_code` (OpenID Connect, with PKCE), `password`,
/// `client_credentials` (an API key's id and secret) and `refresh_token` grants. The client
/// may authenticate with HTTP Basic or in the body.
#[utoipa::path(
    post,
    path = "/oauth/token",
    operation_id = "token",
    tag = "oauth",
    security(()),
    request_body(content(
        (TokenBody = "application/x-www-form-urlencoded"),
        (TokenBody = "application/json"),
    )),
    responses(
        (status = 200, description = "The tokens", body = TokenResponse),
        (status = 400, description = "invalid_request, invalid_grant, unsupported_grant_type", body = OAuthError),
        (status = 401, description = "invalid_client", body = OAuthError),
        (status = 429, description = "slow_down: too many failures from this address", body = OAuthError),
        (status = 503, description = "temporarily_unavailable: the database refuses writes", body = OAuthError),
    )
)]
async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    bytes: web::Bytes,
) -> Result<HttpResponse, OAuthRefusal> {
    let request = grant_request(&req, parse_body(&req, &bytes)?);
    let source = auth::client_address(&req, &state.env.config.lockout.trusted_proxies);
    let granted = match ops::plan(&request) {
        GrantPlan::Shared => {
            state
                .write(move |tx, env| ops::grant_in(tx, env, request, &source))
                .await??
        }
        GrantPlan::Alone => {
            state
                .run(move |conn, env| Ok(ops::grant(conn, env, request, &source)))
                .await??
        }
    };
    Ok(no_store(StatusCode::OK).json(TokenResponse {
        access_token: granted.access_token,
        token_type: "Bearer",
        expires_in: granted.expires_in,
        refresh_token: granted.refresh_token,
        id_token: granted.id_token,
        scope: granted.scope,
    }))
}

/// Revokes a token (RFC 7009); a refresh token takes its whole family with it. An unknown
/// token is not an error.
#[utoipa::path(
    post,
    path = "/oauth/revoke",
    operation_id = "revoke_token",
    tag = "oauth",
    security(()),
    request_body(content(
        (TokenRef = "application/x-www-form-urlencoded"),
        (TokenRef = "application/json"),
    )),
    responses(
        (status = 200, description = "Revoked, or there was nothing to revoke"),
        (status = 400, description = "invalid_request", body = OAuthError),
        (status = 503, description = "temporarily_unavailable", body = OAuthError),
    )
)]
async fn revoke(
    state: web::Data<AppState>,
    req: HttpRequest,
    bytes: web::Bytes,
) -> Result<HttpResponse, OAuthRefusal> {
    let body = parse_body(&req, &bytes)?;
    let token = body
        .token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| GrantError::InvalidRequest("token is required".into()))?;
    let source = auth::client_address(&req, &state.env.config.lockout.trusted_proxies);
    state
        .run(move |conn, env| ops::revoke(conn, env, &token, &source))
        .await?;
    Ok(no_store(StatusCode::OK).finish())
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ScopeClaim {
    scope_type: &'static str,
    scope_id: String,
    organisation_id: String,
    site_id: Option<String>,
    plant_id: Option<String>,
    role: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
struct ActiveToken {
    active: bool,
    sub: String,
    email: String,
    exp: i64,
    iat: i64,
    token_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<String>,
    superadmin: bool,
    memberships: Vec<ScopeClaim>,
    modules: Vec<String>,
}

fn epoch_seconds(text: &str) -> i64 {
    crate::clock::parse(text)
        .map(|t| t.unix_timestamp())
        .unwrap_or(0)
}

/// What a token is and who holds it (RFC 7662), for callers allowed to introspect.
#[utoipa::path(
    post,
    path = "/oauth/introspect",
    operation_id = "introspect",
    tag = "oauth",
    request_body(content(
        (TokenRef = "application/x-www-form-urlencoded"),
        (TokenRef = "application/json"),
    )),
    responses((status = 200, description = "`{\"active\": false}` or the active token", body = Introspected), Refusals)
)]
async fn introspect(
    state: web::Data<AppState>,
    Caller(caller, _): Caller,
    req: HttpRequest,
    bytes: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    // Introspection answers in the native shape; a body it cannot read is a bad request.
    let body = parse_body(&req, &bytes).map_err(|e| match e {
        GrantError::InvalidRequest(m) => Error::Malformed(m),
        other => Error::Internal(format!("{other:?}")),
    })?;
    let token = body
        .token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::invalid("token", "is required"))?;
    let found = state
        .run(move |conn, env| ops::introspect(conn, env, &caller, &token))
        .await?;
    let answer = match found {
        Some(found) => Introspected::Active(Box::new(active(found))),
        None => Introspected::Inactive { active: false },
    };
    Ok(no_store(StatusCode::OK).json(answer))
}

/// RFC 7662's answer: the active token, or only that it is not active (unknown, expired,
/// revoked, or not the caller's to see).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
enum Introspected {
    Active(Box<ActiveToken>),
    Inactive { active: bool },
}

/// RFC 7662's answer for an active token, with who it is and what they hold.
fn active(found: ops::Introspection) -> ActiveToken {
    let memberships = found
        .memberships
        .iter()
        .map(|m| ScopeClaim {
            scope_type: m.scope.kind().as_str(),
            scope_id: m.scope.id().to_string(),
            organisation_id: m.scope.organisation_id.clone(),
            site_id: m.scope.site_id.clone(),
            plant_id: m.scope.plant_id.clone(),
            role: m.role.as_str(),
        })
        .collect();
    ActiveToken {
        active: true,
        sub: found.token.user_id.clone(),
        email: found.email,
        exp: epoch_seconds(&found.token.expires_at),
        iat: epoch_seconds(&found.token.created_at),
        token_type: if found.token.kind == crate::db::tokens::TokenKind::Refresh {
            "refresh_token"
        } else {
            "Bearer"
        },
        client_id: found.token.api_key_id.clone(),
        aud: found.token.audience.clone(),
        superadmin: found.superadmin,
        memberships,
        modules: found.modules,
    }
}
