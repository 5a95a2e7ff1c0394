//! Changing and deleting users: profile, status, flags, modules, password, and memberships
//! set along with them.

use super::{
    as_seen_by, get_user, load_record, require_manageable, visible, NewMembership, UserChanges,
};
use crate::db::{self, users as store};
use crate::domain::access::Principal;
use crate::domain::fields::Email;
use crate::domain::model::{User, UserRecord, UserStatus};
use crate::domain::password;
use crate::error::Error;
use crate::ops::audit::{self, organisations_of, Actor, Event};
use crate::ops::memberships::Selection;
use crate::ops::profile::{apply_profile, change_summary, parse_modules};
use crate::ops::{hash_password, Env};
use rusqlite::Connection;
use serde_json::json;

/// Refuses removing, disabling or demoting the last active superadmin.
fn keep_a_superadmin(conn: &Connection, target: &User) -> Result<(), Error> {
    if target.superadmin
        && target.status == UserStatus::Active
        && store::count_active_superadmins(conn)? <= 1
    {
        return Err(Error::Conflict(
            "this is the last active superadmin; make another one first".into(),
        ));
    }
    Ok(())
}

pub fn update_user(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
    changes: UserChanges,
) -> Result<UserRecord, Error> {
    save_user(conn, env, actor, id, changes, None)
}

/// Memberships to set along with a change: the selected ones become exactly `wanted`.
pub struct MembershipPlan {
    pub selection: Selection,
    pub wanted: Vec<NewMembership>,
}

impl UserChanges {
    fn touches_user(&self) -> bool {
        self.email.is_some()
            || self.first_name.is_some()
            || self.last_name.is_some()
            || self.display_name.is_some()
            || self.mobile_number.is_some()
            || self.country_code.is_some()
            || self.status.is_some()
            || self.superadmin.is_some()
            || self.can_introspect.is_some()
            || self.modules.is_some()
            || self.password.is_some()
    }
}

/// Changes a user and, optionally, their memberships, in one transaction.
pub fn save_user(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
    changes: UserChanges,
    plan: Option<MembershipPlan>,
) -> Result<UserRecord, Error> {
    let modules = changes
        .modules
        .as_deref()
        .map(|m| parse_modules(env, m))
        .transpose()?;
    let status = changes
        .status
        .as_deref()
        .map(UserStatus::parse)
        .transpose()?;
    let new_hash = match &changes.password {
        Some(p) => {
            // The policy needs the email: the new one, or the stored one.
            let email_text = match &changes.email {
                Some(e) => e.clone(),
                None => load_record(conn, id)?
                    .map(|r| r.user.email)
                    .unwrap_or_default(),
            };
            let email = Email::parse("email", &email_text)?;
            password::check(
                "password",
                p,
                &email,
                env.config.security.password_min_length,
            )?;
            Some(hash_password(&env.config, p)?)
        }
        None => None,
    };
    let tx = db::write(conn)?;
    let record = visible(&tx, actor, id)?;
    let mut ended_credentials = false;
    if changes.touches_user() {
        let prepared = Prepared {
            modules,
            status,
            new_hash,
        };
        ended_credentials = apply_changes(&tx, env, actor, &record, changes, prepared)?;
    }
    if let Some(plan) = plan {
        crate::ops::memberships::replace_in(
            &tx,
            env,
            actor,
            &record,
            &plan.selection,
            &plan.wanted,
        )?;
    }
    tx.commit()?;
    if ended_credentials {
        env.cache.forget(id);
    }
    get_user(conn, actor, id)
}

/// The parts of a change that were checked before the transaction began.
struct Prepared {
    modules: Option<Vec<String>>,
    status: Option<UserStatus>,
    new_hash: Option<String>,
}

/// Applies profile, status, flag, module and password changes; returns whether the user's
/// credentials ended (disabled, or a new password).
fn apply_changes(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    record: &UserRecord,
    changes: UserChanges,
    prepared: Prepared,
) -> Result<bool, Error> {
    let flags_change = changes
        .superadmin
        .is_some_and(|s| s != record.user.superadmin)
        || changes
            .can_introspect
            .is_some_and(|c| c != record.user.can_introspect);
    if flags_change && !actor.superadmin {
        return Err(Error::Forbidden(
            "only a superadmin changes superadmin or canIntrospect".into(),
        ));
    }
    require_manageable(actor, record)?;
    let mut user = record.user.clone();
    let email_key = apply_profile(&mut user, &changes)?;
    if let Some(s) = prepared.status {
        if s == UserStatus::Disabled && user.id == actor.user_id {
            return Err(Error::bad_request("you cannot disable yourself"));
        }
        if s == UserStatus::Disabled {
            keep_a_superadmin(tx, &record.user)?;
        }
        user.status = s;
    }
    if let Some(flag) = changes.superadmin {
        if !flag {
            keep_a_superadmin(tx, &record.user)?;
        }
        user.superadmin = flag;
    }
    if let Some(flag) = changes.can_introspect {
        user.can_introspect = flag;
    }
    user.updated_at = env.clock.now_text();
    store::update_user(tx, &user, &email_key)?;
    let disabled =
        user.status == UserStatus::Disabled && record.user.status != UserStatus::Disabled;
    if disabled {
        store::bump_credential_epoch(tx, &user.id)?;
    }
    if let Some(hash) = &prepared.new_hash {
        store::set_password(tx, &user.id, hash, false, &user.updated_at)?;
    }
    if let Some(m) = &prepared.modules {
        store::set_modules(tx, &user.id, m)?;
    }
    let orgs = organisations_of(&record.memberships);
    let summary = change_summary(
        &record.user,
        &user,
        prepared.modules.as_ref(),
        prepared.new_hash.is_some(),
    );
    let event = Event::new("user.update")
        .target("user", &user.id)
        .organisations(orgs.clone())
        .summary(summary);
    audit::record(tx, env, &Actor::of(actor), event)?;
    if let Some(m) = &prepared.modules {
        let event = Event::new("modules.update")
            .target("user", &user.id)
            .organisations(orgs)
            .summary(json!({"modules": m}));
        audit::record(tx, env, &Actor::of(actor), event)?;
    }
    Ok(disabled || prepared.new_hash.is_some())
}

pub fn delete_user(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
) -> Result<UserRecord, Error> {
    let tx = db::write(conn)?;
    let record = visible(&tx, actor, id)?;
    if record.user.id == actor.user_id {
        return Err(Error::bad_request("you cannot delete yourself"));
    }
    require_manageable(actor, &record)?;
    keep_a_superadmin(&tx, &record.user)?;
    store::delete_user(&tx, id)?;
    let event = Event::new("user.delete")
        .target("user", id)
        .organisations(organisations_of(&record.memberships))
        .summary(json!({"email": record.user.email}));
    audit::record(&tx, env, &Actor::of(actor), event)?;
    tx.commit()?;
    env.cache.forget(id);
    Ok(as_seen_by(actor, record))
}
