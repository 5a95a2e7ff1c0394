//! Users: the inputs every API builds, and reading users as a caller may see them. Creating
//! and changing them have a file each.

pub(crate) mod change;
pub(crate) mod create;
pub(crate) mod delete;

pub(crate) use change::{check_current_password, OWN_PASSWORD};
pub use change::{save_user, update_user, MembershipPlan};
pub use create::create_user;
pub use delete::delete_user;

use crate::db::users as store;
use crate::domain::access::{AccountWrite, Principal};
use crate::domain::model::{Role, Scope, UserRecord};
use crate::error::Error;
use crate::ops::{absent_as, structure};
use rusqlite::Connection;

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
    pub role: Role,
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
    /// A superadmin moves the account to another owner: a scope, or `Some(None)` the system.
    pub owner: Option<Option<ScopeRef>>,
    pub modules: Option<Vec<String>>,
    /// A password set by an administrator (the 4PointX dialect's PUT carries one).
    pub password: Option<String>,
    /// The caller's current password, needed when they change their own email.
    pub current_password: Option<String>,
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
    // Only a real absence reads as "no such ..."; a database error stays what it is.
    match scope {
        ScopeRef::Organisation(id) => structure::get_organisation(conn, actor, id)
            .map(|o| (Scope::organisation(&o.id), o.name))
            .map_err(absent_as("organisationId", "no such organisation")),
        ScopeRef::Site(id) => structure::get_site(conn, actor, id)
            .map(|s| (s.scope(), s.name))
            .map_err(absent_as("siteId", "no such site")),
        ScopeRef::Plant(id) => structure::get_plant(conn, actor, id)
            .map(|p| (p.scope(), p.name))
            .map_err(absent_as("plantId", "no such plant")),
    }
}

/// A user with memberships and modules, as stored (unfiltered).
pub fn load_record(conn: &Connection, id: &str) -> Result<Option<UserRecord>, Error> {
    store::find_record(conn, id)
}

/// The record as the caller sees it: whether they may manage the user (judged on every
/// membership), and only the memberships they may see.
pub(crate) fn as_seen_by(actor: &Principal, mut record: UserRecord) -> UserRecord {
    record.manageable = actor.can_manage_user(&record);
    record.memberships.retain(|m| actor.can_see_membership(m));
    // The owner is shown only to those who can see where it is.
    let owner = record.user.owner.take();
    record.user.owner = owner.filter(|o| actor.can_see_structure(o));
    record
}

/// The proof that the caller may change this visible user's account, or 403: the account is
/// owned by a scope they do not administer (or by the system), or it holds roles outside what
/// they administer.
pub(crate) fn require_manageable(
    actor: &Principal,
    record: &UserRecord,
) -> Result<AccountWrite, Error> {
    actor.may_manage_account(record).ok_or_else(|| {
        Error::Forbidden(
            "this account belongs to a scope you do not administer, or holds roles outside the scopes you administer".into(),
        )
    })
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
    // Looked up as given: an address stored under older rules is still found.
    let key = crate::domain::fields::Email::key_of(email);
    let user = store::find_user_by_email(conn, &key)?.ok_or_else(|| Error::not_found("user"))?;
    get_user(conn, actor, &user.id)
}

pub fn me(conn: &Connection, actor: &Principal) -> Result<UserRecord, Error> {
    let record = load_record(conn, &actor.user_id)?.ok_or(Error::Unauthenticated)?;
    Ok(as_seen_by(actor, record))
}
