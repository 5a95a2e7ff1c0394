//! OpenID Connect at the edge: discovery, the JWKS, the authorization endpoint with its
//! pages, userinfo and RP-initiated logout. Each handler reads its wire format and renders
//! what `ops::oidc` decided.

use super::refusal::no_store;
use crate::api::extract::Caller;
use crate::api::refusal::{ApiError, Refusals};
use crate::api::routes::Routes;
use crate::ops::oidc::{self as ops, claims::Person};
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use serde::Serialize;

pub fn configure(routes: &mut Routes) {
    routes
        .resource(|r| {
            r.to(__path_discovery, discovery);
        })
        .resource(|r| {
            r.to(__path_jwks, jwks);
        })
        .resource(|r| {
            r.to(__path_userinfo, userinfo)
                .to(__path_userinfo_post, userinfo_post);
        });
}

/// OpenID Connect Discovery 1.0's provider metadata.
#[derive(Serialize, utoipa::ToSchema)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: String,
    jwks_uri: String,
    end_session_endpoint: String,
    revocation_endpoint: String,
    introspection_endpoint: String,
    response_types_supported: [&'static str; 1],
    response_modes_supported: [&'static str; 1],
    grant_types_supported: [&'static str; 4],
    subject_types_supported: [&'static str; 1],
    id_token_signing_alg_values_supported: [&'static str; 3],
    token_endpoint_auth_methods_supported: [&'static str; 3],
    code_challenge_methods_supported: [&'static str; 1],
    scopes_supported: [&'static str; 4],
    claims_supported: [&'static str; 16],
    prompt_values_supported: [&'static str; 4],
    authorization_response_iss_parameter_supported: bool,
    request_parameter_supported: bool,
}

/// Where everything is and what is supported (OpenID Connect Discovery 1.0).
#[utoipa::path(
    get,
    path = "/.well-known/openid-configuration",
    operation_id = "openid_configuration",
    tag = "oidc",
    security(()),
    responses((status = 200, description = "The provider's metadata", body = Discovery))
)]
async fn discovery(state: web::Data<AppState>) -> HttpResponse {
    let issuer = ops::issuer(&state.env);
    let at = |path: &str| format!("{issuer}{path}");
    HttpResponse::Ok().json(Discovery {
        authorization_endpoint: at("/oauth/authorize"),
        token_endpoint: at("/oauth/token"),
        userinfo_endpoint: at("/oauth/userinfo"),
        jwks_uri: at("/oauth/jwks"),
        end_session_endpoint: at("/oauth/logout"),
        revocation_endpoint: at("/oauth/revoke"),
        introspection_endpoint: at("/oauth/introspect"),
        issuer,
        response_types_supported: ["code"],
        response_modes_supported: ["query"],
        grant_types_supported: [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "password",
        ],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256", "ES256", "EdDSA"],
        token_endpoint_auth_methods_supported: [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        code_challenge_methods_supported: ["S256"],
        scopes_supported: crate::domain::oidc::SCOPES,
        claims_supported: ops::claims::SUPPORTED,
        prompt_values_supported: ["none", "login", "consent", "select_account"],
        authorization_response_iss_parameter_supported: true,
        request_parameter_supported: false,
    })
}

/// A JSON Web Key Set (RFC 7517): the public keys only.
#[derive(Serialize, utoipa::ToSchema)]
struct Jwks {
    #[schema(value_type = Vec<Object>)]
    keys: Vec<jsonwebtoken::jwk::Jwk>,
}

/// The public keys that ID tokens and JWT access tokens are signed with, including rotated
/// keys whose tokens may still be alive.
#[utoipa::path(
    get,
    path = "/oauth/jwks",
    operation_id = "jwks",
    tag = "oidc",
    security(()),
    responses((status = 200, description = "The public keys", body = Jwks), Refusals)
)]
async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = state
        .run(|conn, env| ops::keys::published(conn, env))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(Jwks { keys }))
}

/// The claims the access token's scope allows (OpenID Connect Core section 5.3). GET or POST,
/// with the access token as `Authorization: Bearer`.
#[utoipa::path(
    get,
    path = "/oauth/userinfo",
    operation_id = "userinfo",
    tag = "oidc",
    responses((status = 200, description = "The person's claims", body = Person), Refusals)
)]
async fn userinfo(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    claims_of(state, caller).await
}

/// The same, asked with POST (OpenID Connect Core section 5.3.1 allows both).
#[utoipa::path(
    post,
    path = "/oauth/userinfo",
    operation_id = "userinfo_post",
    tag = "oidc",
    responses((status = 200, description = "The person's claims", body = Person), Refusals)
)]
async fn userinfo_post(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    claims_of(state, caller).await
}

async fn claims_of(
    state: web::Data<AppState>,
    Caller(caller, _): Caller,
) -> Result<HttpResponse, ApiError> {
    let person = state
        .run(move |conn, _| ops::userinfo(conn, &caller))
        .await?;
    Ok(no_store(StatusCode::OK).json(person))
}
