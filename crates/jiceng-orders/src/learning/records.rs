//! Audit entries of corrections and model management. No text of the order and nothing
//! about the caller: the order by id and number, categories, figures.

use super::{CategoryCorrection, ModelRef, StoredModel};
use crate::work_order::audit_records::order_object;
use chrono::{DateTime, Utc};
use jiceng_kernel::audit::chain::{AuditRecord, Chain};
use serde_json::json;

/// The object name of a model in the log.
pub fn model_object(m: ModelRef) -> String {
    format!("model:{m}")
}

fn actor(by: Option<jiceng_kernel::ids::UserId>) -> String {
    by.map_or_else(|| "system".to_owned(), |u| u.0.to_string())
}

/// A dispatcher corrected the category of an order (in the order's chain).
pub fn correction(
    chain: Chain,
    c: &CategoryCorrection,
    number: &str,
    actor_name: &str,
) -> AuditRecord {
    AuditRecord::new(
        chain,
        c.corrected_at,
        c.corrected_by.0.to_string(),
        "model.correction",
        order_object(c.order_id),
        json!({"number": number, "actor_name": actor_name, "predicted": c.predicted,
               "model": c.model, "corrected": c.corrected}),
    )
}

/// A model was trained and stored.
pub fn trained(m: &StoredModel) -> AuditRecord {
    let s = &m.summary;
    AuditRecord::new(
        Chain::System,
        m.created_at,
        actor(m.created_by),
        "model.train",
        model_object(ModelRef::Stored(m.id)),
        json!({"sha256": m.sha256, "labels": s.labels, "archived_orders": s.archived_orders,
               "corrections": s.corrections, "base_examples": s.base_examples,
               "holdout": s.holdout, "macro_f1": s.macro_f1,
               "baseline_model": s.baseline_model, "baseline_f1": s.baseline_f1}),
    )
}

/// A model (or the built-in one) was made the active one in place of `previous`.
pub fn activated(
    model: ModelRef,
    previous: ModelRef,
    by: Option<jiceng_kernel::ids::UserId>,
    at: DateTime<Utc>,
) -> AuditRecord {
    AuditRecord::new(
        Chain::System,
        at,
        actor(by),
        "model.activate",
        model_object(model),
        json!({"previous": previous.to_string()}),
    )
}
