//! The Hoxton AI organisation/site dialect: `/users` with Bearer tokens from `/oauth/token`
//! (orgsite-users-api.txt); X-API-KEY and Basic work too.
//!
//! `roles` (member, admin, support) are held at the organisation `organisationId`, except that
//! `member` with a non-empty `siteIds` is held at each of those sites instead. Reading back,
//! a user is shown in one organisation (the one asked for, else their first): `roles` are the
//! roles they hold anywhere in it (supervisor and viewer read as member) and `siteIds` the
//! sites where they hold a role at the site or one of its plants. Hoxton users always belong to
//! an organisation: one sent with no roles is a viewer there (or at its `siteIds`), and a
//! viewer reads back with no roles.

use super::extract::Caller;
use super::refusal::{self, Shape};
use super::routes::Routes;
use super::stream::{self, Frame};
use crate::domain::access::Principal;
use crate::domain::model::{Role, UserRecord};
use crate::error::Error;
use crate::ops::listing::{self, UserFilter};
use crate::ops::structure;
use crate::ops::users::{self as ops, ScopeRef};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

mod save;

pub fn configure(routes: &mut Routes) {
    let base = crate::api::openapi::dialect_base::<Failure>(
        "Gatehouse: Hoxton AI users",
        "Hoxton AI's organisation/site user API (orgsite-users-api.txt), served by Gatehouse: \
         Bearer tokens from POST /oauth/token, or X-API-KEY, or HTTP Basic.",
        &["bearer", "apiKey", "basic"],
    );
    routes.document("/users/openapi.json", base, |routes| {
        routes
            .resource(|r| {
                r.to(save::__path_save, save::save).to(__path_list, list);
            })
            .resource(|r| {
                r.to(__path_me, me);
            })
            .resource(|r| {
                r.to(__path_get, get).to(__path_delete, delete);
            });
    });
}

/// The refusals of this dialect, in its shape.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
enum Refusals {
    /// The body does not parse.
    #[response(status = 400)]
    Malformed(Failure),
    /// No credentials, or credentials that do not hold.
    #[response(status = 401)]
    Unauthenticated(Failure),
    /// The caller may not do this.
    #[response(status = 403)]
    Forbidden(Failure),
    /// No such user, or one the caller cannot see.
    #[response(status = 404)]
    NotFound(Failure),
    /// The email is taken.
    #[response(status = 409)]
    Conflict(Failure),
    /// A field is invalid; the message names it.
    #[response(status = 422)]
    Invalid(Failure),
    /// The database refuses writes for now; `Retry-After` says when to come back.
    #[response(status = 503)]
    Unavailable(Failure),
}

/// Hoxton's error: `{code, message}`.
#[derive(Serialize, utoipa::ToSchema)]
struct Failure {
    code: u16,
    message: String,
}

fn reply(code: u16, message: impl Into<String>) -> HttpResponse {
    HttpResponse::build(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .json(Failure {
            code,
            message: message.into(),
        })
}

/// Well-formed but invalid input is 422 here; a body that does not parse is 400.
fn fail(e: &Error) -> HttpResponse {
    match e {
        Error::Invalid { .. } => reply(422, e.public_message()),
        Error::UnsupportedMediaType(_) | Error::Malformed(_) => reply(400, e.public_message()),
        _ => reply(e.status(), e.public_message()),
    }
}

/// Hoxton's error shape: `{code, message}`.
pub struct Hoxton;

impl Shape for Hoxton {
    fn render(error: &Error) -> HttpResponse {
        fail(error)
    }
}

type Reply = refusal::Reply<Hoxton>;

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct UserOut {
    email: String,
    first_name: Option<String>,
    id: String,
    last_name: Option<String>,
    name: String,
    organisation_id: Option<String>,
    organisation_name: Option<String>,
    roles: Vec<&'static str>,
    site_ids: Vec<String>,
    /// Only in the answer to a create: the generated password, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    temporary_password: Option<String>,
}

/// Our role in Hoxton's words; a viewer is someone in the organisation with no role.
fn hoxton_role(role: Role) -> Option<&'static str> {
    match role {
        Role::Admin => Some("admin"),
        Role::Support => Some("support"),
        Role::Supervisor | Role::Member => Some("member"),
        Role::Viewer => None,
    }
}

