//! Users, their memberships and their modules.

use crate::domain::access::AccountWrite;
use crate::domain::model::{Scope, ScopeType, User, UserStatus};
use crate::error::Error;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// The columns `user` reads, and the tables they come from (the owner's ids by number).
macro_rules! user_columns {
    () => {
        "u.number, u.id, coalesce(u.email, u.email_key), u.first_name, u.last_name, u.display_name,
    u.mobile_number, u.country_code, u.status, u.superadmin, u.can_introspect,
    u.must_change_password, u.locked_until, u.created_at, u.updated_at, u.last_login_at,
    oo.id, os.id, op.id"
    };
}
macro_rules! user_tables {
    () => {
        "users u
    LEFT JOIN organisations oo ON oo.number = u.owner_organisation
    LEFT JOIN sites os ON os.number = u.owner_site
    LEFT JOIN plants op ON op.number = u.owner_plant"
    };
}

const USER: &str = concat!("SELECT ", user_columns!(), " FROM ", user_tables!());

/// The numbers of an owner's organisation, site and plant from their ids in `?a`, `?b`, `?c`.
fn owner_numbers(a: u8, b: u8, c: u8) -> String {
    format!(
        "(SELECT number FROM organisations WHERE id = ?{a}), (SELECT number FROM sites WHERE id = ?{b}),
         (SELECT number FROM plants WHERE id = ?{c})"
    )
}

fn user(row: &Row) -> rusqlite::Result<User> {
    let status: String = row.get(8)?;
    Ok(User {
        number: row.get(0)?,
        id: row.get(1)?,
        email: row.get(2)?,
        first_name: row.get(3)?,
        last_name: row.get(4)?,
        display_name: row.get(5)?,
        mobile_number: row.get(6)?,
        country_code: row.get(7)?,
        status: if status == "active" {
            UserStatus::Active
        } else {
            UserStatus::Disabled
        },
        superadmin: row.get(9)?,
        can_introspect: row.get(10)?,
        must_change_password: row.get(11)?,
        locked_until: row.get(12)?,
        created_at: row.get(13)?,
        updated_at: row.get(14)?,
        last_login_at: row.get(15)?,
        owner: owner(row.get(16)?, row.get(17)?, row.get(18)?),
    })
}

/// The owning scope from its stored columns; no organisation means the system.
fn owner(
    organisation_id: Option<String>,
    site_id: Option<String>,
    plant_id: Option<String>,
) -> Option<Scope> {
    organisation_id.map(|organisation_id| Scope {
        organisation_id,
        site_id,
        plant_id,
    })
}

pub fn find_user(conn: &Connection, id: &str) -> Result<Option<User>, Error> {
    Ok(conn
        .prepare_cached(&format!("{USER} WHERE u.id = ?1"))?
        .query_row([id], user)
        .optional()?)
}

pub fn find_user_by_email(conn: &Connection, email_key: &str) -> Result<Option<User>, Error> {
    Ok(conn
        .prepare_cached(&format!("{USER} WHERE u.email_key = ?1"))?
        .query_row([email_key], user)
        .optional()?)
}

/// What sign-in needs to know about an account, the hash included.
#[derive(Clone)]
pub struct StoredCredentials {
    pub user_id: String,
    pub password_hash: String,
    pub active: bool,
    pub epoch: i64,
    pub failed_logins: i64,
    pub locked_until: Option<String>,
}

impl std::fmt::Debug for StoredCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredCredentials")
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

pub fn find_credentials(
    conn: &Connection,
    email_key: &str,
) -> Result<Option<StoredCredentials>, Error> {
    let sql = "SELECT id, password_hash, status, credential_epoch, failed_logins, locked_until
        FROM users WHERE email_key = ?1";
    let found = conn
        .prepare_cached(sql)?
        .query_row([email_key], |r| {
            Ok(StoredCredentials {
                user_id: r.get(0)?,
                password_hash: r.get(1)?,
                active: r.get::<_, String>(2)? == "active",
                epoch: r.get(3)?,
                failed_logins: r.get(4)?,
                locked_until: r.get(5)?,
            })
        })
        .optional()?;
    Ok(found)
}

