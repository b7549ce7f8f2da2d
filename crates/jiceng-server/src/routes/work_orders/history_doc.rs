//! The history entry as the document describes it: one schema per step, told apart by
//! `action`, each with the payload that step writes.
//!
//! The domain keeps a history payload as free JSON (it is stored and hashed into the audit log
//! as written), so these types exist for the document only; the response-schema test holds
//! them to what the rule book really writes.

use chrono::{DateTime, Utc};
use jiceng_kernel::ids::{OrderId, UnitId};
use jiceng_orders::duty::DutyRef;
use jiceng_orders::sla::{ClockKind, Step};
use jiceng_orders::work_order::machine::ReturnReason;
use jiceng_orders::work_order::{Channel, Satisfaction, Status};
use std::borrow::Cow;
use utoipa::openapi::schema::{Discriminator, OneOfBuilder, Schema};
use utoipa::openapi::{Object, ObjectBuilder, RefOr, Type};
use utoipa::{PartialSchema, ToSchema};

/// A unit as a history entry names it.
#[derive(ToSchema)]
pub struct HistoryUnit {
    pub unit_id: UnitId,
    pub unit_name: String,
}

/// 受理: the order's first entry.
#[derive(ToSchema)]
pub struct RegisterDetails {
    pub channel: Channel,
    /// The name of the unit the demand belongs to.
    pub region: String,
}

/// 派单: the units given the order; `duty` when it follows a duty-list matter.
#[derive(ToSchema)]
pub struct DispatchDetails {
    pub lead: HistoryUnit,
    pub co_units: Vec<HistoryUnit>,
    pub note: Option<String>,
    #[schema(required = false)]
    pub duty: Option<DutyRef>,
}

/// 审定: the unit ruled to lead, and the ruling.
#[derive(ToSchema)]
pub struct ArbitrateDetails {
    pub lead: HistoryUnit,
    pub ruling: String,
    #[schema(required = false)]
    pub duty: Option<DutyRef>,
}

/// 签收: nothing beyond the entry itself.
#[derive(ToSchema)]
pub struct AcceptDetails {}

/// 协办签收 and the co-unit that signed.
#[derive(ToSchema)]
pub struct AcceptCoDetails {
    pub unit_id: UnitId,
}

/// 退单: why, on what basis, and which unit gave the order back.
#[derive(ToSchema)]
pub struct ReturnDetails {
    pub reason: ReturnReason,
    pub reason_label: String,
    pub legal_basis: Option<String>,
    pub explanation: String,
    pub unit: Option<HistoryUnit>,
}

/// 办理进展.
#[derive(ToSchema)]
pub struct NoteDetails {
    pub text: String,
}

/// 改分类: the category before and after a dispatcher's correction.
#[derive(ToSchema)]
pub struct RecategorizeDetails {
    pub from: Option<String>,
    pub to: String,
}

/// 申请延期.
#[derive(ToSchema)]
pub struct RequestExtensionDetails {
    pub reason: String,
    pub new_due: DateTime<Utc>,
}

/// 审批延期: `new_due` is the deadline that was asked for.
#[derive(ToSchema)]
pub struct DecideExtensionDetails {
    pub approved: bool,
    pub comment: Option<String>,
    pub new_due: Option<DateTime<Utc>>,
}

/// 挂起.
#[derive(ToSchema)]
pub struct SuspendDetails {
    pub reason: String,
}

/// 恢复办理 and 归档: an optional note.
#[derive(ToSchema)]
pub struct NoteOnlyDetails {
    pub note: Option<String>,
}

/// 办结答复: `review` when held for the leader's review.
#[derive(ToSchema)]
pub struct ReplyDetails {
    pub text: String,
    pub review: bool,
}

/// 协办答复.
#[derive(ToSchema)]
pub struct CoReplyDetails {
    pub unit_id: UnitId,
    pub text: String,
}

