//! The classifier learns from its users: dispatchers' corrections, retraining, activation
//! and rollback of models. The rules of a retraining are in [`crate::learning::plan`].

use super::Orders;
use super::work_orders::order_not_found;
use crate::duty::taxonomy::{Taxonomy, normalize_code};
use crate::effects::{AuditItem, Effects};
use crate::learning::plan::{label_depth, plan, refusal};
use crate::learning::{
    CategoryCorrection, ModelId, ModelRef, ModelTrainer, StoredModel, TrainingSummary, records,
};
use jiceng_kernel::access::{Granted, Permission, Principal, action};
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::OrderId;
use sha2::{Digest, Sha256};

/// The longest category code accepted.
const MAX_CATEGORY_CHARS: usize = 64;

/// What a retraining produced: the stored model, and whether it is now the active one.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrainOutcome {
    pub model: StoredModel,
    pub activated: bool,
    /// Why it was not activated (it scored clearly worse than the active model).
    pub refusal: Option<String>,
}

/// The stored models, newest first, and which model is in use.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelList {
    pub active: ModelRef,
    pub models: Vec<StoredModel>,
}

pub fn model_not_found() -> Error {
    Error::new(codes::MODEL_NOT_FOUND, "模型不存在")
}

impl Orders {
    /// 403 unless the caller may manage models: an administrator of a top-level unit (a model
    /// serves the whole organisation), [`action::ManageModels`].
    pub fn check_model_admin(&self, who: &Principal) -> Result<Granted<action::ManageModels>> {
        who.grant()
    }

    /// A category given at intake: a correction's categories, or one of the demand types the
    /// time limits know (咨询, 求助, …).
    pub(super) fn check_intake_category(&self, raw: &str) -> Result<String> {
        let trimmed = raw.trim();
        if crate::sla::policy::DEMAND_TYPES.contains(&trimmed) {
            return Ok(trimmed.to_owned());
        }
        self.check_category(raw)
            .map_err(|e| Error::new(codes::WORK_ORDER_UNKNOWN_CATEGORY, e.message))
    }

    /// The categories a correction may name: the classifier's labels and the taxonomy's codes.
    fn check_category(&self, raw: &str) -> Result<String> {
        let code = normalize_code(raw);
        let labels: Vec<String> = self
            .classifier
            .as_ref()
            .map(|c| c.classify("", "").top.into_iter().map(|(l, _)| l).collect())
            .unwrap_or_default();
        let known = !code.is_empty()
            && code.chars().count() <= MAX_CATEGORY_CHARS
            && (labels.contains(&code) || Taxonomy::builtin().contains(&code));
        if known {
            return Ok(code);
        }
        let mut choices = labels;
        if choices.is_empty() {
            choices = Taxonomy::builtin()
                .first_level()
                .map(str::to_owned)
                .collect();
        }
        choices.sort();
        let shown: String = raw.chars().take(MAX_CATEGORY_CHARS).collect();
        Err(Error::new(
            codes::MODEL_UNKNOWN_CATEGORY,
            format!(
                "分类“{shown}”不在分类体系中；可选的一级分类：{}（也可填写下级分类，如 城乡建设/城乡规划/违章建筑）",
                choices.join("、")
            ),
        ))
    }

    /// Records a dispatcher's correction of an order's category (the latest one counts) as a
    /// labelled example for the next retraining, and puts an open order under the new
    /// category (a history entry; an order waiting for dispatch gets fresh suggestions).
    /// For dispatchers and administrators over the order; a closed order keeps its category
    /// and only the example is kept.
    #[tracing::instrument(name = "models.record_correction", skip_all)]
    pub async fn record_correction(
        &self,
        who: &Principal,
        order: OrderId,
        category: &str,
    ) -> Result<CategoryCorrection> {
        who.require(Permission::DispatchOrders)
            .map_err(|_| Error::forbidden("只有派单员可以纠正工单分类"))?;
        let o = self.get_order(who, order).await?;
        if !self.capacity(who, &o).dispatcher {
            return Err(order_not_found());
        }
        let corrected = self.check_category(category)?;
        let (predicted, model) = match &self.classifier {
            Some(c) => (
                Some(c.classify(&o.title, &o.content).label),
                Some(c.model_id()),
            ),
            None => (o.category.clone(), None),
        };
        let c = CategoryCorrection {
            county: o.county(),
            order_id: o.id,
            predicted,
            model,
            corrected,
            corrected_by: who.user_id,
            corrected_at: self.clock.now(),
        };
        let audit = records::correction(
            crate::work_order::audit_records::order_chain(&o),
            &c,
            &o.number,
            &who.username,
        );
        // An open order moves to the new category in the same transaction as the example.
        let (mut effects, changed) =
            if !o.status.is_final() && o.category.as_deref() != Some(c.corrected.as_str()) {
                let cmd = crate::work_order::Command::Recategorize {
                    category: c.corrected.clone(),
                };
                let (effects, order) = self
                    .plan_act(
                        who,
                        &o,
                        crate::use_cases::ActRequest::Other(cmd),
                        Some(o.version),
                    )
                    .await?;
                (effects, Some(order))
            } else {
                (Effects::new(c.corrected_at), None)
            };
        effects.corrections.push(c.clone());
        effects.audit.push(AuditItem::Record(audit));
        self.store.commit(&effects).await?;
        if let Some(order) = &changed {
            self.signal_due(order);
        }
        Ok(c)
    }

