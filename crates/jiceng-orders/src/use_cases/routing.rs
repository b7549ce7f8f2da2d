//! The dispatch engine's use cases: advice at registration and after a return, automatic
//! dispatch above the threshold, the duty an order was dispatched under, and the duty
//! list's time limits for the clocks.

use super::Orders;
use crate::duty::{DutyRef, UnitRef as DutyUnitRef};
use crate::locator::{Outcome, Query};
use crate::routing::{
    Advice, Candidate, CategoryFinding, CategorySource, Decision, DutyListBrief, Excluded,
    PlaceFinding, PlaceStatus, Suggestion, UnitBrief, best_matches, categories_to_follow, rank,
};
use crate::sla::OrderLimits;
use crate::work_order::{Assignee, Urgency, WorkOrder};
use async_trait::async_trait;
use jiceng_kernel::calendar::{TimeLimits, china_standard_time};
use jiceng_kernel::error::Result;
use jiceng_kernel::ids::UnitId;
use jiceng_kernel::org::UnitPath;
use std::collections::HashMap;
use std::sync::Arc;

/// What the engine reads of a demand.
#[derive(Debug, Clone, Copy)]
pub struct AdviceInput<'a> {
    pub title: &'a str,
    pub content: &'a str,
    /// The category a person gave, if any.
    pub category: Option<&'a str>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub address: Option<&'a str>,
    /// The jurisdiction the demand was registered in.
    pub region: &'a Assignee,
}

impl<'a> AdviceInput<'a> {
    pub fn of(o: &'a WorkOrder) -> Self {
        // A category the engine itself filled in is not a person's choice.
        let given = match &o.routing {
            Some(a) => a
                .category
                .as_ref()
                .filter(|c| c.source == CategorySource::Model)
                .map_or(o.category.as_deref(), |c| {
                    o.category.as_deref().filter(|cat| *cat != c.label)
                }),
            None => o.category.as_deref(),
        };
        Self {
            title: &o.title,
            content: &o.content,
            category: given,
            latitude: o.latitude,
            longitude: o.longitude,
            address: o.address.as_deref(),
            region: &o.region,
        }
    }
}

impl Orders {
    /// Whether the engine runs (a classifier or a locator is configured).
    pub fn routing_enabled(&self) -> bool {
        self.routing.enabled
    }

    /// The engine's advice for a demand, not stored. Units in `excluded` are not suggested.
    #[tracing::instrument(name = "routing.advise", skip_all)]
    pub async fn advise(&self, input: AdviceInput<'_>, excluded: Vec<Excluded>) -> Result<Advice> {
        let now = self.clock.now();
        let category = self.find_category(&input);
        let place = self.find_place(&input);
        // The place the duty list is read for: the finest located unit in the order's tree.
        let place_unit = match place.chain.first() {
            Some(u) => match self.store.get_unit(u.id).await? {
                Some(unit) if same_tree(&input.region.unit_path, &unit.path) => unit,
                _ => self.region_unit(input.region).await?,
            },
            None => self.region_unit(input.region).await?,
        };
        let date = now.with_timezone(&china_standard_time()).date_naive();
        let list = self.duty_list_for(&place_unit.path, date).await?;
        let mut candidates = Vec::new();
        let mut names: HashMap<UnitId, Option<String>> = HashMap::new();
        if let (Some(list), Some(cat)) = (&list, &category) {
            let text = format!("{}\n{}", input.title, input.content);
            for (label, p) in categories_to_follow(cat) {
                for (m, share) in best_matches(list.lookup(&label, &text)) {
                    let units = self.duty_units_at(&m.duty, place_unit.id).await?;
                    let Some(lead) = units.lead else { continue };
                    let Some(lead) = self.brief(lead, &mut names).await? else {
                        continue;
                    };
                    let mut co_units = Vec::new();
                    for u in units.assisting {
                        if u != lead.id
                            && let Some(b) = self.brief(u, &mut names).await?
                        {
                            co_units.push(b);
                        }
                    }
                    let local = matches!(m.duty.lead, DutyUnitRef::Local { .. });
                    candidates.push(Candidate {
                        category: label.clone(),
                        category_p: p,
                        matched: m,
                        share,
                        lead,
                        co_units,
                        local,
                    });
                }
            }
        }
        let suggestions = rank(candidates, &place, &excluded);
        let threshold = self.auto_dispatch_threshold;
        let (decision, summary) = decide(&suggestions, threshold, list.is_some(), &category);
        let duty_list = match list {
            Some(l) => {
                let owner = self.brief(l.info.unit_id, &mut names).await?;
                owner.map(|owner| DutyListBrief {
                    list_id: l.info.id,
                    version: l.info.version,
                    owner,
                })
            }
            None => None,
        };
        Ok(Advice {
            at: now,
            model: self.classifier.as_ref().map(|c| c.model_id()),
            category,
            place,
            duty_list,
            suggestions,
            excluded,
            decision,
            threshold,
            summary,
        })
    }

