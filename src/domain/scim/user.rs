//! A SCIM user in Gatehouse's terms: the document a directory sends, read into the fields an
//! account has, and an account shown as a SCIM document.
//!
//! `userName` is the directory's name for the person: the email whenever it is one. A user
//! name that is not an email (some directories send an employee id) is kept beside the account,
//! and the email then comes from `emails` (the primary one, else the work one, else the first).
//! One email and one phone number are kept; `phoneNumbers` values such as `+44 7700 900123`
//! keep their dialing code.

use super::path::field;
use super::{boolean, group, version_of, CORE_USER, GATEHOUSE_USER};
use crate::domain::model::UserRecord;
use crate::error::Error;
use serde_json::{json, Map, Value};

/// What is kept beside an account for the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user_name: String,
    pub external_id: Option<String>,
    /// Whether the directory set the display name (else SCIM does not show the made-up one).
    pub display_name_given: bool,
    /// Whether the directory sent Gatehouse's extension: shown then even when it holds nothing,
    /// so that what was sent reads back.
    pub extension_given: bool,
}

/// The fields of a user document, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimUser {
    pub user_name: String,
    pub email: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub display_name: Option<String>,
    /// The dialing code and the number.
    pub phone: Option<(Option<String>, String)>,
    pub active: bool,
    pub external_id: Option<String>,
    pub extension_given: bool,
}

fn text(doc: &Value, name: &str) -> Result<Option<String>, Error> {
    match field(doc, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
        Some(_) => Err(Error::invalid(name, format!("`{name}` must be a string"))),
    }
}

/// The value of a multi-valued attribute Gatehouse keeps one of: the primary, else the work
/// one, else the first.
fn chosen(doc: &Value, name: &str) -> Result<Option<String>, Error> {
    let items = match field(doc, name) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(Error::invalid(name, format!("`{name}` must be an array"))),
    };
    let is = |item: &Value, key: &str, wanted: &str| {
        field(item, key)
            .and_then(Value::as_str)
            .is_some_and(|v| v.eq_ignore_ascii_case(wanted))
    };
    let primary = |item: &&Value| {
        field(item, "primary").is_some_and(|p| boolean("primary", p).unwrap_or(false))
    };
    let pick = items
        .iter()
        .find(primary)
        .or_else(|| items.iter().find(|i| is(i, "type", "work")))
        .or_else(|| items.first());
    match pick {
        None => Ok(None),
        Some(item) => text(item, "value")
            .map_err(|_| Error::invalid(name, format!("each of `{name}` needs a string `value`"))),
    }
}

/// `+44 7700 900123` is the dialing code `+44` and the number `7700 900123`.
fn phone(raw: String) -> (Option<String>, String) {
    let raw = raw.strip_prefix("tel:").map(str::to_string).unwrap_or(raw);
    if let Some(rest) = raw.strip_prefix('+') {
        if let Some((code, number)) = rest.split_once([' ', '-']) {
            return (Some(format!("+{code}")), number.trim().to_string());
        }
    }
    (None, raw)
}

/// Reads a user document. Read-only attributes (`id`, `groups`, `meta`, Gatehouse's extension)
/// and attributes Gatehouse does not keep are ignored, as RFC 7643 2.2 asks.
pub fn read(doc: &Value) -> Result<ScimUser, Error> {
    if !doc.is_object() {
        return Err(Error::bad_request("the body must be a JSON object"));
    }
    let user_name = text(doc, "userName")?
        .ok_or_else(|| Error::invalid("userName", "`userName` is required"))?;
    let email =
        match chosen(doc, "emails")? {
            Some(email) => email,
            None if user_name.contains('@') => user_name.clone(),
            None => return Err(Error::invalid(
                "emails",
                "a Gatehouse user needs an email: send `emails`, or a `userName` that is an email",
            )),
        };
    let name = field(doc, "name").cloned().unwrap_or(Value::Null);
    let active = match field(doc, "active") {
        None | Some(Value::Null) => true,
        Some(v) => boolean("active", v)?,
    };
    Ok(ScimUser {
        user_name,
        email,
        given_name: text(&name, "givenName")?,
        family_name: text(&name, "familyName")?,
        display_name: text(doc, "displayName")?,
        phone: chosen(doc, "phoneNumbers")?.map(phone),
        active,
        external_id: text(doc, "externalId")?,
        extension_given: field(doc, GATEHOUSE_USER).is_some_and(Value::is_object),
    })
}

