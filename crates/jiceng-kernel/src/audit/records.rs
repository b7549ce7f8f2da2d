//! What the kernel's and the accounts' events write to the log: logins, reads of personal data,
//! units and users. Payloads never hold personal data (names, phones, ID numbers): the log
//! cannot be edited, so anything put in it stays. Logins, units and users belong to no county:
//! they go to the system chain.

use super::chain::{AuditRecord, Chain};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

pub fn user_object(id: crate::ids::UserId) -> String {
    format!("user:{}", id.0)
}

pub fn unit_object(id: crate::ids::UnitId) -> String {
    format!("org_unit:{}", id.0)
}

/// A login attempt, successful or not. The actor is the name typed at the login form.
pub fn login(username: &str, ip: &str, success: bool, at: DateTime<Utc>) -> AuditRecord {
    AuditRecord::new(
        Chain::System,
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

/// A read of full personal data: who saw which fields of which object (in `chain`, the
/// object's county).
pub fn personal_data_read(
    chain: Chain,
    actor: crate::ids::UserId,
    object: String,
    fields: &[&str],
    at: DateTime<Utc>,
) -> AuditRecord {
    AuditRecord::new(
        chain,
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
        Chain::System,
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
        Chain::System,
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
        Chain::System,
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
    AuditRecord::new(Chain::System, at, actor, action, user_object(id), payload)
}
