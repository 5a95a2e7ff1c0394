//! Builds the benchmark's database through Gatehouse's own storage functions: 10 organisations
//! × 10 sites × 10 plants, users spread over the plants with one role each, a module each, and
//! API keys for the callers and a thousand users; one transaction, one bcrypt for everyone.

use gatehouse::config::Config;
use gatehouse::db::keys::{self, ApiKey};
use gatehouse::db::{self, structure, users};
use gatehouse::domain::access::{AccountWrite, MembershipWrite};
use gatehouse::domain::model::{
    Membership, Organisation, Plant, Role, Scope, Site, User, UserStatus,
};
use gatehouse::ops::keys::KEY_PREFIX;
use gatehouse::{ops, secrets};
use rusqlite::Connection;
use std::path::Path;
use std::time::Instant;

/// The password of every seeded user and caller.
pub const PASSWORD: &str = "benchmark pass phrase";

/// A caller the load uses: their email, API key and the users they may read.
pub struct Caller {
    pub email: String,
    pub key: String,
    pub key_id: String,
}

/// What the load needs to know about the seeded database.
pub struct Seeded {
    pub superadmin: Caller,
    pub org_admin: Caller,
    pub site_admin: Caller,
    /// Ids of every user, in email order (user i is `user{i:07}@bench.example`).
    pub user_ids: Vec<String>,
    /// The first organisation, site and plant (the admins' scopes).
    pub organisation: String,
    pub site: String,
    pub plant: String,
    /// Users of the first site, in email order.
    pub site_users: Vec<usize>,
    pub seconds: f64,
}

pub fn email(i: usize) -> String {
    format!("user{i:07}@bench.example")
}

fn plant_of(i: usize) -> usize {
    i % 1000
}

struct Structure {
    plants: Vec<Scope>,
}

fn build_structure(tx: &Connection, now: &str) -> Structure {
    let mut plants = Vec::new();
    for o in 0..10 {
        let org = Organisation {
            id: ops::new_id(),
            name: format!("Organisation {o}"),
            domain: None,
            created_at: now.into(),
            updated_at: now.into(),
            rights: Default::default(),
        };
        structure::insert_organisation(tx, &org).expect("organisation");
        for s in 0..10 {
            let site = Site {
                id: ops::new_id(),
                organisation_id: org.id.clone(),
                organisation_name: org.name.clone(),
                name: format!("Site {o}.{s}"),
                timezone: None,
                created_at: now.into(),
                updated_at: now.into(),
                rights: Default::default(),
            };
            structure::insert_site(tx, &site).expect("site");
            for p in 0..10 {
                let plant = Plant {
                    id: ops::new_id(),
                    site_id: site.id.clone(),
                    site_name: site.name.clone(),
                    organisation_id: org.id.clone(),
                    organisation_name: org.name.clone(),
                    name: format!("Plant {o}.{s}.{p}"),
                    created_at: now.into(),
                    updated_at: now.into(),
                    rights: Default::default(),
                };
                structure::insert_plant(tx, &plant).expect("plant");
                plants.push(plant.scope());
            }
        }
    }
    Structure { plants }
}

fn user(email: String, owner: Option<Scope>, superadmin: bool, now: &str) -> User {
    User {
        id: ops::new_id(),
        number: 0,
        display_name: email.clone(),
        email,
        first_name: Some("Bench".into()),
        last_name: Some("User".into()),
        mobile_number: None,
        country_code: None,
        status: UserStatus::Active,
        superadmin,
        can_introspect: false,
        must_change_password: false,
        locked_until: None,
        created_at: now.into(),
        updated_at: now.into(),
        last_login_at: None,
        owner,
    }
}

