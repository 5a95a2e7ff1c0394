//! `/api/v1/api-keys`: the caller's own API keys.

use super::wire::{ApiKeyOut, List};
use crate::api::extract::{Body, Caller};
use crate::api::refusal::ApiError;
use crate::ops::keys as ops;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api-keys")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(web::resource("/api-keys/{id}").route(web::delete().to(revoke)));
}

type Reply = Result<HttpResponse, ApiError>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NewKey {
    name: String,
    expires_at: Option<String>,
}

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

async fn list(state: web::Data<AppState>, Caller(p, _): Caller) -> Reply {
    let keys = state.run(move |conn, _| ops::list_keys(conn, &p)).await?;
    Ok(HttpResponse::Ok().json(List::<ApiKeyOut>::of(keys)))
}

async fn revoke(state: web::Data<AppState>, Caller(p, _): Caller, id: web::Path<String>) -> Reply {
    state
        .run(move |conn, env| ops::revoke_key(conn, env, &p, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
