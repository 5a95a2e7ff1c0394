//! SCIM groups: a group is a role at a scope and its members are those who hold it, so adding
//! and removing members grant and revoke memberships, with the caller's rights and audited as
//! such. A group is seen by those who read the users of its scope (admin or support there).
//! It exists while someone holds the role there, or once a directory created it (a row in
//! `scim_groups`) and until it deletes it.

use super::base;
use crate::db::{self, scim as store, structure as places};
use crate::domain::access::{Home, Principal};
use crate::domain::model::{Role, Scope, ScopeType};
use crate::domain::scim::filter::{Filter, Op};
use crate::domain::scim::group::{self as model, GroupId, Member, WHAT_A_GROUP_IS};
use crate::domain::scim::list::{self, ListRequest};
use crate::domain::scim::patch::{self, Kind, Operation, Target};
use crate::domain::scim::path::field;
use crate::domain::scim::READ_ONLY;
use crate::error::Error;
use crate::ops::audit::{self, Actor, Event};
use crate::ops::memberships;
use crate::ops::structure;
use crate::ops::users::{self, NewMembership, ScopeRef};
use crate::ops::Env;
use db::scim::GroupRow;
use rusqlite::Connection;
use serde_json::{json, Value};

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
    let Some(Place {
        scope,
        names,
        created,
        updated,
    }) = place(conn, actor, id)?
    else {
        return Ok(None);
    };
    let row = store::find_group(conn, id)?;
    if row.is_none() && !store::has_members(conn, id)? {
        return Ok(None);
    }
    let (external_id, created, updated) = match row {
        Some(r) => (r.external_id, r.created_at, r.updated_at),
        None => (None, created, updated),
    };
    Ok(Some(Group {
        id: id.clone(),
        scope,
        names,
        external_id,
        created,
        updated,
    }))
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

fn text(doc: &Value, name: &str) -> Result<Option<String>, Error> {
    match field(doc, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
        Some(_) => Err(Error::invalid(name, format!("`{name}` must be a string"))),
    }
}

/// The user ids of a `members` value: `[{"value": "<id>"}, …]` (or one such object).
fn member_ids(value: Option<&Value>) -> Result<Vec<String>, Error> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
        Some(one) => vec![one],
    };
    items
        .into_iter()
        .map(|m| {
            field(m, "value")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| {
                    Error::invalid("members", "each member needs a `value`: the id of a user")
                })
        })
        .collect()
}

fn scope_ref(scope: &Scope) -> ScopeRef {
    let id = scope.id().to_string();
    match scope.kind() {
        ScopeType::Organisation => ScopeRef::Organisation(id),
        ScopeType::Site => ScopeRef::Site(id),
        ScopeType::Plant => ScopeRef::Plant(id),
    }
}

/// Grants the group's role at its scope to a user the caller can see.
fn add_member(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    group: &Group,
    user_id: &str,
) -> Result<(), Error> {
    let record = match users::visible(tx, actor, user_id) {
        Ok(record) => record,
        Err(Error::NotFound(_)) => {
            return Err(Error::invalid(
                "members",
                format!("no user has the id `{}`", crate::logging::escape(user_id)),
            ))
        }
        Err(other) => return Err(other),
    };
    let request = NewMembership {
        scope: scope_ref(&group.scope),
        role: group.id.role,
    };
    memberships::add_in(tx, env, actor, &record, &request).map(|_| ())
}

/// Revokes the group's role from a user; one who does not hold it is left alone.
fn remove_member(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    group: &Group,
    user_id: &str,
) -> Result<(), Error> {
    let record = match users::visible(tx, actor, user_id) {
        Ok(record) => record,
        Err(Error::NotFound(_)) => return Ok(()),
        Err(other) => return Err(other),
    };
    let request = NewMembership {
        scope: scope_ref(&group.scope),
        role: group.id.role,
    };
    memberships::remove_in(tx, env, actor, &record, &request).map(|_| ())
}

/// Makes the members exactly `wanted`.
fn set_members(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    group: &Group,
    wanted: &[String],
) -> Result<(), Error> {
    let current = store::members(tx, &group.id)?;
    for gone in current.iter().filter(|m| !wanted.contains(m)) {
        remove_member(tx, env, actor, group, gone)?;
    }
    for new in wanted.iter().filter(|m| !current.contains(m)) {
        add_member(tx, env, actor, group, new)?;
    }
    Ok(())
}

fn group_event(action: &'static str, group: &Group) -> Event {
    Event::new(action)
        .target("scim_group", &group.id.to_string())
        .organisations([group.scope.organisation_id.clone()])
        .summary(json!({"displayName": model::display_name(group.id.role, &group.names)}))
}

/// Stores the group's row, with the caller's right to manage groups at its scope.
fn save(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    group: &Group,
    created: Option<&str>,
) -> Result<(), Error> {
    let write = actor.may_manage_group(&group.scope).ok_or_else(|| {
        Error::Forbidden(format!(
            "you may not manage the groups of {}",
            group.names.join(" / ")
        ))
    })?;
    let now = env.clock.now_text();
    let row = GroupRow {
        external_id: group.external_id.clone(),
        created_at: created.map_or_else(|| now.clone(), str::to_string),
        updated_at: now,
    };
    store::save_group(tx, &write, group.id.role, &row)
}

