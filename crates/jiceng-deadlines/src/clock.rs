//! One clock of an order: when it started, its deadline, where its warnings and escalation
//! ladder stand, and how pauses and extensions move it.

use crate::policy::{Ladder, SlaPolicy};
use chrono::{DateTime, Duration, Utc};
use jiceng_kernel::Result;
use jiceng_kernel::calendar::{TimeLimit, WorkCalendar};
use jiceng_kernel::org::Assignee;
use serde::{Deserialize, Serialize};

/// The three clocks of a work order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// 签收时限: from dispatch to sign-for.
    SignFor,
    /// 办理时限: from sign-for to the released reply.
    Handling,
    /// 回访时限: from the reply to the call-back.
    Callback,
}

impl ClockKind {
    pub const ALL: [ClockKind; 3] = [Self::SignFor, Self::Handling, Self::Callback];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignFor => "sign_for",
            Self::Handling => "handling",
            Self::Callback => "callback",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::SignFor => "签收",
            Self::Handling => "办理",
            Self::Callback => "回访",
        }
    }
}

/// The steps a running clock goes through, in this order, each at most once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// 黄色预警: the configured share of the limit has passed.
    Yellow,
    /// 红色预警: the deadline has passed.
    Red,
    /// 催办: to the responsible unit's leader, at breach.
    Reminder,
    /// 督办: to the level above, some working days after breach.
    Supervision,
    /// 通报: to the whole jurisdiction, some working days after that.
    Circular,
}

impl Step {
    pub const ALL: [Step; 5] = [
        Self::Yellow,
        Self::Red,
        Self::Reminder,
        Self::Supervision,
        Self::Circular,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Yellow => "yellow",
            Self::Red => "red",
            Self::Reminder => "reminder",
            Self::Supervision => "supervision",
            Self::Circular => "circular",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Yellow => "黄色预警",
            Self::Red => "红色预警",
            Self::Reminder => "催办",
            Self::Supervision => "督办",
            Self::Circular => "通报",
        }
    }

    /// Reminder, supervision and circular are records with an addressee; the warnings are not.
    pub fn is_escalation(self) -> bool {
        matches!(self, Self::Reminder | Self::Supervision | Self::Circular)
    }

    pub fn next(self) -> Option<Step> {
        match self {
            Self::Yellow => Some(Self::Red),
            Self::Red => Some(Self::Reminder),
            Self::Reminder => Some(Self::Supervision),
            Self::Supervision => Some(Self::Circular),
            Self::Circular => None,
        }
    }
}

/// Green, yellow or red, as a list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Green,
    Yellow,
    Red,
}

/// One clock of one order. A clock that restarts (a reopened order's handling, a re-dispatched
/// order's sign-for) is a new generation: its steps fire again, once each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaClock {
    pub kind: ClockKind,
    pub generation: u32,
    /// The unit that answers for this clock.
    pub unit: Assignee,
    /// The limit used, and where it came from (policy, duty list), so a deadline can be explained.
    pub limit: TimeLimit,
    pub basis: String,
    pub started_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub yellow_at: DateTime<Utc>,
    pub paused_at: Option<DateTime<Utc>>,
    /// Time spent paused so far, in working seconds (for figures).
    pub paused_working_secs: i64,
    pub stopped_at: Option<DateTime<Utc>>,
    /// Working seconds the clock ran, pauses excluded; set when it stops (for figures).
    pub worked_secs: Option<i64>,
    /// The next step to fire; `None` once the circular has gone out.
    pub next_step: Option<Step>,
    /// When `next_step` is due; `None` while paused or stopped. Stored in an indexed column.
    pub next_due: Option<DateTime<Utc>>,
    /// While an extension request is pending: how far the suspensions since the request moved
    /// the deadline, in seconds of the limit's own measure (see [`SlaClock::extend`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift_since_request: Option<i64>,
}

fn scaled(d: Duration, permille: u32) -> Duration {
    Duration::milliseconds(d.num_milliseconds().saturating_mul(i64::from(permille)) / 1000)
}

