//! Who may do what, where: pure rules over a principal's memberships. Deny by default.

use super::model::{Membership, Rights, Role, Scope, User, UserRecord};

/// How the caller proved who they are; recorded with what they do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Basic,
    ApiKey(String),
    Bearer(String),
    Session(String),
    /// The operator at the command line, who holds the database file.
    Operator,
}

impl Credential {
    pub fn kind(&self) -> &'static str {
        match self {
            Credential::Basic => "basic",
            Credential::ApiKey(_) => "api_key",
            Credential::Bearer(_) => "bearer",
            Credential::Session(_) => "session",
            Credential::Operator => "cli",
        }
    }

    /// The public id of the credential (never a secret).
    pub fn id(&self) -> Option<&str> {
        match self {
            Credential::Basic | Credential::Operator => None,
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
    /// A superadmin marked this user as one that may introspect tokens (a resource server).
    pub can_introspect: bool,
    pub memberships: Vec<Membership>,
    pub credential: Credential,
    /// The client address the request came from, for the audit trail.
    pub source: String,
}

/// Whose users a list may show: what `Principal::listing_reach` decides and the page query
/// walks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListingReach {
    /// Every user (a superadmin with no scope filter).
    Everyone,
    /// Users holding a membership at or below one of these scopes (none of which lies within
    /// another), and the caller when `me`.
    Members { scopes: Vec<Scope>, me: bool },
}

/// Proof that the caller may change one account (its profile, email, password, status,
/// modules, keys, or delete it). Only the checks below make one, and every storage function
/// that writes an account takes one, so that an operation cannot change a user it has not
/// authorized (lldap's writeable handler is the model).
#[derive(Debug)]
pub struct AccountWrite {
    user_id: String,
}

impl AccountWrite {
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// For the caller's own account, after they proved it with their current password.
    pub fn own(p: &Principal) -> AccountWrite {
        AccountWrite {
            user_id: p.user_id.clone(),
        }
    }

    /// For the operator at the command line (bootstrap, `gatehouse` subcommands), who holds
    /// the database file and so every right.
    pub fn by_the_operator(user_id: &str) -> AccountWrite {
        AccountWrite {
            user_id: user_id.to_string(),
        }
    }
}

/// Proof that the caller may hold this membership's scope to grant or revoke it: the storage
/// functions that add and remove memberships take one, and only `may_change_membership` (and
/// the operator) make one.
#[derive(Debug)]
pub struct MembershipWrite<'a> {
    membership: &'a Membership,
}

impl<'a> MembershipWrite<'a> {
    pub fn membership(&self) -> &'a Membership {
        self.membership
    }

    /// For the operator at the command line and the benchmark's loader.
    pub fn by_the_operator(membership: &'a Membership) -> MembershipWrite<'a> {
        MembershipWrite { membership }
    }
}

/// Proof that the caller may create, change or delete the SCIM group of a role at this scope
/// (they administer it): the storage functions that write a group's row take one.
#[derive(Debug)]
pub struct GroupWrite<'a> {
    scope: &'a Scope,
}

impl<'a> GroupWrite<'a> {
    pub fn scope(&self) -> &'a Scope {
        self.scope
    }
}

/// Where a provisioned account is placed (`Principal::provisioning_home`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Home {
    /// The system's, with no role until a group gives one.
    System,
    /// A viewer at this scope.
    Viewer(Scope),
}

/// What the signed-in user may do in general, for the admin page: it shows exactly these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallerRights {
    pub read_audit: bool,
    pub create_users: bool,
    pub create_organisations: bool,
    /// Registers OpenID Connect applications (for some organisation at least).
    pub register_apps: bool,
}

/// What part of the audit trail a caller reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditReach {
    Everything,
    /// The events that concern these organisations.
    Organisations(Vec<String>),
}

