//! Sites: list, read, create, change, delete.

use super::{
    chosen_id, get_organisation, in_the_way, optional, require_manage, structure_event, Changes,
    Named, Seen,
};
use crate::db::{self, structure as store};
use crate::domain::access::Principal;
use crate::domain::fields;
use crate::domain::model::{Scope, ScopeType, Site};
use crate::error::Error;
use crate::ops::audit::{self, Actor};
use crate::ops::Env;
use rusqlite::Connection;
use serde_json::json;

pub fn list_sites(
    conn: &Connection,
    actor: &Principal,
    organisation_id: Option<&str>,
) -> Result<Vec<Site>, Error> {
    let all = store::list_sites(conn, organisation_id)?;
    Ok(all
        .into_iter()
        .filter(|s| actor.can_see_structure(&s.scope()))
        .map(|s| s.seen_by(actor))
        .collect())
}

pub fn get_site(conn: &Connection, actor: &Principal, id: &str) -> Result<Site, Error> {
    store::find_site(conn, id)?
        .filter(|s| actor.can_see_structure(&s.scope()))
        .map(|s| s.seen_by(actor))
        .ok_or_else(|| Error::not_found("site"))
}

// long: parse, authorize, choose the id, insert and audit, in one transaction.
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
    let org = get_organisation(&tx, actor, organisation_id).map_err(crate::ops::absent_as(
        "organisationId",
        "no such organisation",
    ))?;
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
        rights: Default::default(),
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
    Ok(site.seen_by(actor))
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
    Ok(site.seen_by(actor))
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
    // Accounts it owned move up to its parent (the system, for an organisation).
    crate::db::users::rehome_owned_users(
        &tx,
        &site.scope(),
        Some(&Scope::organisation(&site.organisation_id)),
    )?;
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
    Ok(site.seen_by(actor))
}
