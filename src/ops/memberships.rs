//! Memberships: roles held at scopes, added, removed and replaced.

use super::users::{resolve_scope, visible, NewMembership, ScopeRef};
use super::{new_id, Env};
use crate::db::{self, users as store};
use crate::domain::access::Principal;
use crate::domain::model::{Membership, Role, ScopeType, UserRecord};
use crate::error::Error;
use crate::ops::audit::{self, Actor, Event};
use rusqlite::Connection;
use serde_json::json;

pub fn add_membership(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    user_id: &str,
    request: NewMembership,
) -> Result<Membership, Error> {
    let role = Role::parse(&request.role)?;
    let tx = db::write(conn)?;
    visible(&tx, actor, user_id)?;
    let (scope, scope_name) = resolve_scope(&tx, actor, &request.scope)?;
    if !actor.administers(&scope) {
        return Err(Error::Forbidden(format!(
            "you may not grant roles at {scope_name}"
        )));
    }
    let membership = Membership {
        id: new_id(),
        user_id: user_id.to_string(),
        scope,
        scope_name,
        role,
    };
    store::insert_membership(&tx, &membership, &env.clock.now_text())?;
    audit::record(
        &tx,
        env,
        &Actor::of(actor),
        membership_event("membership.create", &membership),
    )?;
    tx.commit()?;
    Ok(membership)
}

fn membership_event(action: &'static str, m: &Membership) -> Event {
    Event::new(action)
        .target("membership", &m.id)
        .organisations([m.scope.organisation_id.clone()])
        .summary(json!({"userId": m.user_id, "scopeType": m.scope.kind().as_str(), "scopeId": m.scope.id(),
            "scopeName": m.scope_name, "role": m.role.as_str()}))
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
    if !actor.administers(&membership.scope) {
        return Err(Error::Forbidden(format!(
            "you may not revoke roles at {}",
            membership.scope_name
        )));
    }
    store::delete_membership(&tx, membership_id)?;
    audit::record(
        &tx,
        env,
        &Actor::of(actor),
        membership_event("membership.delete", &membership),
    )?;
    tx.commit()?;
    Ok(membership)
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

/// Makes the selected memberships of `record` exactly `wanted`, leaving the others alone. Each
/// membership added or removed must lie in a scope the caller administers. Runs inside the
/// caller's transaction.
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
        let role = Role::parse(&request.role)?;
        let (scope, scope_name) = resolve_scope(tx, actor, &request.scope)?;
        if selection
            .organisation_id
            .as_ref()
            .is_some_and(|o| *o != scope.organisation_id)
        {
            return Err(Error::invalid(
                "scope",
                format!("{scope_name} is not in the organisation"),
            ));
        }
        resolved.push(Membership {
            id: new_id(),
            user_id: record.user.id.clone(),
            scope,
            scope_name,
            role,
        });
    }
    let same = |a: &Membership, b: &Membership| a.scope == b.scope && a.role == b.role;
    let existing: Vec<&Membership> = record
        .memberships
        .iter()
        .filter(|m| selection.picks(m))
        .collect();
    for old in existing
        .iter()
        .filter(|old| !resolved.iter().any(|new| same(old, new)))
    {
        if !actor.administers(&old.scope) {
            return Err(Error::Forbidden(format!(
                "you may not revoke roles at {}",
                old.scope_name
            )));
        }
        store::delete_membership(tx, &old.id)?;
        audit::record(
            tx,
            env,
            &Actor::of(actor),
            membership_event("membership.delete", old),
        )?;
    }
    for new in resolved
        .iter()
        .filter(|new| !existing.iter().any(|old| same(old, new)))
    {
        if !actor.administers(&new.scope) {
            return Err(Error::Forbidden(format!(
                "you may not grant roles at {}",
                new.scope_name
            )));
        }
        store::insert_membership(tx, new, &env.clock.now_text())?;
        audit::record(
            tx,
            env,
            &Actor::of(actor),
            membership_event("membership.create", new),
        )?;
    }
    Ok(())
}

/// Adds an existing user, named by email, to an organisation the caller administers, with one
/// role there. A user who already holds any role in it is a conflict. The caller need not see
/// the user beforehand: adding people to one's own organisation is what its admins do.
pub fn add_to_organisation(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    user_id: &str,
    organisation_id: &str,
    role: &str,
) -> Result<Membership, Error> {
    let role = Role::parse(role)?;
    let tx = db::write(conn)?;
    let (scope, scope_name) = resolve_scope(
        &tx,
        actor,
        &ScopeRef::Organisation(organisation_id.to_string()),
    )?;
    if !actor.administers(&scope) {
        return Err(Error::Forbidden(format!(
            "you may not grant roles at {scope_name}"
        )));
    }
    let held = store::list_memberships(&tx, &[user_id])?;
    if held
        .iter()
        .any(|m| m.scope.organisation_id == organisation_id)
    {
        return Err(Error::Conflict(
            "the user is already in this organisation".into(),
        ));
    }
    let membership = Membership {
        id: new_id(),
        user_id: user_id.to_string(),
        scope,
        scope_name,
        role,
    };
    store::insert_membership(&tx, &membership, &env.clock.now_text())?;
    audit::record(
        &tx,
        env,
        &Actor::of(actor),
        membership_event("membership.create", &membership),
    )?;
    tx.commit()?;
    Ok(membership)
}

/// Adds the memberships the user does not hold yet, each in a scope the caller administers.
/// As with `add_to_organisation`, the caller need not see the user beforehand.
pub fn grant_memberships(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    user_id: &str,
    wanted: &[NewMembership],
) -> Result<(), Error> {
    let tx = db::write(conn)?;
    let held = store::list_memberships(&tx, &[user_id])?;
    for request in wanted {
        let role = Role::parse(&request.role)?;
        let (scope, scope_name) = resolve_scope(&tx, actor, &request.scope)?;
        if held.iter().any(|m| m.scope == scope && m.role == role) {
            continue;
        }
        if !actor.administers(&scope) {
            return Err(Error::Forbidden(format!(
                "you may not grant roles at {scope_name}"
            )));
        }
        let membership = Membership {
            id: new_id(),
            user_id: user_id.to_string(),
            scope,
            scope_name,
            role,
        };
        store::insert_membership(&tx, &membership, &env.clock.now_text())?;
        audit::record(
            &tx,
            env,
            &Actor::of(actor),
            membership_event("membership.create", &membership),
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The outcome of `join_organisation`.
pub enum Joined {
    /// A new user, with their generated password (shown once).
    Created(super::users::Created),
    /// An existing user, given a role in the organisation.
    Added(Membership),
}

/// Puts the user with this email into an organisation with one role: creates them (with a
/// generated password) when no such user exists, adds them otherwise (409 if already in it).
pub fn join_organisation(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    email: &str,
    organisation_id: &str,
    role: &str,
) -> Result<Joined, Error> {
    let email = crate::domain::fields::Email::parse("email", email)?;
    match store::find_user_by_email(conn, &email.key)? {
        Some(user) => add_to_organisation(conn, env, actor, &user.id, organisation_id, role)
            .map(Joined::Added),
        None => {
            let input = super::users::NewUser {
                email: email.text,
                memberships: vec![NewMembership {
                    scope: ScopeRef::Organisation(organisation_id.to_string()),
                    role: role.to_string(),
                }],
                ..Default::default()
            };
            super::users::create_user(conn, env, actor, input).map(Joined::Created)
        }
    }
}