/// The scope that owns an account, or `None` for the system. Superadmins and users who may
/// introspect are always the system's: no organisation admin manages them.
pub fn account_owner(user: &User) -> Option<&Scope> {
    if user.superadmin || user.can_introspect {
        return None;
    }
    user.owner.as_ref()
}

impl Principal {
    /// The operator at the command line (`gatehouse import`): every right, as the holder of
    /// the database file has anyway. The audit trail records them as `cli`.
    pub fn operator() -> Principal {
        Principal {
            user_id: String::new(),
            email: "operator".into(),
            superadmin: true,
            must_change_password: false,
            can_introspect: false,
            memberships: Vec::new(),
            credential: Credential::Operator,
            source: "command line".into(),
        }
    }

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

    /// What the caller may do with the structure object at `scope`.
    pub fn structure_rights(&self, scope: &Scope) -> Rights {
        Rights {
            manage: self.manages_structure(scope),
            administer: self.administers(scope),
        }
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

    /// May manage the account itself (profile, email, password, status, modules, deletion):
    /// the caller administers the scope that owns it and every membership it holds. Accounts
    /// the system owns are managed by superadmins only. Joining a user to one's scope gives a
    /// membership to manage, never the account.
    pub fn can_manage_user(&self, target: &UserRecord) -> bool {
        if self.superadmin {
            return true;
        }
        let Some(owner) = account_owner(&target.user) else {
            return false;
        };
        self.administers(owner)
            && target
                .memberships
                .iter()
                .all(|m| self.administers(&m.scope))
    }

    /// The proof `can_manage_user` stands for, for the storage functions that need it.
    pub fn may_manage_account(&self, target: &UserRecord) -> Option<AccountWrite> {
        self.can_manage_user(target).then(|| AccountWrite {
            user_id: target.user.id.clone(),
        })
    }

    /// May create an account owned by `owner` (None: the system) holding roles at `scopes`.
    pub fn may_create_account(
        &self,
        user_id: &str,
        owner: Option<&Scope>,
        superadmin: bool,
        scopes: &[Scope],
    ) -> Option<AccountWrite> {
        let allowed = self.superadmin
            || (!superadmin
                && owner.is_some_and(|o| self.administers(o))
                && !scopes.is_empty()
                && scopes.iter().all(|s| self.administers(s)));
        allowed.then(|| AccountWrite {
            user_id: user_id.to_string(),
        })
    }

    /// Grants or revokes a role at the membership's scope: the caller administers it.
    pub fn may_change_membership<'a>(&self, m: &'a Membership) -> Option<MembershipWrite<'a>> {
        self.administers(&m.scope)
            .then_some(MembershipWrite { membership: m })
    }

    /// Grants and removes superadmin and canIntrospect, and moves an account's owner.
    pub fn may_change_system_flags(&self) -> bool {
        self.superadmin
    }

    /// Creates, renames and deletes organisations.
    pub fn may_create_organisations(&self) -> bool {
        self.superadmin
    }

    /// Sets someone's password through an administrator's path (a reset, a 4PointX PUT):
    /// never one's own, which takes the current password.
    pub fn may_set_password_of(&self, target: &UserRecord) -> bool {
        target.user.id != self.user_id && self.can_manage_user(target)
    }

    /// Creates an API key: only with proof of the password in this request or session, so
    /// that a short-lived token or another key cannot mint a credential that never expires.
    pub fn may_create_api_key(&self) -> bool {
        matches!(self.credential, Credential::Basic | Credential::Session(_))
    }

    /// Asks what any token means (RFC 7662): superadmins and users marked canIntrospect.
    pub fn may_introspect(&self) -> bool {
        self.superadmin || self.can_introspect
    }

    /// What of the audit trail the caller reads: everything for a superadmin, the events of
    /// the organisations they administer for an organisation admin, nothing for anyone else.
    pub fn audit_reach(&self) -> Option<AuditReach> {
        if self.superadmin {
            return Some(AuditReach::Everything);
        }
        let mut organisations: Vec<String> = Vec::new();
        for m in &self.memberships {
            if m.role == Role::Admin
                && m.scope.site_id.is_none()
                && !organisations.contains(&m.scope.organisation_id)
            {
                organisations.push(m.scope.organisation_id.clone());
            }
        }
        (!organisations.is_empty()).then_some(AuditReach::Organisations(organisations))
    }

    /// Registers, changes or removes an OpenID Connect client limited to `organisations`: a
    /// superadmin any client; an organisation admin only one limited to organisations that
    /// they administer, every one of them.
    pub fn may_manage_oidc_client(&self, organisations: &[String]) -> bool {
        self.superadmin
            || (!organisations.is_empty()
                && organisations
                    .iter()
                    .all(|o| self.administers(&Scope::organisation(o))))
    }

    /// Creates, changes or deletes a SCIM group (a role at `scope`): its admins.
    pub fn may_manage_group<'a>(&self, scope: &'a Scope) -> Option<GroupWrite<'a>> {
        self.administers(scope).then_some(GroupWrite { scope })
    }

    /// Where a person a directory provisions through this caller is placed, so that the
    /// account belongs where the caller administers: a superadmin's are the system's until a
    /// group gives them a role; anyone else's are viewers at the first of the outermost scopes
    /// they administer. `None`: the caller administers nothing and may not provision.
    pub fn provisioning_home(&self) -> Option<Home> {
        if self.superadmin {
            return Some(Home::System);
        }
        let administered = self
            .memberships
            .iter()
            .filter(|m| m.role == Role::Admin)
            .map(|m| &m.scope);
        outermost(administered).into_iter().next().map(Home::Viewer)
    }

    /// Lets an application skip the consent screen (a first-party app): superadmins only.
    pub fn may_skip_consent(&self) -> bool {
        self.superadmin
    }

    /// What the caller may do in general (the admin page's menus).
    pub fn rights(&self) -> CallerRights {
        CallerRights {
            read_audit: self.audit_reach().is_some(),
            create_users: self.superadmin || self.memberships.iter().any(|m| m.role == Role::Admin),
            create_organisations: self.may_create_organisations(),
            register_apps: self.superadmin
                || self
                    .memberships
                    .iter()
                    .any(|m| m.role == Role::Admin && m.scope.site_id.is_none()),
        }
    }

    /// Lists users across every organisation without naming one (4PointX's `_list` with no
    /// site): superadmins only.
    pub fn may_list_everyone(&self) -> bool {
        self.superadmin
    }

    /// Whose users the caller may list, narrowed to `within` (the list's scope filter). A
    /// filtered list (by scope or by role) shows only users with a matching membership the
    /// caller reads; an unfiltered one shows the caller too.
    pub fn listing_reach(&self, within: Option<&Scope>, role_filter: bool) -> ListingReach {
        if self.superadmin {
            return match within {
                None => ListingReach::Everyone,
                Some(f) => ListingReach::Members {
                    scopes: vec![f.clone()],
                    me: false,
                },
            };
        }
        let reading = outermost(
            self.memberships
                .iter()
                .filter(|m| matches!(m.role, Role::Admin | Role::Support))
                .map(|m| &m.scope),
        );
        match within {
            None => ListingReach::Members {
                scopes: reading,
                me: !role_filter,
            },
            Some(f) if reading.iter().any(|v| v.covers(f)) => ListingReach::Members {
                scopes: vec![f.clone()],
                me: false,
            },
            Some(f) => ListingReach::Members {
                scopes: reading.into_iter().filter(|v| f.covers(v)).collect(),
                me: false,
            },
        }
    }
}

/// The scopes that do not lie within another of them, each once.
fn outermost<'a>(scopes: impl Iterator<Item = &'a Scope> + Clone) -> Vec<Scope> {
    let mut out: Vec<Scope> = Vec::new();
    for s in scopes.clone() {
        let inside_another = scopes.clone().any(|o| o.is_ancestor_of(s));
        if !inside_another && !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests;
