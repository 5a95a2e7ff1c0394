//! Organisations, sites and plants: list, read, create, change, delete. Organisations live
//! here with what the three share; sites and plants have a file each.

mod plants;
mod sites;

pub use plants::{create_plant, delete_plant, get_plant, list_plants, update_plant};
pub use sites::{create_site, delete_site, get_site, list_sites, update_site};

use super::{new_id, Env};
use crate::db::{self, structure as store};
use crate::domain::access::Principal;
use crate::domain::fields;
use crate::domain::model::{Organisation, Plant, Rights, Scope, ScopeType, Site};
use crate::error::Error;
use crate::ops::audit::{self, Actor, Event};
use rusqlite::Connection;
use serde_json::json;

/// Changes to a structure object; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct Changes {
    pub name: Option<String>,
    pub domain: Option<Option<String>>,
    pub timezone: Option<Option<String>>,
}

fn optional(
    value: Option<String>,
    parse: fn(&str) -> Result<String, Error>,
) -> Result<Option<String>, Error> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|v| parse(&v))
        .transpose()
}

/// Refuses a visible object the caller may not change (403); hides an invisible one (404).
fn require_manage(actor: &Principal, scope: &Scope, what: &str) -> Result<(), Error> {
    if !actor.can_see_structure(scope) {
        return Err(Error::not_found(what));
    }
    if !actor.manages_structure(scope) {
        return Err(Error::Forbidden(format!("you may not change this {what}")));
    }
    Ok(())
}

/// The audit event of a change to an organisation, site or plant.
fn structure_event(
    action: &'static str,
    kind: &'static str,
    id: &str,
    organisation_id: &str,
    summary: serde_json::Value,
) -> Event {
    Event::new(action)
        .target(kind, id)
        .organisations([organisation_id.to_string()])
        .summary(summary)
}

fn in_the_way(conn: &Connection, kind: ScopeType, id: &str) -> Result<(), Error> {
    let (sites, plants, memberships) = store::count_below(conn, kind, id)?;
    let mut parts = Vec::new();
    for (count, one, many) in [
        (sites, "site", "sites"),
        (plants, "plant", "plants"),
        (memberships, "membership", "memberships"),
    ] {
        if count > 0 {
            parts.push(format!("{count} {}", if count == 1 { one } else { many }));
        }
    }
    if parts.is_empty() {
        return Ok(());
    }
    Err(Error::Conflict(format!(
        "the {} still has {}; remove them first",
        kind.as_str(),
        parts.join(", ")
    )))
}

/// A structure object as one caller sees it: with what they may do with it.
pub(crate) trait Seen: Sized {
    fn place(&self) -> Scope;
    fn rights_mut(&mut self) -> &mut Rights;

    fn seen_by(mut self, actor: &Principal) -> Self {
        *self.rights_mut() = actor.structure_rights(&self.place());
        self
    }
}

impl Seen for Organisation {
    fn place(&self) -> Scope {
        Scope::organisation(&self.id)
    }
    fn rights_mut(&mut self) -> &mut Rights {
        &mut self.rights
    }
}

impl Seen for Site {
    fn place(&self) -> Scope {
        self.scope()
    }
    fn rights_mut(&mut self) -> &mut Rights {
        &mut self.rights
    }
}

impl Seen for Plant {
    fn place(&self) -> Scope {
        self.scope()
    }
    fn rights_mut(&mut self) -> &mut Rights {
        &mut self.rights
    }
}

pub fn list_organisations(
    conn: &Connection,
    actor: &Principal,
) -> Result<Vec<Organisation>, Error> {
    let all = store::list_organisations(conn)?;
    Ok(all
        .into_iter()
        .filter(|o| actor.can_see_structure(&Scope::organisation(&o.id)))
        .map(|o| o.seen_by(actor))
        .collect())
}

pub fn get_organisation(
    conn: &Connection,
    actor: &Principal,
    id: &str,
) -> Result<Organisation, Error> {
    store::find_organisation(conn, id)?
        .filter(|o| actor.can_see_structure(&Scope::organisation(&o.id)))
        .map(|o| o.seen_by(actor))
        .ok_or_else(|| Error::not_found("organisation"))
}

/// A structure object to create: its name, and the id to keep when it comes from another
/// platform (a new UUID otherwise).
#[derive(Debug, Default)]
pub struct Named {
    pub id: Option<String>,
    pub name: String,
}

/// The id for a new object: the one asked for (a UUID not yet taken), or a new one.
fn chosen_id(
    requested: Option<String>,
    taken: impl FnOnce(&str) -> Result<bool, Error>,
    what: &str,
) -> Result<String, Error> {
    let Some(raw) = requested else {
        return Ok(new_id());
    };
    let id = super::parse_id("id", &raw)?;
    if taken(&id)? {
        return Err(Error::Conflict(format!(
            "a {what} with this id already exists"
        )));
    }
    Ok(id)
}

// long: parse, authorize, choose the id, insert and audit, in one transaction.
pub fn create_organisation(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    new: Named,
    domain: Option<String>,
) -> Result<Organisation, Error> {
    if !actor.may_create_organisations() {
        return Err(Error::Forbidden(
            "only a superadmin creates organisations".into(),
        ));
    }
    let now = env.clock.now_text();
    let name = fields::name("name", &new.name)?;
    let domain = optional(domain, fields::domain)?;
    let tx = db::write(conn)?;
    let id = chosen_id(
        new.id,
        |id| Ok(store::find_organisation(&tx, id)?.is_some()),
        "organisation",
    )?;
    let org = Organisation {
        id,
        name,
        domain,
        created_at: now.clone(),
        updated_at: now,
        rights: Default::default(),
    };
    store::insert_organisation(&tx, &org)?;
    audit::record(
        &tx,
        env,
        &Actor::of(actor),
        structure_event(
            "organisation.create",
            "organisation",
            &org.id,
            &org.id,
            json!({"name": org.name, "domain": org.domain}),
        ),
    )?;
    tx.commit()?;
    Ok(org.seen_by(actor))
}

pub fn update_organisation(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
    changes: Changes,
) -> Result<Organisation, Error> {
    let tx = db::write(conn)?;
    let mut org = get_organisation(&tx, actor, id)?;
    require_manage(actor, &Scope::organisation(id), "organisation")?;
    if let Some(name) = changes.name {
        org.name = fields::name("name", &name)?;
    }
    if let Some(domain) = changes.domain {
        org.domain = optional(domain, fields::domain)?;
    }
    org.updated_at = env.clock.now_text();
    store::update_organisation(&tx, &org)?;
    audit::record(
        &tx,
        env,
        &Actor::of(actor),
        structure_event(
            "organisation.update",
            "organisation",
            &org.id,
            &org.id,
            json!({"name": org.name, "domain": org.domain}),
        ),
    )?;
    tx.commit()?;
    Ok(org.seen_by(actor))
}

pub fn delete_organisation(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
) -> Result<Organisation, Error> {
    let tx = db::write(conn)?;
    let org = get_organisation(&tx, actor, id)?;
    require_manage(actor, &Scope::organisation(id), "organisation")?;
    in_the_way(&tx, ScopeType::Organisation, id)?;
    // Accounts it owned move up to its parent (the system, for an organisation).
    crate::db::users::rehome_owned_users(&tx, &Scope::organisation(id), None)?;
    store::delete_organisation(&tx, id)?;
    audit::record(
        &tx,
        env,
        &Actor::of(actor),
        structure_event(
            "organisation.delete",
            "organisation",
            id,
            id,
            json!({"name": org.name}),
        ),
    )?;
    tx.commit()?;
    Ok(org.seen_by(actor))
}
