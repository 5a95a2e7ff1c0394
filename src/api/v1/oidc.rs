//! `/api/v1/oidc-clients`: the applications that sign people in with Gatehouse; and
//! `/api/v1/users/me/consents`: what the caller allowed them.

use super::wire::List;
use crate::api::extract::{Body, Caller};
use crate::api::refusal::{ApiError, Refusals};
use crate::api::routes::Routes;
use crate::db::oidc::{Client, Consent};
use crate::ops::oidc::{clients as ops, consents};
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

pub fn configure(routes: &mut Routes) {
    routes
        .resource(|r| {
            r.to(__path_list, list).to(__path_register, register);
        })
        .resource(|r| {
            r.to(__path_get, get)
                .to(__path_change, change)
                .to(__path_remove, remove);
        })
        .resource(|r| {
            r.to(__path_my_consents, my_consents);
        })
        .resource(|r| {
            r.to(__path_revoke_consent, revoke_consent);
        });
}

type Reply = Result<HttpResponse, ApiError>;

/// An application registered for OpenID Connect sign-in.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ClientOut {
    client_id: String,
    name: String,
    redirect_uris: Vec<String>,
    post_logout_redirect_uris: Vec<String>,
    /// A public client (a single-page or native app) has no secret and proves itself with PKCE.
    public: bool,
    skip_consent: bool,
    scopes: Vec<String>,
    /// Empty: anyone may sign in; else only members of these organisations.
    organisation_ids: Vec<String>,
    /// What its ID tokens (and JWT access tokens) are signed with.
    signing_alg: String,
    created_at: String,
    updated_at: String,
    /// A confidential client's secret: in the answer to the registration, this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
}

impl From<Client> for ClientOut {
    fn from(c: Client) -> ClientOut {
        ClientOut {
            client_id: c.id,
            name: c.name,
            redirect_uris: c.redirect_uris,
            post_logout_redirect_uris: c.post_logout_redirect_uris,
            public: c.public,
            skip_consent: c.skip_consent,
            scopes: c.scopes,
            organisation_ids: c.organisation_ids,
            signing_alg: c.signing_alg,
            created_at: c.created_at,
            updated_at: c.updated_at,
            client_secret: None,
        }
    }
}

/// A registration.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NewClient {
    #[schema(value_type = crate::domain::fields::shapes::Name)]
    name: String,
    /// Exact URIs: https, or http to a loopback address; no wildcards, no fragments.
    #[schema(min_items = 1)]
    redirect_uris: Vec<String>,
    post_logout_redirect_uris: Option<Vec<String>>,
    /// Default false: a confidential client, with a secret.
    public: Option<bool>,
    /// Superadmins only: a first-party app that needs no consent screen.
    skip_consent: Option<bool>,
    /// Of `openid`, `profile`, `email`, `gatehouse`; must include `openid`. Default: all.
    scopes: Option<Vec<String>>,
    /// Limit sign-in to members of these organisations. An organisation admin must name
    /// organisations they administer.
    organisation_ids: Option<Vec<String>>,
    /// `ES256` (default), `EdDSA` or `RS256`.
    signing_alg: Option<String>,
}

impl From<NewClient> for ops::ClientFields {
    fn from(b: NewClient) -> ops::ClientFields {
        ops::ClientFields {
            name: Some(b.name),
            redirect_uris: Some(b.redirect_uris),
            post_logout_redirect_uris: b.post_logout_redirect_uris,
            public: b.public,
            skip_consent: b.skip_consent,
            scopes: b.scopes,
            organisation_ids: b.organisation_ids,
            signing_alg: b.signing_alg,
        }
    }
}

/// A change: the fields sent. Whether a client is public is fixed at registration.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ClientPatch {
    #[schema(value_type = Option<crate::domain::fields::shapes::Name>)]
    name: Option<String>,
    #[schema(min_items = 1)]
    redirect_uris: Option<Vec<String>>,
    post_logout_redirect_uris: Option<Vec<String>>,
    skip_consent: Option<bool>,
    scopes: Option<Vec<String>>,
    organisation_ids: Option<Vec<String>>,
    signing_alg: Option<String>,
}

impl From<ClientPatch> for ops::ClientFields {
    fn from(b: ClientPatch) -> ops::ClientFields {
        ops::ClientFields {
            name: b.name,
            redirect_uris: b.redirect_uris,
            post_logout_redirect_uris: b.post_logout_redirect_uris,
            public: None,
            skip_consent: b.skip_consent,
            scopes: b.scopes,
            organisation_ids: b.organisation_ids,
            signing_alg: b.signing_alg,
        }
    }
}

