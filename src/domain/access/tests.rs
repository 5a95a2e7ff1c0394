//! The rules' table tests.

use super::*;
use crate::domain::model::{User, UserStatus};

fn membership(user: &str, scope: Scope, role: Role) -> Membership {
    Membership {
        id: "m".into(),
        user_id: user.into(),
        scope,
        scope_name: "x".into(),
        role,
    }
}

fn principal(scope: Scope, role: Role) -> Principal {
    Principal {
        user_id: "caller".into(),
        email: "caller@example.com".into(),
        superadmin: false,
        must_change_password: false,
        can_introspect: false,
        memberships: vec![membership("caller", scope, role)],
        credential: Credential::Basic,
        source: "127.0.0.1".into(),
    }
}

/// A user created at the first of `scopes`, holding a member role at each.
fn target(scopes: Vec<Scope>) -> UserRecord {
    let user = User {
        id: "target".into(),
        number: 2,
        email: "t@example.com".into(),
        first_name: None,
        last_name: None,
        display_name: "t".into(),
        mobile_number: None,
        country_code: None,
        status: UserStatus::Active,
        superadmin: false,
        can_introspect: false,
        must_change_password: false,
        locked_until: None,
        created_at: String::new(),
        updated_at: String::new(),
        last_login_at: None,
        owner: scopes.first().cloned(),
    };
    let memberships = scopes
        .into_iter()
        .map(|s| membership("target", s, Role::Member))
        .collect();
    UserRecord {
        user,
        memberships,
        modules: vec![],
        manageable: false,
    }
}

#[test]
fn the_rules_table() {
    let org = Scope::organisation("o");
    let site = Scope::site("o", "s");
    let plant = Scope::plant("o", "s", "p");
    let sibling_plant = Scope::plant("o", "s", "p2");
    let sibling_site = Scope::site("o", "s2");
    let other_org = Scope::organisation("o2");
    // (caller scope, role, target scope, sees user, manages user, manages structure at target)
    let table = [
        (&org, Role::Admin, &plant, true, true, true),
        (&org, Role::Admin, &other_org, false, false, false),
        (&site, Role::Admin, &plant, true, true, true),
        (&site, Role::Admin, &site, true, true, false),
        (&site, Role::Admin, &sibling_site, false, false, false),
        (&site, Role::Admin, &org, false, false, false),
        (&plant, Role::Admin, &plant, true, true, false),
        (&plant, Role::Admin, &sibling_plant, false, false, false),
        (&plant, Role::Admin, &site, false, false, false),
        (&site, Role::Support, &plant, true, false, false),
        (&site, Role::Member, &plant, false, false, false),
        (&org, Role::Viewer, &site, false, false, false),
    ];
    for (held, role, at, sees, manages, structure) in table {
        let p = principal(held.clone(), role);
        let t = target(vec![at.clone()]);
        assert_eq!(
            p.can_see_user(&t),
            sees,
            "{role:?} at {held:?} sees user at {at:?}"
        );
        assert_eq!(
            p.can_manage_user(&t),
            manages,
            "{role:?} at {held:?} manages user at {at:?}"
        );
        assert_eq!(
            p.manages_structure(at),
            structure,
            "{role:?} at {held:?} manages {at:?}"
        );
    }
}

#[test]
fn an_admin_cannot_manage_a_user_who_also_holds_a_role_elsewhere() {
    let p = principal(Scope::site("o", "s"), Role::Admin);
    let t = target(vec![Scope::site("o", "s"), Scope::site("o", "s2")]);
    assert!(p.can_see_user(&t));
    assert!(!p.can_manage_user(&t));
}

#[test]
fn a_plant_member_sees_their_plant_and_the_names_above_it_only() {
    let p = principal(Scope::plant("o", "s", "p"), Role::Member);
    assert!(p.can_see_structure(&Scope::plant("o", "s", "p")));
    assert!(p.can_see_structure(&Scope::site("o", "s")));
    assert!(p.can_see_structure(&Scope::organisation("o")));
    assert!(!p.can_see_structure(&Scope::plant("o", "s", "p2")));
    assert!(!p.can_see_structure(&Scope::site("o", "s2")));
}