    fn find_category(&self, input: &AdviceInput<'_>) -> Option<CategoryFinding> {
        if let Some(given) = input.category.filter(|c| !c.trim().is_empty()) {
            return Some(CategoryFinding {
                label: given.to_owned(),
                source: CategorySource::Given,
                confidence: 1.0,
                top: Vec::new(),
            });
        }
        let c = self
            .classifier
            .as_ref()?
            .classify(input.title, input.content);
        Some(CategoryFinding {
            label: c.label,
            source: CategorySource::Model,
            confidence: c.confidence,
            top: c.top,
        })
    }

    fn find_place(&self, input: &AdviceInput<'_>) -> PlaceFinding {
        let Some(locator) = self.routing.locator.get() else {
            return PlaceFinding {
                status: PlaceStatus::NoLocator,
                chain: Vec::new(),
                method: None,
                explanation: "未载入网格边界和地名，无法定位".into(),
            };
        };
        let point = input.longitude.zip(input.latitude);
        let q = Query {
            point,
            address: input.address,
        };
        match locator.locate(&q) {
            Outcome::Located(l) => PlaceFinding {
                status: PlaceStatus::Located,
                method: Some(l.method),
                chain: l.chain,
                explanation: l.explanation,
            },
            Outcome::Ambiguous { explanation, .. } => PlaceFinding {
                status: PlaceStatus::Ambiguous,
                chain: Vec::new(),
                method: None,
                explanation,
            },
            Outcome::NotFound { explanation } => PlaceFinding {
                status: PlaceStatus::NotFound,
                chain: Vec::new(),
                method: None,
                explanation,
            },
        }
    }

    async fn region_unit(&self, region: &Assignee) -> Result<jiceng_kernel::org::OrgUnit> {
        self.store
            .get_unit(region.unit_id)
            .await?
            .ok_or_else(jiceng_accounts::unit_not_found)
    }

    async fn brief(
        &self,
        id: UnitId,
        names: &mut HashMap<UnitId, Option<String>>,
    ) -> Result<Option<UnitBrief>> {
        let name = match names.get(&id) {
            Some(n) => n.clone(),
            None => {
                let n = self.store.get_unit(id).await?.map(|u| u.name);
                names.insert(id, n.clone());
                n
            }
        };
        Ok(name.map(|name| UnitBrief { id, name }))
    }

    /// The located unit as the order's region, when it lies inside `region`: town staff then
    /// see the orders of their town. Otherwise `region` stays.
    pub(crate) async fn refine_region(
        &self,
        advice: &Advice,
        region: Assignee,
    ) -> Result<Assignee> {
        let Some(finest) = advice.place.chain.first() else {
            return Ok(region);
        };
        match self.store.get_unit(finest.id).await? {
            Some(u) if region.unit_path.contains(&u.path) => Ok(Assignee {
                unit_id: u.id,
                unit_name: u.name,
                unit_path: u.path,
            }),
            _ => Ok(region),
        }
    }

    /// The units a chosen suggestion names, as assignees inside the order's county tree.
    pub(crate) async fn suggestion_assignees(
        &self,
        order: &WorkOrder,
        s: &Suggestion,
    ) -> Result<Option<(Assignee, Vec<Assignee>)>> {
        let Some(lead) = self.tree_assignee(order, s.lead.id).await? else {
            return Ok(None);
        };
        let mut co = Vec::new();
        for c in &s.co_units {
            co.extend(self.tree_assignee(order, c.id).await?);
        }
        Ok(Some((lead, co)))
    }

    /// `unit` as an assignee of `order`, if it exists and lies in the order's county tree.
    pub(crate) async fn tree_assignee(
        &self,
        order: &WorkOrder,
        unit: UnitId,
    ) -> Result<Option<Assignee>> {
        Ok(self
            .store
            .get_unit(unit)
            .await?
            .filter(|u| same_tree(&order.region.unit_path, &u.path))
            .map(|u| Assignee {
                unit_id: u.id,
                unit_name: u.name,
                unit_path: u.path,
            }))
    }

