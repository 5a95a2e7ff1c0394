//! Users: read, list, create, change (profile, status, flags, modules) and delete.

use super::{hash_password, new_id, Env};
use crate::db::{self, users as store};
use crate::domain::access::Principal;
use crate::domain::fields::{self, Email};
use crate::domain::model::{Membership, Role, Scope, User, UserRecord, UserStatus};
use crate::domain::password;
use crate::error::Error;
use crate::ops::audit::{self, organisations_of, Actor, Event};
use crate::ops::memberships::Selection;
use crate::ops::profile::{
    apply_profile, change_summary, derive_display_name, optional_field, parse_modules,
};
use crate::ops::structure;
use rusqlite::Connection;
use serde_json::json;

/// Where a membership is to be held, as the client names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeRef {
    Organisation(String),
    Site(String),
    Plant(String),
}

#[derive(Debug, Clone)]
pub struct NewMembership {
    pub scope: ScopeRef,
    pub role: String,
}

#[derive(Debug, Default)]
pub struct NewUser {
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: Option<String>,
    pub mobile_number: Option<String>,
    pub country_code: Option<String>,
    pub password: Option<String>,
    pub superadmin: bool,
    pub memberships: Vec<NewMembership>,
    pub modules: Vec<String>,
}

/// Changes to a user; `None` leaves a field alone, `Some(None)` clears an optional one.
#[derive(Debug, Default)]
pub struct UserChanges {
    pub email: Option<String>,
    pub first_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub display_name: Option<Option<String>>,
    pub mobile_number: Option<Option<String>>,
    pub country_code: Option<Option<String>>,
    pub status: Option<String>,
    pub superadmin: Option<bool>,
    pub can_introspect: Option<bool>,
    pub modules: Option<Vec<String>>,
    /// A password set by an administrator (the 4PointX dialect's PUT carries one).
    pub password: Option<String>,
}

/// A created user, with the generated password when none was given (shown once).
pub struct Created {
    pub record: UserRecord,
    pub temporary_password: Option<String>,
}

/// Finds the scope a client names, if the caller can see it; otherwise "no such ...".
pub fn resolve_scope(
    conn: &Connection,
    actor: &Principal,
    scope: &ScopeRef,
) -> Result<(Scope, String), Error> {
    let missing = |field: &str, what: &str| Error::invalid(field, format!("no such {what}"));
    match scope {
        ScopeRef::Organisation(id) => structure::get_organisation(conn, actor, id)
            .map(|o| (Scope::organisation(&o.id), o.name))
            .map_err(|_| missing("organisationId", "organisation")),
        ScopeRef::Site(id) => structure::get_site(conn, actor, id)
            .map(|s| (s.scope(), s.name))
            .map_err(|_| missing("siteId", "site")),
        ScopeRef::Plant(id) => structure::get_plant(conn, actor, id)
            .map(|p| (p.scope(), p.name))
            .map_err(|_| missing("plantId", "plant")),
    }
}

/// A user with memberships and modules, as stored (unfiltered).
pub fn load_record(conn: &Connection, id: &str) -> Result<Option<UserRecord>, Error> {
    let Some(user) = store::find_user(conn, id)? else {
        return Ok(None);
    };
    Ok(load_records(conn, vec![user])?.pop())
}

pub(crate) fn load_records(conn: &Connection, users: Vec<User>) -> Result<Vec<UserRecord>, Error> {
    let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    let mut memberships = store::list_memberships(conn, &ids)?;
    let mut modules = store::list_modules(conn, &ids)?;
    Ok(users
        .into_iter()
        .map(|user| {
            let (mine, rest): (Vec<_>, Vec<_>) =
                memberships.drain(..).partition(|m| m.user_id == user.id);
            memberships = rest;
            let (own, others): (Vec<_>, Vec<_>) =
                modules.drain(..).partition(|(u, _)| *u == user.id);
            modules = others;
            UserRecord {
                user,
                memberships: mine,
                modules: own.into_iter().map(|(_, m)| m).collect(),
                manageable: false,
            }
        })
        .collect())
}

/// The record as the caller sees it: whether they may manage the user (judged on every
/// membership), and only the memberships they may see.
pub(crate) fn as_seen_by(actor: &Principal, mut record: UserRecord) -> UserRecord {
    record.manageable = actor.can_manage_user(&record);
    record.memberships.retain(|m| actor.can_see_membership(m));
    record
}

/// Refuses (403) a visible user the caller may not change: one who holds roles outside what
/// the caller administers, or a superadmin for anyone but a superadmin.
pub(crate) fn require_manageable(actor: &Principal, record: &UserRecord) -> Result<(), Error> {
    if actor.can_manage_user(record) {
        return Ok(());
    }
    Err(Error::Forbidden(
        "this user holds roles outside the scopes you administer".into(),
    ))
}

