//! Actions on many users at once: the selected ones, or all that match a list's filter. Each
//! action is one transaction that makes, for every user, the change the single action makes
//! (the same rules, the same audit row per user); one refusal writes nothing.

use super::listing::{self, UserFilter};
use super::memberships::{add_in, remove_in};
use super::users::change::set_status_in;
use super::users::delete::delete_in;
use super::users::{visible, NewMembership};
use super::Env;
use crate::db;
use crate::domain::access::Principal;
use crate::domain::model::{UserRecord, UserStatus};
use crate::error::Error;
use rusqlite::Connection;

/// At most this many users in one action: a larger one holds the write lock too long; narrow
/// the filter and run it again.
pub const MOST_AT_ONCE: usize = 10_000;

/// The users an action is for.
pub enum Chosen {
    /// These users (ids), each of whom the caller must see.
    Users(Vec<String>),
    /// Every user the list with this filter shows the caller (cursor and limit aside).
    Matching(UserFilter),
}

pub enum BulkAction {
    AddRole(NewMembership),
    RemoveRole(NewMembership),
    Disable,
    Enable,
    Delete,
}

/// How many users the action was for, and how many it changed (a user who already had the
/// role, or was already disabled, is left as they were).
pub struct BulkDone {
    pub matched: usize,
    pub changed: usize,
}

/// The ids of the chosen users, each once, in the order given (or in email order).
pub fn chosen_ids(
    conn: &Connection,
    env: &Env,
    actor: &Principal,
    chosen: Chosen,
) -> Result<Vec<String>, Error> {
    let ids = match chosen {
        Chosen::Users(ids) => {
            let mut seen = std::collections::HashSet::new();
            let ids: Vec<String> = ids
                .into_iter()
                .filter(|id| seen.insert(id.clone()))
                .collect();
            if ids.is_empty() {
                return Err(Error::invalid("userIds", "name at least one user"));
            }
            ids
        }
        Chosen::Matching(filter) => matching(conn, env, actor, filter)?,
    };
    if ids.len() > MOST_AT_ONCE {
        return Err(Error::invalid(
            "userIds",
            format!("at most {MOST_AT_ONCE} users at once; narrow the filter"),
        ));
    }
    Ok(ids)
}

/// Every user the filter shows the caller, page by page, stopping past the most at once.
fn matching(
    conn: &Connection,
    env: &Env,
    actor: &Principal,
    filter: UserFilter,
) -> Result<Vec<String>, Error> {
    let mut ids = Vec::new();
    let mut cursor = None;
    loop {
        let page = listing::list_users(
            conn,
            env,
            actor,
            UserFilter {
                cursor,
                limit: Some(listing::MAX_LIMIT),
                ..filter.clone()
            },
        )?;
        ids.extend(page.items.into_iter().map(|r| r.user.id));
        cursor = page.next_cursor;
        if cursor.is_none() || ids.len() > MOST_AT_ONCE {
            return Ok(ids);
        }
    }
}

/// Reads a chosen user inside the action's transaction; one the caller cannot see is named.
fn chosen_record(tx: &Connection, actor: &Principal, id: &str) -> Result<UserRecord, Error> {
    visible(tx, actor, id).map_err(|e| match e {
        Error::NotFound(_) => Error::invalid("userIds", format!("no user {id} that you can see")),
        other => other,
    })
}

/// Does `action` to every chosen user in one transaction.
pub fn apply(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    action: &BulkAction,
    chosen: Chosen,
) -> Result<BulkDone, Error> {
    let ids = chosen_ids(conn, env, actor, chosen)?;
    let tx = db::write(conn)?;
    let mut changed = 0;
    let mut ended = Vec::new();
    for id in &ids {
        let record = chosen_record(&tx, actor, id)?;
        let (did, ends) = apply_one(&tx, env, actor, action, &record)?;
        changed += usize::from(did);
        if ends {
            ended.push(id);
        }
    }
    tx.commit()?;
    for id in ended {
        env.cache.forget(id);
    }
    Ok(BulkDone {
        matched: ids.len(),
        changed,
    })
}

/// The action for one user, as the single action does it: whether it changed them, and whether
/// their credentials ended.
fn apply_one(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    action: &BulkAction,
    record: &UserRecord,
) -> Result<(bool, bool), Error> {
    Ok(match action {
        BulkAction::AddRole(role) => (add_in(tx, env, actor, record, role)?, false),
        BulkAction::RemoveRole(role) => (remove_in(tx, env, actor, record, role)?, false),
        BulkAction::Disable | BulkAction::Enable => {
            let status = match action {
                BulkAction::Disable => UserStatus::Disabled,
                _ => UserStatus::Active,
            };
            if record.user.status == status {
                (false, false)
            } else {
                (true, set_status_in(tx, env, actor, record, status)?)
            }
        }
        BulkAction::Delete => {
            delete_in(tx, env, actor, record)?;
            (true, true)
        }
    })
}
