//! `/api/v1/api-keys`: the caller's own API keys.

use super::wire::{ApiKeyOut, List};
use crate::api::extract::{Body, Caller};
use crate::api::refusal::{ApiError, Refusals};
use crate::api::routes::Routes;
use crate::ops::keys as ops;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

pub fn configure(routes: &mut Routes) {
    routes
        .resource(|r| {
            r.to(__path_list, list).to(__path_create, create);
        })
        .resource(|r| {
            r.to(__path_revoke, revoke);
        });
}

type Reply = Result<HttpResponse, ApiError>;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NewKey {
    #[schema(value_type = crate::domain::fields::shapes::Name)]
    name: String,
    /// When the key stops working; in the future.
    #[schema(format = DateTime)]
    expires_at: Option<String>,
}

/// Creates an API key of the caller's own; the whole key is in the answer this once.
#[utoipa::path(
    post,
    path = "/api/v1/api-keys",
    operation_id = "create_api_key",
    tag = "api-keys",
    request_body = NewKey,
    responses((status = 201, description = "The key, with its secret", body = ApiKeyOut), Refusals)
)]
async fn create(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    Body(b, _): Body<NewKey>,
) -> Reply {
    let created = state
        .run(move |conn, env| ops::create_key(conn, env, &p, &b.name, b.expires_at.as_deref()))
        .await?;
    let mut out = ApiKeyOut::from(created.key);
    out.secret = Some(created.secret);
    Ok(HttpResponse::Created().json(out))
}

/// The caller's API keys (never their secrets).
#[utoipa::path(
    get,
    path = "/api/v1/api-keys",
    operation_id = "list_api_keys",
    tag = "api-keys",
    responses((status = 200, description = "The keys", body = List<ApiKeyOut>), Refusals)
)]
async fn list(state: web::Data<AppState>, Caller(p, _): Caller) -> Reply {
    let keys = state.run(move |conn, _| ops::list_keys(conn, &p)).await?;
    Ok(HttpResponse::Ok().json(List::<ApiKeyOut>::of(keys)))
}

/// Revokes one of the caller's keys.
#[utoipa::path(
    delete,
    path = "/api/v1/api-keys/{id}",
    operation_id = "revoke_api_key",
    tag = "api-keys",
    params(("id" = String, Path, description = "The key's id")),
    responses((status = 204, description = "Revoked"), Refusals)
)]
async fn revoke(state: web::Data<AppState>, Caller(p, _): Caller, id: web::Path<String>) -> Reply {
    state
        .run(move |conn, env| ops::revoke_key(conn, env, &p, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
