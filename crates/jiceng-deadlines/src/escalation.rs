//! Escalation records (催办单, 督办单, 通报): numbered, addressed to a unit, with a text and
//! a deadline to answer by. Each is written once per subject, clock generation and step.

use crate::clock::{ClockKind, SlaClock, Step};
use chrono::{DateTime, Utc};
use jiceng_kernel::calendar::WorkCalendar;
use jiceng_kernel::ids::UnitId;
use jiceng_kernel::org::Assignee;
use jiceng_kernel::org::UnitPath;
use jiceng_kernel::subject::Subject;
use serde::{Deserialize, Serialize};

/// One escalation record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    pub id: uuid::Uuid,
    /// `CB`/`DB`/`TB` + local day + running count, assigned when stored.
    pub number: String,
    /// What the clock runs on (a work order, an application, …).
    pub subject: Subject,
    /// The subject's own number (the order's `GD…`), as people quote it.
    pub reference: String,
    pub clock: ClockKind,
    pub generation: u32,
    pub step: Step,
    /// Who receives it: the responsible unit (reminder), the level above (supervision), the
    /// jurisdiction (circular).
    pub addressee: Assignee,
    /// The unit that answers for the late clock.
    pub unit: Assignee,
    pub text: String,
    pub issued_at: DateTime<Utc>,
    /// Answer by.
    pub deadline: DateTime<Utc>,
}

/// The number prefix of a step's records on the local day of `at`: `CB20261124`.
pub fn number_prefix(
    step: Step,
    county_code: &str,
    at: DateTime<Utc>,
    cal: &WorkCalendar,
) -> String {
    let code = match step {
        Step::Reminder => "CB",
        Step::Supervision => "DB",
        _ => "TB",
    };
    format!("{code}{county_code}{}", cal.local(at).format("%Y%m%d"))
}

/// The unit an escalation step goes to, as an id on the responsible unit's path: the unit
/// itself, its parent, or the root of its tree. A unit at the top answers for itself.
pub fn addressee_of(step: Step, unit: &UnitPath) -> Option<UnitId> {
    let chain = unit.ancestors();
    match step {
        Step::Supervision => chain
            .len()
            .checked_sub(2)
            .and_then(|i| chain.get(i))
            .or(chain.last()),
        Step::Circular => chain.first(),
        _ => chain.last(),
    }
    .copied()
}

fn local(cal: &WorkCalendar, t: DateTime<Utc>) -> String {
    cal.local(t).format("%Y年%m月%d日 %H:%M").to_string()
}

/// The text of a record, in the words of a notice; `what` names the subject
/// (`工单 GD…「title」`, `申请 SQ…「…」`).
pub fn compose(
    step: Step,
    what: &str,
    clock: &SlaClock,
    addressee: &Assignee,
    reply_by: DateTime<Utc>,
    cal: &WorkCalendar,
) -> String {
    let what = format!(
        "{what}的{}时限（{}）已于 {} 届满",
        clock.kind.label_zh(),
        clock.limit,
        local(cal, clock.deadline)
    );
    let by = local(cal, reply_by);
    let unit = &clock.unit.unit_name;
    match step {
        Step::Supervision => format!(
            "督办通知：{unit}承办的{what}，经催办仍未办结。请{}督促{unit}于 {by} 前办结，并书面报告办理结果。",
            addressee.unit_name
        ),
        Step::Circular => format!(
            "通报：{unit}承办的{what}，经催办、督办仍未办结，现予通报。请{unit}于 {by} 前整改到位并报{}。",
            addressee.unit_name
        ),
        _ => format!(
            "催办通知：{what}。请{}负责同志督促办理，于 {by} 前办结并反馈。",
            addressee.unit_name
        ),
    }
}
