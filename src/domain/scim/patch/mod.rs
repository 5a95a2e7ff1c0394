//! SCIM PATCH (RFC 7644 3.5.2): the operations of a request, parsed, and applied to a
//! resource's SCIM document. What directories really send is accepted: `"op": "Replace"` in
//! any case (Entra), operations without `path` whose value holds the attributes (Okta, and
//! Entra's `"name.givenName"` keys), and value filters such as `members[value eq "…"]`.

use super::filter::{self, Filter, Op};
use super::path::{field, key_of, AttrPath};
use super::NO_TARGET;
use crate::error::Error;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Add,
    Remove,
    Replace,
}

/// Where an operation applies: an attribute, optionally narrowed to the values a filter
/// matches, and then to one sub-attribute of those (`emails[type eq "work"].value`).
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub path: AttrPath,
    pub filter: Option<Filter>,
    pub sub: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub kind: Kind,
    pub target: Option<Target>,
    pub value: Option<Value>,
}

fn syntax(message: impl Into<String>) -> Error {
    Error::invalid("Operations", message)
}

/// The operations of a PATCH body.
pub fn parse(body: &Value) -> Result<Vec<Operation>, Error> {
    let operations = field(body, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| syntax("a PATCH body holds its changes in an `Operations` array"))?;
    if operations.is_empty() {
        return Err(syntax("`Operations` is empty"));
    }
    operations.iter().map(operation).collect()
}

fn operation(raw: &Value) -> Result<Operation, Error> {
    let op = field(raw, "op")
        .and_then(Value::as_str)
        .ok_or_else(|| syntax("every operation needs `op`: add, remove or replace"))?;
    let kind = match op.to_ascii_lowercase().as_str() {
        "add" => Kind::Add,
        "remove" => Kind::Remove,
        "replace" => Kind::Replace,
        other => {
            return Err(syntax(format!(
                "`{other}` is not an operation: use add, remove or replace"
            )))
        }
    };
    let target = match field(raw, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if p.trim().is_empty() => None,
        Some(Value::String(p)) => Some(parse_target(p.trim())?),
        Some(_) => return Err(Error::invalid("path", "`path` must be a string")),
    };
    let value = field(raw, "value").cloned();
    if kind != Kind::Remove && value.is_none() {
        return Err(Error::invalid("value", format!("`{op}` needs a `value`")));
    }
    if kind == Kind::Remove && target.is_none() {
        return Err(Error::invalid(
            "path",
            format!("`remove` needs a `path`: it {NO_TARGET}"),
        ));
    }
    Ok(Operation {
        kind,
        target,
        value,
    })
}

/// `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub`, each maybe behind a schema URN.
pub fn parse_target(text: &str) -> Result<Target, Error> {
    let Some(open) = text.find('[') else {
        return Ok(Target {
            path: AttrPath::parse(text)?,
            filter: None,
            sub: None,
        });
    };
    let close = text
        .rfind(']')
        .filter(|c| *c > open)
        .ok_or_else(|| Error::invalid("path", format!("`{text}`: a `[` is not closed")))?;
    let path = AttrPath::parse(&text[..open])?;
    let inner = filter::parse(&text[open + 1..close])
        .map_err(|e| Error::invalid("path", e.public_message()))?;
    let sub = match &text[close + 1..] {
        "" => None,
        rest => Some(
            rest.strip_prefix('.')
                .filter(|s| !s.is_empty())
                .ok_or_else(|| Error::invalid("path", format!("`{text}` is not a path")))?
                .to_string(),
        ),
    };
    Ok(Target {
        path,
        filter: Some(inner),
        sub,
    })
}

/// Applies the operations, in order, to a resource's document.
pub fn apply(doc: &mut Value, operations: &[Operation]) -> Result<(), Error> {
    for op in operations {
        match &op.target {
            Some(target) => apply_at(doc, op.kind, target, op.value.as_ref())?,
            None => apply_without_path(doc, op.kind, op.value.as_ref())?,
        }
    }
    Ok(())
}

