//! Time limits of work orders (时限): the sign-for, handling and call-back clocks, their
//! yellow and red warnings, and the escalation ladder (催办 → 督办 → 通报).
//!
//! A reader finds every rule here: [`follow`] says when clocks start, pause, resume, move and
//! stop as the order goes through its loop; [`fire_due`] says what happens when a step falls
//! due; [`policy`] says which limits and ladder apply. The clocks live in the order's
//! document, so a transition and its clocks are stored together under the order's version;
//! storage copies each clock into an indexed row (its deadline and next due instant) that the
//! sweeper reads without scanning, and the escalation records carry a unique key per subject,
//! clock generation and step, so each step fires exactly once however many sweepers run.
//!
//! Clock rows and records are keyed by a [`Subject`]: other kinds of subject (applications,
//! rectification tasks, …) run on the same calendar, ladder and sweeper; each kind tells the
//! sweep how to fire its steps (`use_cases::SubjectClocks`).

pub mod clock;
pub mod escalation;
pub mod figures;
pub mod follow;
pub mod policy;
pub mod settings;

pub use clock::{ClockKind, Level, OrderClocks, SlaClock, Step};
pub use escalation::Escalation;
pub use figures::{ClosedClock, OpenClocks, UnitFigures};
pub use follow::{Fired, clocks_to_start, fire_due, follow};
pub use policy::{Ladder, LimitSource, SlaPolicies, SlaPolicy};
pub use settings::{JurisdictionSettings, LadderSettings, SlaSettings};

use crate::work_order::Assignee;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiceng_kernel::error::Result;
use jiceng_kernel::org::UnitPath;
use jiceng_kernel::subject::{Subject, SubjectKind};
use serde::{Deserialize, Serialize};

/// A clock whose next step is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueClock {
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

/// What the clocks need from storage beyond the order itself.
#[async_trait]
pub trait SlaStore: Send + Sync {
    /// Clocks whose next step is due at or before `now`, earliest first, at most `limit`;
    /// read through the index on the next due instant.
    /// Only subjects of `kinds` (those the sweep has a handler for).
    async fn due_clocks(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        kinds: &[SubjectKind],
    ) -> Result<Vec<DueClock>>;
    /// The earliest next due instant of any running clock of a subject of `kinds`.
    async fn next_clock_due(&self, kinds: &[SubjectKind]) -> Result<Option<DateTime<Utc>>>;
    async fn list_escalations(&self, q: &EscalationQuery) -> Result<Vec<Escalation>>;
    /// Clocks that stopped in the period, one row each.
    async fn closed_clocks(&self, q: &FiguresQuery) -> Result<Vec<ClosedClock>>;
    /// Clocks still open (running or paused) per unit, and how many of them are past due at `now`.
    async fn open_clocks(&self, q: &FiguresQuery, now: DateTime<Utc>) -> Result<Vec<OpenClocks>>;
    /// The latest generation of a subject's standalone clock of `kind`.
    async fn standalone_clock(
        &self,
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
