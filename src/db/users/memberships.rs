//! Memberships: a role held at one scope, read with the names of their scopes.

use crate::domain::access::MembershipWrite;
use crate::domain::model::{Membership, Role, Scope, ScopeType};
use crate::error::Error;
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::collections::HashMap;

const MEMBERSHIP: &str = "SELECT m.id, m.user_id, m.organisation_id, m.site_id, m.plant_id, m.role
    FROM memberships m";

fn membership(row: &Row) -> rusqlite::Result<Membership> {
    let role: String = row.get(5)?;
    Ok(Membership {
        id: row.get(0)?,
        user_id: row.get(1)?,
        scope: Scope {
            organisation_id: row.get(2)?,
            site_id: row.get(3)?,
            plant_id: row.get(4)?,
        },
        role: Role::parse(&role).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, Box::new(e))
        })?,
        scope_name: String::new(),
    })
}

/// Gives each membership the name of its scope, one query per kind of scope for the distinct
/// ids among them (a page of 50 users names a handful of scopes, not 150).
fn name_scopes(conn: &Connection, memberships: &mut [Membership]) -> Result<(), Error> {
    for kind in [ScopeType::Organisation, ScopeType::Site, ScopeType::Plant] {
        let mut ids: Vec<&str> = memberships
            .iter()
            .filter(|m| m.scope.kind() == kind)
            .map(|m| m.scope.id())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            continue;
        }
        let table = match kind {
            ScopeType::Organisation => "organisations",
            ScopeType::Site => "sites",
            ScopeType::Plant => "plants",
        };
        let (condition, list) = one_of("id", &ids)?;
        let sql = format!("SELECT id, name FROM {table} WHERE {condition}");
        let mut stmt = conn.prepare_cached(&sql)?;
        let names: HashMap<String, String> = stmt
            .query_map([list], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for m in memberships.iter_mut().filter(|m| m.scope.kind() == kind) {
            m.scope_name = names.get(m.scope.id()).cloned().unwrap_or_default();
        }
    }
    Ok(())
}

/// `column` is one of `ids`, and the value to bind: one id is compared as it is (an IN
/// over `json_each` builds a temporary index of the list first, a fifth of the cost of
/// reading one user), several go as a JSON list.
pub(super) fn one_of(column: &str, ids: &[&str]) -> Result<(String, String), Error> {
    match ids {
        [one] => Ok((format!("{column} = ?1"), one.to_string())),
        many => Ok((
            format!("{column} IN (SELECT value FROM json_each(?1))"),
            serde_json::to_string(many).map_err(|e| Error::Internal(e.to_string()))?,
        )),
    }
}

/// Memberships of the given users, in a stable order.
pub fn list_memberships(conn: &Connection, user_ids: &[&str]) -> Result<Vec<Membership>, Error> {
    let (condition, ids) = one_of("m.user_id", user_ids)?;
    let sql = format!("{MEMBERSHIP} WHERE {condition} ORDER BY m.user_id, m.created_at, m.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut found = stmt
        .query_map([ids], membership)?
        .collect::<Result<Vec<_>, _>>()?;
    name_scopes(conn, &mut found)?;
    Ok(found)
}

pub fn find_membership(conn: &Connection, id: &str) -> Result<Option<Membership>, Error> {
    let found = conn
        .prepare_cached(&format!("{MEMBERSHIP} WHERE m.id = ?1"))?
        .query_row([id], membership)
        .optional()?;
    let mut found: Vec<Membership> = found.into_iter().collect();
    name_scopes(conn, &mut found)?;
    Ok(found.pop())
}

pub fn insert_membership(conn: &Connection, w: &MembershipWrite, now: &str) -> Result<(), Error> {
    let m = w.membership();
    // The email key is copied from the user (see migration 4); NOT NULL refuses a missing user.
    conn.prepare_cached("INSERT INTO memberships (id, user_id, scope_type, organisation_id, site_id, plant_id, scope_id, role, created_at, email_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, (SELECT email_key FROM users WHERE id = ?2))")?.execute(params![
            m.id, m.user_id, m.scope.kind().as_str(), m.scope.organisation_id, m.scope.site_id,
            m.scope.plant_id, m.scope.id(), m.role.as_str(), now
        ])
    .map_err(|e| crate::db::unique_or(e, "the user already holds this role at this scope"))?;
    Ok(())
}

pub fn delete_membership(conn: &Connection, w: &MembershipWrite) -> Result<(), Error> {
    conn.prepare_cached("DELETE FROM memberships WHERE id = ?1")?
        .execute([&w.membership().id])?;
    Ok(())
}
