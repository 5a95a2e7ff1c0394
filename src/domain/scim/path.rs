//! Attribute paths (`userName`, `name.givenName`, `urn:…:User:modules`): what filters compare
//! and what PATCH operations target. Attribute names are case-insensitive (RFC 7643 2.1).

use super::{CORE_GROUP, CORE_USER, ENTERPRISE_USER, GATEHOUSE_USER};
use crate::error::Error;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// The extension schema holding the attribute; `None` for the core schema.
    pub schema: Option<String>,
    /// The attribute; empty when the path names a whole extension.
    pub attr: String,
    pub sub: Option<String>,
}

impl AttrPath {
    pub fn parse(text: &str) -> Result<AttrPath, Error> {
        let (schema, rest) = split_schema(text);
        let (attr, sub) = match rest.split_once('.') {
            Some((a, s)) => (a, Some(s.to_string())),
            None => (rest, None),
        };
        let valid = |s: &str| {
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
        };
        if (attr.is_empty() && schema.is_none())
            || !valid(attr)
            || sub.as_deref().is_some_and(|s| s.is_empty() || !valid(s))
        {
            return Err(Error::invalid(
                "path",
                format!("`{text}` is not an attribute path"),
            ));
        }
        Ok(AttrPath {
            schema,
            attr: attr.to_string(),
            sub,
        })
    }

    /// Case-exact attributes compare as written: ids (RFC 7643 3.1) and the members' ids.
    pub fn case_exact(&self) -> bool {
        let is = |name: &str| self.attr.eq_ignore_ascii_case(name);
        is("id") || is("externalId") || (is("members") && self.sub.as_deref() == Some("value"))
    }

    /// The object holding the attribute: the document, or its extension's part.
    pub fn container<'a>(&self, doc: &'a Value) -> Option<&'a Value> {
        match &self.schema {
            None => Some(doc),
            Some(urn) => field(doc, urn),
        }
    }

    /// The values at this path: each value of a multi-valued attribute on its own.
    pub fn values<'a>(&self, doc: &'a Value) -> Vec<&'a Value> {
        let Some(container) = self.container(doc) else {
            return Vec::new();
        };
        let Some(top) = field(container, &self.attr) else {
            return Vec::new();
        };
        let top: Vec<&Value> = match top {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        let Some(sub) = &self.sub else {
            return top;
        };
        top.into_iter()
            .filter_map(|v| field(v, sub))
            .flat_map(|v| match v {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            })
            .collect()
    }
}

/// The schema a path names, if any, and the rest. Only the schemas Gatehouse knows are told
/// apart from the attribute, since a URN holds colons and dots of its own.
fn split_schema(text: &str) -> (Option<String>, &str) {
    for urn in [CORE_USER, CORE_GROUP, GATEHOUSE_USER, ENTERPRISE_USER] {
        let Some(head) = text.get(..urn.len()) else {
            continue;
        };
        if !head.eq_ignore_ascii_case(urn) {
            continue;
        }
        let rest = &text[urn.len()..];
        let core = urn == CORE_USER || urn == CORE_GROUP;
        if rest.is_empty() && !core {
            return (Some(urn.to_string()), "");
        }
        if let Some(attr) = rest.strip_prefix(':') {
            return ((!core).then(|| urn.to_string()), attr);
        }
    }
    (None, text)
}

/// A member of an object by name, whatever its case.
pub fn field<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    let object = value.as_object()?;
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// The key an object holds `name` under, whatever its case.
pub fn key_of(object: &Map<String, Value>, name: &str) -> Option<String> {
    object
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_names_its_schema_attribute_and_sub_attribute() {
        let p = AttrPath::parse("name.givenName").unwrap();
        assert_eq!(
            (p.schema, p.attr.as_str(), p.sub.as_deref()),
            (None, "name", Some("givenName"))
        );
        let p = AttrPath::parse(&format!("{CORE_USER}:userName")).unwrap();
        assert_eq!((p.schema, p.attr.as_str()), (None, "userName"));
        let p = AttrPath::parse(&format!("{GATEHOUSE_USER}:modules")).unwrap();
        assert_eq!(
            (p.schema.as_deref(), p.attr.as_str()),
            (Some(GATEHOUSE_USER), "modules")
        );
        let p = AttrPath::parse(GATEHOUSE_USER).unwrap();
        assert_eq!(
            (p.schema.as_deref(), p.attr.as_str()),
            (Some(GATEHOUSE_USER), "")
        );
        assert!(AttrPath::parse("name.").is_err());
        assert!(AttrPath::parse("a b").is_err());
    }
}
