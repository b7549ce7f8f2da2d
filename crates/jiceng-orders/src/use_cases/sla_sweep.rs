//! The sweep: due steps of every kind of subject, each fired by the handler its kind
//! registered. The sweep itself knows no kind: a work order, an application or a
//! rectification task differ only in what a fired step writes and how their storage checks
//! that nobody stored the step first.

use super::Orders;
use crate::effects::{ClockWrite, Effects};
use crate::sla::escalation::{addressee_of, compose, number_prefix};
use crate::sla::{ClockKind, Escalation, SlaClock, SlaPolicy, StandaloneClock, Step};
use crate::work_order::Assignee;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiceng_kernel::error::{ErrorKind, Result};
use jiceng_kernel::ids::OrderId;
use jiceng_kernel::subject::{Subject, SubjectKind};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepOutcome {
    /// Due clocks read from the index.
    pub due: usize,
    /// Steps fired and stored.
    pub fired: usize,
    /// Steps another sweeper or a concurrent transition stored first (nothing written here).
    pub lost_races: usize,
}

/// How the steps of one kind of subject fire.
#[async_trait]
pub trait SubjectClocks: Send + Sync {
    /// The kind whose clock rows this handler fires.
    fn kind(&self) -> SubjectKind;

    /// Fires the step of subject `id`'s `clock` that is due at `now`, and stores the clock
    /// moved past it with the step's effects (history, notices, escalation records) in one
    /// transaction, under the subject's own concurrency check. `Ok(false)` when nothing is
    /// due any more (the subject moved on, or is gone); a conflict error when another sweeper
    /// or a transition stored first.
    async fn fire(
        &self,
        orders: &Orders,
        county: jiceng_kernel::ids::CountyId,
        id: uuid::Uuid,
        clock: ClockKind,
        now: DateTime<Utc>,
    ) -> Result<bool>;
}

/// The handlers, one per subject kind.
#[derive(Clone, Default)]
pub struct SubjectHandlers(BTreeMap<SubjectKind, Arc<dyn SubjectClocks>>);

impl SubjectHandlers {
    /// Adds `handler` for its kind, replacing any earlier one.
    pub fn register(&mut self, handler: Arc<dyn SubjectClocks>) {
        self.0.insert(handler.kind(), handler);
    }

    pub fn kinds(&self) -> Vec<SubjectKind> {
        self.0.keys().cloned().collect()
    }

    fn get(&self, kind: &SubjectKind) -> Option<&Arc<dyn SubjectClocks>> {
        self.0.get(kind)
    }
}

impl Orders {
    /// Fires the steps of `handler`'s kind of subject in the sweep (a context's composition).
    pub fn with_subject_clocks(mut self, handler: Arc<dyn SubjectClocks>) -> Self {
        Arc::make_mut(&mut self.subject_clocks).register(handler);
        self
    }

