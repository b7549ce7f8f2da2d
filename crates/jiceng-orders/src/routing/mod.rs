//! The dispatch engine (智能分拨): the demand's category (from the text classifier unless the
//! operator gave one) × its place (from the locator) × the responsibility list in force there
//! → the lead unit and co-units, each suggestion with the reasons a dispatcher can check.

use serde::{Deserialize, Serialize};

/// What a text classifier says about a demand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// The most likely category (a taxonomy code, e.g. `城乡建设`).
    pub label: String,
    /// Calibrated probability that `label` is right, 0–1.
    pub confidence: f64,
    /// The most likely categories with their probabilities, best first (`label` first).
    pub top: Vec<(String, f64)>,
}

/// Classifies a demand's text into the categories of the taxonomy. Implementations may swap
/// the model underneath (retraining, rollback) between calls.
pub trait TextClassifier: Send + Sync {
    fn classify(&self, title: &str, text: &str) -> Classification;
    /// Names the model in use (stored with each suggestion, so a decision can be traced to it).
    fn model_id(&self) -> String;
}

use crate::duty::{DutyMatch, DutyRef, MatchRule};
use crate::locator::{Locator, Method, UnitRef};
use chrono::{DateTime, Utc};
use jiceng_kernel::ids::UnitId;
use std::sync::{Arc, RwLock};

/// At most this many suggestions are kept for the dispatcher.
pub const MAX_SUGGESTIONS: usize = 3;
/// Categories of the classifier's ranking that are followed into the duty list.
const CATEGORIES_FOLLOWED: usize = 3;

/// Where the category the suggestions follow came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CategorySource {
    /// The operator (or citizen) chose it at registration.
    Given,
    /// The text classifier predicted it.
    Model,
}

/// The demand's category as the engine saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryFinding {
    pub label: String,
    pub source: CategorySource,
    /// Probability that `label` is right: 1 for a category given by a person.
    pub confidence: f64,
    /// The classifier's ranking, best first (absent for a given category without a model).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub top: Vec<(String, f64)>,
}

/// How the demand's place was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlaceStatus {
    /// The coordinates or the address put it in a grid, community or town.
    Located,
    /// The address fits several units equally well.
    Ambiguous,
    /// Neither the coordinates nor the address matched a known unit.
    NotFound,
    /// No outlines or place names are loaded to locate with.
    NoLocator,
}

/// The demand's place as the engine saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaceFinding {
    pub status: PlaceStatus,
    /// Finest first: grid → community → town (empty unless located).
    #[serde(default)]
    pub chain: Vec<UnitRef>,
    pub method: Option<Method>,
    pub explanation: String,
}

/// A unit by id and name, as shown to the dispatcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitBrief {
    pub id: UnitId,
    pub name: String,
}

/// The duty (权责清单事项) a suggestion follows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DutyBrief {
    pub duty_ref: DutyRef,
    pub matter: String,
    pub category: String,
    pub legal_basis: Option<String>,
    pub rule: MatchRule,
}

/// One proposed routing: lead unit, co-units, the duty and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestion {
    pub lead: UnitBrief,
    #[serde(default)]
    pub co_units: Vec<UnitBrief>,
    pub duty: Option<DutyBrief>,
    /// Probability that `lead` is the right unit, 0–1: the category's probability times how
    /// well the duty and the place fit.
    pub confidence: f64,
    /// Which duty, which rule, which place, which category at what confidence, in Chinese.
    pub explanation: String,
}

/// A unit the engine will not suggest again for this order, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Excluded {
    pub unit: UnitBrief,
    pub reason: String,
}

/// What the engine decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Dispatched without a dispatcher: the best suggestion reached the threshold.
    Auto,
    /// Left for a dispatcher with the suggestions.
    Queue,
}

/// The engine's advice on one order, stored with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Advice {
    pub at: DateTime<Utc>,
    /// The classifier model that was used (`None`: no classifier).
    pub model: Option<String>,
    pub category: Option<CategoryFinding>,
    pub place: PlaceFinding,
    /// The responsibility list consulted: `(list, version)` and the unit that owns it.
    pub duty_list: Option<DutyListBrief>,
    /// Best first, at most [`MAX_SUGGESTIONS`].
    pub suggestions: Vec<Suggestion>,
    #[serde(default)]
    pub excluded: Vec<Excluded>,
    pub decision: Decision,
    /// The confidence needed to dispatch without a dispatcher.
    pub threshold: f64,
    /// Why the order was or was not dispatched automatically, in Chinese.
    pub summary: String,
}

/// The list version the engine read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DutyListBrief {
    pub list_id: jiceng_kernel::ids::DutyListId,
    pub version: u32,
    pub owner: UnitBrief,
}

impl Advice {
    /// The suggestion for `lead`, if the engine made one.
    pub fn suggestion_for(&self, lead: UnitId) -> Option<&Suggestion> {
        self.suggestions.iter().find(|s| s.lead.id == lead)
    }
}

