//! Creating a user, with their first memberships and modules, in one transaction.
//!
//! The rights are checked before any bcrypt work, so that a caller who may not create users
//! in a scope is refused at once, with the same answer whether the email exists or not. The
//! steps are public to the other operations that create users as part of a larger change
//! (joining by email), so that they run in that change's transaction.

use super::{as_seen_by, resolve_scope, Created, NewUser};
use crate::db::{self, users as store};
use crate::domain::access::{AccountWrite, Principal};
use crate::domain::fields::{self, Email};
use crate::domain::model::{Membership, Role, Scope, User, UserRecord, UserStatus};
use crate::domain::password;
use crate::error::Error;
use crate::ops::audit::{self, organisations_of, Actor, Event};
use crate::ops::profile::{derive_display_name, optional_field, parse_modules};
use crate::ops::{hash_password, new_id, Env};
use rusqlite::Connection;
use serde_json::json;

pub fn create_user(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    input: NewUser,
) -> Result<Created, Error> {
    let prepared = prepare(conn, env, actor, input)?;
    let tx = db::write(conn)?;
    let created = insert(&tx, env, actor, prepared)?;
    tx.commit()?;
    Ok(created)
}

/// A new user checked, authorized and hashed, ready to be written.
pub struct Prepared {
    user: User,
    email_key: String,
    input: NewUser,
    roles: Vec<Role>,
    modules: Vec<String>,
    hash: String,
    temporary_password: Option<String>,
}

/// Everything that can be done before the write transaction: the fields parsed, the rights
/// checked (before bcrypt), and the password hashed.
pub fn prepare(
    conn: &Connection,
    env: &Env,
    actor: &Principal,
    input: NewUser,
) -> Result<Prepared, Error> {
    let mut user = parse_profile(&input)?;
    let roles: Vec<Role> = input.memberships.iter().map(|m| m.role).collect();
    let modules = parse_modules(env, &input.modules)?;
    // Who may do this is settled before the password costs anything.
    let memberships = resolve_memberships(conn, actor, &user.id, &input, &roles)?;
    authorize(actor, &user, &input, &memberships)?;
    user.owner = owner_of(&input, &memberships);
    let email = Email::parse("email", &user.email)?;
    let min_length = env.config.security.password_min_length;
    let (password, generated) = match &input.password {
        Some(p) => {
            password::check("password", p, &email, min_length)?;
            (p.clone(), false)
        }
        None => (password::generate(min_length)?, true),
    };
    let hash = hash_password(&env.config, &password)?;
    user.must_change_password = generated;
    Ok(Prepared {
        email_key: email.key,
        user,
        input,
        roles,
        modules,
        hash,
        temporary_password: generated.then_some(password),
    })
}

/// Writes a prepared user inside the caller's transaction, checking the rights again under
/// the write lock (the structure may have changed since `prepare`).
// long: the user, their memberships, modules and audit row are one write.
pub fn insert(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    prepared: Prepared,
) -> Result<Created, Error> {
    let Prepared {
        mut user,
        email_key,
        input,
        roles,
        modules,
        hash,
        temporary_password,
    } = prepared;
    let memberships = resolve_memberships(tx, actor, &user.id, &input, &roles)?;
    let write = authorize(actor, &user, &input, &memberships)?;
    let now = env.clock.now_text();
    user.created_at = now.clone();
    user.updated_at = now.clone();
    user.number = store::insert_user(tx, &write, &user, &email_key, &hash)?;
    for m in &memberships {
        let grant = actor.may_change_membership(m).ok_or_else(|| {
            Error::Forbidden(format!("you may not grant roles at {}", m.scope_name))
        })?;
        store::insert_membership(tx, &grant, &now)?;
    }
    store::add_modules(tx, &write, &modules)?;
    let granted: Vec<_> = memberships
        .iter()
        .map(|m| json!({"scopeType": m.scope.kind().as_str(), "scopeId": m.scope.id(), "role": m.role.as_str()}))
        .collect();
    let summary = json!({"email": user.email, "superadmin": user.superadmin, "memberships": granted,
        "modules": modules, "passwordGenerated": temporary_password.is_some()});
    let event = Event::new("user.create")
        .target("user", &user.id)
        .organisations(organisations_of(&memberships))
        .summary(summary);
    audit::record(tx, env, &Actor::of(actor), event)?;
    let record = UserRecord {
        user,
        memberships,
        modules,
        manageable: false,
    };
    Ok(Created {
        record: as_seen_by(actor, record),
        temporary_password,
    })
}

