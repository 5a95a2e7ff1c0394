//! Queries planned for a million rows: a page of 50 walks an index in the order it returns and
//! stops after its rows; it never sorts everything the filter matched (a site's 10,000 users,
//! an organisation's 100,000). Only a plant's few users are gathered and sorted.

use gatehouse::db::users::{explain_search, UserQuery};
use gatehouse::domain::access::ScopeSet;
use gatehouse::domain::model::{Role, ScopeType};

fn plan(q: &UserQuery) -> String {
    let dir = tempfile::tempdir().unwrap();
    let pool = gatehouse::db::open(
        &dir.path().join("plan.db"),
        1,
        std::time::Duration::from_secs(1),
    )
    .unwrap();
    let mut conn = pool.get().unwrap();
    gatehouse::db::migrate(&mut conn).unwrap();
    explain_search(&conn, q).unwrap().join("\n")
}

fn query(
    visible: Option<ScopeSet>,
    scope: Option<(ScopeType, &str)>,
    role: Option<Role>,
) -> UserQuery {
    UserQuery {
        visible,
        me: "me".into(),
        scope: scope.map(|(k, id)| (k, id.to_string())),
        role,
        text: None,
        after: Some("user0900000@bench.example".into()),
        limit: 51,
    }
}

fn sites(ids: &[&str]) -> ScopeSet {
    ScopeSet {
        sites: ids.iter().map(|s| s.to_string()).collect(),
        ..ScopeSet::default()
    }
}

#[test]
fn wide_filters_and_wide_visibility_walk_the_email_index_instead_of_sorting() {
    let cases = [
        ("superadmin, everyone", query(None, None, None)),
        (
            "superadmin, a site",
            query(None, Some((ScopeType::Site, "s")), None),
        ),
        (
            "superadmin, an organisation",
            query(None, Some((ScopeType::Organisation, "o")), None),
        ),
        ("superadmin, a role", query(None, None, Some(Role::Member))),
        (
            "site admin, everyone they see",
            query(Some(sites(&["s"])), None, None),
        ),
        (
            "site admin, their site",
            query(Some(sites(&["s"])), Some((ScopeType::Site, "s")), None),
        ),
    ];
    for (what, q) in cases {
        let plan = plan(&q);
        assert!(
            !plan.contains("TEMP B-TREE FOR ORDER BY"),
            "{what} sorts:\n{plan}"
        );
        assert!(
            plan.contains("sqlite_autoindex_users_2"),
            "{what} does not walk the email index:\n{plan}"
        );
    }
}

#[test]
fn a_plant_filter_starts_from_the_plants_few_memberships() {
    let plan = plan(&query(None, Some((ScopeType::Plant, "p")), None));
    assert!(plan.contains("memberships_by_plant"), "{plan}");
}
