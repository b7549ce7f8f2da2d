//! Which duties fit a demand: by its category first, then its text.
//!
//! A duty filed under exactly the order's category fits best; one filed under a parent
//! category fits less the further up it is. A duty filed under a finer category than the
//! order's (the classifier predicts first-level categories) fits only when one of its keywords
//! occurs in the text: keywords select among siblings. Every keyword found raises a duty; a
//! duty with keywords none of which occur falls slightly behind one without keywords. When no
//! duty fits the category, duties whose keywords occur are offered as a last resort.

use super::taxonomy::{levels_above, normalize_code};
use super::{Duty, DutyList, DutyRef};
use serde::Serialize;

/// Why a duty was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum MatchRule {
    /// The duty's category is the order's.
    Exact,
    /// The duty's category is `levels` levels above the order's.
    Parent { levels: usize },
    /// The duty's category lies under the order's, and its keywords occur in the text.
    Narrower,
    /// No duty fits the category; the duty's keywords occur in the text.
    KeywordsOnly,
}

/// A duty that fits, with its score (higher is better) and why, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DutyMatch {
    pub duty_ref: DutyRef,
    pub duty: Duty,
    pub rule: MatchRule,
    /// The duty's keywords found in the text.
    pub keywords: Vec<String>,
    pub score: u32,
    pub explanation: String,
}

const EXACT: u32 = 100;
const PER_LEVEL: u32 = 10;
const NARROWER: u32 = 96;
const KEYWORDS_ONLY: u32 = 50;
const PER_KEYWORD: u32 = 5;
const MAX_KEYWORD_BONUS: usize = 3;
const NO_KEYWORD_FOUND: u32 = 3;

impl DutyList {
    /// Duties for an order of `category` (a taxonomy code of any level) with `text`, best
    /// first; ties keep the list's order.
    pub fn lookup(&self, category: &str, text: &str) -> Vec<DutyMatch> {
        let category = normalize_code(category);
        let text = text.to_lowercase();
        let found = |d: &Duty| -> Vec<String> {
            d.keywords
                .iter()
                .filter(|k| text.contains(&k.to_lowercase()))
                .cloned()
                .collect()
        };
        let mut out: Vec<DutyMatch> = Vec::new();
        for d in &self.duties {
            let hits = found(d);
            let rule = if category.is_empty() {
                None
            } else if let Some(levels) = levels_above(&d.category, &category) {
                Some(if levels == 0 {
                    MatchRule::Exact
                } else {
                    MatchRule::Parent { levels }
                })
            } else if levels_above(&category, &d.category).is_some() && !hits.is_empty() {
                Some(MatchRule::Narrower)
            } else {
                None
            };
            if let Some(rule) = rule {
                out.push(self.matched(d, rule, hits));
            }
        }
        if out.is_empty() {
            out = self
                .duties
                .iter()
                .map(|d| (d, found(d)))
                .filter(|(_, hits)| !hits.is_empty())
                .map(|(d, hits)| self.matched(d, MatchRule::KeywordsOnly, hits))
                .collect();
        }
        out.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then(a.duty.position.cmp(&b.duty.position))
        });
        out
    }

    fn matched(&self, d: &Duty, rule: MatchRule, keywords: Vec<String>) -> DutyMatch {
        let base = match rule {
            MatchRule::Exact => EXACT,
            MatchRule::Parent { levels } => EXACT.saturating_sub(PER_LEVEL * levels.min(9) as u32),
            MatchRule::Narrower => NARROWER,
            MatchRule::KeywordsOnly => KEYWORDS_ONLY,
        };
        let bonus = PER_KEYWORD * keywords.len().min(MAX_KEYWORD_BONUS) as u32;
        let penalty = if keywords.is_empty() && !d.keywords.is_empty() {
            NO_KEYWORD_FOUND
        } else {
            0
        };
        DutyMatch {
            duty_ref: self.duty_ref(d),
            explanation: self.explain(d, rule, &keywords),
            duty: d.clone(),
            rule,
            keywords,
            score: base + bonus - penalty,
        }
    }

    fn explain(&self, d: &Duty, rule: MatchRule, keywords: &[String]) -> String {
        let why = match rule {
            MatchRule::Exact => format!("工单分类与事项分类“{}”一致", d.category),
            MatchRule::Parent { levels } => {
                format!("事项分类“{}”是工单分类的上{levels}级分类", d.category)
            }
            MatchRule::Narrower => format!("工单分类下的细分事项“{}”，由关键词选中", d.category),
            MatchRule::KeywordsOnly => "没有与工单分类相符的事项，按关键词匹配".to_owned(),
        };
        let quoted = |v: &[String]| {
            v.iter()
                .map(|k| format!("“{k}”"))
                .collect::<Vec<_>>()
                .join("")
        };
        let mut s = format!(
            "依据权责清单第 {} 版第 {} 项“{}”：{why}",
            self.info.version, d.position, d.matter
        );
        if !keywords.is_empty() {
            s.push_str(&format!("；关键词{}出现在诉求中", quoted(keywords)));
        }
        s.push_str(&format!("。主办：{}", d.lead));
        if !d.assisting.is_empty() {
            let units: Vec<String> = d.assisting.iter().map(ToString::to_string).collect();
            s.push_str(&format!("；协办：{}", units.join("、")));
        }
        s.push_str(&format!(
            "；签收时限 {}，办理时限 {}",
            d.sign_for, d.handling
        ));
        if let Some(basis) = &d.legal_basis {
            s.push_str(&format!("；法律依据：{basis}"));
        }
        s.push('。');
        s
    }
}
