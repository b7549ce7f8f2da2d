//! Duplicate candidates (疑似重复件) for operators, dispatchers and supervisors: shown with
//! each registration and on request for any order; merging is the `merge` transition.

use super::Orders;
use crate::duplicates::{self, DuplicateSettings, Nearness, OrderSketch, TextSketcher, rule};
use crate::work_order::WorkOrder;
use jiceng_kernel::access::Principal;
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::OrderId;
use std::sync::Arc;

/// Stored sketches read per query: the newest of one box, place or address in the window.
const ROWS_PER_QUERY: u32 = 2000;
/// Orders sketched per round trip when filling in missing sketches.
const BACKFILL_BATCH: u32 = 500;

/// The sketcher and the settings of duplicate detection.
#[derive(Clone)]
pub struct DuplicateDetector {
    pub sketcher: Arc<dyn TextSketcher>,
    pub settings: DuplicateSettings,
}

impl std::fmt::Debug for DuplicateDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DuplicateDetector")
            .field("method", &self.sketcher.method())
            .field("settings", &self.settings)
            .finish()
    }
}

/// An open order that may be about the same matter, with why it is proposed.
#[derive(Debug, Clone)]
pub struct DuplicateCandidate {
    pub order: WorkOrder,
    pub similarity: f32,
    pub nearness: Nearness,
    pub distance_m: Option<f64>,
    /// How much earlier than the checked order it was registered (negative: later).
    pub age: chrono::Duration,
    /// One line in Chinese: similarity, distance or place, age, status.
    pub reason: String,
}

fn disabled() -> Error {
    Error::new(codes::DUPLICATES_DISABLED, "本系统未启用重复件识别")
}

impl Orders {
    /// Detects duplicates with `sketcher` under `settings`.
    pub fn with_duplicate_detection(
        mut self,
        sketcher: Arc<dyn TextSketcher>,
        settings: DuplicateSettings,
    ) -> Self {
        self.duplicates = Some(Arc::new(DuplicateDetector { sketcher, settings }));
        self
    }

    /// Other settings for the sketcher already in place (none: nothing changes).
    pub fn with_duplicate_settings(mut self, settings: DuplicateSettings) -> Self {
        if let Some(d) = &self.duplicates {
            self.duplicates = Some(Arc::new(DuplicateDetector {
                sketcher: d.sketcher.clone(),
                settings,
            }));
        }
        self
    }

    /// A new order's text sketch, stored with it when duplicate detection is on.
    pub(crate) fn sketch_of(&self, o: &WorkOrder) -> Option<OrderSketch> {
        self.duplicates
            .as_ref()
            .map(|d| OrderSketch::of(o, &*d.sketcher))
    }

    /// Operators, dispatchers and supervisors over the order see its candidates.
    pub(super) fn may_check_duplicates(&self, who: &Principal, o: &WorkOrder) -> bool {
        let c = self.capacity(who, o);
        c.operator || c.dispatcher || c.supervisor
    }

    /// Candidates for an order the caller may see: 404 outside their jurisdiction, 403 for
    /// roles that do not register or dispatch.
    #[tracing::instrument(name = "duplicates.duplicate_candidates", skip_all, fields(id = %id))]
    pub async fn duplicate_candidates(
        &self,
        who: &Principal,
        id: OrderId,
    ) -> Result<Vec<DuplicateCandidate>> {
        let o = self.get_order(who, id).await?;
        if !self.may_check_duplicates(who, &o) {
            return Err(Error::forbidden(
                "只有接线员、派单员和督办人员可以查看疑似重复件",
            ));
        }
        self.candidates_for(who, &o, None).await
    }

    /// Registers a demand ([`Orders::register_order`]) and answers with the candidates for
    /// it: `None` when the caller's role does not see them or the check failed (logged; the
    /// order is registered either way).
    #[tracing::instrument(name = "duplicates.register_with_duplicates", skip_all)]
    pub async fn register_with_duplicates(
        &self,
        who: &Principal,
        new: crate::work_order::NewWorkOrder,
        region: Option<jiceng_kernel::ids::UnitId>,
        idempotency_key: Option<&str>,
    ) -> Result<(super::Registration, Option<Vec<DuplicateCandidate>>)> {
        let (r, sketch) = self.register(who, new, region, idempotency_key).await?;
        if self.duplicates.is_none() || !self.may_check_duplicates(who, r.order()) {
            return Ok((r, None));
        }
        // A new order's sketch was stored with it: compared as it is, not read back.
        match self.candidates_for(who, r.order(), sketch).await {
            Ok(c) => Ok((r, Some(c))),
            Err(e) => {
                tracing::warn!(order = %r.order().number, error = %e, "duplicate check failed");
                Ok((r, None))
            }
        }
    }

