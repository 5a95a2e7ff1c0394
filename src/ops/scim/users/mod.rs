//! SCIM users: each request is the same user operations the native API runs (create, change,
//! disable, delete), with the caller's rights, plus what the directory keeps beside the account.

mod search;

pub use search::list;

use super::{base, scope_ref};
use crate::db::{self, scim as store};
use crate::domain::access::{Home, Principal};
use crate::domain::fields::Email;
use crate::domain::model::{Role, UserRecord, UserStatus};
use crate::domain::scim::patch;
use crate::domain::scim::user::{self, Identity, ScimUser};
use crate::error::Error;
use crate::ops::users::{self, change, create, NewMembership, NewUser, UserChanges};
use crate::ops::Env;
use rusqlite::Connection;
use serde_json::Value;

/// The user as the caller may see them, as a SCIM document (with Gatehouse's extension
/// when `with_gatehouse`).
pub fn get(
    conn: &Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
    with_gatehouse: bool,
) -> Result<Value, Error> {
    let record = users::get_user(conn, actor, id)?;
    let identity = store::find_identity(conn, id)?;
    Ok(user::document(
        &record,
        identity.as_ref(),
        &base(env),
        with_gatehouse,
    ))
}

/// Refuses a `userName` another account has (409, `uniqueness`).
fn require_free(conn: &Connection, user_name: &str, except: Option<&str>) -> Result<(), Error> {
    let holder =
        store::find_by_user_name(conn, &user_name.to_lowercase(), &Email::key_of(user_name))?;
    match holder {
        Some(other) if Some(other.as_str()) != except => Err(Error::Conflict(format!(
            "the userName `{}` is taken",
            crate::logging::escape(user_name)
        ))),
        _ => Ok(()),
    }
}

fn identity_of(input: &ScimUser) -> Identity {
    Identity {
        user_name: input.user_name.clone(),
        external_id: input.external_id.clone(),
        display_name_given: input.display_name.is_some(),
        extension_given: input.extension_given,
    }
}

/// Creates the account a directory sends: a viewer where the caller provisions (`super::home`:
/// the provisioning key's organisation, else `Principal::provisioning_home`), with a generated
/// password nobody is shown, to be set by an administrator's reset.
// long: the account, the directory's names and the first status, in one transaction.
pub fn create(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    doc: &Value,
) -> Result<Value, Error> {
    let input = user::read(doc)?;
    let (country_code, mobile_number) = input.phone.clone().unzip();
    let home = match super::home(conn, actor)? {
        Some(Home::System) => None,
        Some(Home::Viewer(scope)) => Some(NewMembership {
            scope: scope_ref(&scope),
            role: Role::Viewer,
        }),
        None => {
            return Err(Error::Forbidden(
                "provisioning creates accounts where the key's holder is an admin, and they administer nothing".into(),
            ))
        }
    };
    let new = NewUser {
        email: input.email.clone(),
        first_name: input.given_name.clone(),
        last_name: input.family_name.clone(),
        display_name: input.display_name.clone(),
        mobile_number,
        country_code: country_code.flatten(),
        memberships: home.into_iter().collect(),
        ..NewUser::default()
    };
    require_free(conn, &input.user_name, None)?;
    let prepared = create::prepare(conn, env, actor, new)?;
    let tx = db::write(conn)?;
    require_free(&tx, &input.user_name, None)?;
    let created = create::insert(&tx, env, actor, prepared)?;
    let id = created.record.user.id.clone();
    let record = users::load_record(&tx, &id)?.ok_or_else(|| Error::not_found("user"))?;
    let write = users::require_manageable(actor, &record)?;
    store::save_identity(&tx, &write, &identity_of(&input))?;
    if !input.active {
        change::set_status_in(&tx, env, actor, &record, UserStatus::Disabled)?;
    }
    tx.commit()?;
    get(conn, env, actor, &id, false)
}

