//! What the SCIM service says about itself (RFC 7643 5-7): its features, its resource types,
//! and the complete definition of every attribute it serves.
//!
//! A group's display name lists its `canonicalValues` from what this Gatehouse holds (the
//! groups the caller may create), so that a client building its requests from the schema sends
//! names Gatehouse takes. `emails` and `active` are required: every Gatehouse account has an
//! email and a status. Gatehouse's extension is read-only (memberships change through groups,
//! modules are granted in Gatehouse, not by the directory) and returned on request
//! (`attributes=urn:…:gatehouse:2.0:User`): `groups` shows the memberships by default.

use super::{CORE_GROUP, CORE_USER, GATEHOUSE_USER, LIST_RESPONSE};
use serde_json::{json, Value};

const SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
const RESOURCE_TYPE: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SERVICE_PROVIDER_CONFIG: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

/// An attribute's definition with RFC 7643's defaults for what it does not say.
fn attribute(name: &str, kind: &str, description: &str) -> Value {
    json!({"name": name, "type": kind, "multiValued": false, "description": description,
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"})
}

fn with(mut attr: Value, changes: Value) -> Value {
    if let (Some(a), Some(c)) = (attr.as_object_mut(), changes.as_object()) {
        a.extend(c.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    attr
}

fn value_only(name: &str, description: &str, required: bool) -> Value {
    with(
        attribute(name, "complex", description),
        json!({"multiValued": true, "required": required,
            "subAttributes": [with(attribute("value", "string", "The value itself."), json!({"required": true}))]}),
    )
}

fn user_schema() -> Value {
    let names = with(
        attribute("name", "complex", "The person's names."),
        json!({"subAttributes": [
            attribute("givenName", "string", "The given (first) name."),
            attribute("familyName", "string", "The family (last) name."),
        ]}),
    );
    let groups = with(
        attribute(
            "groups",
            "complex",
            "The groups (roles at scopes) the user is in; change them through Groups.",
        ),
        json!({"multiValued": true, "mutability": "readOnly", "subAttributes": [
            with(attribute("value", "string", "The group's id."), json!({"mutability": "readOnly", "caseExact": true})),
            with(attribute("$ref", "reference", "The group's URI."), json!({"mutability": "readOnly", "referenceTypes": ["Group"]})),
            with(attribute("type", "string", "Always direct."), json!({"mutability": "readOnly", "canonicalValues": ["direct"]})),
        ]}),
    );
    json!({"id": CORE_USER, "name": "User", "description": "A Gatehouse account.", "attributes": [
        with(attribute("userName", "string", "The directory's name for the person: the email whenever it is one."),
            json!({"required": true, "uniqueness": "server"})),
        names,
        attribute("displayName", "string", "The name shown for the person."),
        value_only("emails", "The person's email; Gatehouse keeps one (the primary, else the work one, else the first).", true),
        value_only("phoneNumbers", "The person's mobile number, such as +44 7700 900123; Gatehouse keeps one.", false),
        with(attribute("active", "boolean", "false disables the account."), json!({"required": true})),
        groups,
    ]})
}

fn extension_schema(modules: &[String]) -> Value {
    let memberships = with(
        attribute(
            "memberships",
            "complex",
            "The roles the user holds at scopes (change them through Groups).",
        ),
        json!({"multiValued": true, "mutability": "readOnly", "returned": "request", "subAttributes": [
            with(attribute("scopeType", "string", "organisation, site or plant."),
                json!({"mutability": "readOnly", "canonicalValues": ["organisation", "site", "plant"]})),
            with(attribute("scopeId", "string", "The scope's id."), json!({"mutability": "readOnly", "caseExact": true})),
            with(attribute("scopeName", "string", "The scope's name."), json!({"mutability": "readOnly"})),
            with(attribute("role", "string", "The role held there."),
                json!({"mutability": "readOnly", "canonicalValues": ["admin", "support", "supervisor", "member", "viewer"]})),
        ]}),
    );
    let modules = with(
        attribute(
            "modules",
            "string",
            "The platform modules the user may use, granted in Gatehouse.",
        ),
        json!({"multiValued": true, "mutability": "readOnly", "returned": "request",
            "canonicalValues": modules}),
    );
    json!({"id": GATEHOUSE_USER, "name": "GatehouseUser",
        "description": "What Gatehouse adds to a user: memberships and modules.",
        "attributes": [memberships, modules]})
}

fn group_schema(offered: &[String]) -> Value {
    let mut display_name = with(
        attribute(
            "displayName",
            "string",
            "`<role> at <organisation>[ / <site>[ / <plant>]]`: the group of a role at a scope.",
        ),
        // A group is its role and scope: naming another is another group.
        json!({"required": true, "uniqueness": "server", "mutability": "immutable"}),
    );
    if !offered.is_empty() {
        display_name["canonicalValues"] = json!(offered);
    }
    let members = with(
        attribute(
            "members",
            "complex",
            "The users who hold the role at the scope.",
        ),
        json!({"multiValued": true, "subAttributes": [
            with(attribute("value", "string", "The user's id."), json!({"caseExact": true, "required": true})),
            with(attribute("$ref", "reference", "The user's URI."), json!({"referenceTypes": ["User"]})),
            with(attribute("type", "string", "Always User: groups hold users."), json!({"canonicalValues": ["User"]})),
        ]}),
    );
    json!({"id": CORE_GROUP, "name": "Group", "description": "A role at a scope.",
        "attributes": [display_name, members]})
}

fn described(mut doc: Value, kind: &str, location: String) -> Value {
    doc["schemas"] = json!([if kind == "Schema" {
        SCHEMA
    } else {
        RESOURCE_TYPE
    }]);
    doc["meta"] = json!({"resourceType": kind, "location": location});
    doc
}

/// Every schema served, each as a resource.
pub fn schemas(base: &str, modules: &[String], offered: &[String]) -> Vec<Value> {
    [
        user_schema(),
        extension_schema(modules),
        group_schema(offered),
    ]
    .into_iter()
    .map(|s| {
        let location = format!("{base}/Schemas/{}", s["id"].as_str().unwrap_or_default());
        described(s, "Schema", location)
    })
    .collect()
}

pub fn resource_types(base: &str) -> Vec<Value> {
    let user = json!({"id": "User", "name": "User", "endpoint": "/Users", "description": "Accounts",
        "schema": CORE_USER, "schemaExtensions": [{"schema": GATEHOUSE_USER, "required": false}]});
    let group = json!({"id": "Group", "name": "Group", "endpoint": "/Groups",
        "description": "Roles at scopes", "schema": CORE_GROUP});
    [user, group]
        .into_iter()
        .map(|t| {
            let location = format!(
                "{base}/ResourceTypes/{}",
                t["id"].as_str().unwrap_or_default()
            );
            described(t, "ResourceType", location)
        })
        .collect()
}

/// A list of discovery resources, as `/Schemas` and `/ResourceTypes` answer.
pub fn listed(resources: Vec<Value>) -> Value {
    json!({"schemas": [LIST_RESPONSE], "totalResults": resources.len(), "startIndex": 1,
        "itemsPerPage": resources.len(), "Resources": resources})
}

pub fn service_provider_config(base: &str) -> Value {
    json!({"schemas": [SERVICE_PROVIDER_CONFIG],
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": super::list::MAX_RESULTS},
        "changePassword": {"supported": false},
        "sort": {"supported": true},
        "etag": {"supported": false},
        "authenticationSchemes": [
            {"type": "oauthbearertoken", "name": "Bearer token", "primary": true,
             "description": "An API key (ghk_…) of a user whose rights bound what provisioning may do, or an access token from /oauth/token."},
            {"type": "httpbasic", "name": "HTTP Basic",
             "description": "A user's email and password."}],
        "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")}})
}
