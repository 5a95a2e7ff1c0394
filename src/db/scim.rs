//! What SCIM keeps beside accounts and memberships: the directory's names for people
//! (`scim_users`) and the groups a directory created (`scim_groups`), and the queries that
//! see memberships as groups.

use crate::domain::access::{AccountWrite, GroupWrite};
use crate::domain::model::{Role, ScopeType};
use crate::domain::scim::group::GroupId;
use crate::domain::scim::user::Identity;
use crate::error::Error;
use rusqlite::{params, Connection, OptionalExtension};

pub fn find_identity(conn: &Connection, user_id: &str) -> Result<Option<Identity>, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT user_name, external_id, display_name_given, extension_given
             FROM scim_users WHERE user_id = ?1",
        )?
        .query_row([user_id], |r| {
            Ok(Identity {
                user_name: r.get(0)?,
                external_id: r.get(1)?,
                display_name_given: r.get(2)?,
                extension_given: r.get(3)?,
            })
        })
        .optional()?)
}

/// The user a SCIM `userName` names: the one the directory gave it to, else the one whose
/// email it is (and who has no user name of the directory's).
pub fn find_by_user_name(
    conn: &Connection,
    user_name_key: &str,
    email_key: &str,
) -> Result<Option<String>, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT user_id FROM scim_users WHERE user_name_key = ?1
             UNION ALL
             SELECT u.id FROM users u WHERE u.email_key = ?2
                AND NOT EXISTS (SELECT 1 FROM scim_users s WHERE s.user_id = u.id)
             LIMIT 1",
        )?
        .query_row([user_name_key, email_key], |r| r.get(0))
        .optional()?)
}

/// The users whose directory-given `userName` contains `text` (without regard to ASCII case).
pub fn find_by_user_name_containing(conn: &Connection, text: &str) -> Result<Vec<String>, Error> {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let mut statement = conn
        .prepare_cached("SELECT user_id FROM scim_users WHERE user_name_key LIKE ?1 ESCAPE '\\'")?;
    let ids = statement
        .query_map([format!("%{escaped}%")], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(ids)
}

/// The users the directory knows by this `externalId`.
pub fn find_by_external_id(conn: &Connection, external_id: &str) -> Result<Vec<String>, Error> {
    let mut statement =
        conn.prepare_cached("SELECT user_id FROM scim_users WHERE external_id = ?1")?;
    let ids = statement
        .query_map([external_id], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(ids)
}

/// Keeps the directory's names for an account, replacing what was kept.
pub fn save_identity(
    conn: &Connection,
    w: &AccountWrite,
    identity: &Identity,
) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO scim_users (user_id, user_name, user_name_key, external_id, display_name_given,
            extension_given)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (user_id) DO UPDATE SET user_name = excluded.user_name,
            user_name_key = excluded.user_name_key, external_id = excluded.external_id,
            display_name_given = excluded.display_name_given,
            extension_given = excluded.extension_given",
    )?
    .execute(params![
        w.user_id(),
        identity.user_name,
        identity.user_name.to_lowercase(),
        identity.external_id,
        identity.display_name_given,
        identity.extension_given
    ])
    .map_err(|e| crate::db::unique_or(e, "the userName is taken"))?;
    Ok(())
}

/// A group a directory created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRow {
    pub external_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

pub fn find_group(conn: &Connection, id: &GroupId) -> Result<Option<GroupRow>, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT external_id, created_at, updated_at FROM scim_groups WHERE id = ?1",
        )?
        .query_row([id.to_string()], |r| {
            Ok(GroupRow {
                external_id: r.get(0)?,
                created_at: r.get(1)?,
                updated_at: r.get(2)?,
            })
        })
        .optional()?)
}

/// Creates or changes a group's row.
pub fn save_group(
    conn: &Connection,
    w: &GroupWrite,
    role: Role,
    row: &GroupRow,
) -> Result<(), Error> {
    let id = GroupId::of(role, w.scope()).to_string();
    conn.prepare_cached(
        "INSERT INTO scim_groups (id, external_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET external_id = excluded.external_id,
            updated_at = excluded.updated_at",
    )?
    .execute(params![id, row.external_id, row.created_at, row.updated_at])?;
    Ok(())
}

