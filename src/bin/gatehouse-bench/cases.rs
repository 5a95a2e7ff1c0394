//! The cases: what each sends, and the figure it is held against.

use crate::load::{self, lines_from, Driver, Measured, Script, PRELUDE};
use crate::seed::{self, Seeded};
use base64::Engine;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a case's requests/s is divided by for its ratio.
#[derive(Debug, Clone, serde::Serialize)]
pub enum Reference {
    /// The bare program's case of that name.
    Bare(&'static str),
    /// Another of Gatehouse's own cases.
    Ours(&'static str),
    /// Cores ÷ the time of one bcrypt verify: what password checks can reach at all.
    BcryptBound,
    None,
}

fn script(name: &str, body: String) -> Script {
    Script {
        name: name.to_string(),
        body: format!("{PRELUDE}{body}"),
    }
}

/// A GET of `path` (a Lua expression) with one header.
fn get(name: &str, setup: &str, path: &str, header: (&str, &str)) -> Script {
    script(
        name,
        format!(
            "{setup}function request()\n  return wrk.format(\"GET\", {path}, {{[\"{}\"] = \"{}\"}})\nend\n",
            header.0, header.1
        ),
    )
}

fn basic(email: &str) -> String {
    let token =
        base64::engine::general_purpose::STANDARD.encode(format!("{email}:{}", seed::PASSWORD));
    format!("Basic {token}")
}

fn write_lines(path: &Path, lines: impl Iterator<Item = String>) -> PathBuf {
    let text: Vec<String> = lines.collect();
    std::fs::write(path, text.join("\n")).expect("write a list for the load");
    path.to_path_buf()
}

/// A bearer token for the superadmin, from the client-credentials grant.
pub fn bearer(address: &str, seeded: &Seeded) -> String {
    let body = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        seeded.superadmin.key_id, seeded.superadmin.key
    );
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let (status, answer) = load::http(address, "POST", "/oauth/token", &form, &body);
    assert_eq!(status, 200, "a token for the load: {answer}");
    let value: serde_json::Value = serde_json::from_str(&answer).expect("a token answer");
    value["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Reads: one user by id with each credential and caller, and pages of each filter.
fn reads(seeded: &Seeded, dir: &Path, token: &str) -> Vec<(Script, Reference)> {
    let ids = write_lines(&dir.join("ids.txt"), seeded.user_ids.iter().cloned());
    let org_ids = write_lines(
        &dir.join("org-ids.txt"),
        seeded
            .user_ids
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 1000 < 100)
            .map(|(_, id)| id.clone()),
    );
    let random_user = "\"/api/v1/users/\" .. ids[math.random(#ids)]";
    let key = seeded.superadmin.key.as_str();
    let bearer = format!("Bearer {token}");
    let root_basic = basic(&seeded.superadmin.email);
    let site_admin = seeded.site_admin.key.as_str();
    let deep = seeded
        .site_users
        .get(seeded.site_users.len() * 9 / 10)
        .copied()
        .unwrap_or(0);
    let cursor = hex(&seed::email(deep));
    let page = |q: String| format!("\"/api/v1/users?limit=50{q}\"");
    let site = format!("&siteId={}", seeded.site);
    vec![
        (
            get("health", "", "\"/health\"", ("Accept", "*/*")),
            Reference::Bare("health"),
        ),
        (
            get(
                "user by id, X-API-KEY",
                &lines_from("ids", &ids),
                random_user,
                ("X-API-KEY", key),
            ),
            Reference::Bare("keyed"),
        ),
        (
            get(
                "user by id, Basic (cached)",
                &lines_from("ids", &ids),
                random_user,
                ("Authorization", &root_basic),
            ),
            Reference::Bare("keyed"),
        ),
        (
            get(
                "user by id, Bearer",
                &lines_from("ids", &ids),
                random_user,
                ("Authorization", &bearer),
            ),
            Reference::Bare("keyed"),
        ),
        (
            get(
                "user by id, org admin key",
                &lines_from("ids", &org_ids),
                random_user,
                ("X-API-KEY", &seeded.org_admin.key),
            ),
            Reference::Bare("keyed"),
        ),
        (
            get(
                "users page, all",
                "",
                &page(String::new()),
                ("X-API-KEY", key),
            ),
            Reference::Bare("page_first"),
        ),
        (
            get(
                "users page, site",
                "",
                &page(site.clone()),
                ("X-API-KEY", key),
            ),
            Reference::Bare("page_first"),
        ),
        (
            get(
                "users page, site, site admin",
                "",
                &page(site.clone()),
                ("X-API-KEY", site_admin),
            ),
            Reference::Bare("page_first"),
        ),
        (
            get(
                "users page, site, 90% deep",
                "",
                &page(format!("{site}&cursor={cursor}")),
                ("X-API-KEY", key),
            ),
            Reference::Bare("page_deep"),
        ),
        (
            get(
                "users page, organisation",
                "",
                &page(format!("&organisationId={}", seeded.organisation)),
                ("X-API-KEY", key),
            ),
            Reference::Bare("page_first"),
        ),
        (
            get(
                "users page, plant",
                "",
                &page(format!("&plantId={}", seeded.plant)),
                ("X-API-KEY", key),
            ),
            Reference::Bare("page_first"),
        ),
        (
            get(
                "users page, role",
                "",
                &page("&role=member".into()),
                ("X-API-KEY", key),
            ),
            Reference::Bare("page_first"),
        ),
        (
            get(
                "users page, q",
                "",
                &page("&q=user00012".into()),
                ("X-API-KEY", key),
            ),
            Reference::Bare("page_first"),
        ),
        (
            get(
                "users page, q, site admin",
                "",
                &page("&q=user00012".into()),
                ("X-API-KEY", site_admin),
            ),
            Reference::Bare("page_first"),
        ),
    ]
}

/// A POST or PATCH of a JSON or form body (a Lua expression) with one header.
fn send(
    name: &str,
    setup: &str,
    method: &str,
    path: &str,
    kind: &str,
    body: &str,
    key: &str,
) -> Script {
    script(
        name,
        format!(
            "{setup}function request()\n  n = n + 1\n  return wrk.format(\"{method}\", {path}, \
             {{[\"X-API-KEY\"] = \"{key}\", [\"Content-Type\"] = \"{kind}\"}}, {body})\nend\n"
        ),
    )
}

/// Machine credentials, writes and password checks.
fn writes(seeded: &Seeded, dir: &Path, token: &str) -> Vec<(Script, Reference, Option<u32>)> {
    let key = seeded.superadmin.key.as_str();
    let ids = lines_from("ids", &dir.join("ids.txt"));
    let emails = write_lines(
        &dir.join("emails.txt"),
        (0..seeded.user_ids.len()).step_by(7).map(seed::email),
    );
    let form = "application/x-www-form-urlencoded";
    let grant = format!(
        "\"grant_type=client_credentials&client_id={}&client_secret={}\"",
        seeded.superadmin.key_id, seeded.superadmin.key
    );
    let plant = &seeded.plant;
    let new_user = |password: bool| {
        let password = if password {
            format!(", \\\"password\\\": \\\"{}\\\"", seed::PASSWORD)
        } else {
            String::new()
        };
        format!(
            "'{{\"email\": \"new' .. tid .. '-' .. n .. '-' .. math.random(1e9) .. '@bench.example\", \
             \"memberships\": [{{\"plantId\": \"{plant}\", \"role\": \"member\"}}]{password}}}'"
        )
    };
    let signin = format!(
        "{}function request()\n  local e = emails[math.random(#emails)]\n  return wrk.format(\"GET\", \"/api/v1/users/me\", \
         {{[\"Authorization\"] = \"Basic \" .. b64(e .. \":{}\")}})\nend\n",
        lines_from("emails", &emails),
        seed::PASSWORD
    );
    let mixed = format!(
        "{ids}function request()\n  n = n + 1\n  local id = ids[math.random(#ids)]\n  if n % 10 == 0 then\n    \
         return wrk.format(\"PATCH\", \"/api/v1/users/\" .. id, {{[\"X-API-KEY\"] = \"{key}\", [\"Content-Type\"] = \"application/json\"}}, \
         '{{\"firstName\": \"Mixed' .. n .. '\"}}')\n  end\n  return wrk.format(\"GET\", \"/api/v1/users/\" .. id, {{[\"X-API-KEY\"] = \"{key}\"}})\nend\n"
    );
    vec![
        (
            send(
                "POST /oauth/token client_credentials",
                "",
                "POST",
                "\"/oauth/token\"",
                form,
                &grant,
                key,
            ),
            Reference::Ours("user by id, X-API-KEY"),
            None,
        ),
        (
            send(
                "POST /oauth/introspect",
                "",
                "POST",
                "\"/oauth/introspect\"",
                form,
                &format!("\"token={token}\""),
                key,
            ),
            Reference::Ours("user by id, X-API-KEY"),
            None,
        ),
        (
            send(
                "PATCH user (durable write)",
                &ids,
                "PATCH",
                "\"/api/v1/users/\" .. ids[math.random(#ids)]",
                "application/json",
                "'{\"firstName\": \"Bench' .. n .. '\"}'",
                key,
            ),
            Reference::None,
            None,
        ),
        (
            script("mixed 90% reads, 10% writes", mixed),
            Reference::Bare("keyed"),
            None,
        ),
        (
            script("password sign-in, distinct users", format!("{B64}{signin}")),
            Reference::BcryptBound,
            Some(4),
        ),
        (
            send(
                "create user with a password",
                "",
                "POST",
                "\"/api/v1/users\"",
                "application/json",
                &new_user(true),
                key,
            ),
            Reference::BcryptBound,
            Some(4),
        ),
        (
            send(
                "create user without a password",
                "",
                "POST",
                "\"/api/v1/users\"",
                "application/json",
                &new_user(false),
                key,
            ),
            Reference::BcryptBound,
            Some(4),
        ),
    ]
}

/// Base64 in Lua, for Basic credentials built per request.
const B64: &str = "local chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'\n\
function b64(data)\n  return ((data:gsub('.', function(x)\n    local r, b = '', x:byte()\n    \
for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and '1' or '0') end\n    return r\n  \
end) .. '0000'):gsub('%d%d?%d?%d?%d?%d?', function(x)\n    if #x < 6 then return '' end\n    local c = 0\n    \
for i = 1, 6 do c = c + (x:sub(i, i) == '1' and 2 ^ (6 - i) or 0) end\n    return chars:sub(c + 1, c + 1)\n  \
end) .. ({ '', '==', '=' })[#data % 3 + 1])\nend\n";

/// Runs the cases (`only` those whose name contains it), with `more` reads after these (the
/// SCIM cases). On a read-only replica, only the reads that present a key or a token: a
/// replica refuses writes and password checks.
pub fn run_gatehouse(
    driver: &Driver,
    seeded: &Seeded,
    dir: &Path,
    (only, token, replica): (Option<&str>, &str, bool),
    more: Vec<(Script, Reference)>,
) -> Vec<(Measured, Reference)> {
    let probe = [("X-API-KEY", seeded.superadmin.key.as_str())];
    let writes = if replica {
        Vec::new()
    } else {
        writes(seeded, dir, token)
    };
    let all = reads(seeded, dir, token)
        .into_iter()
        .chain(more)
        .map(|(script, reference)| (script, reference, None))
        .chain(writes);
    let mut out = Vec::new();
    for (script, reference, connections) in all {
        if only.is_some_and(|o| !script.name.contains(o))
            || (replica && script.name.contains("Basic"))
        {
            continue;
        }
        eprintln!("case: {}", script.name);
        out.push((driver.run(&script, connections), reference));
        driver.settle(&probe);
    }
    out
}

/// The bare program's cases, when it is built: its own database of a million users (seeded at
/// its first start), its own wrk scripts.
pub fn run_bare(args: &crate::Args, dir: &Path) -> Result<Vec<Measured>, String> {
    if args.no_bare {
        return Err("skipped (--no-bare)".into());
    }
    let tmp = std::env::var("TMPDIR").unwrap_or_else(|_| "/tmp".into());
    let binary = args
        .bare
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{tmp}/limits-target/release/limits")));
    if !binary.exists() {
        return Err(format!(
            "{} is not built (see ../shared/limits/README.md: CARGO_TARGET_DIR={tmp}/limits-target cargo build --release)",
            binary.display()
        ));
    }
    let limits = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/limits");
    let work = dir.join("bare");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let db = std::env::var("BARE_DB")
        .map(PathBuf::from)
        .unwrap_or_else(|_| work.join("users.db"));
    let db_dir = db.parent().map(Path::to_path_buf).unwrap_or(work.clone());
    std::os::unix::fs::symlink(limits.join("lua"), db_dir.join("lua")).ok();
    let port = "18081";
    let mut child = Command::new(&binary)
        .env("DB", &db)
        .env("PORT", port)
        .env("BCRYPT_BENCH", "0")
        .current_dir(&db_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let address = format!("127.0.0.1:{port}");
    crate::wait_healthy(&address);
    let driver = Driver {
        address,
        seconds: args.seconds,
        connections: args.connections,
        dir: db_dir.clone(),
    };
    let deep = std::fs::read_to_string(db_dir.join("ids.txt"))
        .unwrap_or_default()
        .lines()
        .max()
        .unwrap_or("")
        .to_string();
    let lua =
        |name: &str| std::fs::read_to_string(limits.join("lua").join(name)).unwrap_or_default();
    let cases = [
        ("health", "function request() return wrk.format(\"GET\", \"/health\") end\n".to_string()),
        ("keyed", lua("keyed.lua")),
        ("page_first", "function request() return wrk.format(\"GET\", \"/users?limit=50\") end\n".to_string()),
        ("page_deep", format!("function request() return wrk.format(\"GET\", \"/users?after={deep}&limit=50\") end\n")),
    ];
    let out = cases
        .into_iter()
        .map(|(name, body)| {
            eprintln!("bare case: {name}");
            driver.run(
                &Script {
                    name: name.into(),
                    body,
                },
                None,
            )
        })
        .collect();
    let _ = child.kill();
    let _ = child.wait();
    Ok(out)
}