/// An operation without `path`: its value is an object of attributes (or of a whole
/// extension's attributes under its URN), each applied as if it were the path.
fn apply_without_path(doc: &mut Value, kind: Kind, value: Option<&Value>) -> Result<(), Error> {
    let Some(Value::Object(attributes)) = value else {
        return Err(Error::invalid(
            "value",
            "an operation without `path` needs an object of attributes as its `value`",
        ));
    };
    for (name, v) in attributes {
        let target = parse_target(name)?;
        match (&target.path.schema, target.path.attr.is_empty(), v) {
            (Some(urn), true, Value::Object(inner)) => {
                for (inner_name, inner_value) in inner {
                    let t = parse_target(&format!("{urn}:{inner_name}"))?;
                    apply_at(doc, kind, &t, Some(inner_value))?;
                }
            }
            _ => apply_at(doc, kind, &target, Some(v))?,
        }
    }
    Ok(())
}

/// The object holding the target's attribute, made when absent (an extension's part).
fn container<'a>(doc: &'a mut Value, path: &AttrPath) -> Result<&'a mut Map<String, Value>, Error> {
    let root = doc
        .as_object_mut()
        .ok_or_else(|| Error::Internal("a SCIM document is not an object".into()))?;
    let Some(urn) = &path.schema else {
        return Ok(root);
    };
    let key = key_of(root, urn).unwrap_or_else(|| urn.clone());
    let part = root.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !part.is_object() {
        *part = Value::Object(Map::new());
    }
    part.as_object_mut()
        .ok_or_else(|| Error::Internal("an extension is not an object".into()))
}

fn apply_at(
    doc: &mut Value,
    kind: Kind,
    target: &Target,
    value: Option<&Value>,
) -> Result<(), Error> {
    if target.path.attr.is_empty() {
        // A whole extension: its attributes one by one.
        let urn = target.path.schema.clone().unwrap_or_default();
        return match (kind, value) {
            (Kind::Remove, _) => {
                if let Some(root) = doc.as_object_mut() {
                    if let Some(k) = key_of(root, &urn) {
                        root.remove(&k);
                    }
                }
                Ok(())
            }
            (_, Some(v)) => apply_without_path(
                doc,
                kind,
                Some(&Value::Object([(urn, v.clone())].into_iter().collect())),
            ),
            (_, None) => Ok(()),
        };
    }
    let holder = container(doc, &target.path)?;
    let key = key_of(holder, &target.path.attr).unwrap_or_else(|| target.path.attr.clone());
    match &target.filter {
        Some(f) => apply_filtered(holder, &key, kind, f, target, value),
        None => {
            apply_plain(holder, &key, target.path.sub.as_deref(), kind, value);
            Ok(())
        }
    }
}

/// An attribute or a sub-attribute, with no filter.
fn apply_plain(
    holder: &mut Map<String, Value>,
    key: &str,
    sub: Option<&str>,
    kind: Kind,
    value: Option<&Value>,
) {
    if let Some(sub) = sub {
        apply_sub(holder, key, sub, kind, value);
        return;
    }
    match (kind, holder.get_mut(key), value) {
        (Kind::Remove, Some(Value::Array(items)), Some(Value::Array(which))) => {
            // Entra removes members by listing them: `"path": "members", "value": [{…}]`.
            items.retain(|item| !which.iter().any(|w| same_value(item, w)));
        }
        (Kind::Remove, _, _) => {
            holder.remove(key);
        }
        (Kind::Add, Some(Value::Array(items)), Some(v)) => {
            for new in as_list(v) {
                if !items.iter().any(|i| same_value(i, &new)) {
                    items.push(new);
                }
            }
        }
        (_, Some(Value::Object(existing)), Some(Value::Object(given))) => {
            for (k, v) in given {
                let k = key_of(existing, k).unwrap_or_else(|| k.clone());
                existing.insert(k, v.clone());
            }
        }
        (_, _, Some(v)) => {
            holder.insert(key.to_string(), v.clone());
        }
        (_, _, None) => {}
    }
}

