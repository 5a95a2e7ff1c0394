//! A SCIM group is a role at a scope: membership in "admin at Acme / North" is holding the
//! admin role at the site North of Acme. Its id names the kind of scope, the scope and the
//! role (`site.<site id>.admin`); its display name the role and the scope's place in the
//! hierarchy (`admin at Acme / North`), which is also how a directory creates one.

use super::{version_of, CORE_GROUP};
use crate::domain::model::{Role, Scope, ScopeType};
use crate::error::Error;
use serde_json::{json, Map, Value};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupId {
    pub kind: ScopeType,
    pub scope_id: String,
    pub role: Role,
}

impl GroupId {
    pub fn of(role: Role, scope: &Scope) -> GroupId {
        GroupId {
            kind: scope.kind(),
            scope_id: scope.id().to_string(),
            role,
        }
    }

    /// `None` for text that is no group's id (answered as an absent group).
    pub fn parse(text: &str) -> Option<GroupId> {
        let (kind, rest) = text.split_once('.')?;
        let (scope_id, role) = rest.rsplit_once('.')?;
        Some(GroupId {
            kind: ScopeType::parse(kind)?,
            scope_id: scope_id.to_string(),
            role: Role::parse(role).ok()?,
        })
    }
}

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.{}",
            self.kind.as_str(),
            self.scope_id,
            self.role.as_str()
        )
    }
}

/// What a Gatehouse group is, for the refusal of a name that is not one.
pub const WHAT_A_GROUP_IS: &str = "a Gatehouse group is a role at a scope, named `<role> at \
    <organisation>[ / <site>[ / <plant>]]` (such as `viewer at Acme / North`) or `<role> at \
    <scope id>`; the roles are admin, support, supervisor, member and viewer";

/// The display name: `admin at Acme / North / Press shop`.
pub fn display_name(role: Role, names: &[String]) -> String {
    format!("{} at {}", role.as_str(), names.join(" / "))
}

/// A display name read: the role and the scope's names from the organisation down (or, when
/// `names` has one entry, maybe the scope's id).
pub fn read_display_name(text: &str) -> Result<(Role, Vec<String>), Error> {
    let refuse = || {
        Error::invalid(
            "displayName",
            format!("`{text}` is not a Gatehouse group: {WHAT_A_GROUP_IS}"),
        )
    };
    let (role, place) = text.trim().split_once(" at ").ok_or_else(refuse)?;
    let role = Role::parse(&role.trim().to_ascii_lowercase()).map_err(|_| refuse())?;
    let names: Vec<String> = place.split(" / ").map(|n| n.trim().to_string()).collect();
    if names.is_empty() || names.len() > 3 || names.iter().any(String::is_empty) {
        return Err(refuse());
    }
    Ok((role, names))
}

/// A member as a group document shows it.
pub struct Member {
    pub user_id: String,
}

/// The group as a SCIM document; `members: None` leaves them out (`excludedAttributes=members`).
pub fn document(
    id: &GroupId,
    names: &[String],
    external_id: Option<&str>,
    members: Option<&[Member]>,
    (created, last_modified): (&str, &str),
    base: &str,
) -> Value {
    let mut doc = Map::new();
    doc.insert("schemas".into(), json!([CORE_GROUP]));
    doc.insert("id".into(), json!(id.to_string()));
    if let Some(external) = external_id {
        doc.insert("externalId".into(), json!(external));
    }
    doc.insert("displayName".into(), json!(display_name(id.role, names)));
    if let Some(members) = members {
        let shown: Vec<Value> = members
            .iter()
            .map(|m| json!({"value": m.user_id, "$ref": format!("{base}/Users/{}", m.user_id), "type": "User"}))
            .collect();
        doc.insert("members".into(), Value::Array(shown));
    }
    let mut doc = Value::Object(doc);
    let version = version_of(&doc);
    doc["meta"] = json!({"resourceType": "Group", "created": created, "lastModified": last_modified,
        "location": format!("{base}/Groups/{id}"), "version": version});
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_id_and_name_say_the_role_and_the_scope() {
        let id = GroupId::of(Role::Admin, &Scope::site("o-1", "s-1"));
        assert_eq!(id.to_string(), "site.s-1.admin");
        assert_eq!(GroupId::parse("site.s-1.admin"), Some(id));
        assert_eq!(GroupId::parse("site.s-1.owner"), None);
        assert_eq!(GroupId::parse("nonsense"), None);
        let names = vec!["Acme".to_string(), "North".to_string()];
        assert_eq!(display_name(Role::Viewer, &names), "viewer at Acme / North");
        assert_eq!(
            read_display_name("Viewer at Acme / North").unwrap(),
            (Role::Viewer, names)
        );
        let refused = read_display_name("scim-sanity-test-group-1").unwrap_err();
        assert!(refused.public_message().contains("a role at a scope"));
        assert!(read_display_name("owner at Acme").is_err());
    }
}
