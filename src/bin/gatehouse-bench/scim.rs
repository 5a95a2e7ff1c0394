//! The SCIM cases: the requests Entra ID and Okta make most (a lookup by userName, a user by
//! id, Okta's first page) and the group reads, with the superadmin's key as a Bearer token.

use crate::cases::Reference;
use crate::load::{lines_from, Script, PRELUDE};
use crate::seed::{self, Seeded};
use std::path::Path;

fn get(name: &str, setup: &str, path: &str, key: &str) -> Script {
    Script {
        name: name.to_string(),
        body: format!(
            "{PRELUDE}{setup}function request()\n  return wrk.format(\"GET\", {path}, \
             {{[\"Authorization\"] = \"Bearer {key}\"}})\nend\n"
        ),
    }
}

pub fn cases(seeded: &Seeded, dir: &Path) -> Vec<(Script, Reference)> {
    let emails = dir.join("scim-emails.txt");
    let some: Vec<String> = (0..seeded.user_ids.len())
        .step_by(7)
        .map(seed::email)
        .collect();
    std::fs::write(&emails, some.join("\n")).expect("write the emails for the load");
    let ids = lines_from("ids", &dir.join("ids.txt"));
    let key = seeded.superadmin.key.as_str();
    let group = format!("plant.{}.member", seeded.plant);
    vec![
        (
            get(
                "SCIM user by userName filter",
                &lines_from("emails", &emails),
                "\"/scim/v2/Users?filter=userName%20eq%20%22\" .. emails[math.random(#emails)] .. \"%22\"",
                key,
            ),
            Reference::Ours("user by id, X-API-KEY"),
        ),
        (
            get("SCIM user by id", &ids, "\"/scim/v2/Users/\" .. ids[math.random(#ids)]", key),
            Reference::Ours("user by id, X-API-KEY"),
        ),
        (
            get("SCIM users, startIndex=1&count=2", "", "\"/scim/v2/Users?startIndex=1&count=2\"", key),
            Reference::Ours("users page, all"),
        ),
        (
            get(
                "SCIM group by id, no members",
                "",
                &format!("\"/scim/v2/Groups/{group}?excludedAttributes=members\""),
                key,
            ),
            Reference::None,
        ),
        (
            get("SCIM groups, no members", "", "\"/scim/v2/Groups?excludedAttributes=members&count=100\"", key),
            Reference::None,
        ),
    ]
}
