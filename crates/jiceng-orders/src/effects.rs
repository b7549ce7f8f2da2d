//! What a use case changes, as data. A use case reads what it needs, decides, and returns
//! [`Effects`]: the subjects it creates or changes with their history entries, the audit
//! entries, the messages for the outbox, the clock rows, the escalation records, the
//! duplicate-detection sketches, category corrections and the client's idempotency key. One store call
//! ([`crate::ports::CommitStore::commit`]) writes all of it in one transaction, or none of it.
//!
//! Nothing here performs I/O. The helpers ([`Effects::new_order`], [`Effects::change_order`])
//! hold the rules of what a work order's change writes besides the order: its clocks' rows,
//! its audit record, dropping the sketch of a closed order.

use crate::duplicates::OrderSketch;
use crate::learning::CategoryCorrection;
use crate::sla::{Escalation, SlaClock};
use crate::work_order::{HistoryEntry, Notice, WorkOrder};
use chrono::{DateTime, Utc};
pub use jiceng_deadlines::ClockWrite;
use jiceng_kernel::audit::chain::AuditRecord;
use jiceng_kernel::ids::{OrderId, UserId};
use jiceng_kernel::subject::Subject;

/// Everything one use case writes, in one transaction.
#[derive(Debug, Clone)]
pub struct Effects {
    /// When the change happens: the instant outbox rows are stamped with.
    pub at: DateTime<Utc>,
    /// The subjects created or changed, with the history entries of this change; written
    /// first, in this order. A subject whose stored version is not the one it was read at
    /// fails the whole commit (`work_order.version_conflict`).
    pub subjects: Vec<SubjectWrite>,
    /// Entries for the append-only audit log, appended last, in this order.
    pub audit: Vec<AuditItem>,
    /// Messages to people (citizens, units' leaders), queued in the outbox for delivery.
    pub notices: Vec<Notice>,
    /// Clock rows to write: clocks that start, pause, resume, move or stop, and clocks whose
    /// due step fired.
    pub clocks: Vec<ClockWrite>,
    /// Escalation records issued. Each subject, clock generation and step takes one at most:
    /// a second fails the whole commit (`work_order.version_conflict`).
    pub escalations: Vec<Escalation>,
    /// Duplicate-detection sketches to store or drop.
    pub sketches: Vec<SketchWrite>,
    /// Dispatchers' corrections of an order's category, each replacing the order's earlier
    /// one: labelled examples for the classifier's next retraining.
    pub corrections: Vec<CategoryCorrection>,
    /// Records of a citizen's contact data erased from orders, one per order; the orders'
    /// changed documents are among the subjects.
    pub redactions: Vec<Redaction>,
    /// The client's idempotency key of a registration: with a key used before for the same
    /// request, nothing is written and the commit answers [`Committed::Replayed`]; used before
    /// for another request, `idempotency.key_reused`. Only with exactly one new work order
    /// among the subjects, which the key then names.
    pub idempotency: Option<Idempotency>,
}

/// One subject created or changed. Each kind of subject is a variant (applications and
/// rectification tasks join when their contexts land).
#[derive(Debug, Clone)]
pub enum SubjectWrite {
    WorkOrder(OrderWrite),
}

/// A work order as it is to be stored, and how.
#[derive(Debug, Clone)]
pub struct OrderWrite {
    /// The order after the change; a new one's `number` is assigned by the commit.
    pub order: WorkOrder,
    pub write: Write,
    /// The history entries of this change, in order: their `seq` follow the stored ones.
    pub history: Vec<HistoryEntry>,
}

/// Whether a subject is new or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// A new subject, numbered `{number_prefix}NNNNNN` from the prefix's running count in the
    /// same transaction.
    New { number_prefix: String },
    /// A stored subject, written only if it is still at the version it was read at.
    Change { expected_version: u32 },
}

/// An entry for the audit log.
#[derive(Debug, Clone)]
pub enum AuditItem {
    /// A record complete as it is.
    Record(AuditRecord),
    /// The record of history entry `seq` of the new work order `order` of this commit
    /// ([`crate::work_order::audit_records::order_step`]), which names the order by its number: built
    /// in the transaction, once the order is numbered.
    NewOrderStep { order: OrderId, seq: u32 },
}

/// A change to the duplicate-detection sketches.
#[derive(Debug, Clone)]
pub enum SketchWrite {
    /// Stores an order's text sketch (replacing any it had).
    Put(OrderSketch),
    /// Drops an order's sketch: only open orders are duplicate candidates.
    Drop(OrderId),
}

/// The record that a citizen's contact data was erased from an order at its `version`: the
/// fields by name, who and when; never the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedactionRecord {
    pub order: OrderId,
    /// The order's version after the erasure.
    pub version: u32,
    pub at: DateTime<Utc>,
    pub actor: UserId,
    pub fields: Vec<String>,
}

/// A redaction to write. Besides the record, the commit writes the order's indexed columns
/// from its new document and withdraws the outbox's messages to `phone` about the order.
#[derive(Clone)]
pub struct Redaction {
    pub record: RedactionRecord,
    /// The erased phone, to find the outbox rows that carry it; not stored.
    pub phone: String,
}

/// Never prints the phone.
impl std::fmt::Debug for Redaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redaction")
            .field("record", &self.record)
            .finish_non_exhaustive()
    }
}

/// A client's idempotency key and the fingerprint of the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency {
    pub user: UserId,
    pub key: String,
    pub request_hash: String,
}

