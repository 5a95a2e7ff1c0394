//! Setting up provisioning for an organisation: the SCIM address a directory is given, the
//! API keys its admins made for it, and the last change those keys made (from the audit trail).

use super::base;
use crate::db::audit::{self as trail, AuditQuery, AuditRow};
use crate::db::{self, scim as store};
use crate::domain::access::Principal;
use crate::domain::model::Scope;
use crate::error::Error;
use crate::ops::keys::{self, NewKey};
use crate::ops::{structure, Env};
use rusqlite::Connection;

/// What an organisation's page shows about provisioning.
pub struct Provisioning {
    pub scim_url: String,
    pub keys: Vec<store::ProvisioningKey>,
    /// The last change any of the keys made.
    pub last_activity: Option<AuditRow>,
}

/// The organisation, if the caller administers it (404 when they cannot see it, 403 when they
/// see it without administering it).
fn administered(
    conn: &Connection,
    actor: &Principal,
    organisation_id: &str,
) -> Result<(Scope, String), Error> {
    let organisation = structure::get_organisation(conn, actor, organisation_id)?;
    let scope = Scope::organisation(&organisation.id);
    if actor.may_manage_group(&scope).is_none() {
        return Err(Error::Forbidden(
            "provisioning is set up by the organisation's admins".into(),
        ));
    }
    Ok((scope, organisation.name))
}

pub fn status(
    conn: &Connection,
    env: &Env,
    actor: &Principal,
    organisation_id: &str,
) -> Result<Provisioning, Error> {
    administered(conn, actor, organisation_id)?;
    let keys = store::provisioning_keys(conn, organisation_id)?;
    let mut last = None;
    for k in &keys {
        last = last.max(store::last_audited_with(conn, &k.key.id)?);
    }
    let last_activity = match last {
        Some(seq) => {
            let query = AuditQuery {
                before_seq: Some(seq + 1),
                limit: 1,
                ..AuditQuery::default()
            };
            trail::list(conn, &query)?.into_iter().next()
        }
        None => None,
    };
    Ok(Provisioning {
        scim_url: base(env),
        keys,
        last_activity,
    })
}

/// A new API key of the caller's, marked as the organisation's provisioning key: a directory
/// holding it acts with the caller's rights (so only within what they administer).
pub fn create_key(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    organisation_id: &str,
) -> Result<NewKey, Error> {
    let tx = db::write(conn)?;
    let (scope, name) = administered(&tx, actor, organisation_id)?;
    let write = actor.may_manage_group(&scope).ok_or_else(|| {
        Error::Forbidden("provisioning is set up by the organisation's admins".into())
    })?;
    let key_name: String = format!("Provisioning for {name}")
        .chars()
        .take(200)
        .collect();
    let created = keys::create_key_in(&tx, env, actor, &key_name, None)?;
    store::insert_provisioning_key(&tx, &write, &created.key.id, &env.clock.now_text())?;
    tx.commit()?;
    Ok(created)
}
