//! The filter module's tests.

use super::*;
use serde_json::json;

fn user() -> Value {
    json!({"userName": "Ada@Example.com", "externalId": "E1", "active": true,
        "emails": [{"value": "ada@example.com", "type": "work"}],
        "name": {"givenName": "Ada"},
        "meta": {"lastModified": "2026-12-01T10:00:00Z"}})
}

fn check(text: &str) -> bool {
    parse(text).unwrap().matches(&user())
}

#[test]
fn every_operator_matches_as_rfc_7644_says() {
    assert!(
        check(r#"userName eq "ada@example.com""#),
        "case-insensitive"
    );
    assert!(!check(r#"externalId eq "e1""#), "externalId is case-exact");
    assert!(check(r#"userName ne "bob@example.com""#));
    assert!(check(r#"userName co "EXAMPLE""#));
    assert!(check(r#"userName sw "ada""#));
    assert!(check(r#"userName ew ".com""#));
    assert!(check("name.givenName pr"));
    assert!(!check("name.familyName pr"));
    assert!(check(r#"emails.value eq "ada@example.com""#));
    assert!(check(r#"emails[type eq "work" and value co "ada"]"#));
    assert!(check("active eq true"));
    assert!(check(r#"meta.lastModified gt "2026-11-30T00:00:00Z""#));
    assert!(!check(r#"meta.lastModified lt "2026-11-30T00:00:00.000Z""#));
    assert!(check(
        r#"userName eq "x" or (active eq true and not (userName sw "b"))"#
    ));
    assert!(check(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "ADA""#
    ));
    assert!(!check(r#"userName eq "x" and active eq true"#));
}

#[test]
fn a_malformed_filter_is_refused_naming_what_is_wrong() {
    for (text, says) in [
        (r#"userName eq "x"#, "not closed"),
        ("userName eq", "expected a value"),
        (r#"userName is "x""#, "not a SCIM comparison operator"),
        (r#"(userName eq "x""#, "not closed with `)`"),
        ("userName eq x", "quote strings"),
        (r#"userName eq "x" )"#, "unexpected"),
    ] {
        let error = parse(text).unwrap_err();
        assert_eq!(error.field(), Some("filter"));
        assert!(error.public_message().contains(says), "{text}: {error:?}");
    }
}
