//! Deleting users: the account, its roles, keys and sessions, recorded in the audit trail.

use super::change::keep_a_superadmin;
use super::{as_seen_by, require_manageable, visible};
use crate::db::{self, users as store};
use crate::domain::access::Principal;
use crate::domain::model::UserRecord;
use crate::error::Error;
use crate::ops::audit::{self, account_organisations, organisations_of, Actor, Event};
use crate::ops::Env;
use rusqlite::Connection;
use serde_json::json;

pub fn delete_user(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
) -> Result<UserRecord, Error> {
    let tx = db::write(conn)?;
    let record = visible(&tx, actor, id)?;
    delete_in(&tx, env, actor, &record)?;
    tx.commit()?;
    env.cache.forget(id);
    Ok(as_seen_by(actor, record))
}

/// Deletes the user of `record` (read in the caller's transaction) and records it.
pub(crate) fn delete_in(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    record: &UserRecord,
) -> Result<(), Error> {
    let id = record.user.id.as_str();
    if record.user.id == actor.user_id {
        return Err(Error::bad_request("you cannot delete yourself"));
    }
    let write = require_manageable(actor, record)?;
    keep_a_superadmin(tx, &record.user)?;
    store::delete_user(tx, &write)?;
    let mut orgs = account_organisations(&record.user);
    orgs.extend(organisations_of(&record.memberships));
    let event = Event::new("user.delete")
        .target("user", id)
        .organisations(orgs)
        .summary(json!({"email": record.user.email}));
    audit::record(tx, env, &Actor::of(actor), event)
}
