//! Putting a person into a scope by email, as the Busroot and Hoxton dialects do: a new user is
//! created there, an existing one is joined (given the membership and nothing else: joining
//! never hands over the account, which stays with the scope that owns it).
//!
//! Each operation decides who may before any lookup of the email or any bcrypt work, so that
//! a refusal is the same, and as quick, whether the email exists or not; then it does its
//! reads and writes in one IMMEDIATE transaction.

use super::memberships::{grant_missing, Selection};
use super::users::change::{self, MembershipPlan};
use super::users::create::{self, Prepared};
use super::users::{resolve_scope, Created, NewMembership, NewUser, ScopeRef, UserChanges};
use super::Env;
use crate::db::{self, users as store};
use crate::domain::access::Principal;
use crate::domain::fields::Email;
use crate::domain::model::{Role, Scope, User, UserRecord};
use crate::error::Error;
use rusqlite::Connection;

/// What a join by email did.
pub struct Joined {
    /// The user as stored after the change.
    pub user: User,
    /// Only for a new user: the generated password, shown once.
    pub temporary_password: Option<String>,
}

/// Refuses (403) unless the caller may grant every one of these memberships.
fn require_grants(
    conn: &Connection,
    actor: &Principal,
    wanted: &[NewMembership],
) -> Result<Vec<Scope>, Error> {
    let mut scopes = Vec::new();
    for request in wanted {
        let (scope, name) = resolve_scope(conn, actor, &request.scope)?;
        if !actor.administers(&scope) {
            return Err(Error::Forbidden(format!(
                "you may not grant roles at {name}"
            )));
        }
        scopes.push(scope);
    }
    Ok(scopes)
}

fn changed_meanwhile() -> Error {
    Error::Conflict("the user was changed by another request meanwhile; send it again".into())
}

/// Busroot's `POST /api/admin/user`: puts the user with this email into the organisation with
/// one role, creating them with a generated password when there is no such user. A user who
/// already holds a role in the organisation is a conflict.
// long: the rights, the email lookup and the one transaction, in the order the rule needs.
pub fn join_organisation(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    email: &str,
    organisation_id: &str,
    role: Role,
) -> Result<Joined, Error> {
    let wanted = vec![NewMembership {
        scope: ScopeRef::Organisation(organisation_id.to_string()),
        role,
    }];
    require_grants(conn, actor, &wanted)?;
    let email = Email::parse("email", email)?;
    let prepared = match store::find_user_by_email(conn, &email.key)? {
        Some(_) => None,
        None => Some(new_user(
            conn,
            env,
            actor,
            &email,
            wanted.clone(),
            NewUser::default(),
        )?),
    };
    let tx = db::write(conn)?;
    let joined = match (store::find_user_by_email(&tx, &email.key)?, prepared) {
        (None, Some(prepared)) => created(&tx, env, actor, prepared)?,
        (Some(user), None) => {
            let held = store::list_memberships(&tx, &[user.id.as_str()])?;
            if held
                .iter()
                .any(|m| m.scope.organisation_id == organisation_id)
            {
                return Err(Error::Conflict(
                    "the user is already in this organisation".into(),
                ));
            }
            grant_missing(&tx, env, actor, &user.id, &wanted)?;
            Joined {
                user: store::find_user(&tx, &user.id)?.ok_or_else(changed_meanwhile)?,
                temporary_password: None,
            }
        }
        _ => return Err(changed_meanwhile()),
    };
    tx.commit()?;
    Ok(joined)
}

/// A new user prepared (checked, authorized and hashed) outside the write transaction.
fn new_user(
    conn: &Connection,
    env: &Env,
    actor: &Principal,
    email: &Email,
    memberships: Vec<NewMembership>,
    profile: NewUser,
) -> Result<Prepared, Error> {
    let input = NewUser {
        email: email.text.clone(),
        memberships,
        ..profile
    };
    create::prepare(conn, env, actor, input)
}

fn created(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    prepared: Prepared,
) -> Result<Joined, Error> {
    let Created {
        record,
        temporary_password,
    } = create::insert(tx, env, actor, prepared)?;
    Ok(Joined {
        user: store::find_user(tx, &record.user.id)?.ok_or_else(changed_meanwhile)?,
        temporary_password,
    })
}

/// Hoxton's `PUT /users`: a user in one organisation, created or updated.
pub struct Upsert {
    /// The user to update; failing that, the one with this email; failing both, a new user.
    pub id: Option<String>,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub display_name: Option<String>,
    pub organisation_id: String,
    /// The memberships in the organisation (at it and its sites) the user should hold.
    pub wanted: Vec<NewMembership>,
}

/// What an upsert did.
pub enum Upserted {
    Created(Box<Created>),
    /// An existing user, changed or joined; the record as the caller now sees it.
    Updated,
}

/// Whether a client's view of the user's memberships is what it was shown: then the
/// memberships stay exactly as they are (reading and writing back never widens a plant role).
pub type SameView<'a> = &'a dyn Fn(&Connection, &UserRecord) -> Result<bool, Error>;

pub fn upsert_user(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    upsert: Upsert,
    same_view: SameView,
) -> Result<Upserted, Error> {
    sites_in_organisation(conn, actor, &upsert)?;
    let email = Email::parse("email", &upsert.email)?;
    let plan = plan_upsert(conn, env, actor, &upsert, &email, same_view)?;
    let tx = db::write(conn)?;
    let (done, ended) = carry_out(&tx, env, actor, &upsert, &email, plan)?;
    tx.commit()?;
    if let Some(id) = ended {
        env.cache.forget(&id);
    }
    Ok(done)
}

