//! `PUT /users`: create or update a user the Hoxton way.

// Parsing steps here answer with the finished response in their own wire format; it is built
// once per request, so its size does not matter.
#![allow(clippy::result_large_err)]

use super::{render, reply, Reply, UserOut};
use crate::api::{ApiError, Caller};
use crate::app::AppState;
use crate::domain::access::Principal;
use crate::domain::model::ScopeType;
use crate::error::Error;
use crate::ops::memberships::{self, Selection};
use crate::ops::structure;
use crate::ops::users::{
    self as ops, MembershipPlan, NewMembership, NewUser, ScopeRef, UserChanges,
};
use actix_web::{web, HttpResponse};
use rusqlite::Connection;
use serde::Deserialize;
use serde_json::Value;

/// A user as Hoxton's clients send one.
#[derive(Deserialize)]
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
struct Upsert {
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

fn parse(bytes: &[u8]) -> Result<Upsert, HttpResponse> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| reply(400, format!("the body is not JSON: {e}")))?;
    let user: UserIn =
        serde_json::from_value(value).map_err(|e| reply(400, format!("bad request: {e}")))?;
    let required = |v: Option<String>, name: &str| {
        v.filter(|s| !s.trim().is_empty())
            .ok_or_else(|| reply(400, format!("{name} is required")))
    };
    let email = required(user.email, "email")?;
    let first_name = required(user.first_name, "firstName")?;
    let last_name = required(user.last_name, "lastName")?;
    let organisation_id = required(user.organisation_id, "organisationId")?;
    let mut wanted = Vec::new();
    if user.roles.is_empty() {
        // In the organisation (or at its sites) without a role: a viewer there.
        wanted = match user.site_ids.is_empty() {
            true => vec![NewMembership {
                scope: ScopeRef::Organisation(organisation_id.clone()),
                role: "viewer".into(),
            }],
            false => user
                .site_ids
                .iter()
                .map(|s| NewMembership {
                    scope: ScopeRef::Site(s.clone()),
                    role: "viewer".into(),
                })
                .collect(),
        };
    }
    for role in &user.roles {
        if !["member", "admin", "support"].contains(&role.as_str()) {
            return Err(reply(
                422,
                format!(
                    "unknown role `{}`: roles are member, admin, support",
                    crate::logging::escape(role)
                ),
            ));
        }
        if role == "member" && !user.site_ids.is_empty() {
            let sites = user.site_ids.iter().map(|s| NewMembership {
                scope: ScopeRef::Site(s.clone()),
                role: role.clone(),
            });
            wanted.extend(sites);
        } else {
            wanted.push(NewMembership {
                scope: ScopeRef::Organisation(organisation_id.clone()),
                role: role.clone(),
            });
        }
    }
    Ok(Upsert {
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

/// Checks that every site named lies in the organisation (422 otherwise).
fn sites_in_organisation(conn: &Connection, p: &Principal, upsert: &Upsert) -> Result<(), Error> {
    for m in &upsert.wanted {
        if let ScopeRef::Site(id) = &m.scope {
            let site = structure::get_site(conn, p, id)
                .map_err(|_| Error::invalid("siteIds", format!("no site {id}")))?;
            if site.organisation_id != upsert.organisation_id {
                return Err(Error::invalid(
                    "siteIds",
                    format!(
                        "site {id} is not in organisation {}",
                        upsert.organisation_id
                    ),
                ));
            }
        }
    }
    Ok(())
}

enum Saved {
    Created(Box<UserOut>),
    Updated,
}

pub(super) async fn save(
    state: web::Data<AppState>,
    c: Result<Caller, ApiError>,
    bytes: web::Bytes,
) -> Reply {
    let Caller(p) = c?;
    let upsert = match parse(&bytes) {
        Ok(u) => u,
        Err(response) => return Ok(response),
    };
    let saved = state.run(move |conn, env| {
        structure::get_organisation(conn, &p, &upsert.organisation_id)
            .map_err(|_| Error::invalid("organisationId", "no such organisation"))?;
        sites_in_organisation(conn, &p, &upsert)?;
        // The body's id names the user to update; failing that, its email; failing both, a new user.
        let by_id = match &upsert.id {
            Some(id) => crate::db::users::find_user(conn, id)?,
            None => None,
        };
        let existing = match by_id {
            Some(user) => Some(user),
            None => {
                crate::db::users::find_user_by_email(conn, &upsert.email.trim().to_lowercase())?
            }
        };
        let Some(existing) = existing else {
            let input = NewUser {
                email: upsert.email,
                first_name: Some(upsert.first_name),
                last_name: Some(upsert.last_name),
                display_name: upsert.name,
                memberships: upsert.wanted,
                ..NewUser::default()
            };
            let created = ops::create_user(conn, env, &p, input)?;
            let mut out = render(conn, &p, created.record, Some(&upsert.organisation_id))?;
            out.temporary_password = created.temporary_password;
            return Ok(Saved::Created(Box::new(out)));
        };
        let Ok(current) = ops::get_user(conn, &p, &existing.id) else {
            // Someone the caller cannot see yet: add them to the caller's organisation only.
            memberships::grant_memberships(conn, env, &p, &existing.id, &upsert.wanted)?;
            return Ok(Saved::Updated);
        };
        let u = &current.user;
        let differs = |new: &str, old: &Option<String>| old.as_deref() != Some(new);
        let changes = UserChanges {
            email: Some(upsert.email.clone())
                .filter(|e| e.trim().to_lowercase() != u.email.to_lowercase()),
            first_name: Some(Some(upsert.first_name.clone()))
                .filter(|_| differs(&upsert.first_name, &u.first_name)),
            last_name: Some(Some(upsert.last_name.clone()))
                .filter(|_| differs(&upsert.last_name, &u.last_name)),
            display_name: upsert
                .name
                .clone()
                .filter(|n| *n != u.display_name)
                .map(Some),
            ..UserChanges::default()
        };
        let shown = render(conn, &p, current, Some(&upsert.organisation_id))?;
        let shown = (
            sorted(shown.roles.iter().map(|r| r.to_string()).collect()),
            sorted(shown.site_ids),
        );
        let plan = (shown != upsert.view).then(|| MembershipPlan {
            selection: Selection {
                organisation_id: Some(upsert.organisation_id),
                kinds: vec![ScopeType::Organisation, ScopeType::Site],
            },
            wanted: upsert.wanted,
        });
        ops::save_user(conn, env, &p, &existing.id, changes, plan)?;
        Ok(Saved::Updated)
    });
    Ok(match saved.await? {
        Saved::Created(out) => HttpResponse::Created().json(out),
        Saved::Updated => HttpResponse::NoContent().finish(),
    })
}