/// 审核答复.
#[derive(ToSchema)]
pub struct ReviewDetails {
    pub approved: bool,
    pub comment: Option<String>,
}

/// 回访: `reopened` when the order went back to the unit (重办).
#[derive(ToSchema)]
pub struct FollowUpDetails {
    pub satisfaction: Satisfaction,
    pub solved: bool,
    pub unit_at_fault: bool,
    pub comment: Option<String>,
    pub reopened: bool,
}

/// 并案, on the duplicate: the master it joined.
#[derive(ToSchema)]
pub struct MergeDetails {
    pub master: OrderId,
    pub master_number: String,
}

/// 并案, on the master: the duplicate joined and how many callers came with it.
#[derive(ToSchema)]
pub struct AbsorbDetails {
    pub duplicate: OrderId,
    pub duplicate_number: String,
    pub callers_added: u32,
}

/// 删除联系方式, at a citizen's request: the fields replaced by the erasure marker, by
/// name (`caller_name`, `caller_phone`, `extra_callers`, `title`, `content`, `address`,
/// `reply`); never their values.
#[derive(ToSchema)]
pub struct EraseContactDetails {
    pub fields: Vec<String>,
}

/// The letter of an escalation step (催办、督办、通报单).
#[derive(ToSchema)]
pub struct EscalationLetter {
    pub addressee: String,
    pub text: String,
    pub reply_by: DateTime<Utc>,
}

/// 预警、超期、催办、督办、通报, written by the system when a clock reaches a step.
#[derive(ToSchema)]
pub struct SlaStepDetails {
    pub clock: ClockKind,
    pub clock_label: String,
    pub generation: u32,
    pub step: Step,
    pub step_label: String,
    pub deadline: DateTime<Utc>,
    pub due: DateTime<Utc>,
    /// The name of the unit the clock runs for.
    pub unit: String,
    /// The letter for an escalation step; an empty object for a yellow or red warning.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// The fields every history entry has.
#[derive(ToSchema)]
pub struct EntryBase {
    /// 1, 2, 3, … without gaps; equals the order's version after the change.
    pub seq: u32,
    pub at: DateTime<Utc>,
    /// The user who acted; the nil id for what the system did on its own.
    #[schema(value_type = String, format = Uuid)]
    pub actor: uuid::Uuid,
    pub actor_name: String,
    pub from_status: Option<Status>,
    pub to_status: Status,
}

/// One kind of entry: the actions that write it and the schema of their payload.
struct Kind {
    name: &'static str,
    actions: &'static [&'static str],
    payload: Payload,
}

/// A payload type's schema name, and how to add it and the schemas it uses to the document.
struct Payload {
    name: fn() -> Cow<'static, str>,
    register: fn(&mut Vec<(String, RefOr<Schema>)>),
}

const fn of<T: ToSchema>() -> Payload {
    Payload {
        name: T::name,
        register: register::<T>,
    }
}

fn register<T: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) {
    schemas.push((T::name().into_owned(), T::schema()));
    T::schemas(schemas);
}

