//! The time-limit use cases: clocks following transitions, the sweep that fires due warnings
//! and escalations, the supervisor's board and the figures.

use super::Orders;
use crate::sla::OrderLimits;
use crate::sla::{
    ClockKind, DueSignal, Escalation, EscalationQuery, FiguresQuery, SlaPolicies, SlaSettings,
    UnitFigures, figures, follow,
};
use crate::work_order::WorkOrder;
use chrono::{DateTime, Utc};
use jiceng_kernel::access::{Permission, Principal};
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::UnitId;
use jiceng_kernel::org::UnitPath;
use std::sync::Arc;

impl Orders {
    /// The time-limit policies of the administrator's `settings` on top of the policy in use
    /// (its calendar and limits), each `[[sla.jurisdiction]]` at the unit its `unit` names
    /// by code, id or exact name. Errors name the setting.
    #[tracing::instrument(name = "sla.sla_policies", skip_all)]
    pub async fn sla_policies(&self, settings: &SlaSettings) -> Result<SlaPolicies> {
        settings.check()?;
        let mut paths = Vec::with_capacity(settings.jurisdiction.len());
        for (n, j) in settings.jurisdiction.iter().enumerate() {
            let path = self.unit_named(j.unit.trim()).await.map_err(|e| {
                Error::new(
                    codes::SLA_INVALID_SETTINGS,
                    format!(
                        "{}：{}",
                        SlaSettings::jurisdiction_key(n, &j.unit),
                        e.message
                    ),
                )
            })?;
            paths.push(path);
        }
        settings.policies(self.sla.default.clone(), &paths)
    }

    /// A unit's path by its code, id or exact name (a name must be unique).
    async fn unit_named(&self, name: &str) -> Result<UnitPath> {
        if let Some(u) = self.store.find_unit_by_code(name).await? {
            return Ok(u.path);
        }
        if let Some(id) = UnitId::parse(name)
            && let Some(u) = self.store.get_unit(id).await?
        {
            return Ok(u.path);
        }
        let found: Vec<_> = self
            .store
            .list_units(&jiceng_accounts::ports::UnitQuery {
                name_contains: Some(name.to_owned()),
                limit: 100,
                ..Default::default()
            })
            .await?
            .into_iter()
            .filter(|u| u.name == name)
            .collect();
        match found.as_slice() {
            [u] => Ok(u.path.clone()),
            [] => Err(Error::new(
                codes::SLA_UNKNOWN_UNIT,
                "组织机构中没有代码、编号或名称为此的单位",
            )),
            many => Err(Error::new(
                codes::SLA_AMBIGUOUS_UNIT,
                format!(
                    "有 {} 个单位同名，请改写单位代码或编号（{}）",
                    many.len(),
                    many.iter()
                        .map(|u| u.code.clone().unwrap_or_else(|| u.id.to_string()))
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            )),
        }
    }

    /// Moves the clocks of `after`, the outcome of a transition from `before`.
    pub(crate) async fn follow_clocks(
        &self,
        before: &WorkOrder,
        after: &mut WorkOrder,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let policy = self.sla.for_region(&after.region.unit_path);
        let (limits, basis) = match (
            &self.limit_source,
            crate::sla::clocks_to_start(before, after).is_empty(),
        ) {
            (Some(src), false) => match src.limits_for(after).await? {
                Some(found) => found,
                None => policy.limits_for(after),
            },
            _ => policy.limits_for(after),
        };
        follow(before, after, now, policy, &limits, &basis)
    }

    /// Tells the sweeper about the order's earliest due step.
    pub(crate) fn signal_due(&self, o: &WorkOrder) {
        if let Some(at) = o.clocks.iter().filter_map(|c| c.next_due).min() {
            self.due_signal.due_at(at);
        }
    }

    /// Installs the sweeper's wake-up signal.
    pub fn with_due_signal(mut self, signal: Arc<dyn DueSignal>) -> Self {
        self.due_signal = signal;
        self
    }

    /// The supervisor's board (督办台账): escalation records addressed to or about units in
    /// the caller's subtrees, newest first.
    #[tracing::instrument(name = "sla.escalation_board", skip_all)]
    pub async fn escalation_board(
        &self,
        who: &Principal,
        mut q: EscalationQuery,
    ) -> Result<Vec<Escalation>> {
        q.scope = who.require(Permission::ReadOversight)?.into_roots();
        q.limit = jiceng_kernel::page_size(Some(q.limit).filter(|l| *l > 0));
        self.store.list_escalations(&q).await
    }

    /// On-time rate, overdue counts, average and median working hours of one kind of clock,
    /// per unit under `unit`, for clocks stopped in `[from, to)`.
    #[tracing::instrument(name = "sla.sla_figures", skip_all)]
    pub async fn sla_figures(
        &self,
        who: &Principal,
        unit: UnitId,
        kind: ClockKind,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<UnitFigures>> {
        let scope = who.require(Permission::ReadOversight)?;
        let u = self
            .store
            .get_unit(unit)
            .await?
            .filter(|u| scope.contains(&u.path))
            .ok_or_else(jiceng_accounts::unit_not_found)?;
        if to <= from {
            return Err(Error::new(
                codes::SLA_INVALID_PERIOD,
                "统计区间的结束时间须晚于开始时间",
            ));
        }
        let q = FiguresQuery {
            scope: u.path,
            kind,
            from,
            to,
        };
        let closed = self.store.closed_clocks(&q).await?;
        let open = self.store.open_clocks(&q, self.clock.now()).await?;
        Ok(figures::aggregate(&closed, &open))
    }
}
