//! `/api/v1/organisations/{id}/provisioning`: what an organisation's admin needs to connect
//! their directory (Entra ID, Okta) over SCIM: the address, the provisioning keys, the last
//! change they made; and a new provisioning key, shown once.

use super::wire::ApiKeyOut;
use crate::api::extract::Caller;
use crate::api::refusal::{ApiError, Refusals};
use crate::api::routes::Routes;
use crate::db::audit::AuditRow;
use crate::ops::scim::provisioning as ops;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use serde::Serialize;

pub fn configure(routes: &mut Routes) {
    routes
        .resource(|r| {
            r.to(__path_status, status);
        })
        .resource(|r| {
            r.to(__path_create_key, create_key);
        });
}

type Reply = Result<HttpResponse, ApiError>;

/// A provisioning key (never its secret), and whose it is: a directory holding it acts with
/// that admin's rights.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct KeyOut {
    #[serde(flatten)]
    key: ApiKeyOut,
    holder_email: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ProvisioningOut {
    /// The SCIM 2.0 base URL to give the directory.
    scim_url: String,
    keys: Vec<KeyOut>,
    /// The last change a provisioning key made, from the audit trail.
    last_activity: Option<AuditRow>,
}

/// How the organisation's directory provisions it (the organisation's admins only).
#[utoipa::path(
    get,
    path = "/api/v1/organisations/{id}/provisioning",
    operation_id = "get_provisioning",
    tag = "provisioning",
    params(("id" = String, Path, description = "The organisation's id")),
    responses((status = 200, description = "The SCIM address, the keys and the last change", body = ProvisioningOut), Refusals)
)]
async fn status(state: web::Data<AppState>, Caller(p, _): Caller, id: web::Path<String>) -> Reply {
    let found = state
        .run(move |conn, env| ops::status(conn, env, &p, &id))
        .await?;
    let keys = found
        .keys
        .into_iter()
        .map(|k| KeyOut {
            key: ApiKeyOut::from(k.key),
            holder_email: k.holder_email,
        })
        .collect();
    Ok(HttpResponse::Ok().json(ProvisioningOut {
        scim_url: found.scim_url,
        keys,
        last_activity: found.last_activity,
    }))
}

/// A new provisioning key of the caller's for the organisation; the whole key is in the answer
/// this once.
#[utoipa::path(
    post,
    path = "/api/v1/organisations/{id}/provisioning/keys",
    operation_id = "create_provisioning_key",
    tag = "provisioning",
    params(("id" = String, Path, description = "The organisation's id")),
    responses((status = 201, description = "The key, with its secret", body = ApiKeyOut), Refusals)
)]
async fn create_key(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    id: web::Path<String>,
) -> Reply {
    let created = state
        .run(move |conn, env| ops::create_key(conn, env, &p, &id))
        .await?;
    let mut out = ApiKeyOut::from(created.key);
    out.secret = Some(created.secret);
    Ok(HttpResponse::Created().json(out))
}
