//! The classifier the server uses, swapped without a restart.
//!
//! [`ActiveModel`] holds the active model behind a lock taken only to clone an `Arc`, so a
//! swap never waits for a prediction and a prediction never sees half a model. It starts with
//! the active stored model, or the built-in one. [`ModelManager`] swaps it at once after an
//! activation or retraining through the API, and checks the active model's id in the database
//! every `check_every` (30 s by default) so a model activated by another process (the command
//! line, another server) is picked up. Retraining runs on the blocking thread pool, one at a
//! time.

use jiceng_kernel::access::Principal;
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_nlp::{Classifier, Evaluation, Example, train};
use jiceng_orders::learning::{LabelledText, ModelRef, ModelTrainer, TrainedModel};
use jiceng_orders::ports::OrdersStore;
use jiceng_orders::routing::{Classification, TextClassifier};
use jiceng_orders::use_cases::{Orders, RetrainOutcome};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How often a server looks for a model activated elsewhere, by default.
pub const DEFAULT_CHECK: Duration = Duration::from_secs(30);

struct Loaded {
    id: ModelRef,
    classifier: Arc<Classifier>,
}

/// The active classifier, swappable while requests use it.
pub struct ActiveModel {
    current: RwLock<Arc<Loaded>>,
}

impl ActiveModel {
    fn new(id: ModelRef, classifier: Classifier) -> Self {
        Self {
            current: RwLock::new(Arc::new(Loaded {
                id,
                classifier: Arc::new(classifier),
            })),
        }
    }

    fn get(&self) -> Arc<Loaded> {
        // A poisoned lock still holds a whole Arc: a swap cannot panic half-way.
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn swap(&self, id: ModelRef, classifier: Classifier) {
        let next = Arc::new(Loaded {
            id,
            classifier: Arc::new(classifier),
        });
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = next;
    }

    /// The model in use.
    pub fn id(&self) -> ModelRef {
        self.get().id
    }
}

impl TextClassifier for ActiveModel {
    fn classify(&self, title: &str, text: &str) -> Classification {
        let p = self.get().classifier.predict(title, text);
        Classification {
            label: p.label,
            confidence: f64::from(p.confidence),
            top: p.top.into_iter().map(|(l, c)| (l, f64::from(c))).collect(),
        }
    }

    fn model_id(&self) -> String {
        self.get().id.to_string()
    }
}

fn join_err(e: tokio::task::JoinError) -> Error {
    tracing::error!(error = %e, "model training task failed");
    Error::internal("模型训练意外中止，请查看服务器日志")
}

/// Trains and scores with the nlp crate on the blocking thread pool, with the built-in
/// model's settings.
pub struct NlpTrainer {
    builtin: Arc<Classifier>,
    base: Vec<LabelledText>,
}

impl NlpTrainer {
    /// `base`: the shipped training data, added when the own data is small.
    pub fn new(base: Vec<LabelledText>) -> Result<Self> {
        Ok(Self {
            builtin: Arc::new(Classifier::embedded()?),
            base,
        })
    }

    /// Reads a labelled CSV (`label`, `text`, optional `title`) as base data.
    pub fn read_base(path: &std::path::Path) -> Result<Vec<LabelledText>> {
        Ok(jiceng_nlp::data::read_examples(path)?
            .into_iter()
            .map(|e| LabelledText {
                label: e.label,
                title: e.title,
                text: e.text,
            })
            .collect())
    }
}

#[async_trait::async_trait]
impl ModelTrainer for NlpTrainer {
    fn builtin_labels(&self) -> Vec<String> {
        self.builtin.labels().to_vec()
    }

    fn base_examples(&self) -> &[LabelledText] {
        &self.base
    }

    async fn train(&self, examples: Vec<LabelledText>) -> Result<TrainedModel> {
        let settings = self.builtin.model().settings.clone();
        tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let examples: Vec<Example> = examples
                .into_iter()
                .map(|e| Example {
                    label: e.label,
                    title: e.title,
                    text: e.text,
                })
                .collect();
            let model = train(&examples, &[], &settings)?;
            let labels = model.labels.clone();
            let bytes = Classifier::new(model).to_bytes()?;
            Ok(TrainedModel {
                bytes,
                labels,
                seconds: started.elapsed().as_secs_f64(),
            })
        })
        .await
        .map_err(join_err)?
    }

    async fn macro_f1(&self, model: Option<Vec<u8>>, holdout: Vec<LabelledText>) -> Result<f64> {
        let builtin = self.builtin.clone();
        tokio::task::spawn_blocking(move || {
            let classifier = match model {
                Some(bytes) => Arc::new(Classifier::from_bytes(&bytes)?),
                None => builtin,
            };
            let truth: Vec<Example> = holdout
                .into_iter()
                .map(|e| Example {
                    label: e.label,
                    title: e.title,
                    text: e.text,
                })
                .collect();
            let mut eval = Evaluation::empty(&truth);
            for e in &truth {
                let probs = classifier.model().probabilities(&e.title, &e.text);
                eval.add(&e.label, classifier.labels(), &probs);
            }
            Ok(f64::from(eval.macro_f1()))
        })
        .await
        .map_err(join_err)?
    }
}

