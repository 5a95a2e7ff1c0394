//! Account state: changing and resetting passwords, and lifting a lockout.

use super::users::{get_user, require_manageable, visible};
use super::{hash_password, Env};
use crate::db::{self, users as store};
use crate::domain::access::{Credential, Principal};
use crate::domain::fields::Email;
use crate::domain::model::UserRecord;
use crate::domain::password;
use crate::error::Error;
use crate::ops::audit::{self, organisations_of, Actor, Event};
use crate::ops::signin::{self, Via};
use rusqlite::Connection;
use serde_json::json;

pub fn change_own_password(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    current: &str,
    new: &str,
) -> Result<(), Error> {
    let email = Email::parse("email", &actor.email)?;
    match signin::password(
        conn,
        env,
        &email.key,
        current,
        &actor.source,
        Via::PasswordChange,
    ) {
        Ok(_) => {}
        Err(Error::Unauthenticated) => {
            return Err(Error::invalid(
                "currentPassword",
                "is not the current password",
            ))
        }
        Err(e) => return Err(e),
    }
    password::check(
        "newPassword",
        new,
        &email,
        env.config.security.password_min_length,
    )?;
    if new == current {
        return Err(Error::invalid(
            "newPassword",
            "must differ from the current password",
        ));
    }
    let hash = hash_password(&env.config, new)?;
    let tx = db::write(conn)?;
    store::set_password(&tx, &actor.user_id, &hash, false, &env.clock.now_text())?;
    // Every other session and token ends with the old epoch; the one used here carries on.
    if let Credential::Session(id) | Credential::Bearer(id) = &actor.credential {
        let epoch = store::credential_epoch(&tx, &actor.user_id)?.unwrap_or_default();
        crate::db::tokens::set_token_epoch(&tx, id, epoch)?;
    }
    let event = Event::new("password.change")
        .target("user", &actor.user_id)
        .organisations(organisations_of(&actor.memberships));
    audit::record(&tx, env, &Actor::of(actor), event)?;
    tx.commit()?;
    env.cache.forget(&actor.user_id);
    Ok(())
}

/// An administrator sets a generated password that must be changed at next sign-in; every
/// session and token of the user ends. The password is returned once.
pub fn reset_password(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
) -> Result<String, Error> {
    let temporary = password::generate(env.config.security.password_min_length)?;
    let hash = hash_password(&env.config, &temporary)?;
    let tx = db::write(conn)?;
    let record = visible(&tx, actor, id)?;
    require_manageable(actor, &record)?;
    store::set_password(&tx, id, &hash, true, &env.clock.now_text())?;
    let event = Event::new("password.reset")
        .target("user", id)
        .organisations(organisations_of(&record.memberships));
    audit::record(&tx, env, &Actor::of(actor), event)?;
    tx.commit()?;
    env.cache.forget(id);
    Ok(temporary)
}

/// Lifts a lockout at once.
pub fn unlock(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
) -> Result<UserRecord, Error> {
    let tx = db::write(conn)?;
    let record = visible(&tx, actor, id)?;
    require_manageable(actor, &record)?;
    store::unlock_user(&tx, id)?;
    let event = Event::new("account.unlock")
        .target("user", id)
        .organisations(organisations_of(&record.memberships))
        .summary(json!({"wasLockedUntil": record.user.locked_until}));
    audit::record(&tx, env, &Actor::of(actor), event)?;
    tx.commit()?;
    get_user(conn, actor, id)
}