/// Stores a user with one role at `scope` (none for a superadmin) and one module.
fn store_user(tx: &Connection, u: &User, hash: &str, role: Option<(Scope, Role)>, now: &str) {
    let write = AccountWrite::by_the_operator(&u.id);
    users::insert_user(tx, &write, u, &u.email.to_lowercase(), hash).expect("user");
    if let Some((scope, role)) = role {
        let m = Membership {
            id: ops::new_id(),
            user_id: u.id.clone(),
            scope,
            scope_name: String::new(),
            role,
        };
        users::insert_membership(tx, &MembershipWrite::by_the_operator(&m), now)
            .expect("membership");
    }
    users::add_modules(tx, &write, &["Alerting".to_string()]).expect("modules");
}

fn store_key(tx: &Connection, user_id: &str, now: &str) -> (String, String) {
    let secret = secrets::token(KEY_PREFIX, 32).expect("random");
    let key = ApiKey {
        id: ops::new_id(),
        user_id: user_id.to_string(),
        name: "bench".into(),
        prefix: secret[..KEY_PREFIX.len() + 8].to_string(),
        created_at: now.into(),
        expires_at: None,
        last_used_at: None,
    };
    keys::insert_key(tx, &key, &secrets::digest(&secret)).expect("key");
    (key.id, secret)
}

fn caller(
    tx: &Connection,
    email: &str,
    role: Option<(Scope, Role)>,
    hash: &str,
    now: &str,
) -> Caller {
    let owner = role.as_ref().map(|(s, _)| s.clone());
    let u = user(email.into(), owner, role.is_none(), now);
    store_user(tx, &u, hash, role, now);
    let (key_id, key) = store_key(tx, &u.id, now);
    Caller {
        email: email.into(),
        key,
        key_id,
    }
}

/// Builds `count` users in a new database at `path` (which must not exist yet).
pub fn build(path: &Path, config: &Config, count: usize) -> Seeded {
    let started = Instant::now();
    let pool = db::open(path, 1, config.database.busy_timeout.0).expect("open");
    let mut conn = pool.get().expect("connection");
    db::migrate(&mut conn).expect("migrate");
    // Loading only: nothing is acknowledged to anyone until the file is complete.
    conn.execute_batch("PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000;")
        .expect("pragmas");
    let hash = bcrypt::hash(PASSWORD, config.security.bcrypt_cost).expect("bcrypt");
    let now = "2026-01-01T00:00:00Z";
    let tx = db::write(&mut conn).expect("transaction");
    let s = build_structure(&tx, now);
    let first_plant = s.plants[0].clone();
    let first_site = Scope::site(
        &first_plant.organisation_id,
        first_plant.site_id.as_deref().unwrap_or(""),
    );
    let first_org = Scope::organisation(&first_plant.organisation_id);
    let superadmin = caller(&tx, "bench.root@bench.example", None, &hash, now);
    let org_admin = caller(
        &tx,
        "bench.org@bench.example",
        Some((first_org.clone(), Role::Admin)),
        &hash,
        now,
    );
    let site_admin = caller(
        &tx,
        "bench.site@bench.example",
        Some((first_site.clone(), Role::Admin)),
        &hash,
        now,
    );
    let mut user_ids = Vec::with_capacity(count);
    let mut site_users = Vec::new();
    for i in 0..count {
        let plant = s.plants[plant_of(i)].clone();
        if plant.site_id == first_site.site_id {
            site_users.push(i);
        }
        let u = user(email(i), Some(plant.clone()), false, now);
        store_user(&tx, &u, &hash, Some((plant, Role::Member)), now);
        if i % 1000 == 0 {
            store_key(&tx, &u.id, now);
        }
        user_ids.push(u.id);
    }
    tx.commit().expect("commit");
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .expect("checkpoint");
    Seeded {
        superadmin,
        org_admin,
        site_admin,
        user_ids,
        organisation: first_org.organisation_id,
        site: first_site.site_id.unwrap_or_default(),
        plant: first_plant.plant_id.unwrap_or_default(),
        site_users,
        seconds: started.elapsed().as_secs_f64(),
    }
}
