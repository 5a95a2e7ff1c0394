//! The plain types of the domain: roles, scopes, memberships, users and the structure.

use crate::error::Error;
use serde::Serialize;

/// A role held at a scope. The union of the seed platforms' role sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Support,
    Supervisor,
    Member,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Support,
        Role::Supervisor,
        Role::Member,
        Role::Viewer,
    ];

    pub fn parse(text: &str) -> Result<Role, Error> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == text)
            .ok_or_else(|| {
                Error::invalid(
                    "role",
                    format!("unknown role `{text}`; roles are admin, support, supervisor, member, viewer"),
                )
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Support => "support",
            Role::Supervisor => "supervisor",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }

    /// The role's name for people.
    pub fn title(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Support => "Support",
            Role::Supervisor => "Supervisor",
            Role::Member => "Member",
            Role::Viewer => "Viewer",
        }
    }

    /// What the role lets its holder do where it is held, in one line (see `access.rs` for
    /// the rules themselves; the admin page shows this beside its role picker).
    pub fn describe(self) -> &'static str {
        match self {
            Role::Admin => "Adds and removes sites and plants below this place, creates users here, and grants and removes any role here and below",
            Role::Support => "Reads the users and the structure here and below, and changes nothing",
            Role::Supervisor => "A supervisor in the platform's applications here; in Gatehouse, only their own account",
            Role::Member => "A member in the platform's applications here; in Gatehouse, only their own account",
            Role::Viewer => "Looks but does not change in the platform's applications here; in Gatehouse, only their own account",
        }
    }
}

impl Serialize for Role {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ScopeType {
    Organisation,
    Site,
    Plant,
}

impl ScopeType {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeType::Organisation => "organisation",
            ScopeType::Site => "site",
            ScopeType::Plant => "plant",
        }
    }

    pub fn parse(text: &str) -> Option<ScopeType> {
        match text {
            "organisation" => Some(ScopeType::Organisation),
            "site" => Some(ScopeType::Site),
            "plant" => Some(ScopeType::Plant),
            _ => None,
        }
    }
}

/// A place in the hierarchy, carrying its ancestors so that coverage is a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scope {
    pub organisation_id: String,
    pub site_id: Option<String>,
    pub plant_id: Option<String>,
}

impl Scope {
    pub fn organisation(id: &str) -> Scope {
        Scope {
            organisation_id: id.into(),
            site_id: None,
            plant_id: None,
        }
    }

    pub fn site(organisation_id: &str, site_id: &str) -> Scope {
        Scope {
            organisation_id: organisation_id.into(),
            site_id: Some(site_id.into()),
            plant_id: None,
        }
    }

    pub fn plant(organisation_id: &str, site_id: &str, plant_id: &str) -> Scope {
        Scope {
            organisation_id: organisation_id.into(),
            site_id: Some(site_id.into()),
            plant_id: Some(plant_id.into()),
        }
    }

    pub fn kind(&self) -> ScopeType {
        match (&self.site_id, &self.plant_id) {
            (_, Some(_)) => ScopeType::Plant,
            (Some(_), None) => ScopeType::Site,
            (None, None) => ScopeType::Organisation,
        }
    }

    /// The id of the scope itself (its deepest level).
    pub fn id(&self) -> &str {
        self.plant_id
            .as_deref()
            .or(self.site_id.as_deref())
            .unwrap_or(&self.organisation_id)
    }

    /// Whether a role held here reaches `other`: this scope or anything below it.
    pub fn covers(&self, other: &Scope) -> bool {
        match self.kind() {
            ScopeType::Organisation => self.organisation_id == other.organisation_id,
            ScopeType::Site => self.site_id.is_some() && self.site_id == other.site_id,
            ScopeType::Plant => self.plant_id.is_some() && self.plant_id == other.plant_id,
        }
    }

    /// Whether this scope lies above `other` (so that its name is shown to a holder there).
    pub fn is_ancestor_of(&self, other: &Scope) -> bool {
        self.covers(other) && self != other
    }
}

/// A role held by a user at one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub id: String,
    pub user_id: String,
    pub scope: Scope,
    pub scope_name: String,
    pub role: Role,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    Active,
    Disabled,
}

impl UserStatus {
    pub fn parse(text: &str) -> Result<UserStatus, Error> {
        match text {
            "active" => Ok(UserStatus::Active),
            "disabled" => Ok(UserStatus::Disabled),
            other => Err(Error::invalid(
                "status",
                format!("`{other}` is not active or disabled"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }
}

/// A user as stored, without the password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    /// A stable integer, never reused; the Busroot dialect shows it as `id`.
    pub number: i64,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: String,
    pub mobile_number: Option<String>,
    pub country_code: Option<String>,
    pub status: UserStatus,
    pub superadmin: bool,
    pub can_introspect: bool,
    pub must_change_password: bool,
    pub locked_until: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub last_login_at: Option<String>,
    /// The scope that owns the account: the one it was created at. `None`: the system, so that
    /// only a superadmin manages it.
    pub owner: Option<Scope>,
}

/// A user with what they hold, as the operations return it.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub user: User,
    pub memberships: Vec<Membership>,
    pub modules: Vec<String>,
    /// Whether the caller the record was prepared for may change, disable or delete the user.
    pub manageable: bool,
}

/// What the caller a structure object was prepared for may do with it, so that the admin page
/// offers exactly what the server would allow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rights {
    /// Rename or delete it.
    pub manage: bool,
    /// Grant any role at it, create users and add structure below it.
    pub administer: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    pub domain: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub rights: Rights,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub id: String,
    pub organisation_id: String,
    pub organisation_name: String,
    pub name: String,
    pub timezone: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub rights: Rights,
}

impl Site {
    pub fn scope(&self) -> Scope {
        Scope::site(&self.organisation_id, &self.id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plant {
    pub id: String,
    pub site_id: String,
    pub site_name: String,
    pub organisation_id: String,
    pub organisation_name: String,
    pub name: String,
    pub created_at: String,
    pub updated_at: String,
    pub rights: Rights,
}

impl Plant {
    pub fn scope(&self) -> Scope {
        Scope::plant(&self.organisation_id, &self.site_id, &self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_at_a_plant_gives_nothing_at_its_site() {
        let plant = Scope::plant("o", "s", "p");
        let site = Scope::site("o", "s");
        assert!(!plant.covers(&site));
        assert!(site.covers(&plant));
        assert!(Scope::organisation("o").covers(&plant));
        assert!(!Scope::site("o", "s2").covers(&plant));
        assert!(!Scope::organisation("o2").covers(&site));
    }
}
