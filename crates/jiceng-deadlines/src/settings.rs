//! The administrator's settings of time limits (the server's `[sla]` section): working hours,
//! the yellow share and the escalation ladders, for everywhere and per jurisdiction. Unset
//! keys of a jurisdiction take the values of the `[sla]` section; unset keys there take the
//! built-in defaults ([`SlaPolicy::china_default`]). An order follows the override of the
//! nearest unit on its region's path that has one ([`SlaPolicies::for_region`]).

use crate::policy::{Ladder, SlaPolicies, SlaPolicy};
use jiceng_kernel::calendar::{TimeLimit, WorkCalendar, WorkingHours};
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::org::UnitPath;
use serde::{Deserialize, Serialize};

/// `[sla]`: the defaults of every jurisdiction, and `[[sla.jurisdiction]]` overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlaSettings {
    /// `09:00-12:00,13:30-17:30`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<String>,
    /// The yellow warning at this share of the limit, in percent (1–99).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yellow_percent: Option<u32>,
    /// The ladder of limits counted in working time.
    #[serde(skip_serializing_if = "LadderSettings::is_empty")]
    pub ladder: LadderSettings,
    /// The ladder of emergencies (natural-hour limits).
    #[serde(skip_serializing_if = "LadderSettings::is_empty")]
    pub emergency_ladder: LadderSettings,
    /// The longest an extension may add (`30个工作日`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_extension: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub jurisdiction: Vec<JurisdictionSettings>,
}

/// `[[sla.jurisdiction]]`: the unit (its code, id or exact name) and what differs there; the
/// same keys as `[sla]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JurisdictionSettings {
    pub unit: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yellow_percent: Option<u32>,
    #[serde(skip_serializing_if = "LadderSettings::is_empty")]
    pub ladder: LadderSettings,
    #[serde(skip_serializing_if = "LadderSettings::is_empty")]
    pub emergency_ladder: LadderSettings,
}

/// What one level sets.
struct Rules<'a> {
    working_hours: &'a Option<String>,
    yellow_percent: Option<u32>,
    ladder: &'a LadderSettings,
    emergency_ladder: &'a LadderSettings,
    max_extension: &'a Option<String>,
}

/// The steps of a ladder, each a time limit as the duty list writes them (`2个工作日`,
/// `4工作小时`, `2小时`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LadderSettings {
    /// From breach (reminder, 催办) to the supervision notice (督办).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supervision_after: Option<String>,
    /// From the supervision notice to the circular (通报).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub circular_after: Option<String>,
    /// How long the addressee of each record has to answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reminder_reply: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supervision_reply: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub circular_reply: Option<String>,
}

fn invalid(key: &str, e: &Error) -> Error {
    Error::new(codes::SLA_INVALID_SETTINGS, format!("{key}：{}", e.message))
}

impl LadderSettings {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    fn apply(&self, mut ladder: Ladder, key: &str) -> Result<Ladder> {
        let steps = [
            (
                "supervision_after",
                &self.supervision_after,
                &mut ladder.supervision_after,
            ),
            (
                "circular_after",
                &self.circular_after,
                &mut ladder.circular_after,
            ),
            (
                "reminder_reply",
                &self.reminder_reply,
                &mut ladder.reminder_reply,
            ),
            (
                "supervision_reply",
                &self.supervision_reply,
                &mut ladder.supervision_reply,
            ),
            (
                "circular_reply",
                &self.circular_reply,
                &mut ladder.circular_reply,
            ),
        ];
        for (name, value, slot) in steps {
            if let Some(v) = value {
                *slot = TimeLimit::parse(v).map_err(|e| invalid(&format!("{key}.{name}"), &e))?;
            }
        }
        Ok(ladder)
    }
}

