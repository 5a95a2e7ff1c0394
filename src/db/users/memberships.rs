//! Memberships: a role held at one scope, read with the names of their scopes.

use crate::domain::access::MembershipWrite;
use crate::domain::model::{Membership, Role, Scope};
use crate::error::Error;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// What a membership's id is made from since migration 8: this, then its number in 12 hex
/// digits. (Ids given before are UUIDs of version 7 and never begin so.)
const MADE_ID: &str = "00000000-0000-8000-8000-";

/// The id of the membership numbered `number`, when none was stored.
pub fn made_id(number: i64) -> String {
    format!("{MADE_ID}{number:012x}")
}

/// The number a made id carries, or None for an id that was stored.
fn number_in(id: &str) -> Option<i64> {
    let hex = id.strip_prefix(MADE_ID)?;
    (hex.len() == 12 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| i64::from_str_radix(hex, 16).ok())
        .flatten()
}

/// The condition on `m` that finds the membership with this id, and the value to bind.
fn by_id(id: &str) -> (&'static str, rusqlite::types::Value) {
    match number_in(id) {
        Some(n) => ("m.number = ?1 AND m.id IS NULL", n.into()),
        None => ("m.id = ?1", id.to_string().into()),
    }
}

/// A membership's id as read: the one stored, or the one its number makes (the SQL of
/// `made_id`, for membership alias `m`).
macro_rules! membership_id {
    ($m:literal) => {
        concat!(
            "coalesce(",
            $m,
            ".id, printf('00000000-0000-8000-8000-%012x', ",
            $m,
            ".number))"
        )
    };
}
pub(super) use membership_id;

/// A membership with the ids of its user and scopes and its scope's name, read in one go.
const MEMBERSHIP: &str = concat!(
    "SELECT ",
    membership_id!("m"),
    ", u.id, o.id, s.id, p.id, m.role,
        coalesce(p.name, s.name, o.name)
    FROM memberships m
    JOIN users u ON u.number = m.user_number
    JOIN organisations o ON o.number = m.organisation
    LEFT JOIN sites s ON s.number = m.site
    LEFT JOIN plants p ON p.number = m.plant"
);

/// A role as stored in `column`; text that is no role is a conversion error, not a panic.
pub(super) fn stored_role(text: &str, column: usize) -> rusqlite::Result<Role> {
    Role::parse(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
    })
}

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
        role: stored_role(&role, 5)?,
        scope_name: row.get(6)?,
    })
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
    let (condition, ids) = one_of("u.id", user_ids)?;
    let sql = format!("{MEMBERSHIP} WHERE {condition} ORDER BY u.id, m.created_at, m.number");
    let mut stmt = conn.prepare_cached(&sql)?;
    let found = stmt.query_map([ids], membership)?;
    Ok(found.collect::<Result<_, _>>()?)
}

pub fn find_membership(conn: &Connection, id: &str) -> Result<Option<Membership>, Error> {
    let (condition, key) = by_id(id);
    Ok(conn
        .prepare_cached(&format!("{MEMBERSHIP} WHERE {condition}"))?
        .query_row([key], membership)
        .optional()?)
}

/// A user's number and email key, and the numbers of an organisation, site and plant.
type Numbers = (i64, String, i64, Option<i64>, Option<i64>);

/// The numbers a membership row holds, from the ids of its user and scopes (migrations 4 and
/// 5), read before the insert: an INSERT from a SELECT may insert many rows, so SQLite journals
/// every page it changes for the statement's own rollback (at a bulk load, two thirds of the
/// time went to that journal).
fn numbers_of(conn: &Connection, m: &Membership) -> Result<Numbers, Error> {
    let numbers = "SELECT u.number, u.email_key, o.number, s.number, p.number
         FROM users u
         JOIN organisations o ON o.id = ?2
         LEFT JOIN sites s ON s.id = ?3
         LEFT JOIN plants p ON p.id = ?4
         WHERE u.id = ?1";
    let found: Option<Numbers> = conn
        .prepare_cached(numbers)?
        .query_row(
            params![
                m.user_id,
                m.scope.organisation_id,
                m.scope.site_id,
                m.scope.plant_id
            ],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    found
        .filter(|(.., site, plant)| {
            site.is_some() == m.scope.site_id.is_some()
                && plant.is_some() == m.scope.plant_id.is_some()
        })
        .ok_or_else(|| Error::not_found("the user or the scope of this role"))
}

/// Stores the membership; returns the id it is known by (made from its number).
pub fn insert_membership(
    conn: &Connection,
    w: &MembershipWrite,
    now: &str,
) -> Result<String, Error> {
    let m = w.membership();
    let (user, email_key, organisation, site, plant) = numbers_of(conn, m)?;
    conn.prepare_cached(
        "INSERT INTO memberships (user_number, email_key, organisation, site, plant, role, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![user, email_key, organisation, site, plant, m.role.as_str(), now])
    .map_err(|e| crate::db::unique_or(e, "the user already holds this role at this scope"))?;
    Ok(made_id(conn.last_insert_rowid()))
}

pub fn delete_membership(conn: &Connection, w: &MembershipWrite) -> Result<(), Error> {
    let (condition, key) = by_id(&w.membership().id);
    conn.prepare_cached(&format!("DELETE FROM memberships AS m WHERE {condition}"))?
        .execute([key])?;
    Ok(())
}
