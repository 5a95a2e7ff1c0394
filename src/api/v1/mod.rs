//! The native JSON API under `/api/v1`, and `/health`.

mod audit;
pub mod auth;
mod keys;
mod oidc;
mod provisioning;
mod structure;
pub(crate) mod users;
pub mod wire;

use super::routes::Routes;
use super::ApiError;
use crate::domain::model::Role;
use crate::error::Error;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::middleware::{DefaultHeaders, ErrorHandlers};
use actix_web::{web, HttpRequest, HttpResponse};

pub fn configure(routes: &mut Routes) {
    routes
        .resource(|r| {
            r.to(__path_health, health);
        })
        .resource(|r| {
            r.to(__path_ui, ui);
        });
    let scope = routes.scope("/api/v1", |api| {
        api.resource(|r| {
            r.to(
                crate::api::openapi::__path_document,
                crate::api::openapi::document,
            );
        });
        auth::configure(api);
        audit::configure(api);
        structure::configure(api);
        oidc::configure(api);
        users::configure(api);
        keys::configure(api);
        provisioning::configure(api);
    });
    routes.service(
        scope
            // Everything here may carry personal data or credentials: never cache it.
            .wrap(DefaultHeaders::new().add(("Cache-Control", "no-store")))
            .wrap(ErrorHandlers::new().handler(
                StatusCode::METHOD_NOT_ALLOWED,
                crate::api::refusal::method_not_allowed,
            ))
            .default_service(web::to(not_found)),
    );
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(Error::NotFound("no such endpoint".into())))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct Health {
    /// `ok`, or `unavailable`.
    status: &'static str,
    /// `ok`; `unreadable`; or, while writes are refused, `full`, `read-only` or `busy`; on a
    /// replica whose file has another release's schema, `schema-newer` or `schema-older`.
    database: &'static str,
    /// `primary`, or `replica` (read only; see `[database] mode`).
    mode: &'static str,
    #[serde(flatten)]
    replica: Option<ReplicaHealth>,
}

/// What a replica adds to `/health`.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct ReplicaHealth {
    /// Seconds since the primary's last heartbeat that has reached this file (the primary
    /// writes one every second while Litestream replicates it); null before the first.
    lag: Option<f64>,
    /// The Litestream transaction id `litestream restore -f` has applied, when it says.
    position: Option<String>,
    /// Where writes and sign-ins go.
    primary: Option<String>,
}

/// Unauthenticated liveness: answers 503 when the database cannot be read (probed at most
/// once a second), or while writes are refused for a full disk, a read-only file system or a
/// lock held too long (until a write succeeds again). A replica says so, with its lag.
#[utoipa::path(
    get,
    path = "/health",
    tag = "health",
    security(()),
    responses(
        (status = 200, description = "The database is readable and takes writes", body = Health),
        (status = 503, description = "The database cannot be read, or refuses writes", body = Health),
    )
)]
async fn health(state: web::Data<AppState>) -> HttpResponse {
    let readable = match state.env.health.fresh() {
        Some(readable) => readable,
        None => {
            let probe = state.run(crate::ops::replication::probe).await;
            state.env.health.record_probe(&probe)
        }
    };
    let database = match (readable, state.env.health.fault()) {
        (false, _) => "unreadable",
        (true, Some(fault)) => fault.word(),
        (true, None) => "ok",
    };
    let env = &state.env;
    let replica = crate::ops::replication::standing(env).map(|r| ReplicaHealth {
        lag: r.lag,
        position: r.position,
        primary: r.primary,
    });
    let answer = |status| Health {
        status,
        database,
        mode: if env.replica() { "replica" } else { "primary" },
        replica,
    };
    match database {
        "ok" => HttpResponse::Ok().json(answer("ok")),
        _ => HttpResponse::ServiceUnavailable().json(answer("unavailable")),
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct RoleOut {
    role: Role,
    name: &'static str,
    description: &'static str,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
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
    /// Present when this Gatehouse is a read-only replica: the page says so and links to the
    /// primary, where sign-ins and changes go.
    replica: Option<ReplicaUi<'a>>,
    /// Where the page goes once the person has signed in: the authorization request of an
    /// application that sent them here (`?next=`).
    continue_to: Option<String>,
}

/// What the page was opened with when an application's sign-in sent the person here (to
/// change a temporary password first).
#[derive(serde::Deserialize, Default)]
struct UiQuery {
    next: Option<String>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ReplicaUi<'a> {
    primary_url: Option<&'a str>,
}

/// What the admin page needs before anything else: the system-use notice and, when the
/// browser is signed in, its session.
#[utoipa::path(
    get,
    path = "/api/v1/ui",
    tag = "auth",
    security(()),
    params(
        ("next" = Option<String>, Query, description = "The authorization request to go back to after sign-in"),
    ),
    responses((status = 200, description = "The banner, the catalogues and the session, if any", body = Ui))
)]
async fn ui(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let asked: UiQuery = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let continue_to = crate::ops::oidc::continuation(asked.next.as_deref());
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
            replica: state.env.replica().then(|| ReplicaUi {
                primary_url: state.env.config.replica.primary_url.as_deref(),
            }),
            continue_to,
        })
}
