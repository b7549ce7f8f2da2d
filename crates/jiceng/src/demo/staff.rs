//! The people who work the demo's orders: the demo users as principals, and a handler and a
//! leader for every department, so each desk has somebody to sign, reply and review.

use super::orders::DeskStaff;
use super::people::{DEMO_PASSWORD, DEPT_STAFF, Landmarks, STREET_OFFICE_LEADER};
use super::routing::{self, Desk};
use crate::commands::domain_err;
use anyhow::{Result, anyhow};
use jiceng_kernel::access::Principal;
use jiceng_kernel::ids::UnitId;
use jiceng_kernel::org::OrgUnit;
use jiceng_kernel::user::{NewUser, Role, User};
use jiceng_orders::use_cases::Orders;
use std::collections::HashMap;

/// Creates a demo user on the demo password (hashed once here, never in the order loop).
pub async fn create_user(
    orders: &Orders,
    username: &str,
    name: &str,
    phone: &str,
    grants: Vec<(Role, UnitId)>,
) -> Result<User> {
    let new = NewUser::parse(username, name, Some(phone), grants)
        .map_err(|e| domain_err(&format!("demo user {username}"), e))?;
    orders
        .accounts
        .system_create_user(new, DEMO_PASSWORD)
        .await
        .map_err(|e| domain_err(&format!("demo user {username}"), e))
}

/// Creates a handler and a leader for every other department and a leader for the street
/// office; answers who works at each desk.
pub async fn staff_desks(
    orders: &Orders,
    marks: &Landmarks,
    people: &mut HashMap<String, Principal>,
) -> Result<HashMap<Desk, DeskStaff>> {
    let desk = |unit: &OrgUnit, handler: &str, leader: &str| DeskStaff {
        unit: unit.id,
        name: unit.name.clone(),
        handler: handler.to_owned(),
        leader: leader.to_owned(),
    };
    let mut desks = HashMap::new();
    desks.insert(
        Desk::Dept(routing::URBAN),
        desk(&marks.urban_management, "handler", "unitleader"),
    );
    let (leader, name) = STREET_OFFICE_LEADER;
    let office = &marks.street_office;
    let user = create_user(
        orders,
        leader,
        name,
        "13800000100",
        vec![(Role::UnitLeader, office.id)],
    )
    .await?;
    people.insert(user.username.clone(), Principal::from(user));
    desks.insert(Desk::StreetOffice, desk(office, "handler2", leader));
    for (k, s) in DEPT_STAFF.iter().enumerate() {
        let unit = marks
            .departments
            .get(s.department)
            .ok_or_else(|| anyhow!("demo department {} missing", s.department))?;
        let (h, l) = (format!("h-{}", s.slug), format!("l-{}", s.slug));
        let phone = |n: usize| format!("13800000{:03}", 101 + 2 * k + n);
        for (username, name, role, n) in [
            (&h, s.handler, Role::UnitHandler, 0),
            (&l, s.leader, Role::UnitLeader, 1),
        ] {
            let user =
                create_user(orders, username, name, &phone(n), vec![(role, unit.id)]).await?;
            people.insert(user.username.clone(), Principal::from(user));
        }
        desks.insert(Desk::Dept(s.department), desk(unit, &h, &l));
    }
    Ok(desks)
}
