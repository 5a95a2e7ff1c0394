//! Account state: changing and resetting passwords, and lifting a lockout.

use super::users::{check_current_password, get_user, require_manageable, visible, OWN_PASSWORD};
use super::{hash_password, Env};
use crate::db::{self, keys, users as store};
use crate::domain::access::{AccountWrite, Credential, Principal};
use crate::domain::fields::Email;
use crate::domain::model::UserRecord;
use crate::domain::password;
use crate::error::Error;
use crate::ops::audit::{self, account_organisations, account_organisations_by_id, Actor, Event};
use rusqlite::Connection;
use serde_json::json;

pub fn change_own_password(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    current: &str,
    new: &str,
) -> Result<(), Error> {
    let email = Email::stored(&actor.email);
    check_current_password(conn, env, actor, current)?;
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
    // One's own account, proven by the current password just checked.
    let write = AccountWrite::own(actor);
    store::set_password(&tx, &write, &hash, false, &env.clock.now_text())?;
    // Every other session and token ends with the old epoch; the one used here carries on.
    // API keys stay: the user changed their own password, nobody took the account.
    if let Credential::Session(id) | Credential::Bearer(id) = &actor.credential {
        let epoch = store::credential_epoch(&tx, &actor.user_id)?.unwrap_or_default();
        crate::db::tokens::set_token_epoch(&tx, id, epoch)?;
    }
    let event = Event::new("password.change")
        .target("user", &actor.user_id)
        .organisations(account_organisations_by_id(&tx, &actor.user_id)?);
    audit::record(&tx, env, &Actor::of(actor), event)?;
    tx.commit()?;
    env.cache.forget(&actor.user_id);
    Ok(())
}

/// Who may reset this user's password: someone who manages the account, never oneself.
fn may_reset(actor: &Principal, record: &UserRecord) -> Result<AccountWrite, Error> {
    if record.user.id == actor.user_id {
        return Err(Error::bad_request(OWN_PASSWORD));
    }
    require_manageable(actor, record)
}

/// An administrator sets a generated password that must be changed at next sign-in; every
/// session, token and API key of the user ends. The password is returned once.
pub fn reset_password(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
) -> Result<String, Error> {
    // Decided before bcrypt, and again under the write lock.
    may_reset(actor, &visible(conn, actor, id)?)?;
    let temporary = password::generate(env.config.security.password_min_length)?;
    let hash = hash_password(&env.config, &temporary)?;
    let tx = db::write(conn)?;
    let record = visible(&tx, actor, id)?;
    let write = may_reset(actor, &record)?;
    store::set_password(&tx, &write, &hash, true, &env.clock.now_text())?;
    let keys_ended = keys::delete_keys_of(&tx, &write)?;
    let event = Event::new("password.reset")
        .target("user", id)
        .organisations(account_organisations(&record.user))
        .summary(json!({"apiKeysEnded": keys_ended}));
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
    let write = require_manageable(actor, &record)?;
    store::unlock_user(&tx, &write)?;
    let event = Event::new("account.unlock")
        .target("user", id)
        .organisations(account_organisations(&record.user))
        .summary(json!({"wasLockedUntil": record.user.locked_until}));
    audit::record(&tx, env, &Actor::of(actor), event)?;
    tx.commit()?;
    get_user(conn, actor, id)
}
