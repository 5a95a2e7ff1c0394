//! Changing users: profile, status, flags, owner, modules, password, and memberships set
//! along with them (deleting them: `delete.rs`).
//!
//! Each change is decided first (who may do it, on what was read), then the expensive parts run
//! (bcrypt, the current password's check), then one write transaction decides again on what it
//! reads under the write lock and writes through the proof the access check handed out.

use super::{get_user, require_manageable, resolve_scope, visible, NewMembership, UserChanges};
use crate::db::{self, keys, users as store};
use crate::domain::access::{AccountWrite, Principal};
use crate::domain::fields::Email;
use crate::domain::model::{Scope, User, UserRecord, UserStatus};
use crate::domain::password;
use crate::error::Error;
use crate::ops::audit::{self, account_organisations, Actor, Event};
use crate::ops::memberships::Selection;
use crate::ops::profile::{apply_profile, change_summary, parse_modules};
use crate::ops::signin::{self, Via};
use crate::ops::{hash_password, Env};
use rusqlite::Connection;
use serde_json::json;

/// Refuses removing, disabling or demoting the last active superadmin.
pub(super) fn keep_a_superadmin(conn: &Connection, target: &User) -> Result<(), Error> {
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

/// What an administrator who sets someone's password through an admin path is told when the
/// someone is themselves.
pub(crate) const OWN_PASSWORD: &str = "use PUT /api/v1/users/me/password";

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
            || self.owner.is_some()
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
    let prepared = prepare(conn, env, actor, id, &changes)?;
    let tx = db::write(conn)?;
    let record = visible(&tx, actor, id)?;
    let ended_credentials = apply_in(&tx, env, actor, &record, changes, prepared, plan)?;
    tx.commit()?;
    if ended_credentials {
        env.cache.forget(id);
    }
    get_user(conn, actor, id)
}

/// The change and the plan applied inside the caller's transaction, to a record read in it.
/// Returns whether the user's credentials ended.
pub(crate) fn apply_in(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    record: &UserRecord,
    changes: UserChanges,
    prepared: Prepared,
    plan: Option<MembershipPlan>,
) -> Result<bool, Error> {
    let mut ended_credentials = false;
    if changes.touches_user() {
        let write = authorize(actor, record, &changes)?;
        ended_credentials = apply_changes(tx, env, actor, &write, record, changes, prepared)?;
    }
    if let Some(plan) = plan {
        crate::ops::memberships::replace_in(tx, env, actor, record, &plan.selection, &plan.wanted)?;
    }
    Ok(ended_credentials)
}

/// The parts of a change that are checked, and paid for, before the transaction begins.
#[derive(Default)]
pub(crate) struct Prepared {
    modules: Option<Vec<String>>,
    status: Option<UserStatus>,
    new_hash: Option<String>,
}

