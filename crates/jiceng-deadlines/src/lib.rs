//! Deadlines on working days for any subject (时限): clocks with their yellow and red
//! warnings, the escalation ladder (催办 → 督办 → 通报) and its records, the policies that set
//! limits and ladders per jurisdiction, and the figures of clocks kept and missed.
//!
//! A subject is a work order, an application, a rectification task, an acknowledgement or a
//! report task ([`Subject`]): every kind runs on the same calendar, ladder and sweeper. A kind
//! whose document carries its clocks (a work order) has each clock copied into an indexed row
//! (its deadline and next due instant) that the sweeper reads without scanning; a kind with no
//! document of its own keeps the whole clock in its row ([`StandaloneClock`]). Escalation
//! records carry a unique key per subject, clock generation and step, so each step fires
//! exactly once however many sweepers run. When a kind's clocks start, pause and stop is that
//! kind's rule, in its own context (a work order's: `jiceng_orders::sla::follow`).
//!
//! No I/O: storage implements [`SlaStore`].

pub mod clock;
pub mod escalation;
pub mod figures;
pub mod policy;
pub mod settings;

pub use clock::{ClockKind, Level, OrderClocks, SlaClock, Step};
pub use escalation::Escalation;
pub use figures::{ClosedClock, OpenClocks, UnitFigures};
pub use policy::{Ladder, SlaPolicies, SlaPolicy};
pub use settings::{JurisdictionSettings, LadderSettings, SlaSettings};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiceng_kernel::error::Result;
use jiceng_kernel::org::Assignee;
use jiceng_kernel::org::UnitPath;
use jiceng_kernel::subject::{Subject, SubjectKind};
use serde::{Deserialize, Serialize};

/// A clock whose next step is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueClock {
    pub county: jiceng_kernel::ids::CountyId,
    pub subject: Subject,
    pub clock: ClockKind,
    pub due: DateTime<Utc>,
}

/// Filters of the supervisor's board. A record is in `scope` when its addressee or the unit
/// it is about lies in one of the subtrees.
#[derive(Debug, Clone, Default)]
pub struct EscalationQuery {
    pub scope: Vec<UnitPath>,
    pub step: Option<Step>,
    /// Only the records of this subject.
    pub subject: Option<Subject>,
    /// Keyset cursor: records issued before this one (by issue time, then id).
    pub before: Option<uuid::Uuid>,
    pub limit: u32,
}

/// Which clocks the figures count: one kind, units under `scope`, stopped in `[from, to)`.
#[derive(Debug, Clone)]
pub struct FiguresQuery {
    pub scope: UnitPath,
    pub kind: ClockKind,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// A clock of a subject that has no document of its own to carry it (a context whose
/// subjects are not stored yet, a task with only a deadline): the whole clock lives in its
/// row, and the row's next step is the concurrency check of a fired step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandaloneClock {
    pub subject: Subject,
    /// The subject's number as people quote it.
    pub reference: String,
    /// How records name the subject: `整改任务 ZG…「…」`.
    pub label: String,
    pub clock: SlaClock,
}

impl StandaloneClock {
    /// The unit that answers for the clock.
    pub fn unit(&self) -> &Assignee {
        &self.clock.unit
    }
}

/// A clock row to write, as part of a commit of its subject's change.
#[derive(Debug, Clone)]
pub enum ClockWrite {
    /// The row of a clock its subject's document carries (a work order's): a copy of the
    /// clock for the sweeper's due index and the figures.
    Copy { subject: Subject, clock: SlaClock },
    /// A clock with no document of its own: the row is the whole clock. With `awaiting`, a
    /// fired step: the stored row must still wait for that step in the same generation, or
    /// the commit fails (`work_order.version_conflict`: another sweeper stored it first).
    /// Without, the row is written as it is (a new generation, or any change of one).
    Standalone {
        clock: StandaloneClock,
        awaiting: Option<Step>,
    },
}

/// What the clocks need from storage, beyond the rows a commit writes.
#[async_trait]
pub trait SlaStore: Send + Sync {
    /// Clocks whose next step is due at or before `now`, earliest first, at most `limit`;
    /// read through the index on the next due instant.
    /// Only subjects of `kinds` (those the sweep has a handler for).
    async fn due_clocks(
        &self,
        county: jiceng_kernel::ids::CountyId,
        now: DateTime<Utc>,
        limit: u32,
        kinds: &[SubjectKind],
    ) -> Result<Vec<DueClock>>;
    /// The earliest next due instant of any running clock of a subject of `kinds`.
    async fn next_clock_due(
        &self,
        county: jiceng_kernel::ids::CountyId,
        kinds: &[SubjectKind],
    ) -> Result<Option<DateTime<Utc>>>;
    async fn list_escalations(&self, q: &EscalationQuery) -> Result<Vec<Escalation>>;
    /// Clocks that stopped in the period, one row each.
    async fn closed_clocks(&self, q: &FiguresQuery) -> Result<Vec<ClosedClock>>;
    /// Clocks still open (running or paused) per unit, and how many of them are past due at `now`.
    async fn open_clocks(&self, q: &FiguresQuery, now: DateTime<Utc>) -> Result<Vec<OpenClocks>>;
    /// The latest generation of a subject's standalone clock of `kind`.
    async fn standalone_clock(
        &self,
        county: jiceng_kernel::ids::CountyId,
        subject: &Subject,
        kind: ClockKind,
    ) -> Result<Option<StandaloneClock>>;
}

/// Tells the sweeper that a clock now falls due at `at`, so it can wake earlier than planned.
pub trait DueSignal: Send + Sync {
    fn due_at(&self, at: DateTime<Utc>);
}

/// No sweeper to tell (tools, tests that sweep by hand).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoSignal;

impl DueSignal for NoSignal {
    fn due_at(&self, _: DateTime<Utc>) {}
}
