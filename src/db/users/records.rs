//! A user's record (the account, its memberships with their scopes' names, and its modules)
//! read by one statement: each user's memberships and modules are gathered beside its row by
//! walking their indexes from the user's number, with no second query and no temporary index
//! of a list of ids.

use super::memberships::{membership_id, stored_role};
use super::user;
use crate::domain::model::{Membership, Scope, UserRecord};
use crate::error::Error;
use rusqlite::{Connection, OptionalExtension, Row};

/// What `record` reads: the user's columns, then their memberships and modules as JSON arrays.
/// The arrays are put in order here, not in SQL: an ORDER BY inside the aggregate sorts through
/// a temporary B-tree for every user.
macro_rules! record_columns {
    () => {
        concat!(
            "SELECT ",
            user_columns!(),
            ",
    (SELECT json_group_array(json_array(h.number, ",
            membership_id!("h"),
            ", ho.id, hs.id, hp.id, h.role,
            coalesce(hp.name, hs.name, ho.name)))
        FROM memberships h
        JOIN organisations ho ON ho.number = h.organisation
        LEFT JOIN sites hs ON hs.number = h.site
        LEFT JOIN plants hp ON hp.number = h.plant
        WHERE h.user_number = u.number),
    (SELECT json_group_array(g.module)
        FROM user_modules g WHERE g.user_number = u.number)"
        )
    };
}

pub(super) const RECORD: &str = concat!(record_columns!(), " FROM ", user_tables!());

/// `RECORD` with one more column after the record's: `p.s`, the value a sorted page sorted by
/// (the statement joins `p`).
pub(super) const RECORD_AND_SORT_VALUE: &str =
    concat!(record_columns!(), ", p.s FROM ", user_tables!());

/// A membership as `RECORD` gathers it: number, id, organisation, site, plant, role, scope name.
type Held = (
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
);

fn json<T: serde::de::DeserializeOwned>(row: &Row, column: usize) -> rusqlite::Result<T> {
    let text: String = row.get(column)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
    })
}

pub(super) fn record(row: &Row) -> rusqlite::Result<UserRecord> {
    let user = user(row)?;
    let mut held: Vec<Held> = json(row, 19)?;
    // In the order they were granted: numbers only grow.
    held.sort_unstable_by_key(|h| h.0);
    let memberships = held
        .into_iter()
        .map(
            |(_, id, organisation_id, site_id, plant_id, role, scope_name)| {
                Ok(Membership {
                    id,
                    user_id: user.id.clone(),
                    scope: Scope {
                        organisation_id,
                        site_id,
                        plant_id,
                    },
                    role: stored_role(&role, 19)?,
                    scope_name,
                })
            },
        )
        .collect::<rusqlite::Result<_>>()?;
    let mut modules: Vec<String> = json(row, 20)?;
    modules.sort_unstable();
    Ok(UserRecord {
        modules,
        memberships,
        user,
        manageable: false,
    })
}

/// The user with this id, with memberships and modules (unfiltered).
pub fn find_record(conn: &Connection, id: &str) -> Result<Option<UserRecord>, Error> {
    Ok(conn
        .prepare_cached(&format!("{RECORD} WHERE u.id = ?1"))?
        .query_row([id], record)
        .optional()?)
}
