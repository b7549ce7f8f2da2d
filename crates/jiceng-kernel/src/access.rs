//! Who may do what, where. Every service call passes through here; handlers never decide.
//!
//! A permission comes from a role; a role is held in a unit; the permission holds in that
//! unit's subtree. Outside it, objects do not exist for the caller: the answer is the same
//! 404 as for an object that is truly absent, so jurisdiction leaks nothing.
//!
//! Who holds what is one table, [`Permission::rule`] (role × action × where), listed in the
//! README. Use cases ask it through [`Principal::require`] (a [`Scope`]) or
//! [`Principal::grant`] (a [`Granted`] that the use case's worker takes), never by a role.

use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::org::UnitPath;
use crate::user::{Role, RoleGrant, User};
use std::marker::PhantomData;

/// Where a permission holds once a role grants it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reach {
    /// In the subtree of each unit the role is held in: the caller's jurisdiction.
    Jurisdiction,
    /// Only a role held in a top-level unit grants it, and it concerns the whole server
    /// (its models, its operating figures), not one jurisdiction.
    System,
    /// Over no unit: only over what the caller filed themselves.
    Own,
}

impl Reach {
    pub const ALL: [Reach; 3] = [Self::Jurisdiction, Self::System, Self::Own];

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Jurisdiction => "所在单位及下级（管辖范围）",
            Self::System => "全系统（仅最高一级单位的角色）",
            Self::Own => "仅本人提交的诉求",
        }
    }
}

/// One row of the access-policy table: an action, the roles that may take it, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub permission: Permission,
    /// What the action is, in the interface's words.
    pub label_zh: &'static str,
    pub roles: &'static [Role],
    pub reach: Reach,
    /// The 403 message of a caller who holds it nowhere.
    pub denied: &'static str,
}

/// The type of each action, for [`Granted`]: a use case that takes a `Granted<A>` cannot be
/// reached without asking the table for `A`.
pub trait Action {
    const PERMISSION: Permission;
}

const DENIED: &str = "您的角色无权执行此操作";

/// The access-policy table. Each row: the action (a [`Permission`] and a type in [`action`]),
/// its label, where it holds, the roles that hold it, and the 403 message.
macro_rules! policy {
    ($(
        $(#[doc = $doc:literal])+
        $name:ident: $label:literal, $reach:ident, [$($role:ident),+ $(,)?], $denied:expr;
    )+) => {
        /// What an action needs. The table of who holds each, and where, is [`Permission::rule`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Permission {
            $($(#[doc = $doc])+ $name,)+
        }

        impl Permission {
            /// Every action of the table, in its order.
            pub const ALL: &'static [Permission] = &[$(Self::$name),+];

            /// This action's row of the table.
            pub fn rule(self) -> Rule {
                match self {
                    $(Self::$name => Rule {
                        permission: self,
                        label_zh: $label,
                        reach: Reach::$reach,
                        roles: &[$(Role::$role),+],
                        denied: $denied,
                    },)+
                }
            }

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$name => stringify!($name),)+
                }
            }
        }

        /// One type per action of the table, for [`Granted`].
        pub mod action {
            $(
                $(#[doc = $doc])+
                #[derive(Debug, Clone, Copy, PartialEq, Eq)]
                pub struct $name;
                impl super::Action for $name {
                    const PERMISSION: super::Permission = super::Permission::$name;
                }
            )+
        }
    };
}

