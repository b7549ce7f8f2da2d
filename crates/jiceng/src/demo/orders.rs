//! Runs the planned work orders through the real use cases, every step in the order of time,
//! on a clock the seeding moves forward: history, versions, numbers and every rule of the
//! loop hold exactly as if people had done it.

use super::messages::Message;
use super::paths::{Rating, ReturnKind, Step};
use super::plan::{OrderPlan, Region, Registrar, mix};
use super::routing::{Desk, statute};
use super::texts::*;
use crate::commands::domain_err;
use anyhow::{Result, anyhow, bail};
use chrono::{DateTime, Duration, Utc};
use jiceng_kernel::access::Principal;
use jiceng_kernel::clock::{Clock, FixedClock};
use jiceng_kernel::ids::{OrderId, UnitId};
use jiceng_orders::use_cases::{ActRequest, Orders};
use jiceng_orders::work_order::machine::ReturnReason;
use jiceng_orders::work_order::register::IntakeForm;
use jiceng_orders::work_order::{Command, NewWorkOrder, Satisfaction, Status, Urgency};
use std::collections::HashMap;

/// A handling unit and the usernames of its handler and leader.
#[derive(Debug, Clone)]
pub struct DeskStaff {
    pub unit: UnitId,
    pub name: String,
    pub handler: String,
    pub leader: String,
}

/// Everything the steps need: the use cases on the demo clock, the people, the units.
pub struct World<'a> {
    pub orders: &'a Orders,
    pub clock: &'a FixedClock,
    pub people: HashMap<String, Principal>,
    pub desks: HashMap<Desk, DeskStaff>,
    /// The candidate regions given to the planner, in its order.
    pub places: Vec<UnitId>,
    pub grid: UnitId,
    pub messages: &'a [Message],
}

/// Where an order is while the seeding runs.
#[derive(Debug, Default, Clone)]
struct Track {
    id: Option<OrderId>,
    lead: Option<Desk>,
    co: Option<Desk>,
    status: Option<Status>,
}