impl Rules<'_> {
    /// `base` with these settings applied; `key` names the section in errors.
    fn apply(&self, mut policy: SlaPolicy, key: &str) -> Result<SlaPolicy> {
        if let Some(h) = &self.working_hours {
            let hours =
                WorkingHours::parse(h).map_err(|e| invalid(&format!("{key}working_hours"), &e))?;
            policy.calendar = policy.calendar.with_hours(hours);
        }
        if let Some(p) = self.yellow_percent {
            if !(1..=99).contains(&p) {
                return Err(Error::new(
                    codes::SLA_INVALID_SETTINGS,
                    format!("{key}yellow_percent = {p}：黄色预警应在时限的 1% 到 99% 之间"),
                ));
            }
            policy.yellow_permille = p * 10;
        }
        if let Some(m) = self.max_extension {
            policy.max_extension =
                TimeLimit::parse(m).map_err(|e| invalid(&format!("{key}max_extension"), &e))?;
        }
        policy.ladder = self.ladder.apply(policy.ladder, &format!("{key}ladder"))?;
        policy.emergency_ladder = self
            .emergency_ladder
            .apply(policy.emergency_ladder, &format!("{key}emergency_ladder"))?;
        Ok(policy)
    }
}

impl SlaSettings {
    fn rules(&self) -> Rules<'_> {
        Rules {
            working_hours: &self.working_hours,
            yellow_percent: self.yellow_percent,
            ladder: &self.ladder,
            emergency_ladder: &self.emergency_ladder,
            max_extension: &self.max_extension,
        }
    }

    /// The section name of the `n`-th (0-based) jurisdiction in errors.
    pub fn jurisdiction_key(n: usize, unit: &str) -> String {
        format!("[[sla.jurisdiction]] 第 {} 项（unit = {unit:?}）", n + 1)
    }

    /// Checks every value that can be checked without the organisation tree.
    pub fn check(&self) -> Result<()> {
        let cal = WorkCalendar::weekdays_only(
            jiceng_kernel::calendar::china_standard_time(),
            WorkingHours::default(),
        );
        let default = self
            .rules()
            .apply(SlaPolicy::china_default(cal), "[sla] ")?;
        for (n, j) in self.jurisdiction.iter().enumerate() {
            let key = Self::jurisdiction_key(n, &j.unit);
            if j.unit.trim().is_empty() {
                return Err(Error::new(
                    codes::SLA_INVALID_SETTINGS,
                    format!("{key}：unit 须写单位的代码、编号或全称"),
                ));
            }
            j.rules().apply(default.clone(), &format!("{key} "))?;
        }
        Ok(())
    }

    /// The policies: `base` (the built-in policy on the server's calendar) with `[sla]`
    /// applied everywhere, and each jurisdiction's settings on top of that at the unit
    /// `units[n]` resolved for `jurisdiction[n]`.
    pub fn policies(&self, base: SlaPolicy, units: &[UnitPath]) -> Result<SlaPolicies> {
        if units.len() != self.jurisdiction.len() {
            return Err(Error::internal("每个 [[sla.jurisdiction]] 须对应一个单位"));
        }
        let default = self.rules().apply(base, "[sla] ")?;
        let mut policies = SlaPolicies::new(default.clone());
        for (n, (j, path)) in self.jurisdiction.iter().zip(units).enumerate() {
            let key = Self::jurisdiction_key(n, &j.unit);
            if policies.by_unit.iter().any(|(p, _)| p == path) {
                return Err(Error::new(
                    codes::SLA_INVALID_SETTINGS,
                    format!("{key}：该单位已在前面的 [[sla.jurisdiction]] 中设置过"),
                ));
            }
            let policy = j.rules().apply(default.clone(), &format!("{key} "))?;
            policies.by_unit.push((path.clone(), policy));
        }
        Ok(policies)
    }
}