policy! {
    /// See the organisation tree.
    ReadOrg: "查看组织机构", Jurisdiction,
        [HotlineOperator, Dispatcher, UnitHandler, UnitLeader, GridWorker, WindowClerk,
         Supervisor, CountyLeader, Administrator], DENIED;
    /// Create and change units.
    ManageOrg: "新建、修改组织机构", Jurisdiction, [Administrator], DENIED;
    /// See users and their roles.
    ReadUsers: "查看用户及其角色", Jurisdiction,
        [UnitLeader, Supervisor, CountyLeader, Administrator], DENIED;
    /// Create users, grant roles, reset passwords.
    ManageUsers: "新建用户、授予角色、重置密码", Jurisdiction, [Administrator], DENIED;
    /// See personal data (phone numbers) unmasked.
    ViewPersonalData: "查看未打码的个人信息", Jurisdiction, [Administrator], DENIED;
    /// Export everything held about one citizen, found by phone (个人信息查阅、复制): the
    /// same role that sees phones unmasked, over the orders of its jurisdiction.
    ExportPersonalData: "导出某位市民的个人信息（按电话号码）", Jurisdiction, [Administrator],
        "只有辖区的系统管理员可以导出市民的个人信息";
    /// Erase a citizen's contact data from the orders of the jurisdiction (个人信息删除);
    /// the orders, their history and figures stay.
    ErasePersonalData: "删除某位市民在工单中的联系方式", Jurisdiction, [Administrator],
        "只有辖区的系统管理员可以删除市民的个人信息";
    /// See work orders of the jurisdiction.
    ReadOrders: "查看工单", Jurisdiction,
        [HotlineOperator, Dispatcher, UnitHandler, UnitLeader, GridWorker, WindowClerk,
         Supervisor, CountyLeader, Administrator], DENIED;
    /// Register work orders (受理).
    RegisterOrders: "受理诉求", Jurisdiction,
        [Citizen, HotlineOperator, Dispatcher, GridWorker, Administrator], DENIED;
    /// See callers' names and phones on work orders (needed to handle and call back).
    ViewCallerContact: "查看来电人联系方式", Jurisdiction,
        [HotlineOperator, Dispatcher, UnitHandler, UnitLeader, GridWorker, Administrator],
        DENIED;
    /// See the responsibility lists (权责清单) of the jurisdiction.
    ReadDutyLists: "查看权责清单", Jurisdiction, [CountyLeader, Administrator], DENIED;
    /// Import and publish responsibility lists.
    ManageDutyLists: "导入、发布权责清单", Jurisdiction, [Administrator], DENIED;
    /// Dispatch, rule on returns (审定), merge, recategorize and archive orders; correct
    /// the classifier's categories.
    DispatchOrders: "派单、审定退单、并案、纠正分类、归档", Jurisdiction,
        [Dispatcher, Administrator], DENIED;
    /// Sign for, handle, suspend, return and reply as the lead unit, or as a co-unit.
    HandleOrders: "签收、办理、挂起、退单、答复（主办或协办单位）", Jurisdiction,
        [UnitHandler, UnitLeader], DENIED;
    /// Review the lead unit's reply before it goes out.
    ReviewReplies: "审核本单位的答复", Jurisdiction, [UnitLeader], DENIED;
    /// Approve or refuse extension requests.
    DecideExtensions: "审批延期申请", Jurisdiction, [Supervisor], DENIED;
    /// Call citizens back (回访) and archive.
    FollowUpOrders: "回访、归档", Jurisdiction, [HotlineOperator, Dispatcher], DENIED;
    /// Rate one's own demand and see its contact data in full.
    ActOnOwnOrders: "评价本人提交的诉求、查看其完整联系方式", Own, [Citizen], DENIED;
    /// The supervisor's board (督办台账) and the time-limit figures.
    ReadOversight: "查看督办台账与时限统计", Jurisdiction,
        [UnitLeader, Supervisor, CountyLeader, Administrator],
        "只有督办人员、领导和单位负责人可以查看督办台账与时限统计";
    /// The audit log's proofs and an order's evidence bundle (the order must be readable too).
    ReadAuditProofs: "查看审计证明（只含哈希）、下载辖区内工单的证据包", Jurisdiction,
        [UnitLeader, Supervisor, CountyLeader, Administrator],
        "只有督办、领导和管理员可以查看审计证明";
    /// List, retrain and activate the classifier's models (a model serves the whole server).
    ManageModels: "管理分类模型（重新训练、启用、回退）", System, [Administrator],
        "只有最高一级单位的系统管理员可以管理分类模型";
    /// Read the server's operating figures (metrics of requests and background jobs).
    ReadServerMetrics: "查看服务器运行指标", System, [Administrator],
        "只有最高一级单位的系统管理员可以查看服务器运行指标";
}

impl Permission {
    pub fn granted_to(self, role: Role) -> bool {
        self.rule().roles.contains(&role)
    }

    /// Whether `grant` gives this permission: the role holds it, and for a system-wide one
    /// the role is held in a top-level unit.
    fn granted_by(self, grant: &RoleGrant) -> bool {
        let rule = self.rule();
        rule.roles.contains(&grant.role)
            && (rule.reach != Reach::System || grant.unit_path.depth() == 1)
    }
}