impl World<'_> {
    fn who(&self, username: &str) -> Result<&Principal> {
        self.people
            .get(username)
            .ok_or_else(|| anyhow!("demo user {username} missing"))
    }

    fn desk(&self, d: Option<Desk>) -> Result<&DeskStaff> {
        d.and_then(|d| self.desks.get(&d))
            .ok_or_else(|| anyhow!("demo desk {d:?} missing"))
    }

    fn move_clock(&self, t: DateTime<Utc>) {
        let d = t - self.clock.now();
        if d > Duration::zero() {
            self.clock.advance(d);
        }
    }

    /// Runs all plans; answers how many orders ended in each status.
    pub async fn run(&self, plans: &[OrderPlan]) -> Result<Vec<(Status, usize)>> {
        let mut events: Vec<(DateTime<Utc>, usize, usize)> = plans
            .iter()
            .enumerate()
            .flat_map(|(o, p)| {
                p.steps
                    .iter()
                    .enumerate()
                    .map(move |(s, (t, _))| (*t, o, s))
            })
            .collect();
        events.sort_unstable();
        let mut tracks = vec![Track::default(); plans.len()];
        for (t, o, s) in events {
            let (Some(plan), Some((_, step))) =
                (plans.get(o), plans.get(o).and_then(|p| p.steps.get(s)))
            else {
                continue;
            };
            self.move_clock(t);
            self.step(o, plan, step, &mut tracks)
                .await
                .map_err(|e| e.context(format!("demo work order {o}, step {s} ({step:?})")))?;
        }
        let mut counts: Vec<(Status, usize)> = Status::ALL.iter().map(|s| (*s, 0)).collect();
        for (o, (p, t)) in plans.iter().zip(&tracks).enumerate() {
            if t.status != Some(p.expected) {
                bail!(
                    "demo work order {o} ended {:?}, planned {:?}",
                    t.status,
                    p.expected
                );
            }
            if let Some(c) = counts.iter_mut().find(|(s, _)| *s == p.expected) {
                c.1 += 1;
            }
        }
        Ok(counts)
    }

    async fn step(
        &self,
        o: usize,
        plan: &OrderPlan,
        step: &Step,
        tracks: &mut [Track],
    ) -> Result<()> {
        let mut track = tracks.get(o).cloned().unwrap_or_default();
        match step {
            Step::Register => {
                let order = self.register(plan).await?;
                track.id = Some(order.id);
                track.status = Some(order.status);
            }
            Step::MergeInto(master) => {
                let master_id = tracks.get(*master).and_then(|t| t.id);
                let (Some(dup), Some(master_id)) = (track.id, master_id) else {
                    bail!("the orders to merge are not registered");
                };
                self.orders
                    .merge_orders(self.who("dispatcher")?, dup, master_id)
                    .await
                    .map_err(|e| domain_err("merge", e))?;
                track.status = Some(Status::Merged);
            }
            _ => {
                let n = mix(o as u64 ^ 0x7374_6570);
                let (who, req) = self.request(plan, step, &track, n)?;
                if let Step::Dispatch { lead, co, .. } = step {
                    (track.lead, track.co) = (Some(*lead), *co);
                }
                if let Step::Arbitrate { lead } = step {
                    track.lead = Some(*lead);
                }
                let id = track
                    .id
                    .ok_or_else(|| anyhow!("the order is not registered"))?;
                let req = self.past_deadline(id, req).await?;
                let order = self
                    .orders
                    .act(self.who(&who)?, id, req, None)
                    .await
                    .map_err(|e| domain_err(&who, e))?;
                track.status = Some(order.status);
            }
        }
        self.save(tracks, o, track)
    }

    /// An extension asks for as much time again beyond the order's current handling deadline.
    async fn past_deadline(&self, id: OrderId, req: ActRequest) -> Result<ActRequest> {
        let ActRequest::Other(Command::RequestExtension { reason, new_due }) = req else {
            return Ok(req);
        };
        let now = self.clock.now();
        let due = self
            .orders
            .find_order(
                &self
                    .orders
                    .all_counties()
                    .await
                    .map_err(|e| domain_err("extension", e))?,
                id,
            )
            .await
            .map_err(|e| domain_err("extension", e))?
            .and_then(|o| o.handling_due)
            .filter(|d| *d >= now);
        let new_due = due.map_or(new_due, |d| d + (new_due - now));
        Ok(ActRequest::Other(Command::RequestExtension {
            reason,
            new_due,
        }))
    }

    /// Who takes a step of the loop, and what they ask for.
    fn request(
        &self,
        plan: &OrderPlan,
        step: &Step,
        track: &Track,
        n: u64,
    ) -> Result<(String, ActRequest)> {
        let other = |who: &str, cmd| Ok((who.to_owned(), ActRequest::Other(cmd)));
        match step {
            Step::Dispatch { lead, co, note } => {
                let co_units = match co {
                    Some(c) => vec![self.desk(Some(*c))?.unit],
                    None => Vec::new(),
                };
                let req = ActRequest::Dispatch {
                    lead: self.desk(Some(*lead))?.unit,
                    co_units,
                    note: note.then(|| pick(DISPATCH_NOTES, n).to_owned()),
                };
                Ok(("dispatcher".to_owned(), req))
            }
            Step::Arbitrate { lead } => {
                let req = ActRequest::Arbitrate {
                    lead: self.desk(Some(*lead))?.unit,
                    ruling: pick(RULINGS, n).to_owned(),
                };
                Ok(("dispatcher".to_owned(), req))
            }
            Step::AcceptCo => {
                let c = self.desk(track.co)?;
                other(&c.handler, Command::AcceptCo { unit: c.unit })
            }
            Step::CoReply => {
                let c = self.desk(track.co)?;
                let text = pick(CO_REPLIES, n).to_owned();
                other(&c.handler, Command::CoReply { unit: c.unit, text })
            }
            Step::Review { approve } => {
                let comment = if *approve {
                    pick(REVIEW_APPROVALS, n)
                } else {
                    REVIEW_REJECTION
                };
                let cmd = Command::Review {
                    approve: *approve,
                    comment: Some(comment.to_owned()),
                };
                other(&self.desk(track.lead)?.leader, cmd)
            }
            Step::DecideExtension => {
                let comment = Some(pick(EXTENSION_COMMENTS, n).to_owned());
                let cmd = Command::DecideExtension {
                    approve: true,
                    comment,
                };
                other("supervisor", cmd)
            }
            Step::FollowUp(rating) => {
                let caller = match plan.registrar {
                    Registrar::Citizen => "citizen",
                    _ => "operator",
                };
                other(caller, follow_up(*rating, n))
            }
            Step::Archive => {
                let note = Some(pick(ARCHIVE_NOTES, n).to_owned()).filter(|s| !s.is_empty());
                other("dispatcher", Command::Archive { note })
            }
            _ => other(
                &self.desk(track.lead)?.handler,
                self.handler_command(plan, step, n)?,
            ),
        }
    }

    /// What the lead unit's handler does.
    fn handler_command(&self, plan: &OrderPlan, step: &Step, n: u64) -> Result<Command> {
        Ok(match step {
            Step::Return(kind) => self.return_cmd(*kind)?,
            Step::Accept => Command::Accept,
            Step::Note => Command::Note {
                text: pick(NOTES, n >> 3).to_owned(),
            },
            Step::RequestExtension => Command::RequestExtension {
                reason: pick(EXTENSION_REASONS, n).to_owned(),
                new_due: self.clock.now() + Duration::days(15 + (n % 16) as i64),
            },
            Step::Suspend => Command::Suspend {
                reason: pick(SUSPEND_REASONS, n).to_owned(),
            },
            Step::Resume => Command::Resume {
                note: Some(pick(RESUME_NOTES, n).to_owned()),
            },
            Step::Reply { real, review } => {
                let real_reply = self
                    .messages
                    .get(plan.message)
                    .and_then(|m| m.reply.clone());
                let text = match (real, real_reply) {
                    (true, Some(r)) => r,
                    (true, None) => bail!("the message has no reply"),
                    (false, _) => pick(THIN_REPLIES, n).to_owned(),
                };
                Command::Reply {
                    text,
                    review: *review,
                }
            }
            other => bail!("{other:?} is not a handler's step"),
        })
    }

    fn save(&self, tracks: &mut [Track], o: usize, t: Track) -> Result<()> {
        let slot = tracks.get_mut(o).ok_or_else(|| anyhow!("no track {o}"))?;
        *slot = t;
        Ok(())
    }

    async fn register(&self, plan: &OrderPlan) -> Result<jiceng_orders::work_order::WorkOrder> {
        let m = self
            .messages
            .get(plan.message)
            .ok_or_else(|| anyhow!("no message {}", plan.message))?;
        let region = match plan.region {
            Region::Grid => self.grid,
            Region::Place(k) => *self.places.get(k).ok_or_else(|| anyhow!("no region {k}"))?,
        };
        let form = IntakeForm {
            channel: Some(plan.channel),
            caller_name: plan.caller.as_ref().map(|c| c.0.as_str()),
            caller_phone: plan.caller.as_ref().map(|c| c.1.as_str()),
            anonymous: plan.caller.is_none() && plan.registrar != Registrar::GridWorker,
            wants_callback: Some(plan.caller.is_some()),
            title: Some(&m.title),
            content: &m.text,
            category: Some(&m.label),
            urgency: Some(if plan.urgent {
                Urgency::Urgent
            } else {
                Urgency::Normal
            }),
            ..Default::default()
        };
        let new = NewWorkOrder::parse(form).map_err(|e| domain_err("intake", e))?;
        let who = match plan.registrar {
            Registrar::Operator => "operator",
            Registrar::Citizen => "citizen",
            Registrar::GridWorker => "gridworker",
        };
        self.orders
            .register_order(self.who(who)?, new, Some(region), None)
            .await
            .map_err(|e| domain_err("register", e))
    }

    fn return_cmd(&self, kind: ReturnKind) -> Result<Command> {
        Ok(match kind {
            ReturnKind::NotOurDuty { right } => {
                let name = &self.desk(Some(right))?.name;
                Command::Return {
                    reason: ReturnReason::NotOurDuty,
                    legal_basis: Some(format!(
                        "依据{}及区权责清单，该事项由{name}负责",
                        statute(right)
                    )),
                    explanation: format!("经核实，诉求所涉事项不属本单位职责，建议转{name}办理。"),
                }
            }
            ReturnKind::Insufficient => Command::Return {
                reason: ReturnReason::InsufficientInformation,
                legal_basis: None,
                explanation: NO_DETAIL.to_owned(),
            },
        })
    }
}

fn follow_up(rating: Rating, n: u64) -> Command {
    let (satisfaction, solved, unit_at_fault, comment) = match rating {
        Rating::VerySatisfied => (
            Satisfaction::VerySatisfied,
            true,
            false,
            pick(SATISFIED_COMMENTS, n),
        ),
        Rating::Satisfied => (
            Satisfaction::Satisfied,
            true,
            false,
            pick(SATISFIED_COMMENTS, n >> 2),
        ),
        Rating::Fair => (
            Satisfaction::FairlySatisfied,
            true,
            false,
            pick(FAIR_COMMENTS, n),
        ),
        Rating::UnsatisfiedNotAtFault => (
            Satisfaction::Unsatisfied,
            false,
            false,
            pick(UNSATISFIED_NOT_AT_FAULT, n),
        ),
        Rating::Reopen => (Satisfaction::Unsatisfied, false, true, UNSATISFIED_REOPEN),
    };
    Command::FollowUp {
        satisfaction,
        solved,
        unit_at_fault,
        comment: Some(comment.to_owned()).filter(|c| !c.is_empty()),
    }
}
