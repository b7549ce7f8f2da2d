//! The demo's departments, offices and one user per role.

use jiceng_kernel::org::OrgUnit;
use jiceng_kernel::user::Role;

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

/// Staff of the other departments, so that every department can handle the demo's work
/// orders: a handler `h-{slug}` and a leader `l-{slug}` each, on the demo password. They are
/// not printed with the demo logins.
#[derive(Debug, Clone, Copy)]
pub struct DeptStaff {
    /// Index into [`COUNTY_DEPARTMENTS`].
    pub department: usize,
    pub slug: &'static str,
    pub handler: &'static str,
    pub leader: &'static str,
}

const fn staff(
    department: usize,
    slug: &'static str,
    handler: &'static str,
    leader: &'static str,
) -> DeptStaff {
    DeptStaff {
        department,
        slug,
        handler,
        leader,
    }
}

pub const DEPT_STAFF: [DeptStaff; 11] = [
    staff(1, "zhujian", "郑晓东", "邓国平"),
    staff(2, "renshe", "蒋丽娟", "曾庆林"),
    staff(3, "yibao", "彭小燕", "肖建军"),
    staff(4, "minzheng", "田春梅", "董文斌"),
    staff(5, "shengtai", "袁志刚", "潘红霞"),
    staff(6, "jiaotong", "于海波", "程永福"),
    staff(7, "jiaoyu", "苏雅琴", "魏长青"),
    staff(8, "weijian", "吕晓梅", "丁卫东"),
    staff(9, "shijian", "任家豪", "沈玉兰"),
    staff(10, "shuiwu", "姚德明", "卢秀芳"),
    staff(11, "gongan", "姜永刚", "崔志华"),
];

/// The leader of the first street's law-enforcement office, where `handler2` works.
pub const STREET_OFFICE_LEADER: (&str, &str) = ("l-jiedao", "钟建华");

/// The units the demo users are placed in.
#[derive(Debug, Clone)]
pub struct Landmarks {
    pub county: OrgUnit,
    pub urban_management: OrgUnit,
    pub street: OrgUnit,
    pub street_office: OrgUnit,
    pub grid: OrgUnit,
    /// The county's departments, in the order of [`COUNTY_DEPARTMENTS`].
    pub departments: Vec<OrgUnit>,
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
