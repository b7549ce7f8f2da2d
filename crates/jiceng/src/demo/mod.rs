//! The demo county: 广安区 with its real towns/streets and villages/communities (from a fixture
//! embedded in the binary), departments, offices, synthetic grids, one user per role, staff
//! for every department, and a few thousand work orders built from real citizen messages,
//! taken through every state of the loop by the real use cases over the last 90 days.

mod duties;
mod layout;
mod messages;
mod orders;
mod paths;
mod people;
mod plan;
mod routing;
mod staff;
mod texts;

use crate::cli::DataArgs;
use crate::commands::{domain_err, load_config, open};
use crate::divisions::{self, CountyTree, KindCounts};
use crate::table;
use anyhow::{Context, Result, anyhow};
use chrono::Duration;
use jiceng_kernel::access::Principal;
use jiceng_kernel::clock::FixedClock;
use jiceng_kernel::ids::UnitId;
use jiceng_kernel::org::{NewOrgUnit, OrgKind, OrgUnit};
use jiceng_orders::use_cases::Orders;
use jiceng_orders::work_order::Status;
use layout::{Layout, grid_count};
use orders::World;
pub use people::DEMO_PASSWORD;
use people::{COUNTY_DEPARTMENTS, Landmarks, TOWN_OFFICES, USERS};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// Real divisions of 广安区, written by `scripts/make-demo-fixture.py`.
const FIXTURE: &str = include_str!("../../demo/guang-an.json");

#[derive(Debug, Deserialize)]
struct Fixture {
    city: String,
    #[serde(flatten)]
    tree: CountyTree,
}

fn fixture() -> Result<Fixture> {
    serde_json::from_str(FIXTURE).context("the embedded demo fixture is invalid")
}

/// What seeding did.
#[derive(Debug)]
pub enum Seeded {
    Created {
        county: String,
        units: KindCounts,
        users: usize,
        staff: usize,
        /// Duties of the county's responsibility list.
        duties: usize,
        /// Work orders by the status they ended in.
        orders: Vec<(Status, usize)>,
        seconds: f64,
    },
    /// The database has org units already; nothing was changed.
    NotEmpty(u64),
}

fn build(orders: &Orders, new: NewOrgUnit, parent: &OrgUnit) -> Result<OrgUnit> {
    orders
        .accounts
        .build_unit(new, Some(parent))
        .map_err(|e| domain_err("demo unit", e))
}

fn new_unit(
    parent: &OrgUnit,
    kind: OrgKind,
    name: &str,
    code: Option<&str>,
    geometry: Option<serde_json::Value>,
) -> Result<NewOrgUnit> {
    NewOrgUnit::parse(Some(parent.id), kind, name, code, geometry)
        .map_err(|e| domain_err(&format!("demo unit {name}"), e))
}

/// Every unit of the demo, parents first, and the units the demo users are placed in.
async fn plan_units(orders: &Orders, fx: &Fixture) -> Result<(Vec<OrgUnit>, Landmarks)> {
    let tree = &fx.tree;
    let plan = divisions::plan(orders, tree).await?;
    let by_code = &plan.by_code;
    let find = |code: &str| {
        by_code
            .get(code)
            .cloned()
            .ok_or_else(|| anyhow!("demo unit {code} missing from the plan"))
    };
    let county = find(&tree.county.code)?;
    let mut units = plan.new_units.clone();
    let mut departments = Vec::new();
    for template in COUNTY_DEPARTMENTS {
        let name = template
            .replace("{county}", &county.name)
            .replace("{city}", &fx.city);
        let unit = new_unit(&county, OrgKind::Department, &name, None, None)?;
        departments.push(build(orders, unit, &county)?);
    }
    let layout = Layout::new(tree);
    let mut offices = Vec::new();
    let mut grids = Vec::new();
    let mut street: Option<(OrgUnit, OrgUnit, OrgUnit)> = None;
    for (t, town) in tree.towns.iter().enumerate() {
        let town_unit = find(&town.town.code)?;
        let first_office = offices.len();
        for office in TOWN_OFFICES {
            let name = format!("{}{office}", town_unit.name);
            let unit = new_unit(&town_unit, OrgKind::Department, &name, None, None)?;
            offices.push(build(orders, unit, &town_unit)?);
        }
        for (v, village) in town.villages.iter().enumerate() {
            let vu = find(&village.code)?;
            let n = grid_count(vu.kind, &village.code);
            if let Some(u) = units.iter_mut().find(|u| u.id == vu.id) {
                u.geometry = Some(layout.village(t, v, n));
            }
            for g in 0..n {
                let name = format!("{}{}第{}网格", town_unit.name, vu.name, g + 1);
                let code = format!("{}{:03}", village.code, g + 1);
                let unit = new_unit(
                    &vu,
                    OrgKind::Grid,
                    &name,
                    Some(&code),
                    Some(layout.grid(t, v, g)),
                )?;
                grids.push(build(orders, unit, &vu)?);
            }
            // The first street, its first office and its first village's first grid.
            if street.is_none()
                && town_unit.kind == OrgKind::Street
                && let (Some(office), Some(grid)) = (
                    offices.get(first_office),
                    grids.get(grids.len().saturating_sub(n)),
                )
            {
                street = Some((town_unit.clone(), office.clone(), grid.clone()));
            }
        }
    }
    let (street, street_office, grid) =
        street.ok_or_else(|| anyhow!("the demo fixture has no street with a community"))?;
    let urban_management = departments
        .first()
        .cloned()
        .ok_or_else(|| anyhow!("the demo has no departments"))?;
    units.extend(departments.iter().cloned());
    units.extend(offices);
    units.extend(grids);
    let marks = Landmarks {
        county,
        urban_management,
        street,
        street_office,
        grid,
        departments,
    };
    Ok((units, marks))
}