    /// The stored models and the one in use.
    #[tracing::instrument(name = "models.list_models", skip_all)]
    pub async fn list_models(&self, who: &Principal) -> Result<ModelList> {
        self.check_model_admin(who)?;
        let models = self.store.list_models().await?;
        let active = models
            .iter()
            .find(|m| m.active)
            .map_or(ModelRef::Builtin, |m| ModelRef::Stored(m.id));
        Ok(ModelList { active, models })
    }

    #[tracing::instrument(name = "models.get_model", skip_all, fields(id = %id))]
    pub async fn get_model(&self, who: &Principal, id: ModelId) -> Result<StoredModel> {
        self.check_model_admin(who)?;
        self.store.get_model(id).await?.ok_or_else(model_not_found)
    }

    /// Retrains from the caller's organisation's orders and corrections (see
    /// [`crate::learning::plan`]); activates the model unless it scores clearly worse than
    /// the active one, or always with `force`.
    #[tracing::instrument(name = "models.retrain", skip_all)]
    pub async fn retrain(
        &self,
        who: &Principal,
        trainer: &dyn ModelTrainer,
        force: bool,
    ) -> Result<RetrainOutcome> {
        let granted = self.check_model_admin(who)?;
        self.retrain_in(&granted, trainer, force).await
    }

    /// Retrains from every order (the command line).
    #[tracing::instrument(name = "models.system_retrain", skip_all)]
    pub async fn system_retrain(
        &self,
        trainer: &dyn ModelTrainer,
        force: bool,
    ) -> Result<RetrainOutcome> {
        self.retrain_in(&Granted::unchecked_system(), trainer, force)
            .await
    }

    /// Retrains from the orders in the grant's subtrees (the system's: every order).
    async fn retrain_in(
        &self,
        granted: &Granted<action::ManageModels>,
        trainer: &dyn ModelTrainer,
        force: bool,
    ) -> Result<RetrainOutcome> {
        let scope = granted.roots().unwrap_or(&[]);
        let by = granted.user();
        let active = self.store.active_model().await?;
        let (active_ref, active_labels, active_bytes) = match active {
            Some(id) => {
                let m = self
                    .store
                    .get_model(id)
                    .await?
                    .ok_or_else(model_not_found)?;
                let bytes = self
                    .store
                    .model_bytes(id)
                    .await?
                    .ok_or_else(model_not_found)?;
                (ModelRef::Stored(id), m.summary.labels, Some(bytes))
            }
            None => (ModelRef::Builtin, trainer.builtin_labels(), None),
        };
        let rows = self.store.training_rows(scope).await?;
        let p = plan(&rows, label_depth(&active_labels), trainer.base_examples())?;
        let trained = trainer.train(p.train).await?;
        let new_f1 = trainer
            .macro_f1(Some(trained.bytes.clone()), p.holdout.clone())
            .await?;
        let active_f1 = trainer.macro_f1(active_bytes, p.holdout.clone()).await?;
        let now = self.clock.now();
        let model = StoredModel {
            id: ModelId::new_at(now),
            created_at: now,
            created_by: by,
            summary: TrainingSummary {
                labels: trained.labels,
                archived_orders: p.archived,
                corrections: p.corrections,
                base_examples: p.base,
                holdout: p.holdout.len() as u32,
                macro_f1: new_f1,
                baseline_model: active_ref.to_string(),
                baseline_f1: active_f1,
                seconds: trained.seconds,
            },
            size: trained.bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(&trained.bytes)),
            active: false,
            activated_at: None,
            previous: None,
        };
        self.store
            .insert_model(&model, &trained.bytes, &records::trained(&model))
            .await?;
        let refusal = if force {
            None
        } else {
            refusal(new_f1, active_f1, &active_ref.to_string())
        };
        if refusal.is_none() {
            self.activate_in(granted, ModelRef::Stored(model.id))
                .await?;
        }
        let model = self
            .store
            .get_model(model.id)
            .await?
            .ok_or_else(model_not_found)?;
        Ok(RetrainOutcome {
            activated: model.active,
            model,
            refusal,
        })
    }

    /// Makes a stored model, or the built-in one, the active model (rollback: activate the
    /// model a model names as its `previous`). Returns the model now active.
    #[tracing::instrument(name = "models.activate_model", skip_all)]
    pub async fn activate_model(&self, who: &Principal, model: ModelRef) -> Result<ModelRef> {
        let granted = self.check_model_admin(who)?;
        self.activate_in(&granted, model).await
    }

    /// Activation from the command line.
    #[tracing::instrument(name = "models.system_activate_model", skip_all)]
    pub async fn system_activate_model(&self, model: ModelRef) -> Result<ModelRef> {
        self.activate_in(&Granted::unchecked_system(), model).await
    }

    async fn activate_in(
        &self,
        granted: &Granted<action::ManageModels>,
        model: ModelRef,
    ) -> Result<ModelRef> {
        let by = granted.user();
        if let ModelRef::Stored(id) = model {
            self.store
                .get_model(id)
                .await?
                .ok_or_else(model_not_found)?;
        }
        let previous = self
            .store
            .active_model()
            .await?
            .map_or(ModelRef::Builtin, ModelRef::Stored);
        if previous == model {
            return Ok(model);
        }
        let now = self.clock.now();
        let audit = records::activated(model, previous, by, now);
        self.store
            .activate_model(model.stored(), now, &audit)
            .await?;
        Ok(model)
    }
}