/// Parses what is cheap, decides who may, and only then hashes a new password and checks the
/// current one (for a change of one's own email).
// long: the cheap parsing, the rights, then the paid-for checks, in the order the rule needs.
pub(crate) fn prepare(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
    changes: &UserChanges,
) -> Result<Prepared, Error> {
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
    if !changes.touches_user() {
        return Ok(Prepared::default());
    }
    let record = visible(conn, actor, id)?;
    authorize(actor, &record, changes)?;
    confirm_own_email_change(conn, env, actor, &record, changes)?;
    let new_hash = match &changes.password {
        Some(p) => {
            // The policy needs the email: the new one, or the stored one.
            let email_text = changes.email.as_ref().unwrap_or(&record.user.email);
            let email = Email::parse("email", email_text)?;
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
    Ok(Prepared {
        modules,
        status,
        new_hash,
    })
}

/// Who may make this change: flags and the owner are a superadmin's; a password set here is
/// never one's own; everything else needs the account's proof.
fn authorize(
    actor: &Principal,
    record: &UserRecord,
    changes: &UserChanges,
) -> Result<AccountWrite, Error> {
    let flags_change = changes
        .superadmin
        .is_some_and(|s| s != record.user.superadmin)
        || changes
            .can_introspect
            .is_some_and(|c| c != record.user.can_introspect)
        || changes.owner.is_some();
    if flags_change && !actor.may_change_system_flags() {
        return Err(Error::Forbidden(
            "only a superadmin changes superadmin, canIntrospect or the owner".into(),
        ));
    }
    if changes.password.is_some() && record.user.id == actor.user_id {
        return Err(Error::bad_request(OWN_PASSWORD));
    }
    require_manageable(actor, record)
}

/// Changing one's own email (the login name) takes the current password in the same request:
/// a stolen token or session must not be enough to take the account over.
fn confirm_own_email_change(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    record: &UserRecord,
    changes: &UserChanges,
) -> Result<(), Error> {
    let Some(new_email) = &changes.email else {
        return Ok(());
    };
    let same = Email::parse("email", new_email)?.key == Email::key_of(&record.user.email);
    if record.user.id != actor.user_id || same {
        return Ok(());
    }
    let Some(current) = changes.current_password.as_deref() else {
        return Err(Error::invalid(
            "currentPassword",
            "is required to change your own email",
        ));
    };
    check_current_password(conn, env, actor, current)
}

/// Checks the caller's current password as a sign-in does (counted by the lockout); a wrong
/// one is the same 400 as `PUT /api/v1/users/me/password` gives.
pub(crate) fn check_current_password(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    current: &str,
) -> Result<(), Error> {
    match signin::password(
        conn,
        env,
        &actor.email,
        current,
        &actor.source,
        Via::PasswordChange,
    ) {
        Ok(_) => Ok(()),
        Err(Error::Unauthenticated) => Err(Error::invalid(
            "currentPassword",
            "is not the current password",
        )),
        Err(e) => Err(e),
    }
}

/// The owner a superadmin asked for: a scope, or the system.
fn new_owner(
    tx: &Connection,
    actor: &Principal,
    changes: &UserChanges,
) -> Result<Option<Option<Scope>>, Error> {
    match &changes.owner {
        None => Ok(None),
        Some(None) => Ok(Some(None)),
        Some(Some(scope)) => Ok(Some(Some(resolve_scope(tx, actor, scope)?.0))),
    }
}

/// Applies profile, status, flag, owner, module and password changes; returns whether the
/// user's credentials ended (disabled, or a new password).
// long: each field of the change is one short step on the same user being built.
fn apply_changes(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    write: &AccountWrite,
    record: &UserRecord,
    changes: UserChanges,
    prepared: Prepared,
) -> Result<bool, Error> {
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
    if let Some(owner) = new_owner(tx, actor, &changes)? {
        user.owner = owner;
    }
    user.updated_at = env.clock.now_text();
    store::update_user(tx, write, &user, &email_key)?;
    let disabled =
        user.status == UserStatus::Disabled && record.user.status != UserStatus::Disabled;
    if disabled {
        store::bump_credential_epoch(tx, write)?;
        keys::delete_keys_of(tx, write)?;
    }
    if let Some(hash) = &prepared.new_hash {
        // Set by someone else: it must be changed at the next sign-in, and what the user had
        // (sessions, tokens, API keys) ends.
        store::set_password(tx, write, hash, true, &user.updated_at)?;
        keys::delete_keys_of(tx, write)?;
    }
    if let Some(m) = &prepared.modules {
        store::set_modules(tx, write, m)?;
    }
    record_changes(tx, env, actor, record, &user, &prepared)?;
    Ok(disabled || prepared.new_hash.is_some())
}

fn record_changes(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    record: &UserRecord,
    user: &User,
    prepared: &Prepared,
) -> Result<(), Error> {
    let orgs = account_organisations(&record.user);
    let summary = change_summary(
        &record.user,
        user,
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
    Ok(())
}

/// Sets an account active or disabled inside the caller's transaction, as a PATCH of its
/// status would; returns whether its credentials ended.
pub(crate) fn set_status_in(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    record: &UserRecord,
    status: UserStatus,
) -> Result<bool, Error> {
    let changes = UserChanges {
        status: Some(status.as_str().to_string()),
        ..UserChanges::default()
    };
    let prepared = Prepared {
        status: Some(status),
        ..Prepared::default()
    };
    apply_in(tx, env, actor, record, changes, prepared, None)
}
