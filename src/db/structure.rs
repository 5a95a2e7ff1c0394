//! Organisations, sites and plants.

use crate::domain::model::{Organisation, Plant, ScopeType, Site};
use crate::error::Error;
use rusqlite::{params, Connection, OptionalExtension, Row};

fn organisation(row: &Row) -> rusqlite::Result<Organisation> {
    Ok(Organisation {
        id: row.get(0)?,
        name: row.get(1)?,
        domain: row.get(2)?,
        created_at: row.get(3)?,
        updated_at: row.get(4)?,
        rights: Default::default(),
    })
}

const ORGANISATION: &str = "SELECT id, name, domain, created_at, updated_at FROM organisations";

pub fn list_organisations(conn: &Connection) -> Result<Vec<Organisation>, Error> {
    let mut stmt =
        conn.prepare_cached(&format!("{ORGANISATION} ORDER BY name COLLATE NOCASE, id"))?;
    let rows = stmt.query_map([], organisation)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn find_organisation(conn: &Connection, id: &str) -> Result<Option<Organisation>, Error> {
    let sql = format!("{ORGANISATION} WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], organisation)
        .optional()?)
}

pub fn insert_organisation(conn: &Connection, o: &Organisation) -> Result<(), Error> {
    conn.prepare_cached("INSERT INTO organisations (id, name, domain, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)")?.execute(params![o.id, o.name, o.domain, o.created_at, o.updated_at])
    .map_err(|e| crate::db::unique_or(e, "an organisation with this name already exists"))?;
    Ok(())
}

pub fn update_organisation(conn: &Connection, o: &Organisation) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE organisations SET name = ?2, domain = ?3, updated_at = ?4 WHERE id = ?1",
    )?
    .execute(params![o.id, o.name, o.domain, o.updated_at])
    .map_err(|e| crate::db::unique_or(e, "an organisation with this name already exists"))?;
    Ok(())
}

