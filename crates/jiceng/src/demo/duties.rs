//! The demo county's responsibility list: every first-level category led by one of its real
//! departments (or the town or county where it has none), with finer duties for common
//! matters and their legal basis. In force from the day the county is set up.

use anyhow::{Result, anyhow};
use jiceng_kernel::calendar::china_standard_time;
use jiceng_kernel::ids::UnitId;
use jiceng_orders::duty::{DutyList, DutyRules};
use jiceng_orders::use_cases::Orders;
use jiceng_server::duty_files;

/// The list in the import layout (UTF-8 CSV), also a sample for administrators.
pub const DUTY_LIST: &str = include_str!("../../demo/duty-list.csv");

/// Imports and publishes the list for the county, effective on the use cases' clock's day.
pub async fn seed(orders: &Orders, county: UnitId) -> Result<DutyList> {
    let rows = duty_files::read_table(DUTY_LIST.as_bytes())
        .map_err(|e| anyhow!("demo duty list: {}", e.message))?;
    let outcome = orders
        .system_import_duty_list(county, &rows, &DutyRules::default())
        .await
        .map_err(|e| anyhow!("demo duty list: {} ({})", e.message, e.code))?;
    let Some(list) = outcome.list else {
        let first = outcome.errors().next().map(|i| i.message.clone());
        return Err(anyhow!("demo duty list: {}", first.unwrap_or_default()));
    };
    let today = orders
        .clock
        .now()
        .with_timezone(&china_standard_time())
        .date_naive();
    orders
        .system_publish_duty_list(list.info.id, today)
        .await
        .map_err(|e| anyhow!("demo duty list: {} ({})", e.message, e.code))
}