/// A sub-attribute: of the complex attribute, or of every value of a multi-valued one.
fn apply_sub(
    holder: &mut Map<String, Value>,
    key: &str,
    sub: &str,
    kind: Kind,
    value: Option<&Value>,
) {
    let parent = holder.entry(key.to_string()).or_insert(Value::Null);
    match parent {
        Value::Array(items) => {
            for item in items.iter_mut().filter_map(Value::as_object_mut) {
                set_or_remove(item, sub, kind, value);
            }
        }
        other => {
            if !other.is_object() {
                *other = Value::Object(Map::new());
            }
            if let Some(object) = other.as_object_mut() {
                set_or_remove(object, sub, kind, value);
            }
        }
    }
}

fn set_or_remove(object: &mut Map<String, Value>, name: &str, kind: Kind, value: Option<&Value>) {
    let key = key_of(object, name).unwrap_or_else(|| name.to_string());
    match (kind, value) {
        (Kind::Remove, _) | (_, None) => {
            object.remove(&key);
        }
        (_, Some(v)) => {
            object.insert(key, v.clone());
        }
    }
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    }
}

/// Two values of a multi-valued attribute are the same value when their `value`s are.
fn same_value(a: &Value, b: &Value) -> bool {
    match (field(a, "value"), field(b, "value")) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// The values of a multi-valued attribute that a filter picks.
// long: remove, then add or replace on what matched, or on a new value when nothing did.
fn apply_filtered(
    holder: &mut Map<String, Value>,
    key: &str,
    kind: Kind,
    filter: &Filter,
    target: &Target,
    value: Option<&Value>,
) -> Result<(), Error> {
    let items = holder
        .entry(key.to_string())
        .or_insert(Value::Array(Vec::new()));
    if !items.is_array() {
        *items = Value::Array(vec![items.clone()]);
    }
    let Value::Array(items) = items else {
        return Ok(());
    };
    if kind == Kind::Remove {
        match &target.sub {
            Some(sub) => items
                .iter_mut()
                .filter(|i| filter.matches(i))
                .filter_map(Value::as_object_mut)
                .for_each(|o| set_or_remove(o, sub, Kind::Remove, None)),
            None => items.retain(|i| !filter.matches(i)),
        }
        return Ok(());
    }
    let Some(value) = value else { return Ok(()) };
    let matched: Vec<usize> = (0..items.len())
        .filter(|i| filter.matches(&items[*i]))
        .collect();
    if matched.is_empty() {
        // Nothing matches: the value the filter describes is added (Entra sets a work email
        // with `emails[type eq "work"].value` on a user who has none of that type).
        let mut new = described_by(filter)
            .ok_or_else(|| Error::invalid("path", format!("the filter {NO_TARGET}")))?;
        merge_into(&mut new, target.sub.as_deref(), value);
        items.push(Value::Object(new));
        return Ok(());
    }
    for i in matched {
        if let Some(object) = items[i].as_object_mut() {
            merge_into(object, target.sub.as_deref(), value);
        }
    }
    Ok(())
}

fn merge_into(object: &mut Map<String, Value>, sub: Option<&str>, value: &Value) {
    match (sub, value) {
        (Some(sub), v) => set_or_remove(object, sub, Kind::Replace, Some(v)),
        (None, Value::Object(given)) => {
            for (k, v) in given {
                set_or_remove(object, k, Kind::Replace, Some(v));
            }
        }
        (None, v) => set_or_remove(object, "value", Kind::Replace, Some(v)),
    }
}

/// The value a filter of `eq` comparisons joined by `and` describes (`type eq "work"`).
fn described_by(filter: &Filter) -> Option<Map<String, Value>> {
    match filter {
        Filter::Compare {
            path,
            op: Op::Eq,
            value,
        } if path.sub.is_none() && path.schema.is_none() => {
            Some([(path.attr.clone(), value.clone())].into_iter().collect())
        }
        Filter::And(a, b) => {
            let mut both = described_by(a)?;
            both.extend(described_by(b)?);
            Some(both)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