/// Refuses (400) a membership at a site outside the upsert's organisation.
fn sites_in_organisation(
    conn: &Connection,
    actor: &Principal,
    upsert: &Upsert,
) -> Result<(), Error> {
    let named = ScopeRef::Organisation(upsert.organisation_id.clone());
    let organisation = resolve_scope(conn, actor, &named)?.0;
    for request in &upsert.wanted {
        let (scope, _) = resolve_scope(conn, actor, &request.scope)?;
        if !organisation.covers(&scope) {
            let message = format!(
                "site {} is not in organisation {}",
                scope.id(),
                upsert.organisation_id
            );
            return Err(Error::invalid("siteIds", message));
        }
    }
    Ok(())
}

/// What the upsert will do: change a user the caller can see; otherwise, once the caller is
/// known to be allowed to grant the roles (the same refusal, before any bcrypt, whatever the
/// email), join the user with that email or create one.
fn plan_upsert(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    upsert: &Upsert,
    email: &Email,
    same_view: SameView,
) -> Result<Plan, Error> {
    if let Some(current) = visible_existing(conn, actor, upsert, email)? {
        return plan_change(conn, env, actor, current, upsert, same_view);
    }
    require_grants(conn, actor, &upsert.wanted)?;
    // Only the email joins someone the caller cannot see: an id they were never shown is not
    // a way in.
    if let Some(user) = store::find_user_by_email(conn, &email.key)? {
        return Ok(Plan::Join(user.id));
    }
    let wanted = upsert.wanted.clone();
    let prepared = new_user(conn, env, actor, email, wanted, profile(upsert))?;
    Ok(Plan::Create(Box::new(prepared)))
}

/// Carries the plan out under the write lock, if what it was made on still holds. Returns
/// what was done and the user whose credentials ended, if any.
fn carry_out(
    tx: &Connection,
    env: &Env,
    actor: &Principal,
    upsert: &Upsert,
    email: &Email,
    plan: Plan,
) -> Result<(Upserted, Option<String>), Error> {
    let by_email = store::find_user_by_email(tx, &email.key)?;
    match (plan, by_email) {
        (Plan::Create(prepared), None) => {
            let created = create::insert(tx, env, actor, *prepared)?;
            Ok((Upserted::Created(Box::new(created)), None))
        }
        (Plan::Join(id), Some(user)) if user.id == id => {
            grant_missing(tx, env, actor, &id, &upsert.wanted)?;
            Ok((Upserted::Updated, None))
        }
        (Plan::Change(id, changes, prepared, memberships), _) => {
            let record = super::users::visible(tx, actor, &id)?;
            let ended = change::apply_in(tx, env, actor, &record, *changes, prepared, memberships)?;
            Ok((Upserted::Updated, ended.then_some(id)))
        }
        _ => Err(changed_meanwhile()),
    }
}

/// What an upsert will do, worked out before the write transaction.
enum Plan {
    Create(Box<Prepared>),
    /// Someone the caller cannot see yet: given the memberships, nothing else.
    Join(String),
    Change(
        String,
        Box<UserChanges>,
        change::Prepared,
        Option<MembershipPlan>,
    ),
}

fn profile(upsert: &Upsert) -> NewUser {
    NewUser {
        first_name: Some(upsert.first_name.clone()),
        last_name: Some(upsert.last_name.clone()),
        display_name: upsert.display_name.clone(),
        ..NewUser::default()
    }
}

fn find_existing(conn: &Connection, upsert: &Upsert, email: &Email) -> Result<Option<User>, Error> {
    if let Some(id) = &upsert.id {
        if let Some(user) = store::find_user(conn, id)? {
            return Ok(Some(user));
        }
    }
    store::find_user_by_email(conn, &email.key)
}

/// The existing user the upsert names, if the caller can see them.
fn visible_existing(
    conn: &Connection,
    actor: &Principal,
    upsert: &Upsert,
    email: &Email,
) -> Result<Option<UserRecord>, Error> {
    let Some(existing) = find_existing(conn, upsert, email)? else {
        return Ok(None);
    };
    match super::users::get_user(conn, actor, &existing.id) {
        Ok(record) => Ok(Some(record)),
        Err(Error::NotFound(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

/// For a user the caller can see: the fields that differ and, when the client's view of the
/// memberships changed, the memberships to set (each grant and removal checked as it is made).
// long: the fields that differ, one line each, and the membership plan.
fn plan_change(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    current: UserRecord,
    upsert: &Upsert,
    same_view: SameView,
) -> Result<Plan, Error> {
    let u = &current.user;
    let differs = |new: &str, old: &Option<String>| old.as_deref() != Some(new);
    let changes = UserChanges {
        email: Some(upsert.email.clone()).filter(|e| Email::key_of(e) != Email::key_of(&u.email)),
        first_name: Some(Some(upsert.first_name.clone()))
            .filter(|_| differs(&upsert.first_name, &u.first_name)),
        last_name: Some(Some(upsert.last_name.clone()))
            .filter(|_| differs(&upsert.last_name, &u.last_name)),
        display_name: upsert
            .display_name
            .clone()
            .filter(|n| *n != u.display_name)
            .map(Some),
        ..UserChanges::default()
    };
    let membership_plan = (!same_view(conn, &current)?).then(|| MembershipPlan {
        selection: Selection {
            organisation_id: Some(upsert.organisation_id.clone()),
            kinds: vec![
                crate::domain::model::ScopeType::Organisation,
                crate::domain::model::ScopeType::Site,
            ],
        },
        wanted: upsert.wanted.clone(),
    });
    let prepared = change::prepare(conn, env, actor, &current.user.id, &changes)?;
    Ok(Plan::Change(
        current.user.id,
        Box::new(changes),
        prepared,
        membership_plan,
    ))
}