/// The account as a SCIM document; `base` is the SCIM root URL. Gatehouse's extension holds
/// attributes returned on request (`returned: request`): they are in the document only with
/// `with_gatehouse` (an `attributes` parameter naming them); else see `without_gatehouse`.
/// The version is the same either way.
pub fn document(
    record: &UserRecord,
    identity: Option<&Identity>,
    base: &str,
    with_gatehouse: bool,
) -> Value {
    let u = &record.user;
    let mut doc = core(record, identity, base);
    let extension = extension_of(record);
    // Shown when it holds something, or as the directory sent it (even empty), so that what
    // was sent reads back.
    if !extension.is_empty() || identity.is_some_and(|i| i.extension_given) {
        doc.insert(GATEHOUSE_USER.into(), Value::Object(extension));
    }
    let mut doc = Value::Object(doc);
    let version = version_of(&doc);
    doc["meta"] = json!({"resourceType": "User", "created": u.created_at,
        "lastModified": u.updated_at, "location": format!("{base}/Users/{}", u.id),
        "version": version});
    match with_gatehouse {
        true => doc,
        false => without_gatehouse(doc, identity),
    }
}

/// A whole document as shown when Gatehouse's extension is not asked for: the extension empty
/// if the directory sent one, else absent.
pub fn without_gatehouse(mut doc: Value, identity: Option<&Identity>) -> Value {
    if let Some(object) = doc.as_object_mut() {
        match identity.is_some_and(|i| i.extension_given) {
            true => object.insert(GATEHOUSE_USER.into(), Value::Object(Map::new())),
            false => object.remove(GATEHOUSE_USER),
        };
    }
    doc
}

/// The core schema's attributes, as the schema lists them.
// long: one attribute after another, each shown only when it has a value.
fn core(record: &UserRecord, identity: Option<&Identity>, base: &str) -> Map<String, Value> {
    let u = &record.user;
    let mut doc = Map::new();
    doc.insert("schemas".into(), json!([CORE_USER, GATEHOUSE_USER]));
    doc.insert("id".into(), json!(u.id));
    if let Some(external) = identity.and_then(|i| i.external_id.as_ref()) {
        doc.insert("externalId".into(), json!(external));
    }
    let user_name = identity.map_or(u.email.as_str(), |i| i.user_name.as_str());
    doc.insert("userName".into(), json!(user_name));
    let name: Map<String, Value> = [("givenName", &u.first_name), ("familyName", &u.last_name)]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k.to_string(), json!(v))))
        .collect();
    if !name.is_empty() {
        doc.insert("name".into(), Value::Object(name));
    }
    if identity.is_none_or(|i| i.display_name_given) {
        doc.insert("displayName".into(), json!(u.display_name));
    }
    doc.insert("emails".into(), json!([{"value": u.email}]));
    if let Some(number) = &u.mobile_number {
        let value = match &u.country_code {
            Some(code) => format!("{code} {number}"),
            None => number.clone(),
        };
        doc.insert("phoneNumbers".into(), json!([{"value": value}]));
    }
    let active = u.status == crate::domain::model::UserStatus::Active;
    doc.insert("active".into(), json!(active));
    let groups: Vec<Value> = record
        .memberships
        .iter()
        .map(|m| {
            let id = group::GroupId::of(m.role, &m.scope).to_string();
            json!({"value": id, "$ref": format!("{base}/Groups/{id}"), "type": "direct"})
        })
        .collect();
    if !groups.is_empty() {
        doc.insert("groups".into(), Value::Array(groups));
    }
    doc
}

/// Gatehouse's extension: memberships in Gatehouse's terms, and modules.
fn extension_of(record: &UserRecord) -> Map<String, Value> {
    let memberships: Vec<Value> = record
        .memberships
        .iter()
        .map(|m| {
            json!({"scopeType": m.scope.kind().as_str(), "scopeId": m.scope.id(),
            "scopeName": m.scope_name, "role": m.role.as_str()})
        })
        .collect();
    let mut extension = Map::new();
    if !memberships.is_empty() {
        extension.insert("memberships".into(), Value::Array(memberships));
    }
    if !record.modules.is_empty() {
        let mut modules = record.modules.clone();
        modules.sort();
        extension.insert("modules".into(), json!(modules));
    }
    extension
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_document_is_read_the_way_directories_send_it() {
        let doc = json!({"userName": "E1234", "active": "False",
            "emails": [{"value": "home@x.io", "type": "home"}, {"value": "work@x.io", "type": "work"}],
            "phoneNumbers": [{"value": "+44 7700 900123", "type": "mobile"}],
            "name": {"givenName": "Ada", "familyName": "Lovelace"}, "externalId": "abc"});
        let user = read(&doc).unwrap();
        assert_eq!(user.email, "work@x.io");
        assert!(!user.active);
        assert_eq!(user.phone, Some((Some("+44".into()), "7700 900123".into())));
        let by_email = read(&json!({"userName": "ada@x.io"})).unwrap();
        assert_eq!(by_email.email.as_str(), "ada@x.io");
        assert_eq!(
            read(&json!({"userName": "E1"})).unwrap_err().field(),
            Some("emails")
        );
        assert_eq!(
            read(&json!({"emails": []})).unwrap_err().field(),
            Some("userName")
        );
        assert_eq!(
            read(&json!({"userName": "a@x.io", "active": "maybe"}))
                .unwrap_err()
                .field(),
            Some("active")
        );
    }
}
