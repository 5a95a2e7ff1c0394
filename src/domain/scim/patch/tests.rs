//! The patch module's tests.

use super::*;
use serde_json::json;

fn patched(doc: Value, body: Value) -> Value {
    let mut doc = doc;
    apply(&mut doc, &parse(&body).unwrap()).unwrap();
    doc
}

#[test]
fn entra_and_okta_operations_apply_as_they_mean() {
    let doc = json!({"userName": "a", "active": true, "name": {"givenName": "A"}, "emails": [{"value": "a@x.io"}]});
    let out = patched(
        doc.clone(),
        json!({"Operations": [{"op": "Replace", "path": "active", "value": "False"}]}),
    );
    assert_eq!(out["active"], json!("False"));
    let out = patched(
        doc.clone(),
        json!({"Operations": [{"op": "replace", "value": {"active": false, "name.familyName": "B"}}]}),
    );
    assert_eq!(
        (out["active"].clone(), out["name"].clone()),
        (json!(false), json!({"givenName": "A", "familyName": "B"}))
    );
    let out = patched(
        doc.clone(),
        json!({"Operations": [{"op": "Add", "path": "emails[type eq \"work\"].value", "value": "b@x.io"}]}),
    );
    assert_eq!(
        out["emails"],
        json!([{"value": "a@x.io"}, {"type": "work", "value": "b@x.io"}])
    );
    let out = patched(
        doc,
        json!({"Operations": [{"op": "remove", "path": "name.givenName"}]}),
    );
    assert_eq!(out["name"], json!({}));
}

#[test]
fn members_are_removed_by_filter_or_by_listing_them() {
    let doc = json!({"members": [{"value": "1"}, {"value": "2"}, {"value": "3"}]});
    let out = patched(
        doc.clone(),
        json!({"Operations": [{"op": "remove", "path": "members[value eq \"2\"]"}]}),
    );
    assert_eq!(out["members"], json!([{"value": "1"}, {"value": "3"}]));
    let out = patched(
        doc,
        json!({"Operations": [{"op": "Remove", "path": "members", "value": [{"value": "1"}, {"value": "3"}]}]}),
    );
    assert_eq!(out["members"], json!([{"value": "2"}]));
}

#[test]
fn a_malformed_operation_is_refused_naming_what_is_wrong() {
    for (body, field) in [
        (json!({}), "Operations"),
        (
            json!({"Operations": [{"op": "move", "path": "a"}]}),
            "Operations",
        ),
        (json!({"Operations": [{"op": "remove"}]}), "path"),
        (json!({"Operations": [{"op": "add", "path": "a"}]}), "value"),
        (
            json!({"Operations": [{"op": "add", "path": "a[b eq", "value": 1}]}),
            "path",
        ),
    ] {
        assert_eq!(parse(&body).unwrap_err().field(), Some(field), "{body}");
    }
}
