//! `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas`: read-only, 405 to anything else.

use super::{answer, Provisioner, Reply};
use crate::api::refusal::Refused;
use crate::domain::scim::schemas;
use crate::error::Error;
use crate::ops::scim as ops;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};

pub fn configure(cfg: &mut web::ServiceConfig) {
    let read_only = |path: &str| web::resource(path).default_service(web::to(refuse_writes));
    cfg.service(read_only("/ServiceProviderConfig").route(web::get().to(config)))
        .service(read_only("/ResourceTypes").route(web::get().to(resource_types)))
        .service(read_only("/ResourceTypes/{id}").route(web::get().to(resource_types)))
        .service(read_only("/Schemas").route(web::get().to(schemas_list)))
        .service(read_only("/Schemas/{id}").route(web::get().to(schemas_list)));
}

async fn refuse_writes(req: HttpRequest) -> Reply {
    Err(Refused::new(Error::MethodNotAllowed(format!(
        "{} describes this service and is read-only: only GET",
        req.path()
    ))))
}

async fn config(state: web::Data<AppState>, _: Provisioner) -> Reply {
    let base = ops::base(&state.env);
    Ok(answer(
        StatusCode::OK,
        &schemas::service_provider_config(&base),
    ))
}

/// The list, or the one named by the path's `{id}`.
fn one_or_all(req: &HttpRequest, all: Vec<serde_json::Value>, what: &str) -> Reply {
    match req.match_info().get("id") {
        None => Ok(answer(StatusCode::OK, &schemas::listed(all))),
        Some(id) => all
            .into_iter()
            .find(|r| r["id"].as_str() == Some(id))
            .map(|r| answer(StatusCode::OK, &r))
            .ok_or_else(|| Error::not_found(what).into()),
    }
}

async fn resource_types(state: web::Data<AppState>, _: Provisioner, req: HttpRequest) -> Reply {
    one_or_all(
        &req,
        schemas::resource_types(&ops::base(&state.env)),
        "resource type",
    )
}

async fn schemas_list(
    state: web::Data<AppState>,
    Provisioner(p): Provisioner,
    req: HttpRequest,
) -> Reply {
    let all = state
        .run(move |conn, env| ops::schemas(conn, env, &p))
        .await?;
    one_or_all(&req, all, "schema")
}
