//! Benchmark: user-list pages with 100,000 users, as the admin page asks for them.
//!
//! Run with `cargo run --release --example users_bench [users]`. It builds a temporary
//! database (10 organisations × 10 sites × 10 plants, one membership per user), then times
//! each kind of page for callers at each level and prints the median of several runs.

use gatehouse::auth::load_principal;
use gatehouse::clock::Clock;
use gatehouse::config::Config;
use gatehouse::db::{self, structure, users};
use gatehouse::domain::access::AccountWrite;
use gatehouse::domain::access::{Credential, Principal};
use gatehouse::domain::model::{
    Membership, Organisation, Plant, Role, Scope, Site, User, UserStatus,
};
use gatehouse::ops::listing::{list_users, UserFilter};
use gatehouse::ops::new_id;
use gatehouse::ops::users::ScopeRef;
use gatehouse::state::AppState;
use std::time::Instant;

const RUNS: usize = 15;

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut config = Config::default();
    config.database.path = dir.path().join("bench.db");
    config.security.bcrypt_cost = 4;
    let state = AppState::open(config, Clock::default()).expect("open");
    let mut conn = state.pool.get().expect("connection");

    let started = Instant::now();
    let (plants, admins) = populate(&mut conn, count);
    println!(
        "built {count} users in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    let (org, site, plant) = &plants[0];
    let principal =
        |id: &str| load_principal(&conn, id, Credential::Basic, "bench".into()).expect("principal");
    let callers: Vec<(&str, Principal)> = vec![
        ("superadmin", principal(&admins[0])),
        ("organisation admin", principal(&admins[1])),
        ("site admin", principal(&admins[2])),
        ("plant admin", principal(&admins[3])),
    ];
    let deep = {
        let first = list_users(
            &conn,
            &callers[0].1,
            UserFilter {
                limit: Some(500),
                ..Default::default()
            },
        )
        .expect("page");
        first.next_cursor
    };
    let queries: Vec<(&str, UserFilter)> = vec![
        ("first page", UserFilter::default()),
        (
            "second page",
            UserFilter {
                cursor: deep,
                ..Default::default()
            },
        ),
        (
            "site filter",
            UserFilter {
                scope: Some(ScopeRef::Site(site.clone())),
                ..Default::default()
            },
        ),
        (
            "organisation + role",
            UserFilter {
                scope: Some(ScopeRef::Organisation(org.clone())),
                role: Some("admin".into()),
                ..Default::default()
            },
        ),
        (
            "plant filter",
            UserFilter {
                scope: Some(ScopeRef::Plant(plant.clone())),
                ..Default::default()
            },
        ),
        (
            "search",
            UserFilter {
                text: Some("user04242".into()),
                ..Default::default()
            },
        ),
    ];
    println!(
        "{:<20} {:<22} {:>8} {:>10}",
        "caller", "page (limit 50)", "rows", "median ms"
    );
    for (who, p) in &callers {
        for (what, filter) in &queries {
            let mut times = Vec::new();
            let mut rows = 0;
            for _ in 0..RUNS {
                let t = Instant::now();
                let page = list_users(&conn, p, filter.clone()).expect("page");
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                rows = page.items.len();
            }
            times.sort_by(f64::total_cmp);
            println!("{who:<20} {what:<22} {rows:>8} {:>10.2}", times[RUNS / 2]);
        }
    }
}

/// Structure and users straight through the storage layer, in one transaction.
fn populate(
    conn: &mut rusqlite::Connection,
    count: usize,
) -> (Vec<(String, String, String)>, Vec<String>) {
    let tx = db::write(conn).expect("transaction");
    let now = "2026-01-01T00:00:00Z".to_string();
    let mut plants = Vec::new();
    for o in 0..10 {
        let org = Organisation {
            id: new_id(),
            name: format!("Org {o}"),
            domain: None,
            created_at: now.clone(),
            updated_at: now.clone(),
            rights: Default::default(),
        };
        structure::insert_organisation(&tx, &org).expect("organisation");
        for s in 0..10 {
            let site = Site {
                id: new_id(),
                organisation_id: org.id.clone(),
                organisation_name: org.name.clone(),
                name: format!("Site {s}"),
                timezone: None,
                created_at: now.clone(),
                updated_at: now.clone(),
                rights: Default::default(),
            };
            structure::insert_site(&tx, &site).expect("site");
            for p in 0..10 {
                let plant = Plant {
                    id: new_id(),
                    site_id: site.id.clone(),
                    site_name: site.name.clone(),
                    organisation_id: org.id.clone(),
                    organisation_name: org.name.clone(),
                    name: format!("Plant {p}"),
                    created_at: now.clone(),
                    updated_at: now.clone(),
                    rights: Default::default(),
                };
                structure::insert_plant(&tx, &plant).expect("plant");
                plants.push((org.id.clone(), site.id.clone(), plant.id));
            }
        }
    }
    let hash = bcrypt::hash("benchmark password", 4).expect("hash");
    let mut admins = Vec::new();
    for i in 0..count {
        let (org, site, plant) = &plants[i % plants.len()];
        let id = new_id();
        let email = format!("user{i:05}@plant.example");
        // The first users are the callers: superadmin, organisation, site and plant admin.
        let (scope, role) = match i {
            1 => (Scope::organisation(org), Role::Admin),
            2 => (Scope::site(org, site), Role::Admin),
            3 => (Scope::plant(org, site, plant), Role::Admin),
            _ => (
                Scope::plant(org, site, plant),
                if i % 97 == 0 {
                    Role::Admin
                } else {
                    Role::Member
                },
            ),
        };
        let user = User {
            id: id.clone(),
            number: 0,
            email: email.clone(),
            first_name: Some(format!("First{i}")),
            last_name: Some(format!("Last{i}")),
            display_name: format!("First{i} Last{i}"),
            mobile_number: None,
            country_code: None,
            status: UserStatus::Active,
            superadmin: i == 0,
            can_introspect: false,
            must_change_password: false,
            locked_until: None,
            created_at: now.clone(),
            updated_at: now.clone(),
            last_login_at: None,
            owner: (i > 0).then(|| scope.clone()),
        };
        let write = AccountWrite::by_the_operator(&id);
        users::insert_user(&tx, &write, &user, &email, &hash).expect("user");
        if i > 0 {
            let m = Membership {
                id: uuid::Uuid::new_v4().to_string(),
                user_id: id.clone(),
                scope,
                scope_name: String::new(),
                role,
            };
            let grant = gatehouse::domain::access::MembershipWrite::by_the_operator(&m);
            users::insert_membership(&tx, &grant, &now).expect("membership");
        }
        if i < 4 {
            admins.push(id);
        }
    }
    tx.commit().expect("commit");
    (plants, admins)
}
