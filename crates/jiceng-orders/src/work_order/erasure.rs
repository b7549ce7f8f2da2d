//! A citizen's contact data on orders, found and erased on their request (个人信息保护法:
//! the right to copy one's data and to have it deleted).
//!
//! The order is the record of the government's work, so it stays with its history, clocks and
//! figures; what identifies the person goes: the caller's name and phone where the citizen is
//! the caller or a merged caller, and the phone (and a name of two characters or more) where
//! it appears in the order's free text. Erased fields hold [`ERASED`], never an empty string,
//! so that "erased" reads differently from "never given" and no engine mistakes it for NULL.
//!
//! The audit log is not touched: its entries never held personal data, and it cannot be
//! rewritten. The erasure itself is a history entry of the order (so a stale writer cannot
//! put the old document back: the version moves) and a redaction record.

use super::{HistoryEntry, WorkOrder};
use chrono::{DateTime, Utc};
use jiceng_kernel::ids::UserId;
use serde::Serialize;
use serde_json::json;

/// What an erased field holds.
pub const ERASED: &str = "〔已删除〕";

/// The history action of an erasure.
pub const ERASE_ACTION: &str = "erase_contact";

/// How a citizen appears on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallerPart {
    /// The order's own caller.
    Caller,
    /// A caller of a duplicate merged into this order (并案).
    MergedCaller,
}

/// Whether `phone` is a caller of `o`, and how; the order's own caller first.
pub fn caller_part(o: &WorkOrder, phone: &str) -> Option<CallerPart> {
    if o.caller_phone.as_deref() == Some(phone) {
        Some(CallerPart::Caller)
    } else if o
        .extra_callers
        .iter()
        .any(|c| c.phone.as_deref() == Some(phone))
    {
        Some(CallerPart::MergedCaller)
    } else {
        None
    }
}

/// The name the citizen gave on `o` (as its caller, else as a merged caller).
pub fn caller_name<'a>(o: &'a WorkOrder, phone: &str) -> Option<&'a str> {
    if o.caller_phone.as_deref() == Some(phone) {
        return o.caller_name.as_deref();
    }
    o.extra_callers
        .iter()
        .find(|c| c.phone.as_deref() == Some(phone))
        .and_then(|c| c.name.as_deref())
}

/// An order with a citizen's contact data erased, and the history entry that records it.
#[derive(Debug, Clone)]
pub struct Erased {
    pub order: WorkOrder,
    pub entry: HistoryEntry,
    /// The fields that changed, by name (never their values).
    pub fields: Vec<&'static str>,
}

/// Replaces in `text` every occurrence of each of `needles` by the marker.
fn scrub(text: &mut String, needles: &[&str]) -> bool {
    let mut changed = false;
    for n in needles {
        if text.contains(n) {
            *text = text.replace(n, ERASED);
            changed = true;
        }
    }
    changed
}

