//! `PUT /users`: create or update a user the Hoxton way.

use super::{render, Hoxton, Reply};
use crate::api::extract::Caller;
use crate::domain::model::{Role, UserRecord};
use crate::error::Error;
use crate::ops::joining::{self, Upsert, Upserted};
use crate::ops::users::{NewMembership, ScopeRef};
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use rusqlite::Connection;
use serde::Deserialize;
use serde_json::Value;

/// A user as Hoxton's clients send one.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct UserIn {
    email: Option<String>,
    first_name: Option<String>,
    id: Option<String>,
    last_name: Option<String>,
    name: Option<String>,
    organisation_id: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    site_ids: Vec<String>,
}

/// The checked body: required fields present, roles known, memberships worked out.
struct Parsed {
    id: Option<String>,
    email: String,
    first_name: String,
    last_name: String,
    name: Option<String>,
    organisation_id: String,
    /// The roles and sites as sent, sorted: a user whose view already matches keeps their
    /// memberships exactly (so that reading and writing back never widens a plant role).
    view: (Vec<String>, Vec<String>),
    wanted: Vec<NewMembership>,
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items.dedup();
    items
}

/// Reads the body: one that does not parse, or lacks a required field, is a 400; a role this
/// API does not have is a 422.
fn parse(bytes: &[u8]) -> Result<Parsed, Error> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| Error::Malformed(format!("the body is not JSON: {e}")))?;
    let user: UserIn =
        serde_json::from_value(value).map_err(|e| Error::Malformed(format!("bad request: {e}")))?;
    let required = |v: Option<String>, name: &str| {
        v.filter(|s| !s.trim().is_empty())
            .ok_or_else(|| Error::Malformed(format!("{name} is required")))
    };
    let email = required(user.email, "email")?;
    let first_name = required(user.first_name, "firstName")?;
    let last_name = required(user.last_name, "lastName")?;
    let organisation_id = required(user.organisation_id, "organisationId")?;
    let wanted = memberships(&user.roles, &user.site_ids, &organisation_id)?;
    Ok(Parsed {
        id: user.id.filter(|i| !i.is_empty()),
        email,
        first_name,
        last_name,
        name: user.name,
        organisation_id,
        view: (sorted(user.roles), sorted(user.site_ids)),
        wanted,
    })
}

/// Hoxton's role names; anything else is a 422 that lists them.
fn hoxton_role(name: &str) -> Result<Role, Error> {
    match name {
        "member" => Ok(Role::Member),
        "admin" => Ok(Role::Admin),
        "support" => Ok(Role::Support),
        other => Err(Error::bad_request(format!(
            "unknown role `{}`: roles are member, admin, support",
            crate::logging::escape(other)
        ))),
    }
}

/// The memberships `roles` and `siteIds` mean (see the module comment of `hoxton`).
fn memberships(
    roles: &[String],
    site_ids: &[String],
    organisation_id: &str,
) -> Result<Vec<NewMembership>, Error> {
    let at = |scope: ScopeRef, role: Role| NewMembership { scope, role };
    let at_sites = |role: Role| {
        site_ids
            .iter()
            .map(move |s| at(ScopeRef::Site(s.clone()), role))
    };
    let at_organisation =
        |role: Role| at(ScopeRef::Organisation(organisation_id.to_string()), role);
    if roles.is_empty() {
        // In the organisation (or at its sites) without a role: a viewer there.
        return Ok(match site_ids.is_empty() {
            true => vec![at_organisation(Role::Viewer)],
            false => at_sites(Role::Viewer).collect(),
        });
    }
    let mut wanted = Vec::new();
    for name in roles {
        match hoxton_role(name)? {
            Role::Member if !site_ids.is_empty() => wanted.extend(at_sites(Role::Member)),
            role => wanted.push(at_organisation(role)),
        }
    }
    Ok(wanted)
}

/// Creates a user (201, with a temporary password when none was set) or updates one by id (204).
#[utoipa::path(
    put,
    path = "/users",
    tag = "hoxton",
    request_body = UserIn,
    responses((status = 201, description = "Created", body = super::UserOut), (status = 204, description = "Updated"), super::Refusals)
)]
// long: the upsert and the view comparison it needs, in one blocking call.
pub(super) async fn save(
    state: web::Data<AppState>,
    Caller(p, _): Caller<Hoxton>,
    bytes: web::Bytes,
) -> Reply {
    let parsed = parse(&bytes)?;
    let saved = state.run(move |conn, env| {
        let organisation_id = parsed.organisation_id.clone();
        let view = parsed.view.clone();
        // The client's view is what it was shown: the same roles and sites, as rendered here.
        let same_view = |conn: &Connection, current: &UserRecord| -> Result<bool, Error> {
            let shown = render(conn, &p, current.clone(), Some(&organisation_id))?;
            let shown = (
                sorted(shown.roles.iter().map(|r| r.to_string()).collect()),
                sorted(shown.site_ids),
            );
            Ok(shown == view)
        };
        let upsert = Upsert {
            id: parsed.id,
            email: parsed.email,
            first_name: parsed.first_name,
            last_name: parsed.last_name,
            display_name: parsed.name,
            organisation_id: parsed.organisation_id,
            wanted: parsed.wanted,
        };
        match joining::upsert_user(conn, env, &p, upsert, &same_view)? {
            Upserted::Created(created) => {
                let mut out = render(conn, &p, created.record, Some(&organisation_id))?;
                out.temporary_password = created.temporary_password;
                Ok(Some(out))
            }
            Upserted::Updated => Ok(None),
        }
    });
    Ok(match saved.await? {
        Some(out) => HttpResponse::Created().json(out),
        None => HttpResponse::NoContent().finish(),
    })
}
