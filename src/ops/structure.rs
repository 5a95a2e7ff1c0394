//! Organisations, sites and plants: list, read, create, change, delete.

use super::{new_id, Env};
use crate::db::{self, structure as store};
use crate::domain::access::Principal;
use crate::domain::fields;
use crate::domain::model::{Organisation, Plant, Scope, ScopeType, Site};
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

pub fn list_organisations(
    conn: &Connection,
    actor: &Principal,
) -> Result<Vec<Organisation>, Error> {
    let all = store::list_organisations(conn)?;
    Ok(all
        .into_iter()
        .filter(|o| actor.can_see_structure(&Scope::organisation(&o.id)))
        .collect())
}

pub fn get_organisation(
    conn: &Connection,
    actor: &Principal,
    id: &str,
) -> Result<Organisation, Error> {
    store::find_organisation(conn, id)?
        .filter(|o| actor.can_see_structure(&Scope::organisation(&o.id)))
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

pub fn create_organisation(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    new: Named,
    domain: Option<String>,
) -> Result<Organisation, Error> {
    if !actor.superadmin {
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
    Ok(org)
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
    Ok(org)
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
    Ok(org)
}

pub fn list_sites(
    conn: &Connection,
    actor: &Principal,
    organisation_id: Option<&str>,
) -> Result<Vec<Site>, Error> {
    let all = store::list_sites(conn, organisation_id)?;
    Ok(all
        .into_iter()
        .filter(|s| actor.can_see_structure(&s.scope()))
        .collect())
}

pub fn get_site(conn: &Connection, actor: &Principal, id: &str) -> Result<Site, Error> {
    store::find_site(conn, id)?
        .filter(|s| actor.can_see_structure(&s.scope()))
        .ok_or_else(|| Error::not_found("site"))
}

pub fn create_site(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    organisation_id: &str,
    new: Named,
    timezone: Option<String>,
) -> Result<Site, Error> {
    let name = fields::name("name", &new.name)?;
    let timezone = optional(timezone, fields::timezone)?;
    let tx = db::write(conn)?;
    let org = get_organisation(&tx, actor, organisation_id)
        .map_err(|_| Error::invalid("organisationId", "no such organisation"))?;
    let now = env.clock.now_text();
    let site = Site {
        id: chosen_id(
            new.id,
            |id| Ok(store::find_site(&tx, id)?.is_some()),
            "site",
        )?,
        organisation_id: org.id,
        organisation_name: org.name,
        name,
        timezone,
        created_at: now.clone(),
        updated_at: now,
    };
    if !actor.manages_structure(&site.scope()) {
        return Err(Error::Forbidden(
            "you may not create sites in this organisation".into(),
        ));
    }
    store::insert_site(&tx, &site)?;
    audit::record(
        &tx,
        env,
        &Actor::of(actor),
        structure_event(
            "site.create",
            "site",
            &site.id,
            &site.organisation_id,
            json!({"name": site.name, "timezone": site.timezone}),
        ),
    )?;
    tx.commit()?;
    Ok(site)
}

pub fn update_site(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
    changes: Changes,
) -> Result<Site, Error> {
    let tx = db::write(conn)?;
    let mut site = get_site(&tx, actor, id)?;
    require_manage(actor, &site.scope(), "site")?;
    if let Some(name) = changes.name {
        site.name = fields::name("name", &name)?;
    }
    if let Some(timezone) = changes.timezone {
        site.timezone = optional(timezone, fields::timezone)?;
    }
    site.updated_at = env.clock.now_text();
    store::update_site(&tx, &site)?;
    audit::record(
        &tx,
        env,
        &Actor::of(actor),
        structure_event(
            "site.update",
            "site",
            &site.id,
            &site.organisation_id,
            json!({"name": site.name, "timezone": site.timezone}),
        ),
    )?;
    tx.commit()?;
    Ok(site)
}

pub fn delete_site(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
) -> Result<Site, Error> {
    let tx = db::write(conn)?;
    let site = get_site(&tx, actor, id)?;
    require_manage(actor, &site.scope(), "site")?;
    in_the_way(&tx, ScopeType::Site, id)?;
    store::delete_site(&tx, id)?;
    audit::record(
        &tx,
        env,
        &Actor::of(actor),
        structure_event(
            "site.delete",
            "site",
            id,
            &site.organisation_id,
            json!({"name": site.name}),
        ),
    )?;
    tx.commit()?;
    Ok(site)
}

pub fn list_plants(
    conn: &Connection,
    actor: &Principal,
    site_id: Option<&str>,
) -> Result<Vec<Plant>, Error> {
    let all = store::list_plants(conn, site_id)?;
    Ok(all
        .into_iter()
        .filter(|p| actor.can_see_structure(&p.scope()))
        .collect())
}

pub fn get_plant(conn: &Connection, actor: &Principal, id: &str) -> Result<Plant, Error> {
    store::find_plant(conn, id)?
        .filter(|p| actor.can_see_structure(&p.scope()))
        .ok_or_else(|| Error::not_found("plant"))
}

pub fn create_plant(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    site_id: &str,
    new: Named,
) -> Result<Plant, Error> {
    let name = fields::name("name", &new.name)?;
    let tx = db::write(conn)?;
    let site =
        get_site(&tx, actor, site_id).map_err(|_| Error::invalid("siteId", "no such site"))?;
    let now = env.clock.now_text();
    let plant = Plant {
        id: chosen_id(
            new.id,
            |id| Ok(store::find_plant(&tx, id)?.is_some()),
            "plant",
        )?,
        site_id: site.id,
        site_name: site.name,
        organisation_id: site.organisation_id,
        organisation_name: site.organisation_name,
        name,
        created_at: now.clone(),
        updated_at: now,
    };
    if !actor.manages_structure(&plant.scope()) {
        return Err(Error::Forbidden(
            "you may not create plants at this site".into(),
        ));
    }
    store::insert_plant(&tx, &plant)?;
    audit::record(
        &tx,
        env,
        &Actor::of(actor),
        structure_event(
            "plant.create",
            "plant",
            &plant.id,
            &plant.organisation_id,
            json!({"name": plant.name, "siteId": plant.site_id}),
        ),
    )?;
    tx.commit()?;
    Ok(plant)
}

pub fn update_plant(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
    changes: Changes,
) -> Result<Plant, Error> {
    let tx = db::write(conn)?;
    let mut plant = get_plant(&tx, actor, id)?;
    require_manage(actor, &plant.scope(), "plant")?;
    if let Some(name) = changes.name {
        plant.name = fields::name("name", &name)?;
    }
    plant.updated_at = env.clock.now_text();
    store::update_plant(&tx, &plant)?;
    audit::record(
        &tx,
        env,
        &Actor::of(actor),
        structure_event(
            "plant.update",
            "plant",
            &plant.id,
            &plant.organisation_id,
            json!({"name": plant.name}),
        ),
    )?;
    tx.commit()?;
    Ok(plant)
}

pub fn delete_plant(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
) -> Result<Plant, Error> {
    let tx = db::write(conn)?;
    let plant = get_plant(&tx, actor, id)?;
    require_manage(actor, &plant.scope(), "plant")?;
    in_the_way(&tx, ScopeType::Plant, id)?;
    store::delete_plant(&tx, id)?;
    audit::record(
        &tx,
        env,
        &Actor::of(actor),
        structure_event(
            "plant.delete",
            "plant",
            id,
            &plant.organisation_id,
            json!({"name": plant.name}),
        ),
    )?;
    tx.commit()?;
    Ok(plant)
}