impl SlaClock {
    /// A clock started at `start` with `limit`; its first step is the yellow warning.
    pub fn start(
        kind: ClockKind,
        generation: u32,
        unit: Assignee,
        limit: TimeLimit,
        basis: String,
        start: DateTime<Utc>,
        policy: &SlaPolicy,
    ) -> Result<Self> {
        let deadline = limit.deadline(&policy.calendar, start)?;
        let mut c = Self {
            kind,
            generation,
            unit,
            limit,
            basis,
            started_at: start,
            deadline,
            yellow_at: deadline,
            paused_at: None,
            paused_working_secs: 0,
            stopped_at: None,
            worked_secs: None,
            next_step: Some(Step::Yellow),
            next_due: None,
            shift_since_request: None,
        };
        c.yellow_at = c.share_of_span(&policy.calendar, policy.yellow_permille)?;
        c.reschedule(policy)?;
        Ok(c)
    }

    fn natural(&self) -> bool {
        matches!(self.limit, TimeLimit::NaturalHours(_))
    }

    /// The instant at `permille`/1000 of the way from start to deadline, measured in natural
    /// time for natural-hour limits and in working time otherwise.
    fn share_of_span(&self, cal: &WorkCalendar, permille: u32) -> Result<DateTime<Utc>> {
        if self.natural() {
            Ok(self.started_at + scaled(self.deadline - self.started_at, permille))
        } else {
            let span = cal.working_time_between(self.started_at, self.deadline);
            cal.add_working_hours(self.started_at, scaled(span, permille))
        }
    }

    pub fn is_running(&self) -> bool {
        self.stopped_at.is_none() && self.paused_at.is_none()
    }

    /// When `step` is due on this clock, under `ladder`.
    pub fn due_of(&self, step: Step, ladder: &Ladder, cal: &WorkCalendar) -> Result<DateTime<Utc>> {
        Ok(match step {
            Step::Yellow => self.yellow_at,
            Step::Red | Step::Reminder => self.deadline,
            Step::Supervision => ladder.supervision_after.deadline(cal, self.deadline)?,
            Step::Circular => {
                let sup = ladder.supervision_after.deadline(cal, self.deadline)?;
                ladder.circular_after.deadline(cal, sup)?
            }
        })
    }

    /// Recomputes `next_due` after any change.
    pub fn reschedule(&mut self, policy: &SlaPolicy) -> Result<()> {
        self.next_due = match (self.is_running(), self.next_step) {
            (true, Some(step)) => {
                Some(self.due_of(step, policy.ladder_for(self.natural()), &policy.calendar)?)
            }
            _ => None,
        };
        Ok(())
    }

    /// Moves a running clock past its next step if that step is due at `now`: the step and
    /// the instant it was due (which it stands for, even when it fires late). The same rule
    /// for every subject a clock runs on.
    pub fn advance_due(
        &mut self,
        now: DateTime<Utc>,
        policy: &SlaPolicy,
    ) -> Result<Option<(Step, DateTime<Utc>)>> {
        let (Some(step), Some(due)) = (self.next_step, self.next_due) else {
            return Ok(None);
        };
        if due > now || !self.is_running() {
            return Ok(None);
        }
        self.next_step = step.next();
        self.reschedule(policy)?;
        Ok(Some((step, due)))
    }

    /// Suspension (挂起): the clock stops counting.
    pub fn pause(&mut self, at: DateTime<Utc>, policy: &SlaPolicy) -> Result<()> {
        if self.is_running() {
            self.paused_at = Some(at);
            self.reschedule(policy)?;
        }
        Ok(())
    }

    /// Resumption: the deadline and the yellow mark move on by the time spent paused, in the
    /// limit's own measure (natural time for natural hours, working time otherwise).
    pub fn resume(&mut self, at: DateTime<Utc>, policy: &SlaPolicy) -> Result<()> {
        let Some(paused) = self.paused_at.take() else {
            return Ok(());
        };
        let cal = &policy.calendar;
        let working = cal.working_time_between(paused, at).max(Duration::zero());
        self.paused_working_secs += working.num_seconds();
        let shift = if self.natural() {
            (at - paused).max(Duration::zero())
        } else {
            working
        };
        self.deadline = self.shifted(self.deadline, shift, cal)?;
        self.yellow_at = self.shifted(self.yellow_at, shift, cal)?;
        if let Some(s) = self.shift_since_request.as_mut() {
            *s += shift.num_seconds();
        }
        self.reschedule(policy)
    }

