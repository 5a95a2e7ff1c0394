//! `/Users` and `/Groups`: list, search, create, read, replace, patch, delete; and `/.search`
//! across both. Each handler reads SCIM's request, calls one operation, answers its document.

use super::{answer, body, query_parameters, search_parameters, Provisioner, Reply, Scim};
use crate::api::refusal::Refused;
use crate::domain::access::Principal;
use crate::domain::scim::list::{self, ListRequest, MAX_RESULTS};
use crate::domain::scim::GATEHOUSE_USER;
use crate::error::Error;
use crate::ops::scim::{groups, users};
use crate::ops::Env;
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use rusqlite::Connection;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Users,
    Groups,
}

type Args = (web::Data<AppState>, Provisioner, HttpRequest);

// long: the routes of both resource types, `.search` before `{id}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    for (kind, path) in [(Kind::Users, "/Users"), (Kind::Groups, "/Groups")] {
        cfg.service(
            web::resource(path)
                .route(web::get().to(move |s, p, r| list(kind, (s, p, r))))
                .route(web::post().to(move |s, p, r, b| create(kind, (s, p, r), b)))
                .default_service(web::to(not_allowed)),
        )
        .service(
            web::resource(format!("{path}/.search"))
                .route(web::post().to(move |s, p, r, b| search(Some(kind), (s, p, r), b)))
                .default_service(web::to(not_allowed)),
        )
        .service(
            web::resource(format!("{path}/{{id}}"))
                .route(web::get().to(move |s, p, r| get(kind, (s, p, r))))
                .route(web::put().to(move |s, p, r, b| change(kind, false, (s, p, r), b)))
                .route(web::patch().to(move |s, p, r, b| change(kind, true, (s, p, r), b)))
                .route(web::delete().to(move |s, p, r| delete(kind, (s, p, r))))
                .default_service(web::to(not_allowed)),
        );
    }
    cfg.service(
        web::resource("/.search")
            .route(web::post().to(move |s, p, r, b| search(None, (s, p, r), b)))
            .default_service(web::to(not_allowed)),
    );
}

async fn not_allowed(req: HttpRequest) -> Reply {
    Err(Refused::<Scim>::new(Error::MethodNotAllowed(format!(
        "{} does not take {}",
        req.path(),
        req.method()
    ))))
}

fn id_of(req: &HttpRequest) -> String {
    req.match_info().get("id").unwrap_or_default().to_string()
}

fn listed(
    kind: Kind,
    conn: &Connection,
    env: &Env,
    p: &Principal,
    request: &ListRequest,
) -> Result<(usize, Vec<Value>), Error> {
    match kind {
        Kind::Users => users::list(conn, env, p, request),
        Kind::Groups => groups::list(conn, env, p, request),
    }
}

async fn list(kind: Kind, (state, Provisioner(p), req): Args) -> Reply {
    let request = query_parameters(&req)?;
    respond_list(&state, kind.into(), p, request).await
}

async fn search(
    kind: Option<Kind>,
    (state, Provisioner(p), req): Args,
    bytes: web::Bytes,
) -> Reply {
    let request = search_parameters(&body(&req, &bytes)?)?;
    let kinds = match kind {
        Some(kind) => vec![kind],
        None => vec![Kind::Users, Kind::Groups],
    };
    respond_list(&state, kinds, p, request).await
}

impl From<Kind> for Vec<Kind> {
    fn from(kind: Kind) -> Vec<Kind> {
        vec![kind]
    }
}

/// A list across the kinds asked for: each filtered, then one page of them together.
async fn respond_list(
    state: &AppState,
    kinds: Vec<Kind>,
    p: Principal,
    request: ListRequest,
) -> Reply {
    let shown = request.clone();
    let (total, items) = state
        .run(move |conn, env| {
            if let [kind] = kinds.as_slice() {
                return listed(*kind, conn, env, &p, &request);
            }
            let every = ListRequest {
                start_index: 1,
                count: usize::MAX,
                ..request.clone()
            };
            let mut found = Vec::new();
            for kind in kinds {
                found.extend(listed(kind, conn, env, &p, &every)?.1);
            }
            Ok(list::page(
                found,
                &ListRequest {
                    count: request.count.min(MAX_RESULTS),
                    ..request
                },
            ))
        })
        .await?;
    Ok(answer(
        StatusCode::OK,
        &list::response(total, items, &shown),
    ))
}

async fn create(kind: Kind, (state, Provisioner(p), req): Args, bytes: web::Bytes) -> Reply {
    let doc = body(&req, &bytes)?;
    let created = state
        .run(move |conn, env| match kind {
            Kind::Users => users::create(conn, env, &p, &doc),
            Kind::Groups => groups::create(conn, env, &p, &doc),
        })
        .await?;
    let mut response: HttpResponse = answer(StatusCode::CREATED, &created);
    if let Some(location) = created["meta"]["location"].as_str() {
        if let Ok(value) = header::HeaderValue::from_str(location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
    }
    Ok(response)
}

async fn get(kind: Kind, (state, Provisioner(p), req): Args) -> Reply {
    let request = query_parameters(&req)?;
    let id = id_of(&req);
    let with_members = request.shows("members");
    let with_gatehouse = request.asks_for(GATEHOUSE_USER);
    let doc = state
        .run(move |conn, env| match kind {
            Kind::Users => users::get(conn, env, &p, &id, with_gatehouse),
            Kind::Groups => groups::get(conn, env, &p, &id, with_members),
        })
        .await?;
    Ok(answer(StatusCode::OK, &list::project(&doc, &request)))
}

/// PUT (`patch: false`) or PATCH.
async fn change(
    kind: Kind,
    patch: bool,
    (state, Provisioner(p), req): Args,
    bytes: web::Bytes,
) -> Reply {
    let doc = body(&req, &bytes)?;
    let id = id_of(&req);
    let changed = state
        .run(move |conn, env| match (kind, patch) {
            (Kind::Users, false) => users::replace(conn, env, &p, &id, &doc),
            (Kind::Users, true) => users::patch(conn, env, &p, &id, &doc),
            (Kind::Groups, false) => groups::replace(conn, env, &p, &id, &doc),
            (Kind::Groups, true) => groups::patch(conn, env, &p, &id, &doc),
        })
        .await?;
    Ok(answer(StatusCode::OK, &changed))
}

async fn delete(kind: Kind, (state, Provisioner(p), req): Args) -> Reply {
    let id = id_of(&req);
    state
        .run(move |conn, env| match kind {
            Kind::Users => users::delete(conn, env, &p, &id),
            Kind::Groups => groups::delete(conn, env, &p, &id),
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
