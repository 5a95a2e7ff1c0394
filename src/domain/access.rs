//! Who may do what, where: pure rules over a principal's memberships. Deny by default.

use super::model::{Membership, Role, Scope, UserRecord};

/// How the caller proved who they are; recorded with what they do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Basic,
    ApiKey(String),
    Bearer(String),
    Session(String),
}

impl Credential {
    pub fn kind(&self) -> &'static str {
        match self {
            Credential::Basic => "basic",
            Credential::ApiKey(_) => "api_key",
            Credential::Bearer(_) => "bearer",
            Credential::Session(_) => "session",
        }
    }

    /// The public id of the credential (never a secret).
    pub fn id(&self) -> Option<&str> {
        match self {
            Credential::Basic => None,
            Credential::ApiKey(id) | Credential::Bearer(id) | Credential::Session(id) => Some(id),
        }
    }
}

/// An authenticated caller and everything the rules need to know about them.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: String,
    pub email: String,
    pub superadmin: bool,
    pub must_change_password: bool,
    pub memberships: Vec<Membership>,
    pub credential: Credential,
    /// The client address the request came from, for the audit trail.
    pub source: String,
}

/// The scopes at which a caller holds some roles, split by level for SQL filters.
#[derive(Debug, Default, Clone)]
pub struct ScopeSet {
    pub organisations: Vec<String>,
    pub sites: Vec<String>,
    pub plants: Vec<String>,
}

impl ScopeSet {
    fn add(&mut self, scope: &Scope) {
        let (list, id) = match (&scope.plant_id, &scope.site_id) {
            (Some(p), _) => (&mut self.plants, p),
            (None, Some(s)) => (&mut self.sites, s),
            (None, None) => (&mut self.organisations, &scope.organisation_id),
        };
        if !list.contains(id) {
            list.push(id.clone());
        }
    }
}

impl Principal {
    fn holds_any(&self, roles: &[Role], scope: &Scope) -> bool {
        self.memberships
            .iter()
            .any(|m| roles.contains(&m.role) && m.scope.covers(scope))
    }

    /// Admin at this scope or above it.
    pub fn administers(&self, scope: &Scope) -> bool {
        self.superadmin || self.holds_any(&[Role::Admin], scope)
    }

    /// May read the users and structure of this scope (admin or support there or above).
    pub fn reads_users_in(&self, scope: &Scope) -> bool {
        self.superadmin || self.holds_any(&[Role::Admin, Role::Support], scope)
    }

    /// May see this organisation, site or plant: it lies within a held scope, or above one.
    pub fn can_see_structure(&self, scope: &Scope) -> bool {
        self.superadmin
            || self
                .memberships
                .iter()
                .any(|m| m.scope.covers(scope) || scope.covers(&m.scope))
    }

    /// May create, rename or delete the structure object at `scope`: admin strictly above it.
    /// Organisations have nothing above them, so only a superadmin manages them.
    pub fn manages_structure(&self, scope: &Scope) -> bool {
        self.superadmin
            || self
                .memberships
                .iter()
                .any(|m| m.role == Role::Admin && m.scope.is_ancestor_of(scope))
    }

    pub fn can_see_membership(&self, membership: &Membership) -> bool {
        membership.user_id == self.user_id || self.reads_users_in(&membership.scope)
    }

    pub fn can_see_user(&self, target: &UserRecord) -> bool {
        self.superadmin
            || target.user.id == self.user_id
            || target
                .memberships
                .iter()
                .any(|m| self.reads_users_in(&m.scope))
    }

    /// May change, disable or delete the user: every one of their memberships is administered
    /// by the caller. A superadmin is managed only by a superadmin.
    pub fn can_manage_user(&self, target: &UserRecord) -> bool {
        if self.superadmin {
            return true;
        }
        !target.user.superadmin
            && !target.memberships.is_empty()
            && target
                .memberships
                .iter()
                .all(|m| self.administers(&m.scope))
    }

    /// Scopes where the caller reads users, for list queries. Empty for a superadmin.
    pub fn user_reading_scopes(&self) -> ScopeSet {
        let mut set = ScopeSet::default();
        for m in &self.memberships {
            if matches!(m.role, Role::Admin | Role::Support) {
                set.add(&m.scope);
            }
        }
        set
    }

    /// Every scope the caller holds any role at, for structure queries.
    pub fn held_scopes(&self) -> ScopeSet {
        let mut set = ScopeSet::default();
        for m in &self.memberships {
            set.add(&m.scope);
        }
        set
    }
}

#[cfg(test)]
mod tests {
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
            memberships: vec![membership("caller", scope, role)],
            credential: Credential::Basic,
            source: "127.0.0.1".into(),
        }
    }

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
}