/// Erases the citizen with `phone` from `o`: `None` when `phone` is not a caller of it (never
/// was, or was erased before), so a second erasure changes nothing.
pub fn erase_contact(
    o: &WorkOrder,
    phone: &str,
    actor: UserId,
    actor_name: &str,
    at: DateTime<Utc>,
) -> Option<Erased> {
    caller_part(o, phone)?;
    let mut n = o.clone();
    let mut fields: Vec<&'static str> = Vec::new();
    // Names seen with this phone; one character is too short to find in text safely.
    let mut names: Vec<String> = Vec::new();
    if n.caller_phone.as_deref() == Some(phone) {
        n.caller_phone = Some(ERASED.to_owned());
        fields.push("caller_phone");
        if let Some(name) = n.caller_name.replace(ERASED.to_owned()) {
            names.push(name);
            fields.push("caller_name");
        }
    }
    let mut merged = false;
    for c in n.extra_callers.iter_mut() {
        if c.phone.as_deref() == Some(phone) {
            c.phone = Some(ERASED.to_owned());
            if let Some(name) = c.name.replace(ERASED.to_owned()) {
                names.push(name);
            }
            merged = true;
        }
    }
    if merged {
        fields.push("extra_callers");
    }
    let mut needles: Vec<&str> = vec![phone];
    needles.extend(
        names
            .iter()
            .map(String::as_str)
            .filter(|s| *s != ERASED && s.chars().count() >= 2),
    );
    if scrub(&mut n.title, &needles) {
        fields.push("title");
    }
    if scrub(&mut n.content, &needles) {
        fields.push("content");
    }
    if n.address.as_mut().is_some_and(|a| scrub(a, &needles)) {
        fields.push("address");
    }
    if n.reply.as_mut().is_some_and(|r| scrub(r, &needles)) {
        fields.push("reply");
    }
    n.version = o.version + 1;
    n.updated_at = at.max(o.updated_at);
    let entry = HistoryEntry {
        seq: n.version,
        at: n.updated_at,
        actor,
        actor_name: actor_name.to_owned(),
        action: ERASE_ACTION.to_owned(),
        from_status: Some(o.status),
        to_status: o.status,
        payload: json!({ "fields": fields }),
    };
    Some(Erased {
        order: n,
        entry,
        fields,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::work_order::register::IntakeForm;
    use crate::work_order::{Assignee, Caller, NewWorkOrder};
    use jiceng_kernel::ids::OrderId;

    fn order(phone: &str, content: &str) -> WorkOrder {
        let new = NewWorkOrder::parse(IntakeForm {
            content,
            title: Some("井盖缺失"),
            caller_name: Some("王小明"),
            caller_phone: Some(phone),
            address: Some("幸福路 8 号"),
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
        let (o, _) = new.into_order(
            OrderId(uuid::Uuid::nil()),
            "JC1".into(),
            region,
            UserId(uuid::Uuid::nil()),
            "op",
            DateTime::<Utc>::UNIX_EPOCH,
        );
        o
    }

    #[test]
    fn the_callers_contact_and_its_mentions_are_replaced_by_the_marker() {
        let o = order("13900001111", "王小明反映：井盖缺失，回电 13900001111");
        let e = erase_contact(
            &o,
            "13900001111",
            UserId(uuid::Uuid::nil()),
            "admin",
            o.created_at,
        )
        .unwrap();
        assert_eq!(e.order.caller_phone.as_deref(), Some(ERASED));
        assert_eq!(e.order.caller_name.as_deref(), Some(ERASED));
        assert!(
            !e.order.content.contains("13900001111"),
            "{}",
            e.order.content
        );
        assert!(!e.order.content.contains("王小明"), "{}", e.order.content);
        assert!(e.order.content.contains("井盖缺失"));
        assert_eq!(e.order.address, o.address);
        assert_eq!(e.fields, ["caller_phone", "caller_name", "content"]);
        assert_eq!(
            (e.order.version, e.entry.seq),
            (o.version + 1, o.version + 1)
        );
        assert_eq!(e.entry.to_status, o.status);
        assert!(!e.entry.payload.to_string().contains("1390000"));
        assert!(e.order.caller_phones().is_empty());
        // Once erased, the phone is no caller of the order: a second erasure does nothing.
        assert_eq!(caller_part(&e.order, "13900001111"), None);
        assert!(
            erase_contact(
                &e.order,
                "13900001111",
                UserId(uuid::Uuid::nil()),
                "a",
                o.created_at
            )
            .is_none()
        );
    }

    #[test]
    fn a_merged_caller_is_erased_and_the_other_callers_stay() {
        let mut o = order("13900001111", "路灯不亮");
        for (name, phone) in [("李四", "13900002222"), ("赵五", "13900003333")] {
            o.extra_callers.push(Caller {
                name: Some(name.into()),
                phone: Some(phone.into()),
                via_order: OrderId(uuid::Uuid::from_u128(7)),
            });
        }
        assert_eq!(
            caller_part(&o, "13900002222"),
            Some(CallerPart::MergedCaller)
        );
        assert_eq!(caller_name(&o, "13900002222"), Some("李四"));
        let e = erase_contact(
            &o,
            "13900002222",
            UserId(uuid::Uuid::nil()),
            "a",
            o.created_at,
        )
        .unwrap();
        assert_eq!(e.fields, ["extra_callers"]);
        assert_eq!(e.order.caller_phone, o.caller_phone);
        assert_eq!(e.order.extra_callers[0].phone.as_deref(), Some(ERASED));
        assert_eq!(e.order.extra_callers[0].name.as_deref(), Some(ERASED));
        assert_eq!(e.order.extra_callers[1], o.extra_callers[1]);
        assert_eq!(e.order.caller_phones(), ["13900001111", "13900003333"]);
        assert_eq!(caller_part(&o, "13900009999"), None);
    }
}
