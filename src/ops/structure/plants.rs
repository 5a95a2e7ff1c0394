//! Plants: list, read, create, change, delete.

use super::sites::get_site;
use super::{chosen_id, in_the_way, require_manage, structure_event, Changes, Named, Seen};
use crate::db::{self, structure as store};
use crate::domain::access::Principal;
use crate::domain::fields;
use crate::domain::model::{Plant, Scope, ScopeType};
use crate::error::Error;
use crate::ops::audit::{self, Actor};
use crate::ops::Env;
use rusqlite::Connection;
use serde_json::json;

pub fn list_plants(
    conn: &Connection,
    actor: &Principal,
    site_id: Option<&str>,
) -> Result<Vec<Plant>, Error> {
    let all = store::list_plants(conn, site_id)?;
    Ok(all
        .into_iter()
        .filter(|p| actor.can_see_structure(&p.scope()))
        .map(|p| p.seen_by(actor))
        .collect())
}

pub fn get_plant(conn: &Connection, actor: &Principal, id: &str) -> Result<Plant, Error> {
    store::find_plant(conn, id)?
        .filter(|p| actor.can_see_structure(&p.scope()))
        .map(|p| p.seen_by(actor))
        .ok_or_else(|| Error::not_found("plant"))
}

// long: parse, authorize, choose the id, insert and audit, in one transaction.
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
        get_site(&tx, actor, site_id).map_err(crate::ops::absent_as("siteId", "no such site"))?;
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
        rights: Default::default(),
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
    Ok(plant.seen_by(actor))
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
    Ok(plant.seen_by(actor))
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
    // Accounts it owned move up to its parent (the system, for an organisation).
    crate::db::users::rehome_owned_users(
        &tx,
        &plant.scope(),
        Some(&Scope::site(&plant.organisation_id, &plant.site_id)),
    )?;
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
    Ok(plant.seen_by(actor))
}
