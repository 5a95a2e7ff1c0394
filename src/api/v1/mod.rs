//! The native JSON API under `/api/v1`, and `/health`.

mod audit;
pub mod auth;
mod keys;
mod structure;
pub(crate) mod users;
pub mod wire;

use super::ApiError;
use crate::domain::model::Role;
use crate::error::Error;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::middleware::{DefaultHeaders, ErrorHandlers};
use actix_web::{web, HttpRequest, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(health))
        .route("/api/v1/ui", web::get().to(ui))
        .service(
            web::scope("/api/v1")
                // Everything here may carry personal data or credentials: never cache it.
                .wrap(DefaultHeaders::new().add(("Cache-Control", "no-store")))
                .wrap(ErrorHandlers::new().handler(
                    StatusCode::METHOD_NOT_ALLOWED,
                    crate::api::refusal::method_not_allowed,
                ))
                .configure(auth::configure)
                .configure(audit::configure)
                .configure(structure::configure)
                .configure(users::configure)
                .configure(keys::configure)
                .default_service(web::to(not_found)),
        );
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(Error::NotFound("no such endpoint".into())))
}

#[derive(serde::Serialize)]
struct Health {
    status: &'static str,
    database: &'static str,
}

/// Unauthenticated liveness: answers 503 when the database cannot be read (probed at most
/// once a second), or while writes are refused for a full disk, a read-only file system or a
/// lock held too long (until a write succeeds again).
async fn health(state: web::Data<AppState>) -> HttpResponse {
    let readable = match state.env.health.fresh() {
        Some(readable) => readable,
        None => {
            let probe = state
                .run(|conn, _| crate::ops::bootstrap::database_readable(conn))
                .await;
            state.env.health.record(probe.is_ok());
            probe.is_ok()
        }
    };
    let database = match (readable, state.env.health.fault()) {
        (false, _) => "unreadable",
        (true, Some(fault)) => fault.word(),
        (true, None) => "ok",
    };
    match database {
        "ok" => HttpResponse::Ok().json(Health {
            status: "ok",
            database,
        }),
        _ => HttpResponse::ServiceUnavailable().json(Health {
            status: "unavailable",
            database,
        }),
    }
}

#[derive(serde::Serialize)]
struct RoleOut {
    role: Role,
    name: &'static str,
    description: &'static str,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Ui<'a> {
    banner: &'a str,
    version: &'static str,
    /// The module catalogue, for the user form.
    modules: &'a [String],
    /// The roles, each with its name and what it may do, for the role pickers.
    roles: Vec<RoleOut>,
    /// The configured minimum length of a password, for the password fields' hints.
    password_min_length: usize,
    /// The IANA time zone names a site's time zone is chosen from.
    time_zones: Vec<&'static str>,
    /// The browser session this request carries, if any: the page starts from here without
    /// a failing request.
    session: Option<auth::SessionOut>,
}

/// What the admin page needs before anything else: the system-use notice and, when the
/// browser is signed in, its session.
async fn ui(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let session = auth::current_session(&state, &req).await;
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(Ui {
            banner: &state.env.config.ui.banner,
            version: env!("CARGO_PKG_VERSION"),
            modules: &state.env.config.modules.catalogue,
            roles: Role::ALL
                .into_iter()
                .map(|role| RoleOut {
                    role,
                    name: role.title(),
                    description: role.describe(),
                })
                .collect(),
            password_min_length: state.env.config.security.password_min_length,
            time_zones: crate::domain::fields::time_zones().collect(),
            session,
        })
}
