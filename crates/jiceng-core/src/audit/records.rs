//! What each kind of event writes to the log, and how an entry reads in plain Chinese.
//!
//! Payloads never hold personal data (names, phones, ID numbers): the log cannot be edited,
//! so anything put in it stays. Content is recorded by its SHA-256 instead.

use super::chain::{AuditEntry, AuditRecord};
use crate::work_order::machine::Action;
use crate::work_order::{HistoryEntry, Status, WorkOrder};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The object name of a work order in the log.
pub fn order_object(id: crate::ids::OrderId) -> String {
    format!("work_order:{}", id.0)
}

pub fn user_object(id: crate::ids::UserId) -> String {
    format!("user:{}", id.0)
}

pub fn unit_object(id: crate::ids::UnitId) -> String {
    format!("org_unit:{}", id.0)
}

fn digest(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
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
        e.at,
        e.actor.0.to_string(),
        format!("work_order.{}", e.action),
        order_object(order.id),
        payload,
    )
}

/// A login attempt, successful or not. The actor is the name typed at the login form.
pub fn login(username: &str, ip: &str, success: bool, at: DateTime<Utc>) -> AuditRecord {
    AuditRecord::new(
        at,
        format!("login:{username}"),
        if success {
            "auth.login"
        } else {
            "auth.login_failed"
        },
        format!("username:{username}"),
        json!({"ip": ip}),
    )
}

/// A read of full personal data: who saw which fields of which object, and why.
pub fn personal_data_read(
    actor: crate::ids::UserId,
    object: String,
    fields: &[&str],
    at: DateTime<Utc>,
) -> AuditRecord {
    AuditRecord::new(
        at,
        actor.0.to_string(),
        "personal_data.read",
        object,
        json!({"fields": fields}),
    )
}

/// A unit created, by a user id or `system` (imports and seeding).
pub fn unit_created(u: &crate::org::OrgUnit, actor: &str) -> AuditRecord {
    AuditRecord::new(
        u.created_at,
        actor,
        "org_unit.create",
        unit_object(u.id),
        json!({"name": u.name, "kind": u.kind.as_str(), "code": u.code,
               "parent": u.parent_id.map(|p| p.0)}),
    )
}

pub fn unit_updated(u: &crate::org::OrgUnit, actor: &str, at: DateTime<Utc>) -> AuditRecord {
    AuditRecord::new(
        at,
        actor,
        "org_unit.update",
        unit_object(u.id),
        json!({"name": u.name, "code": u.code, "geometry": u.geometry.is_some()}),
    )
}

/// A user account created with its roles. The username identifies the account; names and
/// phones stay out of the log.
pub fn user_created(u: &crate::user::User, actor: &str) -> AuditRecord {
    let grants: Vec<Value> = u
        .grants
        .iter()
        .map(|g| json!({"role": g.role.as_str(), "unit": g.unit_id.0}))
        .collect();
    AuditRecord::new(
        u.created_at,
        actor,
        "user.create",
        user_object(u.id),
        json!({"username": u.username, "grants": grants}),
    )
}

/// A change to an account: `user.grant_role`, `user.revoke_role`, `user.disable`,
/// `user.enable`, `user.set_password` (the password itself is never recorded).
pub fn user_changed(
    id: crate::ids::UserId,
    action: &str,
    actor: &str,
    at: DateTime<Utc>,
    payload: Value,
) -> AuditRecord {
    AuditRecord::new(at, actor, action, user_object(id), payload)
}

fn verb(action: &str) -> String {
    if let Some(a) = action.strip_prefix("work_order.") {
        if a == "register" {
            return "受理登记了工单".into();
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

    #[test]
    fn lines_read_as_chinese() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let r = AuditRecord::new(
            at,
            "u1",
            "work_order.return",
            "work_order:x",
            json!({"actor_name": "李四", "from": "dispatched", "to": "returned",
                   "detail": {"reason": "not_our_duty", "explanation": "不属本单位职责"}}),
        );
        let e = AuditEntry::next(None, &r);
        let line = describe_zh(&e, crate::calendar::china_standard_time());
        assert!(line.contains("李四 退单"), "{line}");
        assert!(line.contains("→"), "{line}");
        let l = login("zhang", "10.0.0.1", false, at);
        let line = describe_zh(
            &AuditEntry::next(None, &l),
            crate::calendar::china_standard_time(),
        );
        assert!(line.ends_with("zhang 登录失败"), "{line}");
    }
}