/// The table as a Markdown table, for the README.
pub fn markdown_table() -> String {
    let mut out = String::from("| action | 操作 | where 范围 | roles 角色 |\n|---|---|---|---|\n");
    for p in Permission::ALL {
        let rule = p.rule();
        let roles: Vec<&str> = Role::ALL
            .iter()
            .filter(|r| rule.roles.contains(r))
            .map(|r| r.label_zh())
            .collect();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            p.as_str(),
            rule.label_zh,
            rule.reach.label_zh(),
            roles.join("、")
        ));
    }
    out
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

/// The subtrees in which a permission holds for a caller, with nested ones folded away.
/// Only [`Principal::scope`] and [`Principal::require`] make one, from the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    permission: Permission,
    roots: Vec<UnitPath>,
}

impl Scope {
    pub fn permission(&self) -> Permission {
        self.permission
    }
    pub fn roots(&self) -> &[UnitPath] {
        &self.roots
    }
    pub fn into_roots(self) -> Vec<UnitPath> {
        self.roots
    }
    pub fn contains(&self, path: &UnitPath) -> bool {
        self.roots.iter().any(|r| r.contains(path))
    }
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }
}

/// Proof that the table granted action `A`: made by [`Principal::grant`], or for the system
/// itself (the command line, the demo) by [`Granted::unchecked_system`], which checks nothing.
#[derive(Debug, Clone)]
pub struct Granted<A: Action> {
    to: Grantee,
    action: PhantomData<fn() -> A>,
}

#[derive(Debug, Clone)]
enum Grantee {
    Caller { user: UserId, scope: Scope },
    UncheckedSystem,
}

impl<A: Action> Granted<A> {
    /// `A` for the system itself, everywhere, without asking the table: only for callers that
    /// are not a user (the command line, the demo, background jobs).
    pub fn unchecked_system() -> Self {
        Self {
            to: Grantee::UncheckedSystem,
            action: PhantomData,
        }
    }

    /// The user it was granted to; `None` for the system.
    pub fn user(&self) -> Option<UserId> {
        match &self.to {
            Grantee::Caller { user, .. } => Some(*user),
            Grantee::UncheckedSystem => None,
        }
    }

    /// The subtrees it holds in; `None` for the system, which holds everywhere.
    pub fn roots(&self) -> Option<&[UnitPath]> {
        match &self.to {
            Grantee::Caller { scope, .. } => Some(scope.roots()),
            Grantee::UncheckedSystem => None,
        }
    }

    pub fn contains(&self, path: &UnitPath) -> bool {
        match &self.to {
            Grantee::Caller { scope, .. } => scope.contains(path),
            Grantee::UncheckedSystem => true,
        }
    }
}