pub fn delete_group(conn: &Connection, w: &GroupWrite, role: Role) -> Result<(), Error> {
    let id = GroupId::of(role, w.scope()).to_string();
    conn.prepare_cached("DELETE FROM scim_groups WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Every group row, by its group's id.
pub fn group_rows(conn: &Connection) -> Result<Vec<(String, GroupRow)>, Error> {
    let mut statement = conn.prepare_cached(
        "SELECT id, external_id, created_at, updated_at FROM scim_groups ORDER BY id",
    )?;
    let rows = statement.query_map([], |r| {
        let row = GroupRow {
            external_id: r.get(1)?,
            created_at: r.get(2)?,
            updated_at: r.get(3)?,
        };
        Ok((r.get(0)?, row))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The membership condition for the holders of `role` at exactly the scope of `id`.
fn at_exactly(kind: ScopeType) -> &'static str {
    match kind {
        ScopeType::Organisation => {
            "m.organisation = (SELECT number FROM organisations WHERE id = ?1) AND m.site IS NULL"
        }
        ScopeType::Site => "m.site = (SELECT number FROM sites WHERE id = ?1) AND m.plant IS NULL",
        ScopeType::Plant => "m.plant = (SELECT number FROM plants WHERE id = ?1)",
    }
}

/// The ids of the users who hold the group's role at its scope, in email order.
pub fn members(conn: &Connection, id: &GroupId) -> Result<Vec<String>, Error> {
    let sql = format!(
        "SELECT u.id FROM memberships m JOIN users u ON u.number = m.user_number
         WHERE {} AND m.role = ?2 ORDER BY m.email_key",
        at_exactly(id.kind)
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let ids = statement
        .query_map(params![id.scope_id, id.role.as_str()], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(ids)
}

/// Whether anyone holds the group's role at its scope (one read of `group_sizes`).
pub fn has_members(conn: &Connection, id: &GroupId) -> Result<bool, Error> {
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM group_sizes g WHERE g.role = ?2 AND {})",
        group_scope(id.kind)
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![id.scope_id, id.role.as_str()], |r| r.get(0))?)
}

/// The `group_sizes` condition for the scope `?1` of a kind.
fn group_scope(kind: ScopeType) -> &'static str {
    match kind {
        ScopeType::Organisation => {
            "g.organisation = (SELECT number FROM organisations WHERE id = ?1) AND g.site = 0"
        }
        ScopeType::Site => {
            "(g.organisation, g.site) = (SELECT o.number, s.number FROM sites s
                 JOIN organisations o ON o.id = s.organisation_id WHERE s.id = ?1)
             AND g.plant = 0"
        }
        ScopeType::Plant => {
            "(g.organisation, g.site, g.plant) = (SELECT o.number, s.number, p.number FROM plants p
                 JOIN sites s ON s.id = p.site_id JOIN organisations o ON o.id = s.organisation_id
                 WHERE p.id = ?1)"
        }
    }
}