    /// The candidates for `o`, compared by `probe` when given, else by its stored sketch
    /// (computed and stored when missing or of another method).
    pub(super) async fn candidates_for(
        &self,
        who: &Principal,
        o: &WorkOrder,
        probe: Option<OrderSketch>,
    ) -> Result<Vec<DuplicateCandidate>> {
        let d = self.duplicates.as_ref().ok_or_else(disabled)?;
        let stored = match probe {
            Some(p) => Some(p),
            None => self.store.get_sketch(o.county(), o.id).await?,
        };
        let probe = match stored {
            Some(s) if s.method == d.sketcher.method() => s,
            _ => {
                let s = OrderSketch::of(o, &*d.sketcher);
                // Only open orders keep a sketch (the store drops it on archive and merge).
                if !o.status.is_final() {
                    self.store.put_sketches(std::slice::from_ref(&s)).await?;
                }
                s
            }
        };
        let rows = self
            .store
            .open_sketches(&duplicates::queries(&probe, &d.settings, ROWS_PER_QUERY))
            .await?;
        // Rank them all: some may lie outside the caller's jurisdiction and are skipped.
        let all = DuplicateSettings {
            max_candidates: rows.len().max(1),
            ..d.settings.clone()
        };
        let mut out = Vec::new();
        // Each candidate is read to check the caller may see it; a bounded number of reads.
        let reads = d.settings.max_candidates.saturating_mul(5);
        for m in rule::rank(&probe, &rows, &all, &*d.sketcher)
            .into_iter()
            .take(reads)
        {
            if out.len() >= d.settings.max_candidates {
                break;
            }
            let Some(c) = self.store.get_order(o.county(), m.order_id).await? else {
                continue;
            };
            if c.status.is_final() || !self.visible(who, &c) {
                continue;
            }
            let place = match &m.nearness {
                Nearness::SamePlace(p) => Some(place_name(p, o, &c)),
                _ => None,
            };
            let reason = rule::reason(&m, place.as_deref(), c.status.label_zh());
            out.push(DuplicateCandidate {
                order: c,
                similarity: m.similarity,
                nearness: m.nearness,
                distance_m: m.distance_m,
                age: m.age,
                reason,
            });
        }
        Ok(out)
    }

    /// Computes the sketches missing for open orders registered within the window before now
    /// (orders older than the feature, or whose sketch was not stored). Returns how many.
    #[tracing::instrument(name = "duplicates.backfill_sketches", skip_all)]
    pub async fn backfill_sketches(&self) -> Result<u64> {
        let Some(d) = &self.duplicates else {
            return Ok(0);
        };
        let since = self.clock.now() - d.settings.window();
        let mut done = 0u64;
        for county in self.store.counties().await? {
            let county = county.path.county();
            // Each round stores what it read, so the next reads further; bounded all the same.
            for _ in 0..10_000 {
                let batch = self
                    .store
                    .orders_without_sketch(county, d.sketcher.method(), since, BACKFILL_BATCH)
                    .await?;
                let sketches: Vec<OrderSketch> = batch
                    .iter()
                    .map(|o| OrderSketch::of(o, &*d.sketcher))
                    .collect();
                self.store.put_sketches(&sketches).await?;
                done += sketches.len() as u64;
                if (batch.len() as u32) < BACKFILL_BATCH {
                    break;
                }
            }
        }
        Ok(done)
    }
}

/// The name of the unit that holds both orders; the county alone means no finer place is known.
fn place_name(path: &jiceng_kernel::org::UnitPath, a: &WorkOrder, b: &WorkOrder) -> String {
    let name = [a, b]
        .into_iter()
        .find(|o| &o.region.unit_path == path)
        .map_or("本区县", |o| o.region.unit_name.as_str());
    if path.depth() <= 1 {
        format!("{name}（未定位到具体地点）")
    } else {
        name.to_owned()
    }
}
