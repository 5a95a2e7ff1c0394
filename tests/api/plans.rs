//! Queries planned for a million rows: a page of 50 walks an index in the order it returns and
//! stops after its rows; it never sorts everything the filter matched (a site's 10,000 users,
//! an organisation's 100,000).

use gatehouse::db::users::{explain_search, UserQuery};
use gatehouse::domain::access::ListingReach;
use gatehouse::domain::model::{Role, Scope};

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

fn query(reach: ListingReach, role: Option<Role>, text: Option<&str>) -> UserQuery {
    UserQuery {
        reach,
        me: "me@example.com".into(),
        role,
        text: text.map(str::to_string),
        after: Some("user0900000@bench.example".into()),
        state: None,
        sort: Default::default(),
        descending: false,
        after_value: None,
        limit: 51,
    }
}

fn members(scopes: &[Scope], me: bool) -> ListingReach {
    ListingReach::Members {
        scopes: scopes.to_vec(),
        me,
    }
}

fn assert_walks_in_order(what: &str, plan: &str, index: &str) {
    assert!(!plan.contains("TEMP B-TREE"), "{what} sorts:\n{plan}");
    assert!(
        plan.contains(index),
        "{what} does not walk {index}:\n{plan}"
    );
    assert!(
        !plan.contains("SCAN m"),
        "{what} scans the memberships:\n{plan}"
    );
}

#[test]
fn a_page_of_everyone_walks_the_email_index() {
    for (what, q) in [
        ("everyone", query(ListingReach::Everyone, None, None)),
        (
            "everyone, a text",
            query(ListingReach::Everyone, None, Some("smith")),
        ),
        (
            "everyone, a role",
            query(ListingReach::Everyone, Some(Role::Member), None),
        ),
    ] {
        let plan = plan(&q);
        assert!(!plan.contains("TEMP B-TREE"), "{what} sorts:\n{plan}");
        assert!(plan.contains("sqlite_autoindex_users_2"), "{what}:\n{plan}");
    }
}

#[test]
fn a_page_of_a_scopes_users_walks_that_scopes_index_range_in_email_order() {
    let org = Scope::organisation("o");
    let site = Scope::site("o", "s");
    let plant = Scope::plant("o", "s", "p");
    let cases = [
        (
            "an organisation",
            members(&[org], false),
            "memberships_by_organisation (organisation=? AND email_key>?)",
        ),
        (
            "a site",
            members(std::slice::from_ref(&site), false),
            "memberships_by_site (site=? AND email_key>?)",
        ),
        (
            "a plant",
            members(std::slice::from_ref(&plant), false),
            "memberships_by_plant (plant=? AND email_key>?)",
        ),
        (
            "a site admin and themselves",
            members(std::slice::from_ref(&site), true),
            "memberships_by_site (site=? AND email_key>?)",
        ),
        (
            "two sites and a plant",
            members(&[site.clone(), Scope::site("o", "t"), plant], false),
            "MERGE (UNION)",
        ),
    ];
    for (what, reach, index) in cases {
        for role in [None, Some(Role::Admin)] {
            let plan = plan(&query(reach.clone(), role, None));
            assert_walks_in_order(what, &plan, index);
            assert!(
                !plan.contains("SEARCH m USING INDEX"),
                "{what} reads each membership row:\n{plan}"
            );
        }
        let plan = plan(&query(reach, None, Some("smith")));
        assert_walks_in_order(what, &plan, "memberships_by_");
    }
}

#[test]
fn a_reach_of_nobody_asks_nothing() {
    assert!(plan(&query(members(&[], false), None, None)).is_empty());
}
