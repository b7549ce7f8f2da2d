//! Where a clock's limit and its escalation ladder come from: a policy per jurisdiction, with
//! limits per urgency and category.

use jiceng_kernel::calendar::{TimeLimit, TimeLimits, WorkCalendar};
use jiceng_kernel::org::UnitPath;

/// The escalation ladder after breach (reminder at breach, then supervision, then circular),
/// and how long each addressee has to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ladder {
    /// From breach to the supervision notice (督办单).
    pub supervision_after: TimeLimit,
    /// From the supervision notice to the circular (通报).
    pub circular_after: TimeLimit,
    /// Time to answer a reminder, a supervision notice, a circular.
    pub reminder_reply: TimeLimit,
    pub supervision_reply: TimeLimit,
    pub circular_reply: TimeLimit,
}

impl Ladder {
    /// For limits in working hours or days: 2 more working days to supervision, 3 more to
    /// the circular.
    pub fn working_days() -> Self {
        Self {
            supervision_after: TimeLimit::WorkingDays(2),
            circular_after: TimeLimit::WorkingDays(3),
            reminder_reply: TimeLimit::WorkingDays(1),
            supervision_reply: TimeLimit::WorkingDays(2),
            circular_reply: TimeLimit::WorkingDays(3),
        }
    }

    /// For emergencies (natural-hour limits): the ladder climbs in hours, day and night.
    pub fn emergency() -> Self {
        Self {
            supervision_after: TimeLimit::NaturalHours(2),
            circular_after: TimeLimit::NaturalHours(4),
            reminder_reply: TimeLimit::NaturalHours(1),
            supervision_reply: TimeLimit::NaturalHours(2),
            circular_reply: TimeLimit::WorkingDays(1),
        }
    }

    pub fn reply_for(&self, step: crate::Step) -> TimeLimit {
        match step {
            crate::Step::Supervision => self.supervision_reply,
            crate::Step::Circular => self.circular_reply,
            _ => self.reminder_reply,
        }
    }
}

/// The time-limit policy of one jurisdiction.
#[derive(Debug, Clone)]
pub struct SlaPolicy {
    /// Working days and hours of the jurisdiction.
    pub calendar: WorkCalendar,
    /// The yellow warning fires at this share of the limit, in thousandths (750 = 75%).
    pub yellow_permille: u32,
    /// Emergencies (紧急): natural hours.
    pub urgent: TimeLimits,
    /// Ordinary orders whose category matches no entry of `by_category`.
    pub normal: TimeLimits,
    /// Ordinary orders whose category contains the key (咨询, 投诉, …); the first match wins.
    pub by_category: Vec<(String, TimeLimits)>,
    /// For limits counted in working time, and for natural-hour (emergency) limits.
    pub ladder: Ladder,
    pub emergency_ladder: Ladder,
    /// The longest an extension may add, counted from the later of now and the current
    /// deadline (`[sla] max_extension`).
    pub max_extension: TimeLimit,
}

/// The kinds of demand with their own default limits; an intake may name one as its category.
pub const DEMAND_TYPES: [&str; 5] = ["咨询", "求助", "投诉", "举报", "建议"];

impl SlaPolicy {
    /// Defaults of the 12345 rules: emergencies sign for within 1 hour and are handled
    /// within 2; others sign for within 4 working hours; consultations are answered within
    /// 3 working days, help requests within 5, complaints and other demands within 15; the
    /// call-back follows within 3 working days (an emergency's within 1).
    pub fn china_default(calendar: WorkCalendar) -> Self {
        let wd = TimeLimit::WorkingDays;
        let ordinary = |handling: u32| TimeLimits {
            sign_for: TimeLimit::WorkingHours(4),
            handling: wd(handling),
            callback: wd(3),
        };
        Self {
            calendar,
            yellow_permille: 750,
            urgent: TimeLimits {
                sign_for: TimeLimit::NaturalHours(1),
                handling: TimeLimit::NaturalHours(2),
                callback: wd(1),
            },
            normal: ordinary(15),
            by_category: DEMAND_TYPES
                .iter()
                .zip([3, 5, 15, 15, 15])
                .map(|(t, days)| ((*t).to_owned(), ordinary(days)))
                .collect(),
            ladder: Ladder::working_days(),
            emergency_ladder: Ladder::emergency(),
            max_extension: wd(30),
        }
    }

    /// The policy's limits for a demand, urgent or of a category, and the reason given for
    /// them.
    pub fn limits_for_demand(&self, urgent: bool, category: Option<&str>) -> (TimeLimits, String) {
        if urgent {
            return (self.urgent, "紧急诉求默认时限".into());
        }
        if let Some(cat) = category
            && let Some((key, l)) = self
                .by_category
                .iter()
                .find(|(k, _)| cat.contains(k.as_str()))
        {
            return (*l, format!("{key}类诉求默认时限"));
        }
        (self.normal, "一般诉求默认时限".into())
    }

    pub fn ladder_for(&self, natural: bool) -> &Ladder {
        if natural {
            &self.emergency_ladder
        } else {
            &self.ladder
        }
    }
}

/// Policies by jurisdiction: the most specific one whose unit contains the order's region.
#[derive(Debug, Clone)]
pub struct SlaPolicies {
    pub default: SlaPolicy,
    pub by_unit: Vec<(UnitPath, SlaPolicy)>,
}

impl SlaPolicies {
    pub fn new(default: SlaPolicy) -> Self {
        Self {
            default,
            by_unit: Vec::new(),
        }
    }

    /// Mainland China's calendar and the default policy everywhere.
    pub fn china() -> Self {
        let cal = WorkCalendar::china().unwrap_or_else(|e| {
            // The embedded schedules are checked by tests; this is only a guard.
            tracing::error!(error = %e, "embedded holiday schedules unreadable; counting Monday–Friday");
            WorkCalendar::weekdays_only(
                jiceng_kernel::calendar::china_standard_time(),
                jiceng_kernel::calendar::WorkingHours::default(),
            )
        });
        Self::new(SlaPolicy::china_default(cal))
    }

    pub fn for_region(&self, region: &UnitPath) -> &SlaPolicy {
        self.by_unit
            .iter()
            .filter(|(p, _)| p.contains(region))
            .max_by_key(|(p, _)| p.depth())
            .map_or(&self.default, |(_, pol)| pol)
    }
}