/// Every group someone is in: each role at each scope held by anyone, once (from
/// `group_sizes`, not from every membership).
pub fn groups_with_members(conn: &Connection) -> Result<Vec<GroupId>, Error> {
    let mut statement = conn.prepare_cached(
        "SELECT g.role, o.id, s.id, p.id FROM group_sizes g
         JOIN organisations o ON o.number = g.organisation
         LEFT JOIN sites s ON s.number = g.site
         LEFT JOIN plants p ON p.number = g.plant
         WHERE g.members > 0",
    )?;
    let rows = statement.query_map([], |r| {
        let role: String = r.get(0)?;
        let (o, s, p): (String, Option<String>, Option<String>) = (r.get(1)?, r.get(2)?, r.get(3)?);
        Ok((role, o, s, p))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (role, o, s, p) = row?;
        let Ok(role) = Role::parse(&role) else {
            continue;
        };
        let (kind, scope_id) = match (s, p) {
            (_, Some(p)) => (ScopeType::Plant, p),
            (Some(s), None) => (ScopeType::Site, s),
            (None, None) => (ScopeType::Organisation, o),
        };
        out.push(GroupId {
            kind,
            scope_id,
            role,
        });
    }
    Ok(out)
}

/// The scope named by its organisation's, site's and plant's names (one to three, each
/// without regard to case): its kind and id.
pub fn find_scope_by_names(
    conn: &Connection,
    names: &[String],
) -> Result<Option<(ScopeType, String)>, Error> {
    let (kind, sql) = match names.len() {
        1 => (
            ScopeType::Organisation,
            "SELECT o.id FROM organisations o WHERE o.name = ?1 COLLATE NOCASE",
        ),
        2 => (
            ScopeType::Site,
            "SELECT s.id FROM sites s JOIN organisations o ON o.id = s.organisation_id
             WHERE o.name = ?1 COLLATE NOCASE AND s.name = ?2 COLLATE NOCASE",
        ),
        3 => (
            ScopeType::Plant,
            "SELECT p.id FROM plants p JOIN sites s ON s.id = p.site_id
             JOIN organisations o ON o.id = s.organisation_id
             WHERE o.name = ?1 COLLATE NOCASE AND s.name = ?2 COLLATE NOCASE
                AND p.name = ?3 COLLATE NOCASE",
        ),
        _ => return Ok(None),
    };
    let arguments = rusqlite::params_from_iter(names.iter());
    let id: Option<String> = conn
        .prepare_cached(sql)?
        .query_row(arguments, |r| r.get(0))
        .optional()?;
    Ok(id.map(|id| (kind, id)))
}

/// Marks a new API key as an organisation's provisioning key.
pub fn insert_provisioning_key(
    conn: &Connection,
    w: &GroupWrite,
    key_id: &str,
    now: &str,
) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO provisioning_keys (key_id, organisation_id, created_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![key_id, w.scope().organisation_id, now])?;
    Ok(())
}

/// An organisation's provisioning key, with its holder's email.
#[derive(Debug, Clone)]
pub struct ProvisioningKey {
    pub key: crate::db::keys::ApiKey,
    pub holder_email: String,
}

pub fn provisioning_keys(
    conn: &Connection,
    organisation_id: &str,
) -> Result<Vec<ProvisioningKey>, Error> {
    let mut statement = conn.prepare_cached(
        "SELECT k.id, k.user_id, k.name, k.prefix, k.created_at, k.expires_at, k.last_used_at,
            coalesce(u.email, u.email_key)
         FROM provisioning_keys p JOIN api_keys k ON k.id = p.key_id JOIN users u ON u.id = k.user_id
         WHERE p.organisation_id = ?1 ORDER BY k.created_at, k.id",
    )?;
    let rows = statement.query_map([organisation_id], |r| {
        Ok(ProvisioningKey {
            key: crate::db::keys::ApiKey {
                id: r.get(0)?,
                user_id: r.get(1)?,
                name: r.get(2)?,
                prefix: r.get(3)?,
                created_at: r.get(4)?,
                expires_at: r.get(5)?,
                last_used_at: r.get(6)?,
            },
            holder_email: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The sequence number of the last audit row written with this credential.
pub fn last_audited_with(conn: &Connection, credential_id: &str) -> Result<Option<i64>, Error> {
    Ok(conn
        .prepare_cached("SELECT max(seq) FROM audit WHERE credential_id = ?1")?
        .query_row([credential_id], |r| r.get(0))?)
}

/// The organisation an API key provisions, if it is a provisioning key.
pub fn provisioned_by_key(conn: &Connection, key_id: &str) -> Result<Option<String>, Error> {
    Ok(conn
        .prepare_cached("SELECT organisation_id FROM provisioning_keys WHERE key_id = ?1")?
        .query_row([key_id], |r| r.get(0))
        .optional()?)
}
