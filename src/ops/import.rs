//! Bulk load: users created or updated (matched by email) with their memberships and modules,
//! a batch of lines per IMMEDIATE transaction, audited as one event per batch with its counts.
//! A line that fails stops the import with its line number; nothing of its batch is written
//! (the batches before it stay). Passwords are a bcrypt hash carried over as it is, a plain
//! password (hashed, the one case that costs a bcrypt per line), or none.

use super::audit::{self, Actor, Event};
use super::profile::{apply_profile, parse_modules};
use super::users::create::parse_profile;
use super::users::{load_record, resolve_scope, NewMembership, NewUser, ScopeRef, UserChanges};
use super::{hash_password, Env};
use crate::db::{self, keys, users as store};
use crate::domain::access::Principal;
use crate::domain::fields::Email;
use crate::domain::model::{Membership, Scope, User, UserRecord, UserStatus};
use crate::domain::password;
use crate::error::Error;
use rusqlite::Connection;
use serde_json::json;
use std::collections::HashMap;

mod sent;
pub use sent::{import_sent, preview, LinePreview};

/// Lines written per transaction.
pub const BATCH: usize = 5000;

/// A stored hash no password matches: an imported user without a password signs in only once
/// an admin resets it.
const NO_PASSWORD: &str = "!";

/// One user as a file gives it, with the fields of `POST /api/v1/users`.
#[derive(Debug, Default, Clone)]
pub struct ImportUser {
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: Option<String>,
    pub mobile_number: Option<String>,
    pub country_code: Option<String>,
    pub status: Option<String>,
    /// None: an existing user's memberships stay as they are.
    pub memberships: Option<Vec<NewMembership>>,
    /// None: an existing user's modules stay as they are.
    pub modules: Option<Vec<String>>,
    pub password: Option<String>,
    pub password_hash: Option<String>,
}

/// A user and the line of the file it came from.
#[derive(Debug, Clone)]
pub struct Line {
    pub number: usize,
    pub user: ImportUser,
}

/// What an import did, or (dry run) would do.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
}

/// A line that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub error: Error,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.error.public_message())
    }
}

/// Checks a carried-over hash: bcrypt's `$2a$`, `$2b$` or `$2y$`, 60 characters.
fn carried_hash(hash: &str) -> Result<String, Error> {
    let known = ["$2a$", "$2b$", "$2y$"].iter().any(|p| hash.starts_with(p));
    if !known || hash.len() != 60 {
        return Err(Error::invalid(
            "passwordHash",
            "must be a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)",
        ));
    }
    Ok(hash.to_string())
}

/// Imports `lines` in batches, reporting each batch's end to `progress` (lines done so far).
/// With `dry_run`, every batch is checked and rolled back.
pub fn import(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    lines: &[Line],
    dry_run: bool,
    progress: &mut dyn FnMut(usize),
) -> Result<Counts, LineError> {
    let mut total = Counts::default();
    let mut places = Places::default();
    let mut done = 0;
    for batch in lines.chunks(BATCH) {
        let counts = import_batch(conn, env, actor, batch, dry_run, &mut places)?;
        total.created += counts.created;
        total.updated += counts.updated;
        done += batch.len();
        progress(done);
    }
    Ok(total)
}

/// The scopes lines name, resolved once per import.
#[derive(Default)]
struct Places {
    known: HashMap<String, (Scope, String)>,
}

impl Places {
    fn resolve(
        &mut self,
        conn: &Connection,
        actor: &Principal,
        request: &NewMembership,
    ) -> Result<(Scope, String), Error> {
        let id = match &request.scope {
            ScopeRef::Organisation(id) | ScopeRef::Site(id) | ScopeRef::Plant(id) => id.clone(),
        };
        if let Some(found) = self.known.get(&id) {
            return Ok(found.clone());
        }
        let found = resolve_scope(conn, actor, &request.scope)?;
        self.known.insert(id, found.clone());
        Ok(found)
    }
}