/// The profile fields of a new user, parsed; the user has a fresh id and no owner yet.
pub(crate) fn parse_profile(input: &NewUser) -> Result<User, Error> {
    let email = Email::parse("email", &input.email)?;
    let name = |field: &'static str, value: &Option<String>| {
        optional_field(field, value.clone(), |v| fields::name(field, v))
    };
    let first_name = name("firstName", &input.first_name)?;
    let last_name = name("lastName", &input.last_name)?;
    let display_name = name("displayName", &input.display_name)?
        .unwrap_or_else(|| derive_display_name(&first_name, &last_name, &email));
    Ok(User {
        id: new_id(),
        number: 0,
        email: email.text,
        first_name,
        last_name,
        display_name,
        mobile_number: optional_field(
            "mobileNumber",
            input.mobile_number.clone(),
            fields::mobile_number,
        )?,
        country_code: optional_field(
            "countryCode",
            input.country_code.clone(),
            fields::country_code,
        )?,
        status: UserStatus::Active,
        superadmin: input.superadmin,
        can_introspect: false,
        must_change_password: false,
        locked_until: None,
        created_at: String::new(),
        updated_at: String::new(),
        last_login_at: None,
        owner: None,
    })
}

/// The memberships asked for, at scopes the caller can see ("no such ..." otherwise).
fn resolve_memberships(
    conn: &Connection,
    actor: &Principal,
    user_id: &str,
    input: &NewUser,
    roles: &[Role],
) -> Result<Vec<Membership>, Error> {
    input
        .memberships
        .iter()
        .zip(roles)
        .map(|(request, role)| {
            let (scope, scope_name) = resolve_scope(conn, actor, &request.scope)?;
            Ok(Membership {
                // Given when it is stored.
                id: String::new(),
                user_id: user_id.to_string(),
                scope,
                scope_name,
                role: *role,
            })
        })
        .collect()
}

/// The account's owner: the scope of its first membership, as the creator chose; the system
/// for a superadmin or a user created with no membership.
fn owner_of(input: &NewUser, memberships: &[Membership]) -> Option<Scope> {
    if input.superadmin {
        return None;
    }
    memberships.first().map(|m| m.scope.clone())
}

/// The proof that the caller may create this account, or why not.
fn authorize(
    actor: &Principal,
    user: &User,
    input: &NewUser,
    memberships: &[Membership],
) -> Result<AccountWrite, Error> {
    if input.superadmin && !actor.may_change_system_flags() {
        return Err(Error::Forbidden(
            "only a superadmin grants superadmin".into(),
        ));
    }
    if let Some(m) = memberships.iter().find(|m| !actor.administers(&m.scope)) {
        return Err(Error::Forbidden(format!(
            "you may not grant roles at {}",
            m.scope_name
        )));
    }
    // With no membership the account is the system's, which only a superadmin creates.
    let system_account = actor.may_create_account(&user.id, None, false, &[]);
    if memberships.is_empty() && system_account.is_none() {
        return Err(Error::invalid(
            "memberships",
            "give at least one role at a scope you administer",
        ));
    }
    let scopes: Vec<Scope> = memberships.iter().map(|m| m.scope.clone()).collect();
    let owner = owner_of(input, memberships);
    actor
        .may_create_account(&user.id, owner.as_ref(), input.superadmin, &scopes)
        .ok_or_else(|| Error::Forbidden("you may not create this user".into()))
}