#[test]
fn the_account_is_managed_from_the_scope_that_owns_it() {
    let site = Scope::site("o", "s");
    let other_org = Scope::organisation("o2");
    // A user of organisation o2 joined to site s: the site admin sees them, and may not
    // manage the account, whatever roles it holds.
    let mut joined = target(vec![other_org.clone()]);
    joined.memberships = vec![membership("target", site.clone(), Role::Member)];
    let site_admin = principal(site.clone(), Role::Admin);
    assert!(site_admin.can_see_user(&joined));
    assert!(!site_admin.can_manage_user(&joined));
    assert!(site_admin.may_manage_account(&joined).is_none());
    // Nor does the owner's admin once the user also holds a role outside their reach.
    let mut both = target(vec![other_org.clone()]);
    both.memberships
        .push(membership("target", site.clone(), Role::Member));
    let owner_admin = principal(other_org.clone(), Role::Admin);
    assert!(!owner_admin.can_manage_user(&both));
    // The system's accounts are a superadmin's.
    let mut service = target(vec![site.clone()]);
    service.user.can_introspect = true;
    assert!(!site_admin.can_manage_user(&service));
    let mut system = target(vec![]);
    system.user.owner = None;
    assert!(!site_admin.can_manage_user(&system));
    let mut root = site_admin.clone();
    root.superadmin = true;
    for t in [&joined, &both, &service, &system] {
        assert!(root.can_manage_user(t));
    }
}

#[test]
fn the_named_rights_table() {
    let org = Scope::organisation("o");
    let site = Scope::site("o", "s");
    // (caller scope, role, superadmin, credential, reads audit, introspects,
    //  creates organisations, lists everyone, creates API keys)
    let table = [
        (
            &org,
            Role::Admin,
            true,
            Credential::Basic,
            true,
            true,
            true,
            true,
            true,
        ),
        (
            &org,
            Role::Admin,
            false,
            Credential::Basic,
            true,
            false,
            false,
            false,
            true,
        ),
        (
            &site,
            Role::Admin,
            false,
            Credential::Basic,
            false,
            false,
            false,
            false,
            true,
        ),
        (
            &org,
            Role::Support,
            false,
            Credential::Session("s".into()),
            false,
            false,
            false,
            false,
            true,
        ),
        (
            &org,
            Role::Admin,
            false,
            Credential::Bearer("t".into()),
            true,
            false,
            false,
            false,
            false,
        ),
        (
            &org,
            Role::Viewer,
            true,
            Credential::ApiKey("k".into()),
            true,
            true,
            true,
            true,
            false,
        ),
    ];
    for (held, role, superadmin, credential, audit, introspect, orgs, everyone, keys) in table {
        let mut p = principal(held.clone(), role);
        p.superadmin = superadmin;
        p.credential = credential.clone();
        let ctx = format!("{role:?} at {held:?}, superadmin {superadmin}, {credential:?}");
        assert_eq!(p.audit_reach().is_some(), audit, "audit: {ctx}");
        assert_eq!(p.may_introspect(), introspect, "introspect: {ctx}");
        assert_eq!(p.may_create_organisations(), orgs, "organisations: {ctx}");
        assert_eq!(p.may_change_system_flags(), orgs, "superadmin flag: {ctx}");
        assert_eq!(p.may_list_everyone(), everyone, "list everyone: {ctx}");
        assert_eq!(p.may_create_api_key(), keys, "API key: {ctx}");
    }
    let mut service = principal(site.clone(), Role::Viewer);
    service.can_introspect = true;
    assert!(service.may_introspect());
    assert_eq!(
        principal(org.clone(), Role::Admin).audit_reach(),
        Some(AuditReach::Organisations(vec!["o".into()]))
    );
}

#[test]
fn nobody_sets_their_own_password_through_an_admin_path() {
    let admin = principal(Scope::organisation("o"), Role::Admin);
    let mut own = target(vec![Scope::organisation("o")]);
    own.user.id = admin.user_id.clone();
    assert!(admin.can_manage_user(&own));
    assert!(!admin.may_set_password_of(&own));
    assert!(admin.may_set_password_of(&target(vec![Scope::site("o", "s")])));
}

