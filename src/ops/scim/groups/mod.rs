//! SCIM groups: a group is a role at a scope and its members are those who hold it, so adding
//! and removing members grant and revoke memberships, with the caller's rights and audited as
//! such (`change`). A group is seen by those who read the users of its scope (admin or support
//! there). It exists while someone holds the role there, or once a directory created it (a row
//! in `scim_groups`) and until it deletes it.

mod change;

pub use change::{create, delete, patch, replace};

use super::base;
use crate::db::scim::GroupRow;
use crate::db::{scim as store, structure as places};
use crate::domain::access::{Home, Principal};
use crate::domain::model::{Role, Scope, ScopeType};
use crate::domain::scim::group::{self as model, GroupId, Member, WHAT_A_GROUP_IS};
use crate::domain::scim::list::{self, ListRequest};
use crate::error::Error;
use crate::ops::structure;
use crate::ops::Env;
use rusqlite::Connection;
use serde_json::Value;
use std::collections::HashMap;

/// A group that exists and that the caller sees.
struct Group {
    id: GroupId,
    scope: Scope,
    /// The scope's names from the organisation down.
    names: Vec<String>,
    external_id: Option<String>,
    created: String,
    updated: String,
}

/// Where a group is: its scope, the scope's names from the organisation down, its times.
struct Place {
    scope: Scope,
    names: Vec<String>,
    created: String,
    updated: String,
}