impl Principal {
    /// The counties the caller holds a role in, each once, in grant order.
    pub fn counties(&self) -> Vec<crate::ids::CountyId> {
        let mut out = Vec::new();
        for g in &self.grants {
            let c = g.unit_path.county();
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    pub fn is_staff(&self) -> bool {
        self.grants.iter().any(|g| g.role.is_staff())
    }

    /// Whether the caller holds `perm` at all (for [`Reach::Own`], over their own objects).
    pub fn holds(&self, perm: Permission) -> bool {
        self.grants.iter().any(|g| perm.granted_by(g))
    }

    /// The subtrees where `perm` holds for this caller (none for a [`Reach::Own`] one).
    pub fn scope(&self, perm: Permission) -> Scope {
        let mut roots: Vec<UnitPath> = if perm.rule().reach == Reach::Own {
            Vec::new()
        } else {
            self.grants
                .iter()
                .filter(|g| perm.granted_by(g))
                .map(|g| g.unit_path.clone())
                .collect()
        };
        roots.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        roots.dedup();
        let folded: Vec<UnitPath> = roots
            .iter()
            .filter(|p| !roots.iter().any(|q| q != *p && q.contains(p)))
            .cloned()
            .collect();
        Scope {
            permission: perm,
            roots: folded,
        }
    }

    /// The caller's scope for `perm`; 403 (with the table's message) when the caller holds it
    /// nowhere.
    pub fn require(&self, perm: Permission) -> Result<Scope> {
        if !self.holds(perm) {
            return Err(Error::forbidden(perm.rule().denied));
        }
        Ok(self.scope(perm))
    }

    /// [`Principal::require`] as a typed proof, for use cases that take a [`Granted`].
    pub fn grant<A: Action>(&self) -> Result<Granted<A>> {
        let scope = self.require(A::PERMISSION)?;
        Ok(Granted {
            to: Grantee::Caller {
                user: self.user_id,
                scope,
            },
            action: PhantomData,
        })
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

    /// The table, row by row: every action is held by some role, every role holds some
    /// action, every kind of reach is used, and the rows keep what the checks they replaced
    /// decided.
    #[test]
    fn the_policy_table() {
        let rows: Vec<Rule> = Permission::ALL.iter().map(|p| p.rule()).collect();
        for (i, r) in rows.iter().enumerate() {
            assert_eq!(r.permission, Permission::ALL[i]);
            assert!(!r.roles.is_empty(), "{:?} is held by no role", r.permission);
            assert!(!r.label_zh.is_empty() && !r.denied.is_empty());
            assert!(
                Permission::ALL[..i].iter().all(|p| *p != r.permission),
                "{:?} is listed twice",
                r.permission
            );
            let mut roles = r.roles.to_vec();
            roles.sort();
            roles.dedup();
            assert_eq!(
                roles.len(),
                r.roles.len(),
                "{:?} names a role twice",
                r.permission
            );
        }
        for role in Role::ALL {
            assert!(
                rows.iter().any(|r| r.roles.contains(&role)),
                "{role:?} holds nothing"
            );
        }
        for reach in Reach::ALL {
            assert!(
                rows.iter().any(|r| r.reach == reach),
                "no action has reach {reach:?}"
            );
        }
        let staff: Vec<Role> = Role::ALL.into_iter().filter(|r| r.is_staff()).collect();
        let holders = |p: Permission| -> Vec<Role> {
            Role::ALL.into_iter().filter(|r| p.granted_to(*r)).collect()
        };
        use Role::*;
        let want: &[(Permission, Vec<Role>)] = &[
            (Permission::ReadOrg, staff.clone()),
            (Permission::ReadOrders, staff),
            (
                Permission::ReadOversight,
                vec![UnitLeader, Supervisor, CountyLeader, Administrator],
            ),
            (
                Permission::ReadAuditProofs,
                vec![UnitLeader, Supervisor, CountyLeader, Administrator],
            ),
            (Permission::DispatchOrders, vec![Dispatcher, Administrator]),
            (
                Permission::FollowUpOrders,
                vec![HotlineOperator, Dispatcher],
            ),
            (Permission::HandleOrders, vec![UnitHandler, UnitLeader]),
            (Permission::ReviewReplies, vec![UnitLeader]),
            (Permission::DecideExtensions, vec![Supervisor]),
            (Permission::ActOnOwnOrders, vec![Citizen]),
            (Permission::ExportPersonalData, vec![Administrator]),
            (Permission::ErasePersonalData, vec![Administrator]),
            (Permission::ManageModels, vec![Administrator]),
            (Permission::ReadServerMetrics, vec![Administrator]),
        ];
        for (p, roles) in want {
            assert_eq!(&holders(*p), roles, "{p:?}");
        }
        let table = markdown_table();
        assert_eq!(table.lines().count(), Permission::ALL.len() + 2);
    }

    #[test]
    fn system_actions_need_a_top_level_unit() {
        let county = UnitPath::root(unit(1));
        let town = county.child(unit(2));
        let top = principal(vec![(Role::Administrator, county.clone())]);
        let below = principal(vec![(Role::Administrator, town.clone())]);
        assert_eq!(
            top.require(Permission::ManageModels).unwrap().roots(),
            &[county]
        );
        assert!(top.grant::<action::ReadServerMetrics>().is_ok());
        let e = below.require(Permission::ManageModels).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden);
        assert!(below.grant::<action::ReadServerMetrics>().is_err());
        assert!(below.holds(Permission::ManageUsers));
        let system = Granted::<action::ManageModels>::unchecked_system();
        assert_eq!((system.user(), system.roots()), (None, None));
        assert!(system.contains(&town));
    }

    #[test]
    fn own_actions_hold_over_no_unit() {
        let county = UnitPath::root(unit(1));
        let c = principal(vec![(Role::Citizen, county.clone())]);
        assert!(c.holds(Permission::ActOnOwnOrders));
        assert!(c.require(Permission::ActOnOwnOrders).unwrap().is_empty());
        assert!(!c.can_at(Permission::ActOnOwnOrders, &county));
        let staff = principal(vec![(Role::Dispatcher, county)]);
        assert!(!staff.holds(Permission::ActOnOwnOrders));
    }
}
