//! Creating a user, with their first memberships and modules, in one transaction.

use super::{as_seen_by, resolve_scope, Created, NewUser};
use crate::db::{self, users as store};
use crate::domain::access::Principal;
use crate::domain::fields::{self, Email};
use crate::domain::model::{Membership, Role, User, UserRecord, UserStatus};
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
