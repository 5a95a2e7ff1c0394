//! Listing (RFC 7644 3.4.2): the request (filter, paging, sorting, which attributes), and the
//! parts of the answer that are the same for every resource type.

use super::filter::{self, Filter};
use super::path::{field, key_of, AttrPath};
use super::LIST_RESPONSE;
use crate::error::Error;
use serde_json::{json, Map, Value};
use std::cmp::Ordering;

/// A page holds at most this many resources (`ServiceProviderConfig` says so too).
pub const MAX_RESULTS: usize = 1000;
/// A page's size when the request does not say.
pub const DEFAULT_COUNT: usize = 100;

#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    pub filter: Option<Filter>,
    /// 1-based.
    pub start_index: usize,
    pub count: usize,
    pub sort_by: Option<AttrPath>,
    pub descending: bool,
    pub attributes: Vec<AttrPath>,
    pub excluded: Vec<AttrPath>,
}

/// The parameters as text, from a query string or a `.search` body.
#[derive(Debug, Default)]
pub struct Parameters {
    pub filter: Option<String>,
    pub start_index: Option<String>,
    pub count: Option<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

impl Parameters {
    /// The parameters by their SCIM names, from wherever they are (a query string, a body).
    pub fn named(get: impl Fn(&str) -> Option<String>) -> Parameters {
        Parameters {
            filter: get("filter"),
            start_index: get("startIndex"),
            count: get("count"),
            sort_by: get("sortBy"),
            sort_order: get("sortOrder"),
            attributes: get("attributes"),
            excluded_attributes: get("excludedAttributes"),
        }
    }
}

fn number(name: &str, text: Option<&str>) -> Result<Option<i64>, Error> {
    text.map(|t| {
        t.trim()
            .parse::<i64>()
            .map_err(|_| Error::invalid(name, format!("`{name}` must be a whole number")))
    })
    .transpose()
}

fn paths(text: Option<&str>) -> Result<Vec<AttrPath>, Error> {
    text.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(AttrPath::parse)
        .collect()
}

impl ListRequest {
    /// Reads the parameters; RFC 7644 3.4.2.4 says a `startIndex` below 1 is 1 and a negative
    /// `count` is 0.
    pub fn parse(p: &Parameters) -> Result<ListRequest, Error> {
        let filter = match p.filter.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(filter::parse(text)?),
        };
        let start_index = number("startIndex", p.start_index.as_deref())?
            .unwrap_or(1)
            .max(1);
        let count = number("count", p.count.as_deref())?
            .map_or(DEFAULT_COUNT, |c| c.clamp(0, MAX_RESULTS as i64) as usize);
        let descending = match p
            .sort_order
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("") | Some("ascending") => false,
            Some("descending") => true,
            Some(_) => {
                return Err(Error::invalid(
                    "sortOrder",
                    "`sortOrder` is ascending or descending",
                ))
            }
        };
        let sort_by = p.sort_by.as_deref().filter(|s| !s.trim().is_empty());
        Ok(ListRequest {
            filter,
            start_index: usize::try_from(start_index).unwrap_or(usize::MAX),
            count,
            sort_by: sort_by.map(|s| AttrPath::parse(s.trim())).transpose()?,
            descending,
            attributes: paths(p.attributes.as_deref())?,
            excluded: paths(p.excluded_attributes.as_deref())?,
        })
    }

    /// Whether the answer shows the attribute `name` (of the core schema).
    pub fn shows(&self, name: &str) -> bool {
        let named = |paths: &[AttrPath]| {
            paths
                .iter()
                .any(|p| p.schema.is_none() && p.attr.eq_ignore_ascii_case(name))
        };
        match self.attributes.is_empty() {
            true => !named(&self.excluded),
            false => named(&self.attributes),
        }
    }

    /// Whether `attributes` names the extension `urn` or one of its attributes (which an
    /// extension returned on request then shows).
    pub fn asks_for(&self, urn: &str) -> bool {
        self.attributes.iter().any(|p| {
            p.schema
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(urn))
        })
    }

    /// Whether the filter or the order reads the attribute `name`.
    pub fn reads(&self, name: &str) -> bool {
        let mut read = self.filter.as_ref().map(Filter::paths).unwrap_or_default();
        read.extend(self.sort_by.as_ref());
        read.iter()
            .any(|p| p.schema.is_none() && p.attr.eq_ignore_ascii_case(name))
    }

    /// Whether a resource belongs in the answer.
    pub fn matches(&self, doc: &Value) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(doc))
    }
}

/// Sorts matching resources by `sortBy` (those without a value last), then takes the page.
pub fn page(mut found: Vec<Value>, request: &ListRequest) -> (usize, Vec<Value>) {
    if let Some(by) = &request.sort_by {
        let key = |doc: &Value| by.values(doc).first().map(|v| sort_key(v));
        found.sort_by(|a, b| {
            let order = match (key(a), key(b)) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            };
            match request.descending {
                true => order.reverse(),
                false => order,
            }
        });
    }
    let total = found.len();
    let items = found
        .into_iter()
        .skip(request.start_index - 1)
        .take(request.count)
        .collect();
    (total, items)
}

fn sort_key(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_lowercase(),
        other => other.to_string(),
    }
}