/// POST: the group a display name names, with the members sent. There is one group per role
/// and scope: one that exists already (created, or held by someone) is a 409 `uniqueness`
/// naming its id, as a directory expects; it then finds it with a `displayName eq` filter.
pub fn create(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    doc: &Value,
) -> Result<Value, Error> {
    let display_name = text(doc, "displayName")?.ok_or_else(|| {
        Error::invalid(
            "displayName",
            format!("`displayName` is required: {WHAT_A_GROUP_IS}"),
        )
    })?;
    let members = member_ids(field(doc, "members"))?;
    let tx = db::write(conn)?;
    let id = named(&tx, actor, &display_name)?;
    if find(&tx, actor, &id)?.is_some() {
        return Err(Error::Conflict(format!(
            "the group `{}` exists: its id is {id}",
            crate::logging::escape(&display_name)
        )));
    }
    let place = place(&tx, actor, &id)?.ok_or_else(|| Error::not_found("group"))?;
    let external_id = text(doc, "externalId")?;
    let group = Group {
        id,
        scope: place.scope,
        names: place.names,
        external_id,
        created: String::new(),
        updated: String::new(),
    };
    save(&tx, env, actor, &group, None)?;
    for user_id in &members {
        add_member(&tx, env, actor, &group, user_id)?;
    }
    audit::record(
        &tx,
        env,
        &Actor::of(actor),
        group_event("scim_group.create", &group),
    )?;
    tx.commit()?;
    get(conn, env, actor, &group.id.to_string(), true)
}

/// Refuses a display name other than the group's own: it is the group's role and scope.
fn same_name(
    conn: &Connection,
    actor: &Principal,
    group: &Group,
    display_name: Option<&str>,
) -> Result<(), Error> {
    let refuse = || {
        Error::invalid(
            "displayName",
            format!("a group's displayName {READ_ONLY}: it is the group's role and scope"),
        )
    };
    match display_name {
        Some(name) if named(conn, actor, name).map_err(|_| refuse())? == group.id => Ok(()),
        _ => Err(refuse()),
    }
}

/// PUT: the members become exactly those sent; the display name must stay the group's.
pub fn replace(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
    doc: &Value,
) -> Result<Value, Error> {
    let members = member_ids(field(doc, "members"))?;
    let tx = db::write(conn)?;
    let mut group = found(&tx, actor, id)?;
    same_name(&tx, actor, &group, text(doc, "displayName")?.as_deref())?;
    group.external_id = text(doc, "externalId")?;
    save(&tx, env, actor, &group, Some(&group.created))?;
    set_members(&tx, env, actor, &group, &members)?;
    tx.commit()?;
    get(conn, env, actor, id, true)
}

/// PATCH: members added, removed (by filter, by listing them, or all) and replaced.
pub fn patch(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
    body: &Value,
) -> Result<Value, Error> {
    let operations = patch::parse(body)?;
    let tx = db::write(conn)?;
    let mut group = found(&tx, actor, id)?;
    save(&tx, env, actor, &group, Some(&group.created))?;
    for op in &operations {
        apply(&tx, env, actor, &mut group, op)?;
    }
    save(&tx, env, actor, &group, Some(&group.created))?;
    tx.commit()?;
    get(conn, env, actor, id, true)
}

fn apply(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    group: &mut Group,
    op: &Operation,
) -> Result<(), Error> {
    let Some(target) = &op.target else {
        let Some(Value::Object(attributes)) = &op.value else {
            return Err(Error::invalid(
                "value",
                "an operation without `path` needs an object of attributes as its `value`",
            ));
        };
        for (name, value) in attributes {
            apply_to(
                tx,
                env,
                actor,
                group,
                op.kind,
                &patch::parse_target(name)?,
                Some(value),
            )?;
        }
        return Ok(());
    };
    apply_to(tx, env, actor, group, op.kind, target, op.value.as_ref())
}

fn apply_to(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    group: &mut Group,
    kind: Kind,
    target: &Target,
    value: Option<&Value>,
) -> Result<(), Error> {
    let attr = target.path.attr.to_ascii_lowercase();
    match (target.path.schema.is_none(), attr.as_str()) {
        (true, "members") => members(tx, env, actor, group, kind, target.filter.as_ref(), value),
        (true, "externalid") => {
            group.external_id = match kind {
                Kind::Remove => None,
                _ => value.and_then(Value::as_str).map(str::to_string),
            };
            Ok(())
        }
        (true, "displayname") => same_name(
            tx,
            actor,
            group,
            value
                .and_then(Value::as_str)
                .filter(|_| kind != Kind::Remove),
        ),
        _ => Err(Error::invalid(
            "path",
            format!(
            "`{}` is not an attribute of a group: groups have displayName, externalId and members",
            crate::logging::escape(&target.path.attr)
        ),
        )),
    }
}