pub fn delete_organisation(conn: &Connection, id: &str) -> Result<(), Error> {
    conn.prepare_cached("DELETE FROM organisations WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

fn site(row: &Row) -> rusqlite::Result<Site> {
    Ok(Site {
        id: row.get(0)?,
        organisation_id: row.get(1)?,
        organisation_name: row.get(2)?,
        name: row.get(3)?,
        timezone: row.get(4)?,
        created_at: row.get(5)?,
        updated_at: row.get(6)?,
        rights: Default::default(),
    })
}

const SITE: &str =
    "SELECT s.id, s.organisation_id, o.name, s.name, s.timezone, s.created_at, s.updated_at
    FROM sites s JOIN organisations o ON o.id = s.organisation_id";

pub fn list_sites(conn: &Connection, organisation_id: Option<&str>) -> Result<Vec<Site>, Error> {
    let sql = format!("{SITE} WHERE ?1 IS NULL OR s.organisation_id = ?1 ORDER BY o.name COLLATE NOCASE, s.name COLLATE NOCASE, s.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([organisation_id], site)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn find_site(conn: &Connection, id: &str) -> Result<Option<Site>, Error> {
    let sql = format!("{SITE} WHERE s.id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], site)
        .optional()?)
}

pub fn insert_site(conn: &Connection, s: &Site) -> Result<(), Error> {
    conn.prepare_cached("INSERT INTO sites (id, organisation_id, name, timezone, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(params![s.id, s.organisation_id, s.name, s.timezone, s.created_at, s.updated_at])
    .map_err(|e| crate::db::unique_or(e, "this organisation already has a site with this name"))?;
    Ok(())
}

pub fn update_site(conn: &Connection, s: &Site) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE sites SET name = ?2, timezone = ?3, updated_at = ?4 WHERE id = ?1",
    )?
    .execute(params![s.id, s.name, s.timezone, s.updated_at])
    .map_err(|e| crate::db::unique_or(e, "this organisation already has a site with this name"))?;
    Ok(())
}

pub fn delete_site(conn: &Connection, id: &str) -> Result<(), Error> {
    conn.prepare_cached("DELETE FROM sites WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

fn plant(row: &Row) -> rusqlite::Result<Plant> {
    Ok(Plant {
        id: row.get(0)?,
        site_id: row.get(1)?,
        site_name: row.get(2)?,
        organisation_id: row.get(3)?,
        organisation_name: row.get(4)?,
        name: row.get(5)?,
        created_at: row.get(6)?,
        updated_at: row.get(7)?,
        rights: Default::default(),
    })
}

const PLANT: &str = "SELECT p.id, p.site_id, s.name, s.organisation_id, o.name, p.name, p.created_at, p.updated_at
    FROM plants p JOIN sites s ON s.id = p.site_id JOIN organisations o ON o.id = s.organisation_id";

pub fn list_plants(conn: &Connection, site_id: Option<&str>) -> Result<Vec<Plant>, Error> {
    let sql = format!("{PLANT} WHERE ?1 IS NULL OR p.site_id = ?1 ORDER BY o.name COLLATE NOCASE, s.name COLLATE NOCASE, p.name COLLATE NOCASE, p.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([site_id], plant)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn find_plant(conn: &Connection, id: &str) -> Result<Option<Plant>, Error> {
    let sql = format!("{PLANT} WHERE p.id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], plant)
        .optional()?)
}

pub fn insert_plant(conn: &Connection, p: &Plant) -> Result<(), Error> {
    conn.prepare_cached("INSERT INTO plants (id, site_id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)")?.execute(params![p.id, p.site_id, p.name, p.created_at, p.updated_at])
    .map_err(|e| crate::db::unique_or(e, "this site already has a plant with this name"))?;
    Ok(())
}

pub fn update_plant(conn: &Connection, p: &Plant) -> Result<(), Error> {
    conn.prepare_cached("UPDATE plants SET name = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![p.id, p.name, p.updated_at])
        .map_err(|e| crate::db::unique_or(e, "this site already has a plant with this name"))?;
    Ok(())
}

pub fn delete_plant(conn: &Connection, id: &str) -> Result<(), Error> {
    conn.prepare_cached("DELETE FROM plants WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// What still lies below a structure object: (sites, plants, memberships).
pub fn count_below(conn: &Connection, kind: ScopeType, id: &str) -> Result<(i64, i64, i64), Error> {
    let (sites, plants) = match kind {
        ScopeType::Organisation => (
            conn.prepare_cached("SELECT count(*) FROM sites WHERE organisation_id = ?1")?.query_row([id], |r| r.get(0))?,
            conn.prepare_cached("SELECT count(*) FROM plants p JOIN sites s ON s.id = p.site_id WHERE s.organisation_id = ?1")?.query_row([id],
                |r| r.get(0))?,
        ),
        ScopeType::Site => (0, conn.prepare_cached("SELECT count(*) FROM plants WHERE site_id = ?1")?.query_row([id], |r| r.get(0))?),
        ScopeType::Plant => (0, 0),
    };
    let memberships_sql = match kind {
        ScopeType::Organisation => "SELECT count(*) FROM memberships
            WHERE organisation = (SELECT number FROM organisations WHERE id = ?1)",
        ScopeType::Site => {
            "SELECT count(*) FROM memberships WHERE site = (SELECT number FROM sites WHERE id = ?1)"
        }
        ScopeType::Plant => {
            "SELECT count(*) FROM memberships WHERE plant = (SELECT number FROM plants WHERE id = ?1)"
        }
    };
    let memberships = conn
        .prepare_cached(memberships_sql)?
        .query_row([id], |r| r.get(0))?;
    Ok((sites, plants, memberships))
}

/// How many of each thing are stored, and how many audit rows were ever written (the audit
/// sequence, which never goes back: pruning removes rows, not numbers).
pub struct Stored {
    pub users: i64,
    pub organisations: i64,
    pub sites: i64,
    pub plants: i64,
    pub audit_rows: i64,
}

pub fn count_stored(conn: &Connection) -> Result<Stored, Error> {
    let sql = "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM organisations),
        (SELECT count(*) FROM sites), (SELECT count(*) FROM plants),
        (SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'audit')";
    Ok(conn.prepare_cached(sql)?.query_row([], |r| {
        Ok(Stored {
            users: r.get(0)?,
            organisations: r.get(1)?,
            sites: r.get(2)?,
            plants: r.get(3)?,
            audit_rows: r.get(4)?,
        })
    })?)
}
