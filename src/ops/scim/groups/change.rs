//! Creating, changing and deleting groups: each member added or removed is a membership
//! granted or revoked through `ops::memberships`, with the caller's rights.

use super::{find, found, get, named, place, Group};
use crate::db::{self, scim as store};
use crate::domain::access::Principal;
use crate::domain::scim::filter::{Filter, Op};
use crate::domain::scim::group::{self as model, WHAT_A_GROUP_IS};
use crate::domain::scim::patch::{self, Kind, Operation, Target};
use crate::domain::scim::path::field;
use crate::domain::scim::READ_ONLY;
use crate::error::Error;
use crate::ops::audit::{self, Actor, Event};
use crate::ops::memberships;
use crate::ops::scim::scope_ref;
use crate::ops::users::{self, NewMembership};
use crate::ops::Env;
use db::scim::GroupRow;
use rusqlite::Connection;
use serde_json::{json, Value};

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
    memberships::add_in(tx, env, actor, &record, &held(group)).map(|_| ())
}

/// The membership that is being in the group: its role at its scope.
fn held(group: &Group) -> NewMembership {
    NewMembership {
        scope: scope_ref(&group.scope),
        role: group.id.role,
    }
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
    memberships::remove_in(tx, env, actor, &record, &held(group)).map(|_| ())
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
// long: the name read, the group made, its members granted, audited, in one transaction.
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
