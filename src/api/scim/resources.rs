//! `/Users` and `/Groups`: list, search, create, read, replace, patch, delete; and `/.search`
//! across both. Each handler reads SCIM's request, calls one operation, answers its document.

use super::{answer, body, query_parameters, search_parameters, Provisioner, Reply, Scim};
use crate::api::refusal::Refused;
use crate::domain::access::Principal;
use crate::domain::scim::list::{self, ListRequest};
use crate::domain::scim::GATEHOUSE_USER;
use crate::error::Error;
use crate::ops::scim::{self, groups, users, Resource};
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

type Args = (web::Data<AppState>, Provisioner, HttpRequest);

// long: the routes of both resource types, `.search` before `{id}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    for (kind, path) in [(Resource::Users, "/Users"), (Resource::Groups, "/Groups")] {
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

async fn list(kind: Resource, (state, Provisioner(p), req): Args) -> Reply {
    let request = query_parameters(&req)?;
    respond_list(&state, vec![kind], p, request).await
}

async fn search(
    kind: Option<Resource>,
    (state, Provisioner(p), req): Args,
    bytes: web::Bytes,
) -> Reply {
    let request = search_parameters(&body(&req, &bytes)?)?;
    let kinds = match kind {
        Some(kind) => vec![kind],
        None => vec![Resource::Users, Resource::Groups],
    };
    respond_list(&state, kinds, p, request).await
}

/// A page of the kinds asked for, as a ListResponse.
async fn respond_list(
    state: &AppState,
    kinds: Vec<Resource>,
    p: Principal,
    request: ListRequest,
) -> Reply {
    let shown = request.clone();
    let (total, items) = state
        .run(move |conn, env| scim::list(conn, env, &p, &kinds, &request))
        .await?;
    Ok(answer(
        StatusCode::OK,
        &list::response(total, items, &shown),
    ))
}

async fn create(kind: Resource, (state, Provisioner(p), req): Args, bytes: web::Bytes) -> Reply {
    let doc = body(&req, &bytes)?;
    let created = state
        .run(move |conn, env| match kind {
            Resource::Users => users::create(conn, env, &p, &doc),
            Resource::Groups => groups::create(conn, env, &p, &doc),
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

async fn get(kind: Resource, (state, Provisioner(p), req): Args) -> Reply {
    let request = query_parameters(&req)?;
    let id = id_of(&req);
    let with_members = request.shows("members");
    let with_gatehouse = request.asks_for(GATEHOUSE_USER);
    let doc = state
        .run(move |conn, env| match kind {
            Resource::Users => users::get(conn, env, &p, &id, with_gatehouse),
            Resource::Groups => groups::get(conn, env, &p, &id, with_members),
        })
        .await?;
    Ok(answer(StatusCode::OK, &list::project(&doc, &request)))
}

/// PUT (`patch: false`) or PATCH.
async fn change(
    kind: Resource,
    patch: bool,
    (state, Provisioner(p), req): Args,
    bytes: web::Bytes,
) -> Reply {
    let doc = body(&req, &bytes)?;
    let id = id_of(&req);
    let changed = state
        .run(move |conn, env| match (kind, patch) {
            (Resource::Users, false) => users::replace(conn, env, &p, &id, &doc),
            (Resource::Users, true) => users::patch(conn, env, &p, &id, &doc),
            (Resource::Groups, false) => groups::replace(conn, env, &p, &id, &doc),
            (Resource::Groups, true) => groups::patch(conn, env, &p, &id, &doc),
        })
        .await?;
    Ok(answer(StatusCode::OK, &changed))
}

async fn delete(kind: Resource, (state, Provisioner(p), req): Args) -> Reply {
    let id = id_of(&req);
    state
        .run(move |conn, env| match kind {
            Resource::Users => users::delete(conn, env, &p, &id),
            Resource::Groups => groups::delete(conn, env, &p, &id),
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