fn import_batch(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    batch: &[Line],
    dry_run: bool,
    places: &mut Places,
) -> Result<Counts, LineError> {
    let first = batch.first().map_or(0, |l| l.number);
    let at = |line: usize| move |error: Error| LineError { line, error };
    let tx = db::write(conn).map_err(at(first))?;
    let mut counts = Counts::default();
    let mut organisations: Vec<String> = Vec::new();
    for line in batch {
        let created = import_line(&tx, env, actor, &line.user, places, &mut organisations)
            .map_err(at(line.number))?;
        match created {
            true => counts.created += 1,
            false => counts.updated += 1,
        }
    }
    let last = batch.last().map_or(0, |l| l.number);
    let event = Event::new("users.import")
        .organisations(organisations)
        .summary(json!({"created": counts.created, "updated": counts.updated, "lines": [first, last], "dryRun": dry_run}));
    audit::record(&tx, env, &Actor::of(actor), event).map_err(at(last))?;
    if !dry_run {
        tx.commit().map_err(|e| at(last)(e.into()))?;
    }
    Ok(counts)
}

/// Writes one line; returns whether it created a user (false: updated one).
fn import_line(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    user: &ImportUser,
    places: &mut Places,
    organisations: &mut Vec<String>,
) -> Result<bool, Error> {
    let email = Email::parse("email", &user.email)?;
    let memberships = match &user.memberships {
        Some(wanted) => Some(resolve_all(tx, actor, wanted, places)?),
        None => None,
    };
    for m in memberships.iter().flatten() {
        if !organisations.contains(&m.scope.organisation_id) {
            organisations.push(m.scope.organisation_id.clone());
        }
    }
    match store::find_user_by_email(tx, &email.key)? {
        None => create(
            tx,
            env,
            actor,
            user,
            &email,
            memberships.unwrap_or_default(),
        )
        .map(|_| true),
        Some(existing) => update(tx, env, actor, user, &existing, memberships).map(|_| false),
    }
}

fn resolve_all(
    tx: &Connection,
    actor: &Principal,
    wanted: &[NewMembership],
    places: &mut Places,
) -> Result<Vec<Membership>, Error> {
    wanted
        .iter()
        .map(|request| {
            let (scope, scope_name) = places.resolve(tx, actor, request)?;
            Ok(Membership {
                // Given when it is stored.
                id: String::new(),
                user_id: String::new(),
                scope,
                scope_name,
                role: request.role,
            })
        })
        .collect()
}

/// The stored hash a line asks for, and whether someone other than the user chose it.
fn hash_for(env: &Env, user: &ImportUser, email: &Email) -> Result<Option<(String, bool)>, Error> {
    match (&user.password_hash, &user.password) {
        (Some(_), Some(_)) => Err(Error::invalid(
            "password",
            "give password or passwordHash, not both",
        )),
        (Some(hash), None) => Ok(Some((carried_hash(hash)?, false))),
        (None, Some(plain)) => {
            let min = env.config.security.password_min_length;
            password::check("password", plain, email, min)?;
            Ok(Some((hash_password(&env.config, plain)?, true)))
        }
        (None, None) => Ok(None),
    }
}