/// How a commit ended.
#[derive(Debug, Clone)]
pub enum Committed {
    /// Everything was written, and new subjects got their numbers.
    Created { numbers: Vec<Numbered> },
    /// Everything was written; the commit created no subject.
    Applied,
    /// Nothing was written: the idempotency key was used before for the same request. The
    /// order it created then, as stored now.
    Replayed { order: WorkOrder },
}

/// The number a new subject got in a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Numbered {
    pub subject: Subject,
    pub number: String,
}

impl Committed {
    /// The number the commit gave `subject`, if it created it.
    pub fn number_of(&self, subject: &Subject) -> Option<&str> {
        match self {
            Self::Created { numbers } => numbers
                .iter()
                .find(|n| n.subject == *subject)
                .map(|n| n.number.as_str()),
            Self::Applied | Self::Replayed { .. } => None,
        }
    }
}

impl Effects {
    /// Nothing yet, for a change happening at `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        Self {
            at,
            subjects: Vec::new(),
            audit: Vec::new(),
            notices: Vec::new(),
            clocks: Vec::new(),
            escalations: Vec::new(),
            sketches: Vec::new(),
            corrections: Vec::new(),
            redactions: Vec::new(),
            idempotency: None,
        }
    }

    /// A new work order with its first history entries, to be numbered
    /// `{number_prefix}NNNNNN`: the order, its entries' audit records and its clocks' rows.
    pub fn new_order(
        &mut self,
        order: WorkOrder,
        history: Vec<HistoryEntry>,
        number_prefix: impl Into<String>,
    ) -> &mut Self {
        self.audit
            .extend(history.iter().map(|e| AuditItem::NewOrderStep {
                order: order.id,
                seq: e.seq,
            }));
        self.order_rows(&order);
        self.subjects.push(SubjectWrite::WorkOrder(OrderWrite {
            order,
            write: Write::New {
                number_prefix: number_prefix.into(),
            },
            history,
        }));
        self
    }

    /// A change of a stored work order read at `expected_version`, with its history entry:
    /// the order, the entry's audit record, the rows of the clocks the change touched, and
    /// for an order that closes (archived, merged) the drop of its sketch.
    pub fn change_order(
        &mut self,
        expected_version: u32,
        order: WorkOrder,
        entry: HistoryEntry,
    ) -> &mut Self {
        self.audit.push(AuditItem::Record(
            crate::work_order::audit_records::order_step(&order, &entry),
        ));
        self.order_rows(&order);
        if order.status.is_final() {
            self.sketches.push(SketchWrite::Drop(order.id));
        }
        self.subjects.push(SubjectWrite::WorkOrder(OrderWrite {
            order,
            write: Write::Change { expected_version },
            history: vec![entry],
        }));
        self
    }

    /// The rows of the order's clocks that this version of it changes.
    fn order_rows(&mut self, order: &WorkOrder) {
        let subject = Subject::work_order(order.id);
        self.clocks.extend(
            order
                .clocks
                .iter()
                .filter(|c| clock_changed(order, c))
                .map(|c| ClockWrite::Copy {
                    subject: subject.clone(),
                    clock: c.clone(),
                }),
        );
    }
}

/// Whether a clock's row must be written with this version of the order: every clock that
/// still runs or is paused, and one that stopped in this very change. Rows of clocks that
/// stopped earlier are already final.
fn clock_changed(o: &WorkOrder, c: &SlaClock) -> bool {
    c.stopped_at.is_none_or(|s| s >= o.updated_at)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::work_order::register::IntakeForm;
    use crate::work_order::{Assignee, NewWorkOrder, Status};

    fn order() -> (WorkOrder, HistoryEntry) {
        let new = NewWorkOrder::parse(IntakeForm {
            content: "井盖缺失",
            ..Default::default()
        })
        .unwrap();
        let region = Assignee {
            unit_id: jiceng_kernel::ids::UnitId(uuid::Uuid::nil()),
            unit_name: "县".into(),
            unit_path: jiceng_kernel::org::UnitPath::from_stored(
                "00000000000000000000000000000000/".into(),
            ),
        };
        let at = DateTime::<Utc>::UNIX_EPOCH;
        new.into_order(
            OrderId(uuid::Uuid::nil()),
            String::new(),
            region,
            UserId(uuid::Uuid::nil()),
            "op",
            at,
        )
    }

    #[test]
    fn a_new_order_is_audited_once_numbered() {
        let (o, e) = order();
        let mut fx = Effects::new(o.created_at);
        fx.new_order(o.clone(), vec![e], "JC20260101");
        assert!(matches!(
            fx.audit.as_slice(),
            [AuditItem::NewOrderStep { order, seq: 1 }] if *order == o.id
        ));
        assert!(matches!(
            &fx.subjects[..],
            [SubjectWrite::WorkOrder(OrderWrite { write: Write::New { number_prefix }, .. })]
                if number_prefix == "JC20260101"
        ));
        assert!(fx.sketches.is_empty());
    }

    #[test]
    fn a_closing_change_drops_the_sketch() {
        let (o, e) = order();
        let mut closed = o.clone();
        closed.status = Status::Archived;
        closed.version += 1;
        let mut fx = Effects::new(o.created_at);
        fx.change_order(o.version, closed, e);
        assert!(matches!(&fx.sketches[..], [SketchWrite::Drop(id)] if *id == o.id));
        assert!(matches!(&fx.audit[..], [AuditItem::Record(_)]));
    }
}