/// The user, if the caller can see them (404 otherwise, as if absent). Unfiltered.
pub(crate) fn visible(conn: &Connection, actor: &Principal, id: &str) -> Result<UserRecord, Error> {
    load_record(conn, id)?
        .filter(|r| actor.can_see_user(r))
        .ok_or_else(|| Error::not_found("user"))
}

pub fn get_user(conn: &Connection, actor: &Principal, id: &str) -> Result<UserRecord, Error> {
    visible(conn, actor, id).map(|r| as_seen_by(actor, r))
}

pub fn find_by_email(
    conn: &Connection,
    actor: &Principal,
    email: &str,
) -> Result<UserRecord, Error> {
    let user = store::find_user_by_email(conn, &email.trim().to_lowercase())?
        .ok_or_else(|| Error::not_found("user"))?;
    get_user(conn, actor, &user.id)
}

pub fn me(conn: &Connection, actor: &Principal) -> Result<UserRecord, Error> {
    let record = load_record(conn, &actor.user_id)?.ok_or(Error::Unauthenticated)?;
    Ok(as_seen_by(actor, record))
}

pub fn create_user(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    input: NewUser,
) -> Result<Created, Error> {
    if input.superadmin && !actor.superadmin {
        return Err(Error::Forbidden(
            "only a superadmin grants superadmin".into(),
        ));
    }
    if !actor.superadmin && input.memberships.is_empty() {
        return Err(Error::invalid(
            "memberships",
            "give at least one role at a scope you administer",
        ));
    }
    let email = Email::parse("email", &input.email)?;
    let first_name = optional_field("firstName", input.first_name, |v| {
        fields::name("firstName", v)
    })?;
    let last_name = optional_field("lastName", input.last_name, |v| fields::name("lastName", v))?;
    let display_name = optional_field("displayName", input.display_name, |v| {
        fields::name("displayName", v)
    })?
    .unwrap_or_else(|| derive_display_name(&first_name, &last_name, &email));
    let mobile_number = optional_field("mobileNumber", input.mobile_number, fields::mobile_number)?;
    let country_code = optional_field("countryCode", input.country_code, fields::country_code)?;
    let modules = parse_modules(env, &input.modules)?;
    let roles = input
        .memberships
        .iter()
        .map(|m| Role::parse(&m.role))
        .collect::<Result<Vec<_>, _>>()?;
    let min_length = env.config.security.password_min_length;
    let (password, generated) = match input.password {
        Some(p) => {
            password::check("password", &p, &email, min_length)?;
            (p, false)
        }
        None => (password::generate(min_length)?, true),
    };
    let hash = hash_password(&env.config, &password)?;

    let now = env.clock.now_text();
    let tx = db::write(conn)?;
    let mut memberships = Vec::new();
    let id = new_id();
    for (request, role) in input.memberships.iter().zip(roles) {
        let (scope, scope_name) = resolve_scope(&tx, actor, &request.scope)?;
        if !actor.administers(&scope) {
            return Err(Error::Forbidden(format!(
                "you may not grant roles at {scope_name}"
            )));
        }
        memberships.push(Membership {
            id: new_id(),
            user_id: id.clone(),
            scope,
            scope_name,
            role,
        });
    }
    let mut user = User {
        id,
        number: 0,
        email: email.text.clone(),
        first_name,
        last_name,
        display_name,
        mobile_number,
        country_code,
        status: UserStatus::Active,
        superadmin: input.superadmin,
        can_introspect: false,
        must_change_password: generated,
        locked_until: None,
        created_at: now.clone(),
        updated_at: now.clone(),
        last_login_at: None,
    };
    user.number = store::insert_user(&tx, &user, &email.key, &hash)?;
    for m in &memberships {
        store::insert_membership(&tx, m, &now)?;
    }
    store::set_modules(&tx, &user.id, &modules)?;
    let granted: Vec<_> = memberships
        .iter()
        .map(|m| json!({"scopeType": m.scope.kind().as_str(), "scopeId": m.scope.id(), "role": m.role.as_str()}))
        .collect();
    let summary = json!({"email": user.email, "superadmin": user.superadmin, "memberships": granted,
        "modules": modules, "passwordGenerated": generated});
    let event = Event::new("user.create")
        .target("user", &user.id)
        .organisations(organisations_of(&memberships))
        .summary(summary);
    audit::record(&tx, env, &Actor::of(actor), event)?;
    tx.commit()?;
    let record = UserRecord {
        user,
        memberships,
        modules,
        manageable: false,
    };
    Ok(Created {
        record: as_seen_by(actor, record),
        temporary_password: generated.then_some(password),
    })
}

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
        super::memberships::replace_in(&tx, env, actor, &record, &plan.selection, &plan.wanted)?;
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