/// The user as seen in one organisation: `organisation` if given, else their first.
// long: one pass over the memberships building the document's fields.
fn render(
    conn: &Connection,
    p: &Principal,
    record: UserRecord,
    organisation: Option<&str>,
) -> Result<UserOut, Error> {
    let org_id = organisation.map(str::to_string).or_else(|| {
        record
            .memberships
            .first()
            .map(|m| m.scope.organisation_id.clone())
    });
    let org_name = match &org_id {
        Some(id) => match structure::get_organisation(conn, p, id) {
            Ok(o) => Some(o.name),
            Err(Error::NotFound(_)) => None,
            Err(other) => return Err(other),
        },
        None => None,
    };
    let mut roles = Vec::new();
    let mut site_ids: Vec<String> = Vec::new();
    for m in record
        .memberships
        .iter()
        .filter(|m| Some(&m.scope.organisation_id) == org_id.as_ref())
    {
        if let Some(role) = hoxton_role(m.role).filter(|r| !roles.contains(r)) {
            roles.push(role);
        }
        if let Some(site) = m.scope.site_id.as_ref().filter(|s| !site_ids.contains(s)) {
            site_ids.push(site.clone());
        }
    }
    roles.sort_by_key(|r| ["admin", "support", "member"].iter().position(|x| x == r));
    let u = record.user;
    Ok(UserOut {
        email: u.email,
        first_name: u.first_name,
        id: u.id,
        last_name: u.last_name,
        name: u.display_name,
        organisation_id: org_id,
        organisation_name: org_name,
        roles,
        site_ids,
        temporary_password: None,
    })
}

/// The caller.
#[utoipa::path(
    get,
    path = "/users/me",
    tag = "hoxton",
    responses((status = 200, description = "OK", body = UserOut), Refusals)
)]
async fn me(state: web::Data<AppState>, Caller(p, _): Caller<Hoxton>) -> Reply {
    let out = state
        .run(move |conn, _| render(conn, &p, ops::me(conn, &p)?, None))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// One user, shown in their first organisation.
#[utoipa::path(
    get,
    path = "/users/{id}",
    tag = "hoxton",
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 200, description = "OK", body = UserOut), Refusals)
)]
async fn get(
    state: web::Data<AppState>,
    Caller(p, _): Caller<Hoxton>,
    id: web::Path<String>,
) -> Reply {
    let out = state
        .run(move |conn, _| render(conn, &p, ops::get_user(conn, &p, &id)?, None))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    organisation_id: Option<String>,
    site_id: Option<String>,
}

/// The scope a list asks for and the organisation its users are shown in, checked against
/// what the caller can see.
fn list_scope(
    conn: &Connection,
    p: &Principal,
    q: &ListQuery,
) -> Result<(Option<ScopeRef>, Option<String>), Error> {
    let site = q.site_id.clone().filter(|s| !s.is_empty());
    let org = q.organisation_id.clone().filter(|s| !s.is_empty());
    Ok(match (site, org) {
        (Some(site), org) => {
            let found = structure::get_site(conn, p, &site)?;
            if org.as_ref().is_some_and(|o| *o != found.organisation_id) {
                return Err(Error::invalid(
                    "siteId",
                    "the site is not in the organisation",
                ));
            }
            (Some(ScopeRef::Site(site)), Some(found.organisation_id))
        }
        (None, Some(org)) => {
            structure::get_organisation(conn, p, &org)?;
            (Some(ScopeRef::Organisation(org.clone())), Some(org))
        }
        (None, None) => (None, None),
    })
}

/// The users of an organisation or a site.
#[utoipa::path(
    get,
    path = "/users",
    tag = "hoxton",
    params(ListQuery),
    responses((status = 200, description = "OK", body = Vec<UserOut>), Refusals)
)]
async fn list(
    state: web::Data<AppState>,
    Caller(p, _): Caller<Hoxton>,
    q: web::Query<ListQuery>,
) -> Reply {
    let q = q.into_inner();
    let rows = stream::pages(
        &state,
        Frame::json_array("", ""),
        move |conn, env, cursor| {
            let (scope, organisation) = list_scope(conn, &p, &q)?;
            let filter = UserFilter {
                scope,
                cursor,
                limit: Some(listing::MAX_LIMIT),
                ..UserFilter::default()
            };
            let page = listing::list_users(conn, env, &p, filter)?;
            let mut rows = Vec::with_capacity(page.items.len());
            for record in page.items {
                let user = render(conn, &p, record, organisation.as_deref())?;
                rows.push(serde_json::to_vec(&user).map_err(|e| Error::Internal(e.to_string()))?);
            }
            Ok((rows, page.next_cursor))
        },
    )
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .streaming(rows))
}

/// Deletes a user.
#[utoipa::path(
    delete,
    path = "/users/{id}",
    tag = "hoxton",
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 204, description = "Done"), Refusals)
)]
async fn delete(
    state: web::Data<AppState>,
    Caller(p, _): Caller<Hoxton>,
    id: web::Path<String>,
) -> Reply {
    state
        .run(move |conn, env| ops::delete_user(conn, env, &p, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
