//! `GET /api/v1/users/{id}/sessions` (where the user is signed in) and `DELETE` of the same
//! (sign them out everywhere; their API keys stay).

use super::Reply;
use crate::api::extract::Caller;
use crate::api::refusal::Refusals;
use crate::ops::signed_in as ops;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct SignedInOut {
    id: String,
    /// `session` (the admin page), `access` or `refresh` (OAuth2).
    kind: &'static str,
    created_at: String,
    last_used_at: Option<String>,
    expires_at: String,
    address: Option<String>,
    api_key_id: Option<String>,
    audience: Option<String>,
    /// The session or token this request came with.
    current: bool,
}

/// The live sessions and tokens of a user.
#[derive(Serialize, utoipa::ToSchema)]
struct SignedInList {
    items: Vec<SignedInOut>,
}

/// How many sessions and tokens were ended.
#[derive(Serialize, utoipa::ToSchema)]
struct Ended {
    ended: usize,
}

impl From<ops::SignedIn> for SignedInOut {
    fn from(s: ops::SignedIn) -> Self {
        let t = s.token;
        SignedInOut {
            kind: t.kind.as_str(),
            id: t.id,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            expires_at: t.expires_at,
            address: t.address,
            api_key_id: t.api_key_id,
            audience: t.audience,
            current: s.current,
        }
    }
}

/// The user's live sessions and tokens.
#[utoipa::path(
    get,
    path = "/api/v1/users/{id}/sessions",
    operation_id = "list_sessions",
    tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 200, description = "OK", body = SignedInList), Refusals)
)]
pub(super) async fn list(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    id: web::Path<String>,
) -> Reply {
    let id = id.into_inner();
    let live = state
        .run(move |conn, env| ops::list(conn, env, &p, &id))
        .await?;
    let items: Vec<SignedInOut> = live.into_iter().map(SignedInOut::from).collect();
    Ok(HttpResponse::Ok().json(SignedInList { items }))
}

/// Signs the user out everywhere (API keys stay).
#[utoipa::path(
    delete,
    path = "/api/v1/users/{id}/sessions",
    operation_id = "end_sessions",
    tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 200, description = "OK", body = Ended), Refusals)
)]
pub(super) async fn end_all(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    id: web::Path<String>,
) -> Reply {
    let id = id.into_inner();
    let ended = state
        .run(move |conn, env| ops::sign_out_everywhere(conn, env, &p, &id))
        .await?;
    Ok(HttpResponse::Ok().json(Ended { ended }))
}