fn members(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    group: &Group,
    kind: Kind,
    filter: Option<&Filter>,
    value: Option<&Value>,
) -> Result<(), Error> {
    match kind {
        Kind::Add => {
            for user_id in member_ids(value)? {
                add_member(tx, env, actor, group, &user_id)?;
            }
            Ok(())
        }
        Kind::Remove => {
            let ids = match (filter, value) {
                (Some(f), _) => picked(tx, group, f)?,
                (None, Some(v)) => member_ids(Some(v))?,
                (None, None) => store::members(tx, &group.id)?,
            };
            for user_id in ids {
                remove_member(tx, env, actor, group, &user_id)?;
            }
            Ok(())
        }
        Kind::Replace => set_members(tx, env, actor, group, &member_ids(value)?),
    }
}

/// The members a value filter picks (`members[value eq "…"]`).
fn picked(tx: &Connection, group: &Group, filter: &Filter) -> Result<Vec<String>, Error> {
    if let Filter::Compare {
        path,
        op: Op::Eq,
        value: Value::String(id),
    } = filter
    {
        if path.attr.eq_ignore_ascii_case("value") {
            return Ok(vec![id.clone()]);
        }
    }
    let all = store::members(tx, &group.id)?;
    Ok(all
        .into_iter()
        .filter(|id| filter.matches(&json!({"value": id, "type": "User"})))
        .collect())
}

/// DELETE: every member loses the role there, and the group is gone.
pub fn delete(conn: &mut Connection, env: &Env, actor: &Principal, id: &str) -> Result<(), Error> {
    let tx = db::write(conn)?;
    let group = found(&tx, actor, id)?;
    let write = actor.may_manage_group(&group.scope).ok_or_else(|| {
        Error::Forbidden(format!(
            "you may not manage the groups of {}",
            group.names.join(" / ")
        ))
    })?;
    set_members(&tx, env, actor, &group, &[])?;
    store::delete_group(&tx, &write, group.id.role)?;
    audit::record(
        &tx,
        env,
        &Actor::of(actor),
        group_event("scim_group.delete", &group),
    )?;
    tx.commit()?;
    Ok(())
}

/// The groups the caller sees that match the request; `displayName eq` and `id eq` are found
/// directly, anything else by looking at every group.
pub fn list(
    conn: &Connection,
    env: &Env,
    actor: &Principal,
    request: &ListRequest,
) -> Result<(usize, Vec<Value>), Error> {
    let with_members = request.shows("members") || request.reads("members");
    let ids = match request.filter.as_ref().and_then(super::anchor) {
        Some(a) if a.attribute == "id" => GroupId::parse(&a.value).into_iter().collect(),
        Some(a) if a.attribute == "displayname" => match named(conn, actor, &a.value) {
            Ok(id) => vec![id],
            Err(Error::Invalid { .. }) => Vec::new(),
            Err(other) => return Err(other),
        },
        _ => every_group(conn)?,
    };
    let mut found = Vec::new();
    for id in ids {
        if let Some(group) = find(conn, actor, &id)? {
            let doc = document(conn, env, &group, with_members)?;
            if request.matches(&doc) {
                found.push(doc);
            }
        }
    }
    Ok(list::page(found, request))
}

/// Every group that exists: created by a directory, or held by someone; each once.
fn every_group(conn: &Connection) -> Result<Vec<GroupId>, Error> {
    let mut ids: Vec<GroupId> = store::group_rows(conn)?
        .iter()
        .filter_map(|id| GroupId::parse(id))
        .collect();
    ids.extend(store::groups_with_members(conn)?);
    ids.sort_by_key(|id| id.to_string());
    ids.dedup();
    Ok(ids)
}

/// The places the caller administers, with their names from the organisation down:
/// organisations first, then sites, then plants.
fn administered(conn: &Connection, actor: &Principal) -> Result<Vec<(Scope, Vec<String>)>, Error> {
    let mut places: Vec<(Scope, Vec<String>)> = Vec::new();
    for o in structure::list_organisations(conn, actor)? {
        places.push((Scope::organisation(&o.id), vec![o.name]));
    }
    for s in structure::list_sites(conn, actor, None)? {
        places.push((s.scope(), vec![s.organisation_name.clone(), s.name.clone()]));
    }
    for p in structure::list_plants(conn, actor, None)? {
        let names = vec![
            p.organisation_name.clone(),
            p.site_name.clone(),
            p.name.clone(),
        ];
        places.push((p.scope(), names));
    }
    places.retain(|(scope, _)| actor.administers(scope));
    Ok(places)
}

/// The names of groups the caller may create (where they administer, not existing yet, and
/// not the one provisioned accounts join), up to `limit`.
pub fn offered(conn: &Connection, actor: &Principal, limit: usize) -> Result<Vec<String>, Error> {
    // The viewers where the caller provisions people are the group every provisioned account
    // joins: it exists as soon as anyone is provisioned, so it is not one to create.
    let home = match actor.provisioning_home() {
        Some(Home::Viewer(scope)) => Some(GroupId::of(Role::Viewer, &scope)),
        _ => None,
    };
    let mut names = Vec::new();
    for (scope, place_names) in administered(conn, actor)? {
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