/// Registers an application; a confidential one's secret is in the answer this once.
#[utoipa::path(
    post,
    path = "/api/v1/oidc-clients",
    operation_id = "register_oidc_client",
    tag = "oidc",
    request_body = NewClient,
    responses((status = 201, description = "Registered", body = ClientOut), Refusals)
)]
async fn register(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    Body(b, _): Body<NewClient>,
) -> Reply {
    let made = state
        .run(move |conn, env| ops::register(conn, env, &p, b.into()))
        .await?;
    let mut out = ClientOut::from(made.client);
    out.client_secret = made.secret;
    Ok(HttpResponse::Created().json(out))
}

/// The applications the caller manages.
#[utoipa::path(
    get,
    path = "/api/v1/oidc-clients",
    operation_id = "list_oidc_clients",
    tag = "oidc",
    responses((status = 200, description = "The applications", body = List<ClientOut>), Refusals)
)]
async fn list(state: web::Data<AppState>, Caller(p, _): Caller) -> Reply {
    let clients = state.run(move |conn, _| ops::list(conn, &p)).await?;
    Ok(HttpResponse::Ok().json(List::<ClientOut>::of(clients)))
}

/// One application the caller manages.
#[utoipa::path(
    get,
    path = "/api/v1/oidc-clients/{clientId}",
    operation_id = "get_oidc_client",
    tag = "oidc",
    params(("clientId" = String, Path, description = "The client id")),
    responses((status = 200, description = "The application", body = ClientOut), Refusals)
)]
async fn get(state: web::Data<AppState>, Caller(p, _): Caller, id: web::Path<String>) -> Reply {
    let client = state.run(move |conn, _| ops::get(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(ClientOut::from(client)))
}

/// Changes an application: the fields sent, each checked as at registration.
#[utoipa::path(
    patch,
    path = "/api/v1/oidc-clients/{clientId}",
    operation_id = "change_oidc_client",
    tag = "oidc",
    params(("clientId" = String, Path, description = "The client id")),
    request_body = ClientPatch,
    responses((status = 200, description = "The application as it is now", body = ClientOut), Refusals)
)]
async fn change(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    id: web::Path<String>,
    Body(b, _): Body<ClientPatch>,
) -> Reply {
    let client = state
        .run(move |conn, env| ops::change(conn, env, &p, &id, b.into()))
        .await?;
    Ok(HttpResponse::Ok().json(ClientOut::from(client)))
}

/// Removes an application, its consents and codes, and revokes every token it was issued.
#[utoipa::path(
    delete,
    path = "/api/v1/oidc-clients/{clientId}",
    operation_id = "remove_oidc_client",
    tag = "oidc",
    params(("clientId" = String, Path, description = "The client id")),
    responses((status = 204, description = "Removed"), Refusals)
)]
async fn remove(state: web::Data<AppState>, Caller(p, _): Caller, id: web::Path<String>) -> Reply {
    state
        .run(move |conn, env| ops::remove(conn, env, &p, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An application the caller allowed to sign them in.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ConsentOut {
    client_id: String,
    name: String,
    /// What it may know: the scopes allowed.
    scope: String,
    granted_at: String,
}

impl From<Consent> for ConsentOut {
    fn from(c: Consent) -> ConsentOut {
        ConsentOut {
            client_id: c.client_id,
            name: c.client_name,
            scope: c.scope,
            granted_at: c.granted_at,
        }
    }
}

/// The applications the caller allowed.
#[utoipa::path(
    get,
    path = "/api/v1/users/me/consents",
    operation_id = "list_my_consents",
    tag = "oidc",
    responses((status = 200, description = "The consents", body = List<ConsentOut>), Refusals)
)]
async fn my_consents(state: web::Data<AppState>, Caller(p, _): Caller) -> Reply {
    let given = state.run(move |conn, _| consents::list(conn, &p)).await?;
    Ok(HttpResponse::Ok().json(List::<ConsentOut>::of(given)))
}

/// Takes back the caller's consent to an application and revokes its tokens for them.
#[utoipa::path(
    delete,
    path = "/api/v1/users/me/consents/{clientId}",
    operation_id = "revoke_my_consent",
    tag = "oidc",
    params(("clientId" = String, Path, description = "The application's client id")),
    responses((status = 204, description = "Revoked"), Refusals)
)]
async fn revoke_consent(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    id: web::Path<String>,
) -> Reply {
    state
        .run(move |conn, env| consents::revoke(conn, env, &p, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
