//! First start: with no users at all, create the superadmin the operator signs in with.

use super::{hash_password, new_id, Env};
use crate::db::{self, users as store};
use crate::domain::access::AccountWrite;
use crate::domain::fields::Email;
use crate::domain::model::{User, UserStatus};
use crate::domain::password;
use crate::error::Error;
use rusqlite::Connection;

/// What the first start did.
pub enum Bootstrap {
    /// Users already exist; nothing was done.
    NotNeeded,
    /// The superadmin was created with the password from the environment.
    Created { email: String },
    /// The superadmin was created with a generated password that must be changed at first sign-in.
    Generated { email: String, password: String },
}

/// Whether the database answers a read of the users table: one indexed row at most, so the
/// probe costs the same at a million users as at ten.
pub fn database_readable(conn: &Connection) -> Result<(), Error> {
    store::any_user(conn).map(|_| ())
}

/// Creates the first superadmin when the database has no users.
// long: the first start's steps in order, checked again under the write lock.
pub fn bootstrap(
    conn: &mut Connection,
    env: &Env,
    email: &str,
    password: Option<String>,
) -> Result<Bootstrap, Error> {
    if store::any_user(conn)? {
        return Ok(Bootstrap::NotNeeded);
    }
    let email = Email::parse("GATEHOUSE_ADMIN_EMAIL", email)?;
    let generated = password.is_none();
    let password = match password {
        Some(p) => {
            password::check(
                "GATEHOUSE_ADMIN_PASSWORD",
                &p,
                &email,
                env.config.security.password_min_length,
            )?;
            p
        }
        None => password::generate(env.config.security.password_min_length)?,
    };
    let hash = hash_password(&env.config, &password)?;
    let user = first_superadmin(&email, generated, env.clock.now_text());
    let tx = db::write(conn)?;
    // Checked again under the write lock: two processes starting at once create one admin.
    if store::any_user(&tx)? {
        return Ok(Bootstrap::NotNeeded);
    }
    let write = AccountWrite::by_the_operator(&user.id);
    store::insert_user(&tx, &write, &user, &email.key, &hash)?;
    tx.commit()?;
    Ok(if generated {
        Bootstrap::Generated {
            email: email.text,
            password,
        }
    } else {
        Bootstrap::Created { email: email.text }
    })
}

/// The operator's account: a superadmin the system owns.
fn first_superadmin(email: &Email, must_change_password: bool, now: String) -> User {
    User {
        id: new_id(),
        number: 0,
        email: email.text.clone(),
        first_name: None,
        last_name: None,
        display_name: "Administrator".into(),
        mobile_number: None,
        country_code: None,
        status: UserStatus::Active,
        superadmin: true,
        can_introspect: false,
        must_change_password,
        locked_until: None,
        created_at: now.clone(),
        updated_at: now,
        last_login_at: None,
        owner: None,
    }
}
