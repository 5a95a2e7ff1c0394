//! The files `gatehouse import` reads: JSON lines (one user a line, the fields of
//! `POST /api/v1/users` plus `status`, `password` or `passwordHash`) and CSV with the columns of
//! our own export (`/api/v1/users/export.csv`) plus `passwordHash` (or `password`).

use super::extract::parse_json;
use super::v1::users::MembershipIn;
use crate::domain::model::Role;
use crate::error::Error;
use crate::ops::import::{ImportUser, Line, LineError};
use crate::ops::users::{NewMembership, ScopeRef};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct UserIn {
    email: String,
    first_name: Option<String>,
    last_name: Option<String>,
    display_name: Option<String>,
    mobile_number: Option<String>,
    country_code: Option<String>,
    status: Option<String>,
    memberships: Option<Vec<MembershipIn>>,
    modules: Option<Vec<String>>,
    password: Option<String>,
    password_hash: Option<String>,
}

/// Reads a file: CSV when its first line is a header naming `email`, JSON lines otherwise.
pub fn parse(text: &str) -> Result<Vec<Line>, LineError> {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    match first.trim_start().starts_with('{') {
        true => json_lines(text),
        false => csv(text),
    }
}

pub fn json_lines(text: &str) -> Result<Vec<Line>, LineError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let at = |error| LineError { line: i + 1, error };
        let u: UserIn = parse_json(raw.as_bytes()).map_err(at)?;
        let memberships = u
            .memberships
            .map(|ms| {
                ms.into_iter()
                    .map(|m| m.into_request("memberships"))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()
            .map_err(at)?;
        let user = ImportUser {
            email: u.email,
            first_name: u.first_name,
            last_name: u.last_name,
            display_name: u.display_name,
            mobile_number: u.mobile_number,
            country_code: u.country_code,
            status: u.status,
            memberships,
            modules: u.modules,
            password: u.password,
            password_hash: u.password_hash,
        };
        out.push(Line {
            number: i + 1,
            user,
        });
    }
    Ok(out)
}

/// RFC 4180 records with their starting line numbers: quoted cells may hold commas, quotes
/// (doubled) and line breaks.
// long: one arm per state of the RFC 4180 reader.
fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, LineError> {
    let mut out = Vec::new();
    let (mut cell, mut row) = (String::new(), Vec::new());
    let (mut quoted, mut line, mut start) = (false, 1, 1);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                line += usize::from(c == '\n');
                cell.push(c);
            }
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                out.push((start, std::mem::take(&mut row)));
                line += 1;
                start = line;
            }
            (false, c) => cell.push(c),
        }
    }
    if quoted {
        let error = Error::bad_request("a quoted cell is not closed");
        return Err(LineError { line: start, error });
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        out.push((start, row));
    }
    Ok(out
        .into_iter()
        .filter(|(_, r)| r.iter().any(|c| !c.is_empty()))
        .collect())
}

/// One entry of the export's `roles` cell: `member at plant Press (df42...)`.
fn role_entry(entry: &str) -> Result<NewMembership, Error> {
    let bad = || {
        Error::invalid(
            "roles",
            format!("`{entry}` is not `ROLE at KIND NAME (ID)`, as the export writes it"),
        )
    };
    let (role, rest) = entry.trim().split_once(" at ").ok_or_else(bad)?;
    let (kind, rest) = rest.split_once(' ').ok_or_else(bad)?;
    let id = rest
        .trim_end()
        .strip_suffix(')')
        .and_then(|r| r.rsplit_once('('))
        .map(|(_, id)| id.trim().to_string())
        .ok_or_else(bad)?;
    let scope = match kind {
        "organisation" => ScopeRef::Organisation(id),
        "site" => ScopeRef::Site(id),
        "plant" => ScopeRef::Plant(id),
        _ => return Err(bad()),
    };
    Ok(NewMembership {
        scope,
        role: Role::parse(role.trim())?,
    })
}

/// The `; `-separated entries of a cell, none when it is empty.
fn entries(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(';').map(str::trim).filter(|e| !e.is_empty())
}

// long: one line per column of the export.
fn csv_user(columns: &[String], cells: &[String]) -> Result<ImportUser, Error> {
    let get = |name: &str| {
        columns
            .iter()
            .position(|c| c == name)
            .and_then(|i| cells.get(i))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    if get("superadmin").is_some_and(|v| v == "true") {
        return Err(Error::invalid(
            "superadmin",
            "superadmins are not imported; make them by hand",
        ));
    }
    let memberships = match columns.iter().any(|c| c == "roles") {
        true => Some(
            entries(&get("roles").unwrap_or_default())
                .map(role_entry)
                .collect::<Result<Vec<_>, _>>()?,
        ),
        false => None,
    };
    let modules = columns.iter().any(|c| c == "modules").then(|| {
        entries(&get("modules").unwrap_or_default())
            .map(str::to_string)
            .collect()
    });
    Ok(ImportUser {
        email: get("email").ok_or_else(|| Error::invalid("email", "is required"))?,
        first_name: get("firstName"),
        last_name: get("lastName"),
        display_name: get("displayName"),
        mobile_number: get("mobileNumber"),
        country_code: get("countryCode"),
        status: get("status"),
        memberships,
        modules,
        password: get("password"),
        password_hash: get("passwordHash"),
    })
}

/// The columns a CSV may have: the export's, and the password.
const COLUMNS: [&str; 14] = [
    "id",
    "email",
    "firstName",
    "lastName",
    "displayName",
    "status",
    "superadmin",
    "roles",
    "modules",
    "createdAt",
    "lastLoginAt",
    "mobileNumber",
    "countryCode",
    "passwordHash",
];

pub fn csv(text: &str) -> Result<Vec<Line>, LineError> {
    let mut rows = records(text)?.into_iter();
    let Some((header_line, columns)) = rows.next() else {
        return Ok(Vec::new());
    };
    let at = |line: usize| move |error| LineError { line, error };
    if let Some(unknown) = columns
        .iter()
        .find(|c| !COLUMNS.contains(&c.as_str()) && *c != "password")
    {
        let error = Error::bad_request(format!(
            "unknown column `{unknown}` (known: {}, password)",
            COLUMNS.join(", ")
        ));
        return Err(at(header_line)(error));
    }
    rows.map(|(line, cells)| {
        csv_user(&columns, &cells)
            .map(|user| Line { number: line, user })
            .map_err(at(line))
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_may_hold_commas_quotes_and_line_breaks() {
        let text = "\"email\",\"firstName\",\"roles\"\r\n\"a@x.example\",\"Smith, \"\"Jr\"\"\nthe second\",\"member at plant P (p1); admin at site S (s1)\"\r\n";
        let lines = csv(text).unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].number, 2);
        let u = &lines[0].user;
        assert_eq!(u.first_name.as_deref(), Some("Smith, \"Jr\"\nthe second"));
        let ms = u.memberships.as_ref().unwrap();
        assert_eq!(ms[0].scope, ScopeRef::Plant("p1".into()));
        assert_eq!(ms[1].role, Role::Admin);
    }

    #[test]
    fn a_bad_line_is_named_by_its_number() {
        let text =
            "{\"email\": \"a@x.example\"}\n\n{\"email\": \"b@x.example\", \"colour\": \"red\"}\n";
        let error = json_lines(text).unwrap_err();
        assert_eq!(error.line, 3);
        assert!(error.to_string().contains("colour"), "{error}");
        assert_eq!(
            csv("\"email\",\"shoe\"\n\"a@x.example\",\"9\"\n")
                .unwrap_err()
                .line,
            1
        );
    }
}