// long: parse, authorize, hash and write one new user, in the order the rules need.
fn create(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    user: &ImportUser,
    email: &Email,
    mut memberships: Vec<Membership>,
) -> Result<(), Error> {
    let input = NewUser {
        email: user.email.clone(),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        display_name: user.display_name.clone(),
        mobile_number: user.mobile_number.clone(),
        country_code: user.country_code.clone(),
        ..NewUser::default()
    };
    let mut new: User = parse_profile(&input)?;
    if let Some(status) = &user.status {
        new.status = UserStatus::parse(status)?;
    }
    new.owner = memberships.first().map(|m| m.scope.clone());
    let scopes: Vec<Scope> = memberships.iter().map(|m| m.scope.clone()).collect();
    let write = actor
        .may_create_account(&new.id, new.owner.as_ref(), false, &scopes)
        .ok_or_else(|| Error::Forbidden("you may not create this user".into()))?;
    let hash = hash_for(env, user, email)?.map_or(NO_PASSWORD.to_string(), |(h, _)| h);
    let now = env.clock.now_text();
    new.created_at = now.clone();
    new.updated_at = now.clone();
    store::insert_user(tx, &write, &new, &email.key, &hash)?;
    for m in &mut memberships {
        m.user_id = new.id.clone();
        let grant = actor.may_change_membership(m).ok_or_else(|| {
            Error::Forbidden(format!("you may not grant roles at {}", m.scope_name))
        })?;
        store::insert_membership(tx, &grant, &now)?;
    }
    let modules = parse_modules(env, user.modules.as_deref().unwrap_or_default())?;
    store::add_modules(tx, &write, &modules)
}

// long: one short step per field a line may change, on the same account.
fn update(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    user: &ImportUser,
    existing: &User,
    memberships: Option<Vec<Membership>>,
) -> Result<(), Error> {
    let record: UserRecord =
        load_record(tx, &existing.id)?.ok_or_else(|| Error::not_found("user"))?;
    let write = actor
        .may_manage_account(&record)
        .ok_or_else(|| Error::Forbidden("this account is not yours to manage".into()))?;
    let changes = UserChanges {
        first_name: user.first_name.clone().map(Some),
        last_name: user.last_name.clone().map(Some),
        display_name: user.display_name.clone().map(Some),
        mobile_number: user.mobile_number.clone().map(Some),
        country_code: user.country_code.clone().map(Some),
        ..UserChanges::default()
    };
    let mut changed = record.user.clone();
    let email_key = apply_profile(&mut changed, &changes)?;
    if let Some(status) = &user.status {
        changed.status = UserStatus::parse(status)?;
    }
    changed.updated_at = env.clock.now_text();
    store::update_user(tx, &write, &changed, &email_key)?;
    if changed.status == UserStatus::Disabled && record.user.status != UserStatus::Disabled {
        store::bump_credential_epoch(tx, &write)?;
        keys::delete_keys_of(tx, &write)?;
    }
    if let Some((hash, by_someone_else)) = hash_for(env, user, &Email::stored(&changed.email))? {
        store::set_password(tx, &write, &hash, by_someone_else, &changed.updated_at)?;
    }
    if let Some(modules) = &user.modules {
        store::set_modules(tx, &write, &parse_modules(env, modules)?)?;
    }
    if let Some(wanted) = memberships {
        replace_memberships(tx, env, actor, &record, wanted)?;
    }
    env.cache.forget(&existing.id);
    Ok(())
}

/// Makes the user's memberships exactly `wanted`.
fn replace_memberships(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    record: &UserRecord,
    wanted: Vec<Membership>,
) -> Result<(), Error> {
    let now = env.clock.now_text();
    let same = |a: &Membership, b: &Membership| a.scope == b.scope && a.role == b.role;
    for old in record
        .memberships
        .iter()
        .filter(|o| !wanted.iter().any(|w| same(o, w)))
    {
        let revoke = actor.may_change_membership(old).ok_or_else(|| {
            Error::Forbidden(format!("you may not revoke roles at {}", old.scope_name))
        })?;
        store::delete_membership(tx, &revoke)?;
    }
    for mut new in wanted
        .into_iter()
        .filter(|w| !record.memberships.iter().any(|o| same(o, w)))
    {
        new.user_id = record.user.id.clone();
        let grant = actor.may_change_membership(&new).ok_or_else(|| {
            Error::Forbidden(format!("you may not grant roles at {}", new.scope_name))
        })?;
        store::insert_membership(tx, &grant, &now)?;
    }
    Ok(())
}