/// The place of a group, if the caller reads the users of its scope.
fn place(conn: &Connection, actor: &Principal, id: &GroupId) -> Result<Option<Place>, Error> {
    let at = |scope: Scope, names: Vec<String>, created: String, updated: String| Place {
        scope,
        names,
        created,
        updated,
    };
    let found = match id.kind {
        ScopeType::Organisation => {
            structure::get_organisation(conn, actor, &id.scope_id).map(|o| {
                at(
                    Scope::organisation(&o.id),
                    vec![o.name],
                    o.created_at,
                    o.updated_at,
                )
            })
        }
        ScopeType::Site => structure::get_site(conn, actor, &id.scope_id).map(|s| {
            let names = vec![s.organisation_name.clone(), s.name.clone()];
            at(s.scope(), names, s.created_at, s.updated_at)
        }),
        ScopeType::Plant => structure::get_plant(conn, actor, &id.scope_id).map(|p| {
            let names = vec![
                p.organisation_name.clone(),
                p.site_name.clone(),
                p.name.clone(),
            ];
            at(p.scope(), names, p.created_at, p.updated_at)
        }),
    };
    match found {
        Ok(place) if actor.reads_users_in(&place.scope) => Ok(Some(place)),
        Ok(_) | Err(Error::NotFound(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

fn find(conn: &Connection, actor: &Principal, id: &GroupId) -> Result<Option<Group>, Error> {
    let Some(place) = place(conn, actor, id)? else {
        return Ok(None);
    };
    let row = store::find_group(conn, id)?;
    if row.is_none() && !store::has_members(conn, id)? {
        return Ok(None);
    }
    Ok(Some(group_at(id, &place, row.as_ref())))
}

/// A group at its place, with its row when a directory created it.
fn group_at(id: &GroupId, place: &Place, row: Option<&GroupRow>) -> Group {
    let (external_id, created, updated) = match row {
        Some(r) => (r.external_id.clone(), &r.created_at, &r.updated_at),
        None => (None, &place.created, &place.updated),
    };
    Group {
        id: id.clone(),
        scope: place.scope.clone(),
        names: place.names.clone(),
        external_id,
        created: created.clone(),
        updated: updated.clone(),
    }
}

fn found(conn: &Connection, actor: &Principal, id: &str) -> Result<Group, Error> {
    let id = GroupId::parse(id).ok_or_else(|| Error::not_found("group"))?;
    find(conn, actor, &id)?.ok_or_else(|| Error::not_found("group"))
}

fn document(
    conn: &Connection,
    env: &Env,
    group: &Group,
    with_members: bool,
) -> Result<Value, Error> {
    let members = match with_members {
        true => Some(
            store::members(conn, &group.id)?
                .into_iter()
                .map(|user_id| Member { user_id })
                .collect::<Vec<_>>(),
        ),
        false => None,
    };
    let times = (group.created.as_str(), group.updated.as_str());
    Ok(model::document(
        &group.id,
        &group.names,
        group.external_id.as_deref(),
        members.as_deref(),
        times,
        &base(env),
    ))
}

pub fn get(
    conn: &Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
    with_members: bool,
) -> Result<Value, Error> {
    document(conn, env, &found(conn, actor, id)?, with_members)
}

/// The group a display name names, at a scope the caller reads the users of.
fn named(conn: &Connection, actor: &Principal, display_name: &str) -> Result<GroupId, Error> {
    let (role, names) = model::read_display_name(display_name)?;
    let mut located = store::find_scope_by_names(conn, &names)?;
    if let (None, [only]) = (&located, names.as_slice()) {
        located = by_scope_id(conn, only)?;
    }
    let nothing = || {
        Error::invalid(
            "displayName",
            format!(
                "no organisation, site or plant you can see is `{}`: {WHAT_A_GROUP_IS}",
                names.join(" / ")
            ),
        )
    };
    let (kind, scope_id) = located.ok_or_else(nothing)?;
    let id = GroupId {
        kind,
        scope_id,
        role,
    };
    place(conn, actor, &id)?.ok_or_else(nothing)?;
    Ok(id)
}

fn by_scope_id(conn: &Connection, id: &str) -> Result<Option<(ScopeType, String)>, Error> {
    if places::find_organisation(conn, id)?.is_some() {
        return Ok(Some((ScopeType::Organisation, id.to_string())));
    }
    if places::find_site(conn, id)?.is_some() {
        return Ok(Some((ScopeType::Site, id.to_string())));
    }
    Ok(places::find_plant(conn, id)?.map(|_| (ScopeType::Plant, id.to_string())))
}

/// The groups the caller sees that match the request; `displayName eq` and `id eq` are found
/// directly, anything else among every group. With no filter and no order, only the page's
/// groups are shown (their members read).
pub fn list(
    conn: &Connection,
    env: &Env,
    actor: &Principal,
    request: &ListRequest,
) -> Result<(usize, Vec<Value>), Error> {
    let with_members = request.shows("members") || request.reads("members");
    let groups = candidates(conn, actor, request)?;
    if request.filter.is_none() && request.sort_by.is_none() {
        let window = groups
            .iter()
            .skip(request.start_index - 1)
            .take(request.count);
        let docs = window
            .map(|g| document(conn, env, g, with_members))
            .collect::<Result<_, _>>()?;
        return Ok((groups.len(), docs));
    }
    let mut found = Vec::new();
    for group in &groups {
        let doc = document(conn, env, group, with_members)?;
        if request.matches(&doc) {
            found.push(doc);
        }
    }
    Ok(list::page(found, request))
}

/// The groups a request's filter names by id or display name, or else every group.
fn candidates(
    conn: &Connection,
    actor: &Principal,
    request: &ListRequest,
) -> Result<Vec<Group>, Error> {
    let ids = match request.filter.as_ref().and_then(super::anchor) {
        Some(a) if a.attribute == "id" => GroupId::parse(&a.value).into_iter().collect(),
        Some(a) if a.attribute == "displayname" => match named(conn, actor, &a.value) {
            Ok(id) => vec![id],
            Err(Error::Invalid { .. }) => Vec::new(),
            Err(other) => return Err(other),
        },
        _ => return every_group(conn, actor),
    };
    let mut found = Vec::new();
    for id in &ids {
        found.extend(find(conn, actor, id)?);
    }
    Ok(found)
}

/// Every group the caller sees that exists: created by a directory, or held by someone; each
/// once, in id order. The places are read once, not once a group.
fn every_group(conn: &Connection, actor: &Principal) -> Result<Vec<Group>, Error> {
    let places: HashMap<(ScopeType, String), Place> = seen_places(conn, actor)?
        .into_iter()
        .map(|p| ((p.scope.kind(), p.scope.id().to_string()), p))
        .collect();
    let rows: HashMap<String, GroupRow> = store::group_rows(conn)?.into_iter().collect();
    let mut ids: Vec<GroupId> = rows.keys().filter_map(|id| GroupId::parse(id)).collect();
    ids.extend(store::groups_with_members(conn)?);
    ids.sort_by_key(|id| id.to_string());
    ids.dedup();
    Ok(ids
        .iter()
        .filter_map(|id| {
            let place = places.get(&(id.kind, id.scope_id.clone()))?;
            Some(group_at(id, place, rows.get(&id.to_string())))
        })
        .collect())
}

/// The places whose users the caller reads, with their names from the organisation down:
/// organisations first, then sites, then plants.
fn seen_places(conn: &Connection, actor: &Principal) -> Result<Vec<Place>, Error> {
    let mut places = Vec::new();
    for o in structure::list_organisations(conn, actor)? {
        let scope = Scope::organisation(&o.id);
        places.push(Place {
            scope,
            names: vec![o.name],
            created: o.created_at,
            updated: o.updated_at,
        });
    }
    for s in structure::list_sites(conn, actor, None)? {
        let names = vec![s.organisation_name.clone(), s.name.clone()];
        places.push(Place {
            scope: s.scope(),
            names,
            created: s.created_at,
            updated: s.updated_at,
        });
    }
    for p in structure::list_plants(conn, actor, None)? {
        let names = vec![
            p.organisation_name.clone(),
            p.site_name.clone(),
            p.name.clone(),
        ];
        places.push(Place {
            scope: p.scope(),
            names,
            created: p.created_at,
            updated: p.updated_at,
        });
    }
    places.retain(|p| actor.reads_users_in(&p.scope));
    Ok(places)
}

/// The names of groups the caller may create (where they administer, not existing yet, and
/// not the one provisioned accounts join), up to `limit`.
pub fn offered(conn: &Connection, actor: &Principal, limit: usize) -> Result<Vec<String>, Error> {
    // The viewers where the caller provisions people are the group every provisioned account
    // joins: it exists as soon as anyone is provisioned, so it is not one to create.
    let home = match super::home(conn, actor)? {
        Some(Home::Viewer(scope)) => Some(GroupId::of(Role::Viewer, &scope)),
        _ => None,
    };
    let mut names = Vec::new();
    let administered = seen_places(conn, actor)?
        .into_iter()
        .filter(|p| actor.administers(&p.scope));
    for Place {
        scope,
        names: place_names,
        ..
    } in administered
    {
        for role in Role::ALL {
            if names.len() == limit {
                return Ok(names);
            }
            let id = GroupId::of(role, &scope);
            if Some(&id) != home.as_ref() && find(conn, actor, &id)?.is_none() {
                names.push(model::display_name(role, &place_names));
            }
        }
    }
    Ok(names)
}