impl JurisdictionSettings {
    fn rules(&self) -> Rules<'_> {
        Rules {
            working_hours: &self.working_hours,
            yellow_percent: self.yellow_percent,
            ladder: &self.ladder,
            emergency_ladder: &self.emergency_ladder,
            max_extension: &None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiceng_kernel::ids::UnitId;

    fn path(parent: Option<&UnitPath>, n: u128) -> UnitPath {
        let id = UnitId(uuid::Uuid::from_u128(n));
        parent.map_or_else(|| UnitPath::root(id), |p| p.child(id))
    }

    #[test]
    fn jurisdictions_override_the_defaults_at_the_nearest_unit() {
        let county = path(None, 1);
        let town = path(Some(&county), 2);
        let village = path(Some(&town), 3);
        let other = path(Some(&county), 4);
        let settings = SlaSettings {
            yellow_percent: Some(80),
            jurisdiction: vec![
                JurisdictionSettings {
                    unit: "广安区".into(),
                    yellow_percent: Some(90),
                    ..Default::default()
                },
                JurisdictionSettings {
                    unit: "浓洄街道".into(),
                    working_hours: Some("08:00-12:00,14:00-18:00".into()),
                    yellow_percent: Some(50),
                    ladder: LadderSettings {
                        supervision_after: Some("1个工作日".into()),
                        reminder_reply: Some("4工作小时".into()),
                        ..Default::default()
                    },
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        settings.check().unwrap();
        let base = SlaPolicies::china().default;
        assert!(
            settings
                .policies(base.clone(), std::slice::from_ref(&county))
                .is_err(),
            "one unit for each jurisdiction"
        );
        let p = settings.policies(base, &[county.clone(), town]).unwrap();
        let here = p.for_region(&village);
        assert_eq!(here.yellow_permille, 500);
        assert_eq!(here.calendar.hours().to_string(), "08:00-12:00,14:00-18:00");
        assert_eq!(here.ladder.supervision_after, TimeLimit::WorkingDays(1));
        assert_eq!(here.ladder.reminder_reply, TimeLimit::WorkingHours(4));
        assert_eq!(
            here.ladder.circular_after,
            TimeLimit::WorkingDays(3),
            "unset keys keep the defaults"
        );
        let elsewhere = p.for_region(&other);
        assert_eq!(
            elsewhere.yellow_permille, 900,
            "the county's override, the nearest above"
        );
        assert_eq!(
            elsewhere.calendar.hours().to_string(),
            "09:00-12:00,13:30-17:30"
        );
        assert_eq!(elsewhere.ladder, Ladder::working_days());
        assert_eq!(p.for_region(&county).yellow_permille, 900);
        assert_eq!(
            p.default.yellow_permille, 800,
            "[sla] outside every override"
        );
        // The holidays stay: 2026-10-01 is not worked in either.
        let national_day = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        assert!(!here.calendar.is_working_day(national_day));
    }

    #[test]
    fn bad_settings_name_their_key() {
        let cases = [
            (
                SlaSettings {
                    yellow_percent: Some(100),
                    ..Default::default()
                },
                "[sla] yellow_percent",
            ),
            (
                SlaSettings {
                    working_hours: Some("9-17".into()),
                    ..Default::default()
                },
                "[sla] working_hours",
            ),
            (
                SlaSettings {
                    emergency_ladder: LadderSettings {
                        circular_after: Some("两天".into()),
                        ..Default::default()
                    },
                    ..Default::default()
                },
                "[sla] emergency_ladder.circular_after",
            ),
            (
                SlaSettings {
                    jurisdiction: vec![JurisdictionSettings {
                        unit: "官盛镇".into(),
                        ladder: LadderSettings {
                            supervision_reply: Some("0个工作日".into()),
                            ..Default::default()
                        },
                        ..Default::default()
                    }],
                    ..Default::default()
                },
                "[[sla.jurisdiction]] 第 1 项（unit = \"官盛镇\"） ladder.supervision_reply",
            ),
        ];
        for (s, key) in cases {
            let e = s.check().unwrap_err();
            assert_eq!(e.code, "sla.invalid_settings");
            assert!(e.message.starts_with(key), "{key}: {}", e.message);
        }
    }
}