/// The communities and villages, where demands belong, as the planner sees them.
fn regions(units: &[OrgUnit], marks: &Landmarks) -> (Vec<UnitId>, Vec<plan::Place>) {
    units
        .iter()
        .filter(|u| matches!(u.kind, OrgKind::Community | OrgKind::Village))
        .map(|u| {
            let place = plan::Place {
                community: u.kind == OrgKind::Community,
                first_street: marks.street.path.contains(&u.path),
            };
            (u.id, place)
        })
        .unzip()
}

/// Seeds the demo into an empty database; does nothing when any org unit exists.
///
/// The county is set up on a clock 91 days back; the clock then follows the work orders' steps
/// up to the present.
pub async fn seed(orders: &Orders) -> Result<Seeded> {
    let existing = orders.store.count_units().await?;
    if existing > 0 {
        return Ok(Seeded::NotEmpty(existing));
    }
    let started = Instant::now();
    // Whole minutes, like the steps that follow.
    let now = orders.clock.now();
    let now = chrono::DateTime::from_timestamp(now.timestamp() / 60 * 60, 0).unwrap_or(now);
    let clock = Arc::new(FixedClock::at(now - Duration::days(plan::WINDOW_DAYS + 1)));
    let demo = Orders::new(
        Arc::clone(&orders.store),
        clock.clone(),
        Arc::clone(&orders.secrets),
    );
    let fx = fixture()?;
    let (units, marks) = plan_units(&demo, &fx).await?;
    demo.store
        .insert_units(&units)
        .await
        .map_err(|e| domain_err("cannot store the demo units", e))?;
    let duty_list = duties::seed(&demo, marks.county.id).await?;
    let mut people = HashMap::new();
    for u in USERS {
        let unit = marks.unit(u.place);
        let user =
            staff::create_user(&demo, u.username, u.name, u.phone, vec![(u.role, unit.id)]).await?;
        people.insert(user.username.clone(), Principal::from(user));
    }
    let desks = staff::staff_desks(&demo, &marks, &mut people).await?;
    let staff = people.len() - USERS.len();
    let messages = messages::load()?;
    let (regions, places) = regions(&units, &marks);
    let plans = plan::plan(&messages, &places, now);
    let world = World {
        orders: &demo,
        clock: &clock,
        people,
        desks,
        places: regions,
        grid: marks.grid.id,
        messages: &messages,
    };
    let orders = world.run(&plans).await?;
    Ok(Seeded::Created {
        county: format!("{} ({})", marks.county.name, fx.tree.county.code),
        units: KindCounts::of(&units),
        users: USERS.len(),
        staff,
        duties: duty_list.duties.len(),
        orders,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The demo logins as a table, when the demo county and all its users exist.
pub async fn logins(orders: &Orders) -> Result<Option<String>> {
    let fx = fixture()?;
    if orders
        .store
        .find_unit_by_code(&fx.tree.county.code)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let mut rows = Vec::new();
    for u in USERS {
        let Some((user, hash)) = orders.store.find_login(u.username).await? else {
            return Ok(None);
        };
        let unchanged = orders.secrets.verify_password(DEMO_PASSWORD, &hash).await;
        for g in &user.grants {
            rows.push(vec![
                user.username.clone(),
                format!("{} {}", g.role, g.role.label_zh()),
                g.unit_name.clone(),
                if unchanged {
                    DEMO_PASSWORD
                } else {
                    "(changed)"
                }
                .to_owned(),
            ]);
        }
    }
    Ok(Some(table::render(
        &["username", "role", "unit", "password"],
        &rows,
    )))
}

/// Prints what seeding did.
pub fn report(outcome: &Seeded) -> Result<()> {
    match outcome {
        Seeded::Created {
            county,
            units,
            users,
            staff,
            duties,
            orders,
            seconds,
        } => {
            say!("seeded the demo county {county}:");
            say!("  {} org units: {}", units.total(), units.describe());
            say!("  {users} users, one per role (and a second handler in a street office)");
            say!(
                "  {staff} department staff (h-*, l-*: a handler and a leader per department), same password"
            );
            say!(
                "  a responsibility list (权责清单) of {duties} duties, in force from the first day"
            );
            let total: usize = orders.iter().map(|(_, n)| n).sum();
            say!(
                "  {total} work orders from real citizen messages over the last {} days, by status:",
                plan::WINDOW_DAYS
            );
            for (status, n) in orders {
                say!("    {:<15} {} {n:>5}", status.as_str(), status.label_zh());
            }
            say!("  (seeded in {seconds:.1} s)");
        }
        Seeded::NotEmpty(n) => say!(
            "the database already has {n} org units: the demo was not seeded (nothing changed)"
        ),
    }
    Ok(())
}

/// `jiceng demo`.
pub async fn run(data: &DataArgs) -> Result<()> {
    let config = load_config(data)?;
    let db = open(&config).await?;
    let outcome = seed(&db.orders).await?;
    report(&outcome)?;
    match logins(&db.orders).await? {
        Some(t) => say!("\ndemo logins:\n{}", t.trim_end()),
        None => say!("no demo logins in this database"),
    }
    db.store.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_is_the_real_county() {
        let fx = fixture().unwrap();
        assert_eq!(fx.tree.county.code, "511602000000");
        assert_eq!(fx.tree.towns.len(), 25);
        let villages: usize = fx.tree.towns.iter().map(|t| t.villages.len()).sum();
        assert_eq!(villages, 332);
        assert!(
            fx.tree
                .towns
                .windows(2)
                .all(|w| w[0].town.code < w[1].town.code)
        );
    }
}