/// Keeps the server's classifier in step with the active model in the database.
pub struct ModelManager {
    store: Arc<dyn OrdersStore>,
    active: Arc<ActiveModel>,
    trainer: RwLock<Arc<NlpTrainer>>,
    retraining: tokio::sync::Mutex<()>,
    /// Serialises swaps, so a slow load of an older choice never replaces a newer one.
    refreshing: tokio::sync::Mutex<()>,
}

impl ModelManager {
    /// Starts with the active stored model; with none, or one that cannot be loaded (logged),
    /// with the built-in model.
    pub async fn load(store: Arc<dyn OrdersStore>) -> Result<Self> {
        let trainer = NlpTrainer::new(Vec::new())?;
        let builtin = Classifier::clone(&trainer.builtin);
        let manager = Self {
            store,
            active: Arc::new(ActiveModel::new(ModelRef::Builtin, builtin)),
            trainer: RwLock::new(Arc::new(trainer)),
            retraining: tokio::sync::Mutex::new(()),
            refreshing: tokio::sync::Mutex::new(()),
        };
        if let Err(e) = manager.refresh().await {
            tracing::error!(error = %e, "cannot load the active model; using the built-in one");
        }
        Ok(manager)
    }

    /// The classifier to hand to the use cases.
    pub fn classifier(&self) -> Arc<ActiveModel> {
        self.active.clone()
    }

    /// Adds the shipped training data that joins small own data in retraining.
    pub fn set_training_base(&self, base: Vec<LabelledText>) {
        let trainer = NlpTrainer {
            builtin: self.trainer().builtin.clone(),
            base,
        };
        *self
            .trainer
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(trainer);
    }

    fn trainer(&self) -> Arc<NlpTrainer> {
        self.trainer
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Loads the active model if it is not the one in use. A model that cannot be loaded
    /// leaves the one in use in place.
    pub async fn refresh(&self) -> Result<ModelRef> {
        let _one_at_a_time = self.refreshing.lock().await;
        let want = self
            .store
            .active_model()
            .await?
            .map_or(ModelRef::Builtin, ModelRef::Stored);
        if want == self.active.id() {
            return Ok(want);
        }
        let classifier = match want {
            ModelRef::Builtin => Classifier::clone(&self.trainer().builtin),
            ModelRef::Stored(id) => {
                let bytes = self
                    .store
                    .model_bytes(id)
                    .await?
                    .ok_or_else(jiceng_orders::use_cases::model_not_found)?;
                tokio::task::spawn_blocking(move || Classifier::from_bytes(&bytes))
                    .await
                    .map_err(join_err)??
            }
        };
        self.active.swap(want, classifier);
        tracing::info!(model = %want, "classifier model swapped in");
        Ok(want)
    }

    /// Retrains for `who` (one retraining at a time: 409 while one runs) and swaps the new
    /// model in when it was activated. The work goes on if the caller stops waiting.
    pub async fn retrain(
        self: &Arc<Self>,
        orders: &Orders,
        who: &Principal,
        force: bool,
    ) -> Result<RetrainOutcome> {
        let this = self.clone();
        let (orders, who) = (orders.clone(), who.clone());
        tokio::spawn(async move {
            let Ok(_guard) = this.retraining.try_lock() else {
                return Err(Error::new(
                    codes::MODEL_RETRAIN_RUNNING,
                    "已有一次模型训练正在进行，请等它结束后再试",
                ));
            };
            let trainer = this.trainer();
            let outcome = orders.retrain(&who, trainer.as_ref(), force).await?;
            this.refresh().await?;
            Ok(outcome)
        })
        .await
        .map_err(join_err)?
    }

    /// Activates a model for `who` and swaps it in at once.
    pub async fn activate(
        &self,
        orders: &Orders,
        who: &Principal,
        model: ModelRef,
    ) -> Result<ModelRef> {
        let active = orders.activate_model(who, model).await?;
        self.refresh().await?;
        Ok(active)
    }

    /// Whether a retraining is running now.
    pub fn retraining(&self) -> bool {
        self.retraining.try_lock().is_err()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use jiceng_kernel::access::Principal;
    use jiceng_kernel::ids::UserId;

    #[tokio::test]
    async fn one_retraining_at_a_time() {
        let db = jiceng_store::testing::sqlite().await;
        let manager = Arc::new(ModelManager::load(db.store.clone()).await.unwrap());
        assert_eq!(manager.classifier().model_id(), "default");
        let orders = crate::orders_for(db.store.clone());
        let nobody = Principal {
            user_id: UserId(uuid::Uuid::nil()),
            username: "x".into(),
            grants: Vec::new(),
        };
        let running = manager.retraining.lock().await;
        assert!(manager.retraining());
        let e = manager.retrain(&orders, &nobody, false).await.unwrap_err();
        assert_eq!(e.code, "model.retrain_running");
        drop(running);
        let e = manager.retrain(&orders, &nobody, false).await.unwrap_err();
        assert_eq!(
            e.code, "auth.forbidden",
            "the next one runs (and checks the caller)"
        );
    }
}
