//! Memberships: roles held at scopes, added, removed and replaced.
//!
//! Every addition and removal goes through `grant` and `revoke`, which hold the one rule (the
//! caller administers the scope) and write the audit record.

use super::users::{resolve_scope, visible, NewMembership};
use super::Env;
use crate::db::{self, users as store};
use crate::domain::access::Principal;
use crate::domain::model::{Membership, ScopeType, UserRecord};
use crate::error::Error;
use crate::ops::audit::{self, Actor, Event};
use rusqlite::Connection;
use serde_json::json;

fn membership_event(action: &'static str, m: &Membership) -> Event {
    Event::new(action)
        .target("membership", &m.id)
        .organisations([m.scope.organisation_id.clone()])
        .summary(json!({"userId": m.user_id, "scopeType": m.scope.kind().as_str(), "scopeId": m.scope.id(),
            "scopeName": m.scope_name, "role": m.role.as_str()}))
}

/// The membership a request asks for, resolved against what the caller can see.
fn resolve(
    tx: &Connection,
    actor: &Principal,
    user_id: &str,
    request: &NewMembership,
) -> Result<Membership, Error> {
    let role = request.role;
    let (scope, scope_name) = resolve_scope(tx, actor, &request.scope)?;
    Ok(Membership {
        // Given when it is stored.
        id: String::new(),
        user_id: user_id.to_string(),
        scope,
        scope_name,
        role,
    })
}

/// Stores a new membership if the caller administers its scope, and records it; returns it
/// with the id it is known by from now on.
fn grant(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    membership: &Membership,
) -> Result<Membership, Error> {
    let write = actor.may_change_membership(membership).ok_or_else(|| {
        Error::Forbidden(format!(
            "you may not grant roles at {}",
            membership.scope_name
        ))
    })?;
    let stored = Membership {
        id: store::insert_membership(tx, &write, &env.clock.now_text())?,
        ..membership.clone()
    };
    audit::record(
        tx,
        env,
        &Actor::of(actor),
        membership_event("membership.create", &stored),
    )?;
    Ok(stored)
}

/// Removes a membership if the caller administers its scope, and records it.
fn revoke(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    membership: &Membership,
) -> Result<(), Error> {
    let write = actor.may_change_membership(membership).ok_or_else(|| {
        Error::Forbidden(format!(
            "you may not revoke roles at {}",
            membership.scope_name
        ))
    })?;
    store::delete_membership(tx, &write)?;
    audit::record(
        tx,
        env,
        &Actor::of(actor),
        membership_event("membership.delete", membership),
    )
}

pub fn add_membership(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    user_id: &str,
    request: NewMembership,
) -> Result<Membership, Error> {
    let tx = db::write(conn)?;
    visible(&tx, actor, user_id)?;
    let membership = resolve(&tx, actor, user_id, &request)?;
    let stored = grant(&tx, env, actor, &membership)?;
    tx.commit()?;
    Ok(stored)
}

pub fn remove_membership(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    user_id: &str,
    membership_id: &str,
) -> Result<Membership, Error> {
    let tx = db::write(conn)?;
    visible(&tx, actor, user_id)?;
    let membership = store::find_membership(&tx, membership_id)?
        .filter(|m| m.user_id == user_id && actor.can_see_membership(m))
        .ok_or_else(|| Error::not_found("membership"))?;
    revoke(&tx, env, actor, &membership)?;
    tx.commit()?;
    Ok(membership)
}

/// Grants the role the request names to the user of `record` inside the caller's transaction,
/// unless they hold it already; returns whether it was granted.
pub(crate) fn add_in(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    record: &UserRecord,
    request: &NewMembership,
) -> Result<bool, Error> {
    let membership = resolve(tx, actor, &record.user.id, request)?;
    if record.memberships.iter().any(|m| same(m, &membership)) {
        return Ok(false);
    }
    grant(tx, env, actor, &membership)?;
    Ok(true)
}

/// Takes the role the request names from the user of `record` inside the caller's
/// transaction, if they hold it; returns whether it was taken.
pub(crate) fn remove_in(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    record: &UserRecord,
    request: &NewMembership,
) -> Result<bool, Error> {
    let asked = resolve(tx, actor, &record.user.id, request)?;
    match record.memberships.iter().find(|m| same(m, &asked)) {
        Some(held) => revoke(tx, env, actor, held).map(|()| true),
        None => Ok(false),
    }
}

/// Which of a user's memberships a replacement touches: those in one organisation (or all),
/// at the given levels (or all levels).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub organisation_id: Option<String>,
    pub kinds: Vec<ScopeType>,
}

impl Selection {
    fn picks(&self, m: &Membership) -> bool {
        let in_org = self
            .organisation_id
            .as_ref()
            .is_none_or(|o| *o == m.scope.organisation_id);
        in_org && (self.kinds.is_empty() || self.kinds.contains(&m.scope.kind()))
    }
}

fn same(a: &Membership, b: &Membership) -> bool {
    a.scope == b.scope && a.role == b.role
}

/// Makes the selected memberships of `record` exactly `wanted`, leaving the others alone.
/// Runs inside the caller's transaction.
// long: resolve, then revoke what goes and grant what comes, in one pass.
pub(crate) fn replace_in(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    record: &UserRecord,
    selection: &Selection,
    wanted: &[NewMembership],
) -> Result<(), Error> {
    let mut resolved = Vec::new();
    for request in wanted {
        let membership = resolve(tx, actor, &record.user.id, request)?;
        if selection
            .organisation_id
            .as_ref()
            .is_some_and(|o| *o != membership.scope.organisation_id)
        {
            return Err(Error::invalid(
                "scope",
                format!("{} is not in the organisation", membership.scope_name),
            ));
        }
        resolved.push(membership);
    }
    let existing: Vec<&Membership> = record
        .memberships
        .iter()
        .filter(|m| selection.picks(m))
        .collect();
    for old in existing
        .iter()
        .filter(|old| !resolved.iter().any(|new| same(old, new)))
    {
        revoke(tx, env, actor, old)?;
    }
    for new in resolved
        .iter()
        .filter(|new| !existing.iter().any(|old| same(old, new)))
    {
        grant(tx, env, actor, new)?;
    }
    Ok(())
}

/// Adds, inside the caller's transaction, the memberships the user does not hold yet. The
/// caller need not see the user beforehand: adding people to one's own scopes is what its
/// admins do (the Busroot and Hoxton dialects join existing users by email). It gives a
/// membership to manage, never the account.
pub(crate) fn grant_missing(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    user_id: &str,
    wanted: &[NewMembership],
) -> Result<(), Error> {
    let held = store::list_memberships(tx, &[user_id])?;
    for request in wanted {
        let membership = resolve(tx, actor, user_id, request)?;
        if !held.iter().any(|m| same(m, &membership)) {
            grant(tx, env, actor, &membership)?;
        }
    }
    Ok(())
}