const KINDS: &[Kind] = &[
    Kind {
        name: "Register",
        actions: &["register"],
        payload: of::<RegisterDetails>(),
    },
    Kind {
        name: "Dispatch",
        actions: &["dispatch"],
        payload: of::<DispatchDetails>(),
    },
    Kind {
        name: "Arbitrate",
        actions: &["arbitrate"],
        payload: of::<ArbitrateDetails>(),
    },
    Kind {
        name: "Accept",
        actions: &["accept"],
        payload: of::<AcceptDetails>(),
    },
    Kind {
        name: "AcceptCo",
        actions: &["accept_co"],
        payload: of::<AcceptCoDetails>(),
    },
    Kind {
        name: "Return",
        actions: &["return"],
        payload: of::<ReturnDetails>(),
    },
    Kind {
        name: "Note",
        actions: &["note"],
        payload: of::<NoteDetails>(),
    },
    Kind {
        name: "Recategorize",
        actions: &["recategorize"],
        payload: of::<RecategorizeDetails>(),
    },
    Kind {
        name: "RequestExtension",
        actions: &["request_extension"],
        payload: of::<RequestExtensionDetails>(),
    },
    Kind {
        name: "DecideExtension",
        actions: &["decide_extension"],
        payload: of::<DecideExtensionDetails>(),
    },
    Kind {
        name: "Suspend",
        actions: &["suspend"],
        payload: of::<SuspendDetails>(),
    },
    Kind {
        name: "NoteOnly",
        actions: &["resume", "archive"],
        payload: of::<NoteOnlyDetails>(),
    },
    Kind {
        name: "Reply",
        actions: &["reply"],
        payload: of::<ReplyDetails>(),
    },
    Kind {
        name: "CoReply",
        actions: &["co_reply"],
        payload: of::<CoReplyDetails>(),
    },
    Kind {
        name: "Review",
        actions: &["review"],
        payload: of::<ReviewDetails>(),
    },
    Kind {
        name: "FollowUp",
        actions: &["follow_up"],
        payload: of::<FollowUpDetails>(),
    },
    Kind {
        name: "Merge",
        actions: &["merge"],
        payload: of::<MergeDetails>(),
    },
    Kind {
        name: "Absorb",
        actions: &["absorb"],
        payload: of::<AbsorbDetails>(),
    },
    Kind {
        name: "EraseContact",
        actions: &["erase_contact"],
        payload: of::<EraseContactDetails>(),
    },
    Kind {
        name: "SlaStep",
        actions: &[
            "sla_yellow",
            "sla_red",
            "sla_reminder",
            "sla_supervision",
            "sla_circular",
        ],
        payload: of::<SlaStepDetails>(),
    },
];

fn entry_name(kind: &Kind) -> String {
    format!("HistoryEntry{}", kind.name)
}

/// The entry of one kind: the common fields, `action` limited to the kind's actions, and
/// `payload` referring to the kind's payload schema.
fn entry_schema(kind: &Kind) -> RefOr<Schema> {
    let mut entry = match EntryBase::schema() {
        RefOr::T(Schema::Object(o)) => o,
        _ => Object::new(),
    };
    let action = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(kind.actions.iter().copied()))
        .build();
    entry.properties.insert("action".into(), action.into());
    entry.properties.insert(
        "payload".into(),
        RefOr::Ref(utoipa::openapi::Ref::from_schema_name((kind.payload.name)())),
    );
    entry.required.extend(["action".into(), "payload".into()]);
    entry.description = Some(format!("历史记录：{}", kind.actions.join("、")));
    RefOr::T(Schema::Object(entry))
}

/// `HistoryEntry` in the document: one of the kinds above, by `action`.
pub struct HistoryEntryDoc;

impl PartialSchema for HistoryEntryDoc {
    fn schema() -> RefOr<Schema> {
        let mut discriminator = Discriminator::new("action");
        let mut one_of = OneOfBuilder::new().description(Some(
            "工单的一条历史记录：谁在何时做了什么，状态从哪到哪；payload 随 action 而定",
        ));
        for kind in KINDS {
            let name = entry_name(kind);
            for action in kind.actions {
                discriminator
                    .mapping
                    .insert((*action).to_owned(), format!("#/components/schemas/{name}"));
            }
            one_of = one_of.item(utoipa::openapi::Ref::from_schema_name(name));
        }
        RefOr::T(Schema::OneOf(
            one_of.discriminator(Some(discriminator)).build(),
        ))
    }
}

impl ToSchema for HistoryEntryDoc {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("HistoryEntry")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        EntryBase::schemas(schemas);
        for kind in KINDS {
            (kind.payload.register)(schemas);
            schemas.push((entry_name(kind), entry_schema(kind)));
        }
    }
}