    /// `t` moved on by `d`: natural time for natural-hour limits, working time otherwise.
    fn shifted(&self, t: DateTime<Utc>, d: Duration, cal: &WorkCalendar) -> Result<DateTime<Utc>> {
        if self.natural() {
            Ok(t + d)
        } else {
            cal.add_working_hours(t, d)
        }
    }

    /// An extension was requested (延期申请): from now on, suspensions are also counted
    /// against the date asked for.
    pub fn note_extension_request(&mut self) {
        self.shift_since_request = Some(0);
    }

    /// The pending request was refused: the deadline stays where it is.
    pub fn drop_extension_request(&mut self) {
        self.shift_since_request = None;
    }

    /// An approved extension (延期): the date asked for becomes the deadline, moved by the
    /// suspensions since the request. The unit chose the date while the clock was running,
    /// so a suspension after the request moves it exactly as it moves any deadline: once,
    /// whether the supervisor decides before, during or after the suspension (a pause still
    /// running at approval moves it on resumption, like the deadline it replaces). The yellow
    /// mark moves with it. Steps already fired stay fired; the next one is due against the
    /// new deadline.
    pub fn extend(&mut self, deadline: DateTime<Utc>, policy: &SlaPolicy) -> Result<()> {
        let shift = Duration::seconds(self.shift_since_request.take().unwrap_or(0));
        self.deadline = self.shifted(deadline, shift, &policy.calendar)?;
        self.yellow_at = self.share_of_span(&policy.calendar, policy.yellow_permille)?;
        self.reschedule(policy)
    }

    /// The clock's event happened (signed for, replied, called back) or became moot.
    pub fn stop(&mut self, at: DateTime<Utc>, policy: &SlaPolicy) -> Result<()> {
        if self.stopped_at.is_some() {
            return Ok(());
        }
        if self.paused_at.is_some() {
            self.resume(at, policy)?;
        }
        self.stopped_at = Some(at);
        self.worked_secs = Some(self.worked(&policy.calendar, at).num_seconds());
        self.next_due = None;
        Ok(())
    }

    /// Working time the clock ran, pauses excluded (the figure for average handling time).
    pub fn worked(&self, cal: &WorkCalendar, until: DateTime<Utc>) -> Duration {
        let end = self.stopped_at.unwrap_or(until);
        cal.working_time_between(self.started_at, end) - Duration::seconds(self.paused_working_secs)
    }

    /// Whether the clock stopped by its deadline (`None` while it runs).
    pub fn on_time(&self) -> Option<bool> {
        self.stopped_at.map(|s| s <= self.deadline)
    }

    /// Green, yellow or red at `now`; a stopped clock keeps the colour it stopped with.
    pub fn level_at(&self, now: DateTime<Utc>) -> Level {
        let t = self.stopped_at.or(self.paused_at).unwrap_or(now);
        if t > self.deadline {
            Level::Red
        } else if t >= self.yellow_at {
            Level::Yellow
        } else {
            Level::Green
        }
    }
}

/// The clocks of one order: the current generation of each kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderClocks {
    pub sign_for: Option<SlaClock>,
    pub handling: Option<SlaClock>,
    pub callback: Option<SlaClock>,
}

impl OrderClocks {
    pub fn get(&self, kind: ClockKind) -> Option<&SlaClock> {
        match kind {
            ClockKind::SignFor => self.sign_for.as_ref(),
            ClockKind::Handling => self.handling.as_ref(),
            ClockKind::Callback => self.callback.as_ref(),
        }
    }

    pub fn get_mut(&mut self, kind: ClockKind) -> Option<&mut SlaClock> {
        match kind {
            ClockKind::SignFor => self.sign_for.as_mut(),
            ClockKind::Handling => self.handling.as_mut(),
            ClockKind::Callback => self.callback.as_mut(),
        }
    }

    pub fn slot(&mut self, kind: ClockKind) -> &mut Option<SlaClock> {
        match kind {
            ClockKind::SignFor => &mut self.sign_for,
            ClockKind::Handling => &mut self.handling,
            ClockKind::Callback => &mut self.callback,
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &SlaClock> {
        [&self.sign_for, &self.handling, &self.callback]
            .into_iter()
            .flatten()
    }

    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}