/// The ListResponse of a page: every resource cut to the attributes asked for.
pub fn response(total: usize, items: Vec<Value>, request: &ListRequest) -> Value {
    let resources: Vec<Value> = items.iter().map(|d| project(d, request)).collect();
    json!({"schemas": [LIST_RESPONSE], "totalResults": total, "startIndex": request.start_index,
        "itemsPerPage": resources.len(), "Resources": resources})
}

/// A document cut to `attributes` (plus `schemas` and `id`, always returned), or without
/// `excludedAttributes`.
pub fn project(doc: &Value, request: &ListRequest) -> Value {
    if request.attributes.is_empty() {
        let mut out = doc.clone();
        for p in request.excluded.iter().filter(|p| !always(p)) {
            remove(&mut out, p);
        }
        return out;
    }
    let mut out = Map::new();
    for name in ["schemas", "id"] {
        if let Some(v) = field(doc, name) {
            out.insert(name.into(), v.clone());
        }
    }
    for p in &request.attributes {
        copy(doc, &mut out, p);
    }
    Value::Object(out)
}

fn always(p: &AttrPath) -> bool {
    p.schema.is_none()
        && (p.attr.eq_ignore_ascii_case("id") || p.attr.eq_ignore_ascii_case("schemas"))
}

// long: the part of the document the path names, then the attribute or its sub-attribute.
fn copy(doc: &Value, out: &mut Map<String, Value>, p: &AttrPath) {
    let (source, target) = match &p.schema {
        None => (Some(doc), &mut *out),
        Some(urn) => {
            let target = out
                .entry(urn.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            let Some(target) = target.as_object_mut() else {
                return;
            };
            (field(doc, urn), target)
        }
    };
    let Some(source) = source.and_then(|s| s.as_object()) else {
        return;
    };
    let Some(key) = key_of(source, &p.attr) else {
        return;
    };
    let value = &source[&key];
    match (&p.sub, value) {
        (None, v) => {
            target.insert(key, v.clone());
        }
        (Some(sub), Value::Object(inner)) => {
            if let Some(k) = key_of(inner, sub) {
                let entry = target
                    .entry(key)
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Some(e) = entry.as_object_mut() {
                    e.insert(k.clone(), inner[&k].clone());
                }
            }
        }
        (Some(sub), Value::Array(items)) => {
            let picked: Vec<Value> = items
                .iter()
                .filter_map(|i| field(i, sub).map(|v| json!({ sub.as_str(): v })))
                .collect();
            target.insert(key, Value::Array(picked));
        }
        _ => {}
    }
}

fn remove(doc: &mut Value, p: &AttrPath) {
    let holder = match &p.schema {
        None => doc.as_object_mut(),
        Some(urn) => doc
            .as_object_mut()
            .and_then(|o| key_of(o, urn).and_then(|k| o.get_mut(&k)))
            .and_then(Value::as_object_mut),
    };
    let Some(holder) = holder else { return };
    let Some(key) = key_of(holder, &p.attr) else {
        return;
    };
    match &p.sub {
        None => {
            holder.remove(&key);
        }
        Some(sub) => match holder.get_mut(&key) {
            Some(Value::Object(inner)) => {
                if let Some(k) = key_of(inner, sub) {
                    inner.remove(&k);
                }
            }
            Some(Value::Array(items)) => {
                for item in items.iter_mut().filter_map(Value::as_object_mut) {
                    if let Some(k) = key_of(item, sub) {
                        item.remove(&k);
                    }
                }
            }
            _ => {}
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(attributes: &str, excluded: &str) -> ListRequest {
        ListRequest::parse(&Parameters {
            attributes: Some(attributes.into()),
            excluded_attributes: Some(excluded.into()),
            ..Parameters::default()
        })
        .unwrap()
    }

    #[test]
    fn attributes_and_excluded_attributes_cut_the_document() {
        let doc = json!({"schemas": ["s"], "id": "1", "userName": "a", "name": {"givenName": "A", "familyName": "B"},
            "emails": [{"value": "a@x.io"}], "meta": {"version": "v"}});
        assert_eq!(
            project(&doc, &request("userName,name.givenName", "")),
            json!({"schemas": ["s"], "id": "1", "userName": "a", "name": {"givenName": "A"}})
        );
        assert_eq!(
            project(&doc, &request("", "emails,name.familyName,id")),
            json!({"schemas": ["s"], "id": "1", "userName": "a", "name": {"givenName": "A"}, "meta": {"version": "v"}})
        );
    }

    #[test]
    fn paging_counts_from_one_and_sorts_by_the_attribute_asked_for() {
        let docs: Vec<Value> = ["c", "a", "b"]
            .iter()
            .map(|n| json!({"userName": n}))
            .collect();
        let mut r = ListRequest::parse(&Parameters {
            start_index: Some("0".into()),
            count: Some("2".into()),
            sort_by: Some("userName".into()),
            sort_order: Some("descending".into()),
            ..Parameters::default()
        })
        .unwrap();
        assert_eq!(r.start_index, 1);
        let (total, items) = page(docs.clone(), &r);
        assert_eq!(
            (total, items),
            (3, vec![json!({"userName": "c"}), json!({"userName": "b"})])
        );
        r.count = 0;
        assert_eq!(page(docs, &r), (3, vec![]));
        let bad = Parameters {
            count: Some("ten".into()),
            ..Parameters::default()
        };
        assert_eq!(ListRequest::parse(&bad).unwrap_err().field(), Some("count"));
    }
}
