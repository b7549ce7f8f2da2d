//! The demo's departments, offices and one user per role.

use jiceng_core::org::OrgUnit;
use jiceng_core::user::Role;

/// Functional departments under the county; `{county}` and `{city}` are filled in.
pub const COUNTY_DEPARTMENTS: [&str; 12] = [
    "{county}城市管理综合行政执法局",
    "{county}住房和城乡建设局",
    "{county}人力资源和社会保障局",
    "{county}医疗保障局",
    "{county}民政局",
    "{city}生态环境局{county}分局",
    "{county}交通运输局",
    "{county}教育局",
    "{county}卫生健康局",
    "{county}市场监督管理局",
    "{county}水务局",
    "{city}公安局{county}分局",
];

/// Offices of every town and street, after the town's name.
pub const TOWN_OFFICES: [&str; 2] = ["综合行政执法队", "社会事务办公室"];

pub const DEMO_PASSWORD: &str = "jiceng-demo";

/// Where a demo user holds their role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    County,
    /// The county's urban management department (the first department).
    UrbanManagement,
    /// The first street.
    Street,
    /// The first street's law-enforcement office.
    StreetOffice,
    /// The first grid of the first street's first community.
    Grid,
}

#[derive(Debug, Clone, Copy)]
pub struct DemoUser {
    pub username: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub place: Place,
    pub phone: &'static str,
}

const fn user(
    username: &'static str,
    name: &'static str,
    role: Role,
    place: Place,
    phone: &'static str,
) -> DemoUser {
    DemoUser {
        username,
        name,
        role,
        place,
        phone,
    }
}

pub const USERS: [DemoUser; 11] = [
    user(
        "admin",
        "王建国",
        Role::Administrator,
        Place::County,
        "13800000001",
    ),
    user(
        "leader",
        "李明华",
        Role::CountyLeader,
        Place::County,
        "13800000002",
    ),
    user(
        "supervisor",
        "张秀英",
        Role::Supervisor,
        Place::County,
        "13800000003",
    ),
    user(
        "dispatcher",
        "刘伟",
        Role::Dispatcher,
        Place::County,
        "13800000004",
    ),
    user(
        "operator",
        "陈静",
        Role::HotlineOperator,
        Place::County,
        "13800000005",
    ),
    user(
        "handler",
        "杨帆",
        Role::UnitHandler,
        Place::UrbanManagement,
        "13800000006",
    ),
    user(
        "unitleader",
        "赵志强",
        Role::UnitLeader,
        Place::UrbanManagement,
        "13800000007",
    ),
    user(
        "gridworker",
        "黄丽",
        Role::GridWorker,
        Place::Grid,
        "13800000008",
    ),
    user(
        "clerk",
        "周敏",
        Role::WindowClerk,
        Place::Street,
        "13800000009",
    ),
    user(
        "citizen",
        "吴桂兰",
        Role::Citizen,
        Place::County,
        "13800000010",
    ),
    user(
        "handler2",
        "徐磊",
        Role::UnitHandler,
        Place::StreetOffice,
        "13800000011",
    ),
];

/// The units the demo users are placed in.
#[derive(Debug, Clone)]
pub struct Landmarks {
    pub county: OrgUnit,
    pub urban_management: OrgUnit,
    pub street: OrgUnit,
    pub street_office: OrgUnit,
    pub grid: OrgUnit,
}

impl Landmarks {
    pub fn unit(&self, place: Place) -> &OrgUnit {
        match place {
            Place::County => &self.county,
            Place::UrbanManagement => &self.urban_management,
            Place::Street => &self.street,
            Place::StreetOffice => &self.street_office,
            Place::Grid => &self.grid,
        }
    }
}
