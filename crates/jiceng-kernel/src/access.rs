//! Who may do what, where. Every service call passes through here; handlers never decide.
//!
//! A permission comes from a role; a role is held in a unit; the permission holds in that
//! unit's subtree. Outside it, objects do not exist for the caller: the answer is the same
//! 404 as for an object that is truly absent, so jurisdiction leaks nothing.

use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::org::UnitPath;
use crate::user::{Role, RoleGrant, User};

/// What an action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See the organisation tree.
    ReadOrg,
    /// Create and change units.
    ManageOrg,
    /// See users and their roles.
    ReadUsers,
    /// Create users, grant roles, reset passwords.
    ManageUsers,
    /// See personal data (phone numbers) unmasked.
    ViewPersonalData,
    /// See work orders of the jurisdiction.
    ReadOrders,
    /// Register work orders (受理).
    RegisterOrders,
    /// See callers' names and phones on work orders (needed to handle and call back).
    ViewCallerContact,
    /// See the responsibility lists (权责清单) of the jurisdiction.
    ReadDutyLists,
    /// Import and publish responsibility lists.
    ManageDutyLists,
}

impl Permission {
    pub fn granted_to(self, role: Role) -> bool {
        use Role::*;
        match self {
            Self::ReadOrg => role.is_staff(),
            Self::ManageOrg | Self::ManageUsers => role == Administrator,
            Self::ReadUsers => {
                matches!(role, Administrator | UnitLeader | Supervisor | CountyLeader)
            }
            Self::ViewPersonalData => matches!(role, Administrator),
            Self::ReadOrders => role.is_staff(),
            Self::RegisterOrders => matches!(
                role,
                HotlineOperator | Dispatcher | GridWorker | Citizen | Administrator
            ),
            Self::ViewCallerContact => matches!(
                role,
                HotlineOperator
                    | Dispatcher
                    | UnitHandler
                    | UnitLeader
                    | GridWorker
                    | Administrator
            ),
            Self::ReadDutyLists => matches!(role, Administrator | CountyLeader),
            Self::ManageDutyLists => role == Administrator,
        }
    }
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub username: String,
    pub grants: Vec<RoleGrant>,
}

/// A stored user acting as themselves: for sessions, tokens and system tools that have
/// already established who is acting.
impl From<User> for Principal {
    fn from(u: User) -> Self {
        Self {
            user_id: u.id,
            username: u.username,
            grants: u.grants,
        }
    }
}

/// The subtrees in which a permission holds, with nested ones folded away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub roots: Vec<UnitPath>,
}

impl Scope {
    pub fn contains(&self, path: &UnitPath) -> bool {
        self.roots.iter().any(|r| r.contains(path))
    }
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }
}

impl Principal {
    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    pub fn is_staff(&self) -> bool {
        self.grants.iter().any(|g| g.role.is_staff())
    }

    /// The subtrees where `perm` holds for this caller.
    pub fn scope(&self, perm: Permission) -> Scope {
        let mut roots: Vec<UnitPath> = self
            .grants
            .iter()
            .filter(|g| perm.granted_to(g.role))
            .map(|g| g.unit_path.clone())
            .collect();
        roots.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        roots.dedup();
        let folded: Vec<UnitPath> = roots
            .iter()
            .filter(|p| !roots.iter().any(|q| q != *p && q.contains(p)))
            .cloned()
            .collect();
        Scope { roots: folded }
    }

    /// The caller's scope for `perm`; 403 when the caller holds it nowhere.
    pub fn require(&self, perm: Permission) -> Result<Scope> {
        let scope = self.scope(perm);
        if scope.is_empty() {
            return Err(Error::forbidden("您的角色无权执行此操作"));
        }
        Ok(scope)
    }

    /// Checks `perm` at the unit `path`. Without the permission anywhere: 403. With it, but
    /// not over this unit: `not_found`, exactly what a missing object answers.
    pub fn require_at(&self, perm: Permission, path: &UnitPath, not_found: Error) -> Result<()> {
        if self.require(perm)?.contains(path) {
            Ok(())
        } else {
            Err(not_found)
        }
    }

    pub fn can_at(&self, perm: Permission, path: &UnitPath) -> bool {
        self.scope(perm).contains(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::ids::UnitId;

    fn unit(n: u128) -> UnitId {
        UnitId(uuid::Uuid::from_u128(n))
    }

    fn principal(grants: Vec<(Role, UnitPath)>) -> Principal {
        Principal {
            user_id: UserId(uuid::Uuid::from_u128(99)),
            username: "u".into(),
            grants: grants
                .into_iter()
                .map(|(role, p)| RoleGrant {
                    role,
                    unit_id: *p.ancestors().last().unwrap(),
                    unit_name: String::new(),
                    unit_path: p,
                })
                .collect(),
        }
    }

    #[test]
    fn jurisdiction_is_the_subtree() {
        let county = UnitPath::root(unit(1));
        let town_a = county.child(unit(2));
        let town_b = county.child(unit(3));
        let leader_a = principal(vec![(Role::UnitLeader, town_a.clone())]);
        let nf = Error::new(crate::error::codes::ORG_UNIT_NOT_FOUND, "不存在");
        assert!(
            leader_a
                .require_at(Permission::ReadUsers, &town_a, nf.clone())
                .is_ok()
        );
        let e = leader_a
            .require_at(Permission::ReadUsers, &town_b, nf.clone())
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);
        let e = leader_a
            .require_at(Permission::ManageUsers, &town_a, nf)
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden);
    }

    #[test]
    fn citizens_hold_no_staff_permission() {
        let county = UnitPath::root(unit(1));
        let c = principal(vec![(Role::Citizen, county)]);
        assert!(c.require(Permission::ReadOrg).is_err());
        assert!(!c.is_staff());
    }

    #[test]
    fn nested_scopes_fold() {
        let county = UnitPath::root(unit(1));
        let town = county.child(unit(2));
        let p = principal(vec![
            (Role::Supervisor, town.clone()),
            (Role::CountyLeader, county.clone()),
        ]);
        assert_eq!(p.scope(Permission::ReadUsers).roots, vec![county]);
    }
}
