//! Profile fields: parsing what a client sends, deriving the display name, and summarising a
//! change for the audit trail.

use super::users::UserChanges;
use super::Env;
use crate::domain::fields::{self, Email};
use crate::domain::model::User;
use crate::error::Error;
use serde_json::json;

pub(crate) fn optional_field(
    field: &str,
    value: Option<String>,
    parse: impl Fn(&str) -> Result<String, Error>,
) -> Result<Option<String>, Error> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|v| parse(&v).map_err(|e| rename_field(e, field)))
        .transpose()
}

fn rename_field(e: Error, field: &str) -> Error {
    match e {
        Error::Invalid { message, .. } => Error::invalid(field, message),
        other => other,
    }
}

pub(crate) fn derive_display_name(
    first: &Option<String>,
    last: &Option<String>,
    email: &Email,
) -> String {
    let joined = [first.as_deref(), last.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if joined.is_empty() {
        email.local_part().to_string()
    } else {
        joined
    }
}

/// Checks module names against the configured catalogue; the error names the unknown one.
pub fn parse_modules(env: &Env, modules: &[String]) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    for m in modules {
        let known = env
            .config
            .modules
            .catalogue
            .iter()
            .find(|c| c.as_str() == m.trim());
        match known {
            Some(name) if !out.contains(name) => out.push(name.clone()),
            Some(_) => {}
            None => {
                return Err(Error::invalid(
                    "modules",
                    format!("unknown module `{}`", crate::logging::escape(m)),
                ))
            }
        }
    }
    Ok(out)
}

/// Applies the profile fields of `changes` to `user`; returns the new email key.
pub(crate) fn apply_profile(user: &mut User, changes: &UserChanges) -> Result<String, Error> {
    let before = user.clone();
    let mut email_key = Email::key_of(&user.email);
    if let Some(e) = &changes.email {
        let email = Email::parse("email", e)?;
        user.email = email.text;
        email_key = email.key;
    }
    if let Some(v) = changes.first_name.clone() {
        user.first_name = optional_field("firstName", v, |v| fields::name("firstName", v))?;
    }
    if let Some(v) = changes.last_name.clone() {
        user.last_name = optional_field("lastName", v, |v| fields::name("lastName", v))?;
    }
    if let Some(v) = changes.mobile_number.clone() {
        user.mobile_number = optional_field("mobileNumber", v, fields::mobile_number)?;
    }
    if let Some(v) = changes.country_code.clone() {
        user.country_code = optional_field("countryCode", v, fields::country_code)?;
    }
    // Checked above when it changed; as stored otherwise.
    let email = Email::stored(&user.email);
    let derived_before = derive_display_name(&before.first_name, &before.last_name, &email);
    match changes.display_name.clone() {
        Some(v) => {
            user.display_name =
                optional_field("displayName", v, |v| fields::name("displayName", v))?
                    .unwrap_or_else(|| {
                        derive_display_name(&user.first_name, &user.last_name, &email)
                    });
        }
        // A name that was derived stays derived.
        None if before.display_name == derived_before => {
            user.display_name = derive_display_name(&user.first_name, &user.last_name, &email);
        }
        None => {}
    }
    Ok(email_key)
}

/// What an update changed, for the audit trail: field names, and the values of the flags.
pub(crate) fn change_summary(
    before: &User,
    after: &User,
    modules: Option<&Vec<String>>,
    password_set: bool,
) -> serde_json::Value {
    let mut changed = Vec::new();
    let pairs = [
        ("email", before.email != after.email),
        ("firstName", before.first_name != after.first_name),
        ("lastName", before.last_name != after.last_name),
        ("displayName", before.display_name != after.display_name),
        ("mobileNumber", before.mobile_number != after.mobile_number),
        ("countryCode", before.country_code != after.country_code),
        ("status", before.status != after.status),
        ("superadmin", before.superadmin != after.superadmin),
        (
            "canIntrospect",
            before.can_introspect != after.can_introspect,
        ),
        ("modules", modules.is_some()),
        ("password", password_set),
    ];
    for (name, differs) in pairs {
        if differs {
            changed.push(name);
        }
    }
    json!({"changed": changed, "email": after.email, "status": after.status.as_str(),
           "superadmin": after.superadmin, "canIntrospect": after.can_introspect, "modules": modules})
}