    /// Fires the steps due now, at most `limit` clocks' worth, earliest first, each by the
    /// handler of its subject's kind. Each fired step is stored under the subject's
    /// concurrency check, so of two sweepers on one database only one stores it; the loser
    /// counts a lost race and moves on. Rows of kinds with no handler here are left to a
    /// server that has one.
    ///
    /// Counties are swept one after the other, each reading only its own due clocks (by
    /// `(county, next due)`), within one budget of `limit` clocks.
    pub async fn sweep_due(&self, limit: u32) -> Result<SweepOutcome> {
        let now = self.clock.now();
        let kinds = self.subject_clocks.kinds();
        let mut out = SweepOutcome::default();
        for county in self.all_counties().await? {
            let Some(left) = limit.checked_sub(out.due as u32).filter(|l| *l > 0) else {
                break;
            };
            let due = self.store.due_clocks(county, now, left, &kinds).await?;
            out.due += due.len();
            for d in due {
                let Some(handler) = self.subject_clocks.get(&d.subject.kind) else {
                    continue;
                };
                match handler
                    .fire(self, d.county, d.subject.id, d.clock, now)
                    .await
                {
                    Ok(true) => out.fired += 1,
                    Ok(false) => {}
                    Err(e) if e.kind == ErrorKind::Conflict => out.lost_races += 1,
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(out)
    }

    /// The earliest instant any running clock of a handled kind falls due, in any county.
    pub async fn next_due(&self) -> Result<Option<DateTime<Utc>>> {
        let kinds = self.subject_clocks.kinds();
        let mut first: Option<DateTime<Utc>> = None;
        for county in self.all_counties().await? {
            if let Some(at) = self.store.next_clock_due(county, &kinds).await? {
                first = Some(first.map_or(at, |f| f.min(at)));
            }
        }
        Ok(first)
    }

    /// The record of escalation `step` on `clock` of a subject: addressed up the responsible
    /// unit's path, numbered by step and day, with its text and the answer-by deadline of the
    /// ladder the clock climbs.
    pub async fn escalation_record(
        &self,
        about: SubjectNames<'_>,
        clock: &SlaClock,
        step: Step,
        now: DateTime<Utc>,
        policy: &SlaPolicy,
    ) -> Result<Escalation> {
        let addressee = self.addressee(&clock.unit, step).await?;
        let natural = matches!(
            clock.limit,
            jiceng_kernel::calendar::TimeLimit::NaturalHours(_)
        );
        let reply_by = policy
            .ladder_for(natural)
            .reply_for(step)
            .deadline(&policy.calendar, now)?;
        let text = compose(
            step,
            about.label,
            clock,
            &addressee,
            reply_by,
            &policy.calendar,
        );
        Ok(Escalation {
            id: OrderId::new_at(now).0,
            number: number_prefix(
                step,
                &self.county_code(clock.unit.unit_path.county()).await?,
                now,
                &policy.calendar,
            ),
            subject: about.subject.clone(),
            reference: about.reference.to_owned(),
            clock: clock.kind,
            generation: clock.generation,
            step,
            addressee,
            unit: clock.unit.clone(),
            text,
            issued_at: now,
            deadline: reply_by,
        })
    }

    /// The unit a step goes to, looked up on the responsible unit's path.
    async fn addressee(&self, unit: &Assignee, step: Step) -> Result<Assignee> {
        let Some(id) = addressee_of(step, &unit.unit_path).filter(|id| *id != unit.unit_id) else {
            return Ok(unit.clone());
        };
        Ok(match self.store.get_unit(id).await? {
            Some(u) => Assignee {
                unit_id: u.id,
                unit_name: u.name,
                unit_path: u.path,
            },
            None => unit.clone(),
        })
    }

    /// Starts a clock on a subject whose clocks have no document of their own, under the
    /// policy of the responsible unit's jurisdiction; its steps fire through
    /// [`StandaloneClocks`] once that handler is registered for the subject's kind. A clock
    /// of the same kind already on the subject is replaced by the next generation.
    pub async fn start_standalone_clock(&self, new: NewStandaloneClock) -> Result<StandaloneClock> {
        let now = self.clock.now();
        let policy = self.sla.for_region(&new.unit.unit_path);
        let generation = self
            .store
            .standalone_clock(new.unit.unit_path.county(), &new.subject, new.kind)
            .await?
            .map_or(1, |c| c.clock.generation + 1);
        let clock = SlaClock::start(
            new.kind, generation, new.unit, new.limit, new.basis, now, policy,
        )?;
        let c = StandaloneClock {
            subject: new.subject,
            reference: new.reference,
            label: new.label,
            clock,
        };
        let mut effects = Effects::new(now);
        effects.clocks.push(ClockWrite::Standalone {
            clock: c.clone(),
            awaiting: None,
        });
        self.store.commit(&effects).await?;
        if let Some(at) = c.clock.next_due {
            self.due_signal.due_at(at);
        }
        Ok(c)
    }
}

/// How an escalation record names its subject.
#[derive(Debug, Clone, Copy)]
pub struct SubjectNames<'a> {
    pub subject: &'a Subject,
    /// The subject's number as people quote it (`GD…`, `ZG…`).
    pub reference: &'a str,
    /// The subject in a record's text: `工单 GD…「…」`.
    pub label: &'a str,
}

/// A clock to start on a subject with no document of its own.
#[derive(Debug, Clone)]
pub struct NewStandaloneClock {
    pub subject: Subject,
    pub reference: String,
    pub label: String,
    pub kind: ClockKind,
    /// The unit that answers for it; its jurisdiction's policy applies.
    pub unit: Assignee,
    pub limit: jiceng_kernel::calendar::TimeLimit,
    /// Where the limit comes from, as a clock view explains it.
    pub basis: String,
}

/// The handler of a kind of subject whose clocks live in their own rows
/// ([`StandaloneClock`]): a fired step writes the moved clock and its escalation record, the
/// row's awaited step being the concurrency check. No history or text messages: the subject
/// has no history of its own here, and the outbox carries messages about work orders only.
#[derive(Debug, Clone)]
pub struct StandaloneClocks {
    pub kind: SubjectKind,
}

#[async_trait]
impl SubjectClocks for StandaloneClocks {
    fn kind(&self) -> SubjectKind {
        self.kind.clone()
    }

    async fn fire(
        &self,
        orders: &Orders,
        county: jiceng_kernel::ids::CountyId,
        id: uuid::Uuid,
        clock: ClockKind,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let subject = Subject::new(self.kind.clone(), id);
        let Some(mut c) = orders
            .store
            .standalone_clock(county, &subject, clock)
            .await?
        else {
            return Ok(false);
        };
        let policy = orders.sla.for_region(&c.unit().unit_path);
        let Some((step, _due)) = c.clock.advance_due(now, policy)? else {
            return Ok(false);
        };
        let mut escalations = Vec::new();
        if step.is_escalation() {
            let about = SubjectNames {
                subject: &subject,
                reference: &c.reference,
                label: &c.label,
            };
            escalations.push(
                orders
                    .escalation_record(about, &c.clock, step, now, policy)
                    .await?,
            );
        }
        let mut effects = Effects::new(now);
        effects.clocks.push(ClockWrite::Standalone {
            clock: c,
            awaiting: Some(step),
        });
        effects.escalations = escalations;
        orders.store.commit(&effects).await?;
        Ok(true)
    }
}