pub fn credential_epoch(conn: &Connection, user_id: &str) -> Result<Option<i64>, Error> {
    let sql = "SELECT credential_epoch FROM users WHERE id = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([user_id], |r| r.get(0))
        .optional()?)
}

pub fn insert_user(
    conn: &Connection,
    w: &AccountWrite,
    u: &User,
    email_key: &str,
    password_hash: &str,
) -> Result<i64, Error> {
    let sql = format!("INSERT INTO users (id, email, email_key, first_name, last_name, display_name, mobile_number,
            country_code, status, superadmin, can_introspect, must_change_password, password_hash,
            created_at, updated_at, owner_organisation, owner_site, owner_plant)
         VALUES (?1, nullif(?2, ?3), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, {})", owner_numbers(16, 17, 18));
    conn.prepare_cached(&sql)?
        .execute(params![
            w.user_id(),
            u.email,
            email_key,
            u.first_name,
            u.last_name,
            u.display_name,
            u.mobile_number,
            u.country_code,
            u.status.as_str(),
            u.superadmin,
            u.can_introspect,
            u.must_change_password,
            password_hash,
            u.created_at,
            u.updated_at,
            u.owner.as_ref().map(|o| &o.organisation_id),
            u.owner.as_ref().and_then(|o| o.site_id.as_ref()),
            u.owner.as_ref().and_then(|o| o.plant_id.as_ref())
        ])
        .map_err(|e| crate::db::unique_or(e, "a user with this email already exists"))?;
    Ok(conn.last_insert_rowid())
}

/// Writes the profile, flags and owner of `u` (not the password) to the account `w` names.
pub fn update_user(
    conn: &Connection,
    w: &AccountWrite,
    u: &User,
    email_key: &str,
) -> Result<(), Error> {
    let sql = format!("UPDATE users SET email = nullif(?2, ?3), email_key = ?3, first_name = ?4, last_name = ?5, display_name = ?6,
            mobile_number = ?7, country_code = ?8, status = ?9, superadmin = ?10, can_introspect = ?11,
            must_change_password = ?12, updated_at = ?13,
            (owner_organisation, owner_site, owner_plant) = ({})
         WHERE id = ?1", owner_numbers(14, 15, 16));
    conn.prepare_cached(&sql)?
        .execute(params![
            w.user_id(),
            u.email,
            email_key,
            u.first_name,
            u.last_name,
            u.display_name,
            u.mobile_number,
            u.country_code,
            u.status.as_str(),
            u.superadmin,
            u.can_introspect,
            u.must_change_password,
            u.updated_at,
            u.owner.as_ref().map(|o| &o.organisation_id),
            u.owner.as_ref().and_then(|o| o.site_id.as_ref()),
            u.owner.as_ref().and_then(|o| o.plant_id.as_ref())
        ])
        .map_err(|e| crate::db::unique_or(e, "a user with this email already exists"))?;
    Ok(())
}

/// Sets a new password hash and ends every credential issued before it.
pub fn set_password(
    conn: &Connection,
    w: &AccountWrite,
    hash: &str,
    must_change: bool,
    now: &str,
) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE users SET password_hash = ?2, must_change_password = ?3, updated_at = ?4,
            credential_epoch = credential_epoch + 1
         WHERE id = ?1",
    )?
    .execute(params![w.user_id(), hash, must_change, now])?;
    Ok(())
}

/// Ends every credential of the user issued before now (used on disable).
pub fn bump_credential_epoch(conn: &Connection, w: &AccountWrite) -> Result<(), Error> {
    conn.prepare_cached("UPDATE users SET credential_epoch = credential_epoch + 1 WHERE id = ?1")?
        .execute([w.user_id()])?;
    Ok(())
}

pub fn delete_user(conn: &Connection, w: &AccountWrite) -> Result<(), Error> {
    conn.prepare_cached("DELETE FROM users WHERE id = ?1")?
        .execute([w.user_id()])?;
    Ok(())
}