#[test]
fn a_list_reaches_the_scopes_the_caller_reads_narrowed_to_its_filter() {
    let org = Scope::organisation("o");
    let site = Scope::site("o", "s");
    let other_site = Scope::site("o", "t");
    let plant = Scope::plant("o", "s", "p");
    let members = |scopes: &[&Scope], me: bool| ListingReach::Members {
        scopes: scopes.iter().map(|s| (*s).clone()).collect(),
        me,
    };
    let mut superadmin = principal(site.clone(), Role::Member);
    superadmin.superadmin = true;
    let mut plant_and_site = principal(plant.clone(), Role::Admin);
    plant_and_site
        .memberships
        .push(membership("caller", site.clone(), Role::Support));
    let mut two_plants = principal(plant.clone(), Role::Admin);
    let far_plant = Scope::plant("o", "t", "q");
    two_plants
        .memberships
        .push(membership("caller", far_plant.clone(), Role::Admin));
    let site_admin = principal(site.clone(), Role::Admin);
    let org_support = principal(org.clone(), Role::Support);
    let site_member = principal(site.clone(), Role::Member);
    let cases: Vec<(&str, &Principal, Option<&Scope>, bool, ListingReach)> = vec![
        (
            "superadmin, no filter",
            &superadmin,
            None,
            false,
            ListingReach::Everyone,
        ),
        (
            "superadmin, a role",
            &superadmin,
            None,
            true,
            ListingReach::Everyone,
        ),
        (
            "superadmin, a site",
            &superadmin,
            Some(&site),
            false,
            members(&[&site], false),
        ),
        (
            "site admin, no filter",
            &site_admin,
            None,
            false,
            members(&[&site], true),
        ),
        (
            "site admin, a role",
            &site_admin,
            None,
            true,
            members(&[&site], false),
        ),
        (
            "site admin, a plant below",
            &site_admin,
            Some(&plant),
            false,
            members(&[&plant], false),
        ),
        (
            "site admin, the organisation above",
            &site_admin,
            Some(&org),
            false,
            members(&[&site], false),
        ),
        (
            "site admin, another site",
            &site_admin,
            Some(&other_site),
            false,
            members(&[], false),
        ),
        (
            "org support, a site",
            &org_support,
            Some(&site),
            false,
            members(&[&site], false),
        ),
        (
            "a member reads nobody",
            &site_member,
            None,
            false,
            members(&[], true),
        ),
        (
            "a plant within a held site counts once",
            &plant_and_site,
            None,
            false,
            members(&[&site], true),
        ),
        (
            "two plants, filtered by one's site",
            &two_plants,
            Some(&site),
            false,
            members(&[&plant], false),
        ),
        (
            "two plants, the organisation",
            &two_plants,
            Some(&org),
            false,
            members(&[&plant, &far_plant], false),
        ),
    ];
    for (what, caller, within, role, expected) in cases {
        assert_eq!(caller.listing_reach(within, role), expected, "{what}");
    }
}

#[test]
fn an_oidc_client_is_managed_by_a_superadmin_or_an_admin_of_every_organisation_it_serves() {
    let o1 = || vec!["o1".to_string()];
    let admin = principal(Scope::organisation("o1"), Role::Admin);
    assert!(admin.may_manage_oidc_client(&o1()));
    assert!(!admin.may_manage_oidc_client(&["o1".into(), "o2".into()]));
    assert!(!admin.may_manage_oidc_client(&[]), "a client for everyone");
    assert!(!admin.may_skip_consent());
    let site_admin = principal(Scope::site("o1", "s1"), Role::Admin);
    assert!(!site_admin.may_manage_oidc_client(&o1()));
    let member = principal(Scope::organisation("o1"), Role::Member);
    assert!(!member.may_manage_oidc_client(&o1()));
    let mut root = principal(Scope::organisation("o9"), Role::Viewer);
    root.superadmin = true;
    assert!(root.may_manage_oidc_client(&[]) && root.may_skip_consent());
}

#[test]
fn provisioning_places_accounts_where_the_caller_administers_and_groups_need_an_admin() {
    let site = Scope::site("o", "s");
    let plant = Scope::plant("o", "s", "p");
    let mut root = principal(site.clone(), Role::Viewer);
    root.superadmin = true;
    assert_eq!(root.provisioning_home(), Some(Home::System));
    let mut two = principal(plant.clone(), Role::Admin);
    two.memberships
        .push(membership("caller", site.clone(), Role::Admin));
    assert_eq!(
        two.provisioning_home(),
        Some(Home::Viewer(site.clone())),
        "the outermost"
    );
    assert_eq!(
        principal(site.clone(), Role::Support).provisioning_home(),
        None
    );
    let site_admin = principal(site.clone(), Role::Admin);
    assert!(site_admin.may_manage_group(&plant).is_some());
    assert!(site_admin
        .may_manage_group(&Scope::organisation("o"))
        .is_none());
    assert!(principal(site, Role::Support)
        .may_manage_group(&plant)
        .is_none());
}
