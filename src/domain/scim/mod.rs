//! SCIM 2.0 (RFC 7643, RFC 7644) as Gatehouse reads it: the schemas' names, filters, PATCH,
//! and what a SCIM user and a SCIM group are in Gatehouse's terms. Pure: no storage here.

pub mod filter;
pub mod group;
pub mod list;
pub mod patch;
pub mod path;
pub mod schemas;
pub mod user;

use crate::error::Error;

pub const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const CORE_GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Gatehouse's own part of a user: memberships (read-only: they are groups) and modules.
pub const GATEHOUSE_USER: &str = "urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User";
/// Entra sends attributes of this extension by default; they are accepted and not kept.
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const SEARCH_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// Part of every message refusing a change to an attribute that cannot change.
pub const READ_ONLY: &str = "cannot be changed";
/// Part of every message refusing an operation whose target holds nothing.
pub const NO_TARGET: &str = "matches no value";

/// The `scimType` of an error (RFC 7644 3.12), when one fits.
pub fn scim_type(error: &Error) -> Option<&'static str> {
    match error {
        Error::Conflict(_) => Some("uniqueness"),
        Error::Malformed(_) => Some("invalidSyntax"),
        Error::Invalid { field, message } => Some(match field.as_deref() {
            _ if message.contains(READ_ONLY) => "mutability",
            _ if message.contains(NO_TARGET) => "noTarget",
            Some("filter") => "invalidFilter",
            Some("path") => "invalidPath",
            Some("Operations") | Some("schemas") => "invalidSyntax",
            _ => "invalidValue",
        }),
        _ => None,
    }
}

/// A weak ETag for a resource's document: it changes whenever anything it shows changes.
pub fn version_of(doc: &serde_json::Value) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(doc.to_string().as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("W/\"{hex}\"")
}

/// A text value the way directories send it: Entra sends booleans as `"True"` and `"False"`.
pub fn boolean(name: &str, value: &serde_json::Value) -> Result<bool, Error> {
    match value {
        serde_json::Value::Bool(b) => Ok(*b),
        serde_json::Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        serde_json::Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(Error::invalid(
            name,
            format!("`{name}` must be true or false"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_refusal_has_its_scim_type() {
        assert_eq!(
            scim_type(&Error::Conflict("taken".into())),
            Some("uniqueness")
        );
        assert_eq!(scim_type(&filter::invalid("bad")), Some("invalidFilter"));
        assert_eq!(
            scim_type(&Error::invalid("id", format!("id {READ_ONLY}"))),
            Some("mutability")
        );
        assert_eq!(
            scim_type(&Error::invalid("userName", "is required")),
            Some("invalidValue")
        );
        assert_eq!(scim_type(&Error::not_found("user")), None);
    }
}