/// Moves the accounts owned by `scope` (an organisation, site or plant about to be deleted)
/// up to `parent`, or to the system when there is none.
pub fn rehome_owned_users(
    conn: &Connection,
    scope: &Scope,
    parent: Option<&Scope>,
) -> Result<usize, Error> {
    let (column, table) = match scope.kind() {
        ScopeType::Organisation => ("owner_organisation", "organisations"),
        ScopeType::Site => ("owner_site", "sites"),
        ScopeType::Plant => ("owner_plant", "plants"),
    };
    let sql = format!(
        "UPDATE users SET (owner_organisation, owner_site, owner_plant) = ({})
         WHERE {column} = (SELECT number FROM {table} WHERE id = ?1)",
        owner_numbers(2, 3, 4)
    );
    Ok(conn.prepare_cached(&sql)?.execute(params![
        scope.id(),
        parent.map(|p| &p.organisation_id),
        parent.and_then(|p| p.site_id.as_ref()),
        parent.and_then(|p| p.plant_id.as_ref())
    ])?)
}

pub fn record_login(conn: &Connection, id: &str, now: &str) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE users SET last_login_at = ?2, failed_logins = 0, locked_until = NULL WHERE id = ?1",
    )?
    .execute(params![id, now])?;
    Ok(())
}

/// Adds one to the consecutive failures; returns the new count.
pub fn add_failed_login(conn: &Connection, id: &str) -> Result<i64, Error> {
    let sql =
        "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?1 RETURNING failed_logins";
    Ok(conn.prepare_cached(sql)?.query_row([id], |r| r.get(0))?)
}

/// The consecutive failures and the lock of an account, read under the caller's transaction.
pub fn failed_logins(conn: &Connection, id: &str) -> Result<Option<(i64, Option<String>)>, Error> {
    let sql = "SELECT failed_logins, locked_until FROM users WHERE id = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Locks the account until `until` and starts the count afresh for after the lock.
pub fn lock_user(conn: &Connection, id: &str, until: &str) -> Result<(), Error> {
    conn.prepare_cached("UPDATE users SET locked_until = ?2, failed_logins = 0 WHERE id = ?1")?
        .execute(params![id, until])?;
    Ok(())
}

pub fn unlock_user(conn: &Connection, w: &AccountWrite) -> Result<(), Error> {
    conn.prepare_cached("UPDATE users SET locked_until = NULL, failed_logins = 0 WHERE id = ?1")?
        .execute([w.user_id()])?;
    Ok(())
}

/// Whether there is any user at all; reads one row.
pub fn any_user(conn: &Connection) -> Result<bool, Error> {
    let sql = "SELECT EXISTS (SELECT 1 FROM users)";
    Ok(conn.prepare_cached(sql)?.query_row([], |r| r.get(0))?)
}

pub fn count_users(conn: &Connection) -> Result<i64, Error> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM users")?
        .query_row([], |r| r.get(0))?)
}

pub fn count_active_superadmins(conn: &Connection) -> Result<i64, Error> {
    let sql = "SELECT count(*) FROM users WHERE superadmin = 1 AND status = 'active'";
    Ok(conn.prepare_cached(sql)?.query_row([], |r| r.get(0))?)
}

/// Replaces the user's modules with `modules`.
pub fn set_modules(conn: &Connection, w: &AccountWrite, modules: &[String]) -> Result<(), Error> {
    conn.prepare_cached(
        "DELETE FROM user_modules WHERE user_number = (SELECT number FROM users WHERE id = ?1)",
    )?
    .execute([w.user_id()])?;
    add_modules(conn, w, modules)
}

/// Gives the user `modules` besides those they have (all of them, for a new account).
pub fn add_modules(conn: &Connection, w: &AccountWrite, modules: &[String]) -> Result<(), Error> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO user_modules (user_number, module)
         VALUES ((SELECT number FROM users WHERE id = ?1), ?2)",
    )?;
    for module in modules {
        stmt.execute(params![w.user_id(), module])?;
    }
    Ok(())
}

mod memberships;
mod records;
mod search;

pub use memberships::{delete_membership, find_membership, insert_membership, list_memberships};
pub use records::find_record;
pub use search::{
    count_records, explain_search, search_records, search_sorted, AccountState, SortKey, UserQuery,
};