/// PUT: the document replaces what the directory manages.
pub fn replace(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
    doc: &Value,
) -> Result<Value, Error> {
    let input = user::read(doc)?;
    write(conn, env, actor, id, &|_| Ok(input.clone()))
}

/// PATCH: the operations applied to the current document, which then replaces it.
pub fn patch(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
    body: &Value,
) -> Result<Value, Error> {
    let operations = patch::parse(body)?;
    write(conn, env, actor, id, &|current| {
        let mut doc = current.clone();
        patch::apply(&mut doc, &operations)?;
        user::read(&doc)
    })
}

/// The current record, unfiltered, and its document as the caller sees it.
fn current(
    conn: &Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
) -> Result<(UserRecord, Option<Identity>, Value), Error> {
    let record = users::visible(conn, actor, id)?;
    let identity = store::find_identity(conn, id)?;
    let seen = users::as_seen_by(actor, record.clone());
    let doc = user::document(&seen, identity.as_ref(), &base(env), false);
    Ok((record, identity, doc))
}

/// Decides the new state from the current document, then writes it in one transaction if the
/// document has not changed meanwhile (else decides again: two PATCHes never lose one).
// long: decide, prepare, then write under the lock if nothing moved.
fn write(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
    decide: &dyn Fn(&Value) -> Result<ScimUser, Error>,
) -> Result<Value, Error> {
    for _ in 0..3 {
        let (record, identity, doc) = current(conn, env, actor, id)?;
        let input = decide(&doc)?;
        let changes = changes_between(&record, identity.as_ref(), &input);
        require_free(conn, &input.user_name, Some(id))?;
        let prepared = change::prepare(conn, env, actor, id, &changes)?;
        let tx = db::write(conn)?;
        let (record, _, now) = current(&tx, env, actor, id)?;
        if now["meta"]["version"] != doc["meta"]["version"] {
            continue;
        }
        require_free(&tx, &input.user_name, Some(id))?;
        let write = users::require_manageable(actor, &record)?;
        let ended = change::apply_in(&tx, env, actor, &record, changes, prepared, None)?;
        store::save_identity(&tx, &write, &identity_of(&input))?;
        tx.commit()?;
        if ended {
            env.cache.forget(id);
        }
        return get(conn, env, actor, id, false);
    }
    Err(Error::Conflict(
        "the user kept changing while this change was made; send it again".into(),
    ))
}

/// The changes that make the account what the document says, and nothing else.
fn changes_between(
    record: &UserRecord,
    identity: Option<&Identity>,
    input: &ScimUser,
) -> UserChanges {
    let u = &record.user;
    let differs = |new: &Option<String>, old: &Option<String>| (new != old).then(|| new.clone());
    let (country_code, mobile_number) = match input.phone.clone() {
        Some((code, number)) => (code, Some(number)),
        None => (None, None),
    };
    let display_name = match &input.display_name {
        Some(given) if *given != u.display_name => Some(Some(given.clone())),
        Some(_) => None,
        // No longer set by the directory: made from the names again.
        None if identity.is_none_or(|i| i.display_name_given) => Some(None),
        None => None,
    };
    let status = if input.active {
        UserStatus::Active
    } else {
        UserStatus::Disabled
    };
    UserChanges {
        email: (Email::key_of(&input.email) != Email::key_of(&u.email))
            .then(|| input.email.clone()),
        first_name: differs(&input.given_name, &u.first_name),
        last_name: differs(&input.family_name, &u.last_name),
        display_name,
        mobile_number: differs(&mobile_number, &u.mobile_number),
        country_code: differs(&country_code, &u.country_code),
        status: (status != u.status).then(|| status.as_str().to_string()),
        ..UserChanges::default()
    }
}

pub fn delete(conn: &mut Connection, env: &Env, actor: &Principal, id: &str) -> Result<(), Error> {
    users::delete_user(conn, env, actor, id).map(|_| ())
}
