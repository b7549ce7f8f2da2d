//! What a work order's steps write to the audit log, and how any entry reads in plain Chinese.
//!
//! Payloads never hold personal data (names, phones, ID numbers): the log cannot be edited,
//! so anything put in it stays. Content is recorded by its SHA-256 instead.

use crate::work_order::machine::Action;
use crate::work_order::{HistoryEntry, Status, WorkOrder};
use jiceng_kernel::audit::chain::{AuditEntry, AuditRecord, Chain};
use jiceng_kernel::ids::{CountyId, OrderId};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The object name of a work order in the log.
pub fn order_object(id: jiceng_kernel::ids::OrderId) -> String {
    format!("work_order:{}", id.0)
}

fn digest(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The chain of an order's entries: its county, the root of its region's path.
pub fn order_chain(order: &WorkOrder) -> Chain {
    Chain::County(order.region.unit_path.county())
}

/// The entry for one history step of an order (registration included).
pub fn order_step(order: &WorkOrder, e: &HistoryEntry) -> AuditRecord {
    let mut payload = json!({
        "number": order.number,
        "version": e.seq,
        "actor_name": e.actor_name,
        "from": e.from_status.map(Status::as_str),
        "to": e.to_status.as_str(),
        "detail": e.payload,
    });
    if e.seq == 1 {
        payload["content_sha256"] = json!(digest(&order.content));
        payload["channel"] = json!(order.channel.as_str());
        payload["region"] = json!(order.region.unit_id.0);
    }
    AuditRecord::new(
        order_chain(order),
        e.at,
        e.actor.0.to_string(),
        format!("work_order.{}", e.action),
        order_object(order.id),
        payload,
    )
}

/// The object of a citizen's data request in the log: the request, never the person.
pub const PERSONAL_DATA_OBJECT: &str = "personal_data";

/// An export of a citizen's data: how many orders and which, and the phone only masked. One
/// record per county of the orders (`orders` with their counties), each in the county's
/// chain; one in `none` when no order was found.
pub fn personal_data_export(
    actor: jiceng_kernel::ids::UserId,
    phone_masked: &str,
    orders: &[(OrderId, CountyId)],
    none: Chain,
    at: chrono::DateTime<chrono::Utc>,
) -> Vec<AuditRecord> {
    personal_data(
        actor,
        "personal_data.export",
        ("phone_masked", phone_masked),
        (orders, none),
        at,
    )
}

/// An erasure of a citizen's contact data: the orders newly erased and how many. Nothing of
/// the person, not even masked: after the erasure the log must not point back to them.
pub fn personal_data_erase(
    actor: jiceng_kernel::ids::UserId,
    actor_name: &str,
    orders: &[(OrderId, CountyId)],
    none: Chain,
    at: chrono::DateTime<chrono::Utc>,
) -> Vec<AuditRecord> {
    personal_data(
        actor,
        "personal_data.erase",
        ("actor_name", actor_name),
        (orders, none),
        at,
    )
}

/// A citizen's data request: one named text, how many orders and which, one record per
/// county (in the county's chain), or one in `none` for no order.
fn personal_data(
    actor: jiceng_kernel::ids::UserId,
    action: &str,
    (name, text): (&str, &str),
    (orders, none): (&[(OrderId, CountyId)], Chain),
    at: chrono::DateTime<chrono::Utc>,
) -> Vec<AuditRecord> {
    let mut by_county: BTreeMap<CountyId, Vec<OrderId>> = BTreeMap::new();
    for (o, c) in orders {
        by_county.entry(*c).or_default().push(*o);
    }
    let record = |chain: Chain, orders: &[OrderId]| {
        AuditRecord::new(
            chain,
            at,
            actor.0.to_string(),
            action,
            PERSONAL_DATA_OBJECT,
            json!({name: text, "count": orders.len(),
                   "orders": orders.iter().map(|o| o.0).collect::<Vec<_>>()}),
        )
    };
    if by_county.is_empty() {
        return vec![record(none, &[])];
    }
    by_county
        .iter()
        .map(|(c, orders)| record(Chain::County(*c), orders))
        .collect()
}

fn verb(action: &str) -> String {
    if let Some(a) = action.strip_prefix("work_order.") {
        if a == "register" {
            return "受理登记了工单".into();
        }
        if a == crate::work_order::erasure::ERASE_ACTION {
            return "应市民要求删除了其联系方式".into();
        }
        return match Action::ALL.into_iter().find(|x| x.as_str() == a) {
            Some(a) => a.label_zh().to_owned(),
            None => a.to_owned(),
        };
    }
    match action {
        "auth.login" => "登录系统".into(),
        "auth.login_failed" => "登录失败".into(),
        "personal_data.read" => "查看了完整个人信息".into(),
        "personal_data.export" => "导出了一位市民的个人信息".into(),
        "personal_data.erase" => "应市民要求删除了其个人信息".into(),
        "user.create" => "创建了用户".into(),
        "user.grant_role" => "授予角色".into(),
        "user.revoke_role" => "撤销角色".into(),
        "user.disable" => "停用了用户".into(),
        "user.enable" => "启用了用户".into(),
        "user.set_password" => "重设了密码".into(),
        "org_unit.create" => "新建了组织单位".into(),
        "org_unit.update" => "修改了组织单位".into(),
        "calendar.import" => "导入了工作日历".into(),
        "model.correction" => "纠正了工单分类".into(),
        "model.train" => "训练了分类模型".into(),
        "model.activate" => "启用了分类模型".into(),
        other => other.to_owned(),
    }
}

/// One line a clerk can read: when, who, what, and the change of state if any.
pub fn describe_zh(e: &AuditEntry, offset: chrono::FixedOffset) -> String {
    let p: Value = e.payload.value();
    let when = e.at.with_timezone(&offset).format("%Y-%m-%d %H:%M");
    let who = p["actor_name"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| e.actor.strip_prefix("login:").map(str::to_owned))
        .unwrap_or_else(|| {
            if e.actor == uuid::Uuid::nil().to_string() || e.actor == "system" {
                "系统".to_owned()
            } else {
                e.actor.clone()
            }
        });
    let mut line = format!("{when} {who} {}", verb(&e.action));
    let label = |s: &Value| {
        s.as_str()
            .and_then(Status::parse)
            .map(|s| s.label_zh().to_owned())
    };
    if let (Some(from), Some(to)) = (label(&p["from"]), label(&p["to"]))
        && from != to
    {
        line.push_str(&format!("（{from} → {to}）"));
    }
    for key in ["reason", "text", "comment", "explanation"] {
        if let Some(t) = p["detail"][key].as_str().filter(|t| !t.is_empty()) {
            let short: String = t.chars().take(40).collect();
            line.push_str(&format!("：{short}"));
            break;
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use jiceng_kernel::audit::records::login;

    #[test]
    fn lines_read_as_chinese() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let r = AuditRecord::new(
            Chain::System,
            at,
            "u1",
            "work_order.return",
            "work_order:x",
            json!({"actor_name": "李四", "from": "dispatched", "to": "returned",
                   "detail": {"reason": "not_our_duty", "explanation": "不属本单位职责"}}),
        );
        let e = AuditEntry::next(None, &r);
        let line = describe_zh(&e, jiceng_kernel::calendar::china_standard_time());
        assert!(line.contains("李四 退单"), "{line}");
        assert!(line.contains("→"), "{line}");
        let l = login("zhang", "10.0.0.1", false, at);
        let line = describe_zh(
            &AuditEntry::next(None, &l),
            jiceng_kernel::calendar::china_standard_time(),
        );
        assert!(line.ends_with("zhang 登录失败"), "{line}");
    }
}