    /// Advice after a return: the returning unit (and any that returned it before) is not
    /// suggested again; its reason is kept beside the suggestions.
    pub(crate) async fn advise_after_return(
        &self,
        order: &WorkOrder,
        reason: String,
    ) -> Result<Advice> {
        let mut excluded = order
            .routing
            .as_ref()
            .map(|a| a.excluded.clone())
            .unwrap_or_default();
        if let Some(l) = &order.lead
            && !excluded.iter().any(|e| e.unit.id == l.unit_id)
        {
            excluded.push(Excluded {
                unit: UnitBrief {
                    id: l.unit_id,
                    name: l.unit_name.clone(),
                },
                reason,
            });
        }
        let mut advice = self.advise(AdviceInput::of(order), excluded).await?;
        // Returned orders wait for a dispatcher's ruling; the engine only advises.
        advice.decision = Decision::Queue;
        let units: Vec<String> = advice
            .excluded
            .iter()
            .map(|e| e.unit.name.clone())
            .collect();
        advice.summary = format!(
            "已退单，等待派单员审定；不再建议退单单位（{}）。{}",
            units.join("、"),
            advice.summary
        );
        Ok(advice)
    }

    /// Fresh advice for an order waiting for a dispatcher whose category a dispatcher set:
    /// the units excluded before stay excluded, and a dispatcher decides.
    pub(crate) async fn advise_again(&self, order: &WorkOrder) -> Result<Advice> {
        let excluded = order
            .routing
            .as_ref()
            .map(|a| a.excluded.clone())
            .unwrap_or_default();
        let mut advice = self.advise(AdviceInput::of(order), excluded).await?;
        advice.decision = Decision::Queue;
        advice.summary = format!(
            "派单员已将分类改为“{}”，据此重新建议。{}",
            order.category.as_deref().unwrap_or(""),
            advice.summary
        );
        Ok(advice)
    }
}

/// The note of an automatic dispatch: how sure, and why.
pub(crate) fn dispatch_note(confidence: f64, explanation: &str) -> String {
    format!("置信度 {:.0}%：{explanation}", confidence * 100.0)
}

fn same_tree(a: &UnitPath, b: &UnitPath) -> bool {
    match (a.ancestors().first(), b.ancestors().first()) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

fn decide(
    suggestions: &[Suggestion],
    threshold: f64,
    has_list: bool,
    category: &Option<CategoryFinding>,
) -> (Decision, String) {
    match suggestions.first() {
        Some(best) if best.confidence >= threshold => (
            Decision::Auto,
            format!(
                "置信度 {:.0}% 达到自动派单阈值 {:.0}%，自动派往{}",
                best.confidence * 100.0,
                threshold * 100.0,
                best.lead.name
            ),
        ),
        Some(best) => (
            Decision::Queue,
            format!(
                "最佳建议（{}）置信度 {:.0}%，低于自动派单阈值 {:.0}%，请派单员确认",
                best.lead.name,
                best.confidence * 100.0,
                threshold * 100.0
            ),
        ),
        None if category.is_none() => {
            (Decision::Queue, "未能确定诉求分类，请派单员人工派单".into())
        }
        None if !has_list => (
            Decision::Queue,
            "受理区域没有生效的权责清单，请派单员人工派单".into(),
        ),
        None => (
            Decision::Queue,
            "权责清单中没有与该诉求相符且可确定承办单位的事项，请派单员人工派单".into(),
        ),
    }
}

/// The engine's configuration and the locator it uses.
#[derive(Debug, Default)]
pub struct Routing {
    /// Whether registration runs the engine.
    pub enabled: bool,
    pub locator: crate::routing::LocatorCell,
}

/// The duty list's limits for an order dispatched under a duty; emergencies keep the
/// policy's natural-hour limits.
pub struct DutyLimits {
    pub store: Arc<dyn crate::ports::OrdersStore>,
    /// For the call-back limit when the duty sets none.
    pub sla: Arc<crate::sla::SlaPolicies>,
}

#[async_trait]
impl crate::sla::LimitSource for DutyLimits {
    async fn limits_for(&self, order: &WorkOrder) -> Result<Option<(TimeLimits, String)>> {
        let Some(r) = order.duty.filter(|_| order.urgency == Urgency::Normal) else {
            return Ok(None);
        };
        let (policy, _) = self
            .sla
            .for_region(&order.region.unit_path)
            .limits_for(order);
        limits_of(self.store.as_ref(), order.county(), r, policy.callback).await
    }
}

async fn limits_of(
    store: &dyn crate::ports::OrdersStore,
    county: jiceng_kernel::ids::CountyId,
    r: DutyRef,
    policy_callback: jiceng_kernel::calendar::TimeLimit,
) -> Result<Option<(TimeLimits, String)>> {
    let Some(list) = store.get_duty_list(county, r.list_id).await? else {
        return Ok(None);
    };
    let Some(d) = list.duty(r.duty_id) else {
        return Ok(None);
    };
    Ok(Some((
        TimeLimits {
            sign_for: d.sign_for,
            handling: d.handling,
            callback: d.callback.unwrap_or(policy_callback),
        },
        format!(
            "权责清单第 {} 版第 {} 项“{}”",
            r.version, d.position, d.matter
        ),
    )))
}
