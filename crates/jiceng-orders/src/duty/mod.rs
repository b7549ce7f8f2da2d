//! The responsibility list (权责清单): for each matter, who leads, who assists, on what legal
//! basis and within which time limits. A jurisdiction keeps versions of its list; each version
//! takes effect on a local date, and an order keeps the version it was dispatched under
//! ([`DutyRef`]).
//!
//! - [`table`]: the spreadsheet layout (one row per duty) and its validation, with every
//!   problem named by row and column;
//! - [`matcher`]: which duties fit a category and a text, with the reason in Chinese;
//! - [`taxonomy`]: the category codes duties are filed under.

mod issues;
pub mod matcher;
pub mod table;
pub mod taxonomy;
mod units;

pub use issues::{DutyIssue, DutyRules, Severity};
pub use matcher::{DutyMatch, MatchRule};
pub use table::{TableCheck, UnitDirectory};
pub use taxonomy::Taxonomy;
pub use units::{LocalUnit, UnitRef, is_office};

use chrono::{DateTime, NaiveDate, Utc};
use jiceng_kernel::calendar::TimeLimit;
use jiceng_kernel::ids::{DutyId, DutyListId, UnitId, UserId};
use serde::{Deserialize, Serialize};

/// Where a version stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DutyListStatus {
    /// 草稿: imported, not yet in force; can be discarded or published.
    Draft,
    /// 生效: the published version with the latest effective date.
    Effective,
    /// 已废止: published, then replaced by a version with a later effective date. It still
    /// governs the dates between its own effective date and its successor's.
    Superseded,
}

impl DutyListStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Effective => "effective",
            Self::Superseded => "superseded",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Draft, Self::Effective, Self::Superseded]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Draft => "草稿",
            Self::Effective => "生效",
            Self::Superseded => "已废止",
        }
    }
    pub fn is_published(self) -> bool {
        self != Self::Draft
    }
}

/// One version of a jurisdiction's list, without its duties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutyListInfo {
    pub id: DutyListId,
    /// The jurisdiction the list belongs to (a county, town or street).
    pub unit_id: UnitId,
    /// 1, 2, … per jurisdiction, in order of import.
    pub version: u32,
    pub status: DutyListStatus,
    /// The local date from which this version governs new dispatches; set when published.
    pub effective_date: Option<NaiveDate>,
    /// Who imported it; `None` for the command line and the demo.
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub duty_count: u32,
}

/// One matter of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duty {
    pub id: DutyId,
    /// 1-based position in the list, as imported.
    pub position: u32,
    /// 事项名称
    pub matter: String,
    /// 分类编码: a taxonomy code of any level.
    pub category: String,
    /// 关键词: words of a demand's text that select this duty over its siblings.
    pub keywords: Vec<String>,
    /// 主办单位
    pub lead: UnitRef,
    /// 协办单位
    pub assisting: Vec<UnitRef>,
    /// 法律依据
    pub legal_basis: Option<String>,
    /// 签收时限
    pub sign_for: TimeLimit,
    /// 办理时限
    pub handling: TimeLimit,
    /// 回访时限 (optional: the county default applies otherwise).
    pub callback: Option<TimeLimit>,
    /// 村级协助: a matter on which the village (community) committee assists the township.
    pub village_assist: bool,
}

/// The version a work order was dispatched under: enough to show the duty as it was then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DutyRef {
    pub list_id: DutyListId,
    pub version: u32,
    pub duty_id: DutyId,
}

/// A version with its duties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutyList {
    pub info: DutyListInfo,
    pub duties: Vec<Duty>,
}

impl DutyList {
    pub fn duty(&self, id: DutyId) -> Option<&Duty> {
        self.duties.iter().find(|d| d.id == id)
    }

    pub fn duty_ref(&self, duty: &Duty) -> DutyRef {
        DutyRef {
            list_id: self.info.id,
            version: self.info.version,
            duty_id: duty.id,
        }
    }
}

/// The version in force on `date`: the published one with the latest effective date not after
/// it (a later version number wins a tie). Drafts never govern.
pub fn effective_at(versions: &[DutyListInfo], date: NaiveDate) -> Option<&DutyListInfo> {
    versions
        .iter()
        .filter(|v| v.status.is_published())
        .filter_map(|v| v.effective_date.map(|d| (d, v)))
        .filter(|(d, _)| *d <= date)
        .max_by_key(|(d, v)| (*d, v.version))
        .map(|(_, v)| v)
}

/// The statuses after a publish: among published versions, the one with the latest effective
/// date (a later version number wins a tie) is effective, the others superseded. Returns the
/// versions whose status changes.
pub fn restatus(versions: &[DutyListInfo]) -> Vec<(DutyListId, DutyListStatus)> {
    let latest = versions
        .iter()
        .filter(|v| v.status.is_published())
        .max_by_key(|v| (v.effective_date, v.version))
        .map(|v| v.id);
    versions
        .iter()
        .filter(|v| v.status.is_published())
        .filter_map(|v| {
            let want = if Some(v.id) == latest {
                DutyListStatus::Effective
            } else {
                DutyListStatus::Superseded
            };
            (want != v.status).then_some((v.id, want))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(version: u32, status: DutyListStatus, date: Option<(i32, u32, u32)>) -> DutyListInfo {
        DutyListInfo {
            id: DutyListId(uuid::Uuid::from_u128(u128::from(version))),
            unit_id: UnitId(uuid::Uuid::from_u128(1)),
            version,
            status,
            effective_date: date.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
            created_by: None,
            created_at: DateTime::default(),
            published_at: None,
            duty_count: 0,
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn version_in_force_follows_effective_dates() {
        use DutyListStatus::*;
        let vs = [
            info(1, Superseded, Some((2026, 1, 1))),
            info(2, Effective, Some((2026, 7, 1))),
            info(3, Draft, Some((2026, 3, 1))),
        ];
        assert_eq!(effective_at(&vs, day(2025, 12, 31)), None);
        assert_eq!(
            effective_at(&vs, day(2026, 1, 1)).map(|v| v.version),
            Some(1)
        );
        assert_eq!(
            effective_at(&vs, day(2026, 6, 30)).map(|v| v.version),
            Some(1),
            "a draft never governs"
        );
        assert_eq!(
            effective_at(&vs, day(2026, 7, 1)).map(|v| v.version),
            Some(2)
        );
    }

    #[test]
    fn publishing_an_older_date_leaves_the_latest_effective() {
        use DutyListStatus::*;
        let vs = [
            info(1, Effective, Some((2026, 7, 1))),
            info(2, Effective, Some((2026, 1, 1))),
        ];
        assert_eq!(restatus(&vs), vec![(vs[1].id, Superseded)]);
        let vs = [
            info(1, Effective, Some((2026, 1, 1))),
            info(2, Effective, Some((2026, 1, 1))),
        ];
        assert_eq!(
            restatus(&vs),
            vec![(vs[0].id, Superseded)],
            "tie: later version"
        );
    }
}