/// How well a duty fits, given the rule that selected it.
pub fn duty_fit(rule: MatchRule) -> f64 {
    match rule {
        MatchRule::Exact => 1.0,
        MatchRule::Parent { levels } => 0.95f64.powi(levels.min(9) as i32),
        MatchRule::Narrower => 0.9,
        MatchRule::KeywordsOnly => 0.5,
    }
}

/// How much the place supports a suggestion whose lead is `local` (found from the place,
/// 属地) or a fixed unit.
pub fn place_fit(place: &PlaceFinding, local: bool) -> f64 {
    match (place.status, place.method, local) {
        (PlaceStatus::Located, Some(Method::Point), _) => 1.0,
        (PlaceStatus::Located, _, _) => 0.95,
        // A county department does not depend on where in the county it happened.
        (_, _, false) => 0.9,
        (_, _, true) => 0.5,
    }
}

/// One candidate before grouping by lead unit.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub category: String,
    pub category_p: f64,
    pub matched: DutyMatch,
    /// Share of the category's best duties this one holds (ties split the probability).
    pub share: f64,
    pub lead: UnitBrief,
    pub co_units: Vec<UnitBrief>,
    pub local: bool,
}

/// The categories to follow: the given one alone, or the classifier's top ones.
pub fn categories_to_follow(category: &CategoryFinding) -> Vec<(String, f64)> {
    match category.source {
        CategorySource::Given => vec![(category.label.clone(), 1.0)],
        CategorySource::Model => {
            let mut v: Vec<(String, f64)> = category
                .top
                .iter()
                .take(CATEGORIES_FOLLOWED)
                .cloned()
                .collect();
            if v.is_empty() {
                v.push((category.label.clone(), category.confidence));
            }
            v
        }
    }
}

/// The best duties of one category: those with the top score (ties split the category).
pub fn best_matches(matches: Vec<DutyMatch>) -> Vec<(DutyMatch, f64)> {
    let Some(top) = matches.first().map(|m| m.score) else {
        return Vec::new();
    };
    let best: Vec<DutyMatch> = matches.into_iter().filter(|m| m.score == top).collect();
    let share = 1.0 / best.len() as f64;
    best.into_iter().map(|m| (m, share)).collect()
}

/// Groups candidates by lead unit, adds up their probabilities, drops excluded units and
/// keeps the best [`MAX_SUGGESTIONS`], each explained.
pub fn rank(
    candidates: Vec<Candidate>,
    place: &PlaceFinding,
    excluded: &[Excluded],
) -> Vec<Suggestion> {
    let mut out: Vec<(Suggestion, f64)> = Vec::new();
    for c in candidates {
        if excluded.iter().any(|e| e.unit.id == c.lead.id) {
            continue;
        }
        let fit = duty_fit(c.matched.rule) * place_fit(place, c.local) * c.share;
        let p = c.category_p * fit;
        if let Some((s, best)) = out.iter_mut().find(|(s, _)| s.lead.id == c.lead.id) {
            s.confidence += p;
            // The explanation and the duty follow the strongest reason for this unit.
            if p > *best {
                *best = p;
                s.duty = Some(duty_brief(&c.matched));
                s.explanation = explain(&c, place);
                s.co_units = c.co_units;
            }
            continue;
        }
        out.push((
            Suggestion {
                explanation: explain(&c, place),
                duty: Some(duty_brief(&c.matched)),
                lead: c.lead,
                co_units: c.co_units,
                confidence: p,
            },
            p,
        ));
    }
    let mut out: Vec<Suggestion> = out.into_iter().map(|(s, _)| s).collect();
    for s in &mut out {
        s.confidence = (s.confidence.clamp(0.0, 1.0) * 1000.0).round() / 1000.0;
    }
    out.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    out.truncate(MAX_SUGGESTIONS);
    out
}

fn duty_brief(m: &DutyMatch) -> DutyBrief {
    DutyBrief {
        duty_ref: m.duty_ref,
        matter: m.duty.matter.clone(),
        category: m.duty.category.clone(),
        legal_basis: m.duty.legal_basis.clone(),
        rule: m.rule,
    }
}

fn explain(c: &Candidate, place: &PlaceFinding) -> String {
    let mut s = format!(
        "分类“{}”（置信度 {:.0}%）；{}",
        c.category,
        c.category_p * 100.0,
        c.matched.explanation
    );
    match place.status {
        PlaceStatus::Located => s.push_str(&format!("；地点：{}", place.explanation)),
        _ if c.local => s.push_str("；地点未能确定，属地单位按受理区域推定"),
        _ => {}
    }
    s.push_str(&format!("；建议主办：{}", c.lead.name));
    s
}

/// The locator the server uses, rebuilt after an import of outlines without a restart.
#[derive(Default)]
pub struct LocatorCell(RwLock<Option<Arc<Locator>>>);

impl std::fmt::Debug for LocatorCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocatorCell").finish_non_exhaustive()
    }
}

impl LocatorCell {
    pub fn get(&self) -> Option<Arc<Locator>> {
        self.0
            .read()
            .map(|g| g.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }
    pub fn set(&self, locator: Locator) {
        let mut g = self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *g = Some(Arc::new(locator));
    }
}
