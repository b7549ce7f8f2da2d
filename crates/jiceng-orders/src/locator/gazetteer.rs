//! Address text → unit: the longest place names of the tree found in the text, with the
//! names of coarser units (district, town) deciding between namesakes. Never a guess: two
//! equally good readings are reported as such.

use super::UnitInfo;
use jiceng_kernel::ids::UnitId;
use jiceng_kernel::org::OrgKind;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// One name the matcher looks for.
#[derive(Debug, Clone)]
struct Name {
    key: String,
    unit: UnitId,
    /// The alias as given (a road name, an old name), when it is not the unit's own name.
    alias: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextMatch {
    /// One unit; `matched` says which words of the text led there.
    One {
        unit: UnitId,
        matched: Vec<String>,
    },
    Several {
        units: Vec<UnitId>,
        matched: Vec<String>,
    },
    None,
}

pub struct Gazetteer {
    units: Arc<HashMap<UnitId, UnitInfo>>,
    names: Vec<Name>,
}

impl std::fmt::Debug for Gazetteer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gazetteer({} names)", self.names.len())
    }
}

/// Traditional and simplified spellings of the characters of place-name suffixes, and 台/臺,
/// are folded together so that `大安区` finds `大安區`.
fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '區' => '区',
            '臺' => '台',
            '鄉' => '乡',
            '鎮' => '镇',
            '裡' | '裏' => '里',
            '號' => '号',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

impl Gazetteer {
    pub(crate) fn new(units: Arc<HashMap<UnitId, UnitInfo>>, aliases: &[(UnitId, String)]) -> Self {
        let mut names: Vec<Name> = units
            .iter()
            .filter(|(_, u)| u.kind != OrgKind::Department)
            .map(|(id, u)| Name {
                key: normalize(&u.name),
                unit: *id,
                alias: None,
            })
            .collect();
        names.extend(
            aliases
                .iter()
                .filter(|(u, _)| units.contains_key(u))
                .map(|(u, a)| Name {
                    key: normalize(a),
                    unit: *u,
                    alias: Some(a.clone()),
                }),
        );
        // Single characters match almost any text.
        names.retain(|n| n.key.chars().count() >= 2);
        Self { units, names }
    }

    pub fn find(&self, address: &str) -> TextMatch {
        let text = normalize(address);
        // Every occurrence of every name, as (start, end, name).
        let mut hits: Vec<(usize, usize, &Name)> = Vec::new();
        for n in &self.names {
            for (start, m) in text.match_indices(n.key.as_str()) {
                hits.push((start, start + m.len(), n));
            }
        }
        // Longest match: a name found inside a longer one (`安里` inside `新安里`) is dropped.
        let spans: Vec<(usize, usize)> = hits.iter().map(|h| (h.0, h.1)).collect();
        hits.retain(|&(s, e, _)| {
            !spans
                .iter()
                .any(|&(s2, e2)| s2 <= s && e <= e2 && e2 - s2 > e - s)
        });
        if hits.is_empty() {
            return TextMatch::None;
        }
        let matched_units: HashSet<UnitId> = hits.iter().map(|h| h.2.unit).collect();
        let ancestors = |u: UnitId| -> Vec<UnitId> {
            let mut out = Vec::new();
            let mut at = self.units.get(&u).and_then(|i| i.parent);
            while let Some(p) = at {
                if out.len() > 16 {
                    break;
                }
                out.push(p);
                at = self.units.get(&p).and_then(|i| i.parent);
            }
            out
        };
        // Leaves: matched units with no matched unit below them. Each scores the matched
        // names on its own line of the tree; the best score wins if it is alone.
        let mut scored: Vec<(usize, UnitId)> = Vec::new();
        let covered: HashSet<UnitId> = matched_units.iter().flat_map(|u| ancestors(*u)).collect();
        for &u in &matched_units {
            let kind = self.units.get(&u).map(|i| i.kind);
            if covered.contains(&u) || matches!(kind, Some(OrgKind::County) | None) {
                continue;
            }
            let support = 1 + ancestors(u)
                .iter()
                .filter(|a| matched_units.contains(a))
                .count();
            scored.push((support, u));
        }
        let best = scored.iter().map(|s| s.0).max().unwrap_or(0);
        let mut winners: Vec<UnitId> = scored.iter().filter(|s| s.0 == best).map(|s| s.1).collect();
        winners.sort();
        let on_line: HashSet<UnitId> = winners
            .iter()
            .flat_map(|w| std::iter::once(*w).chain(ancestors(*w)))
            .collect();
        let mut matched: Vec<(usize, String)> = hits
            .iter()
            .filter(|h| on_line.contains(&h.2.unit))
            .map(|h| (h.0, self.describe(h.2)))
            .collect();
        matched.sort();
        matched.dedup_by(|a, b| a.1 == b.1);
        let matched = matched.into_iter().map(|m| m.1).collect();
        match winners.as_slice() {
            [] => TextMatch::None,
            [one] => TextMatch::One {
                unit: *one,
                matched,
            },
            _ => TextMatch::Several {
                units: winners,
                matched,
            },
        }
    }

    fn describe(&self, n: &Name) -> String {
        let unit = self.units.get(&n.unit).map_or("", |u| u.name.as_str());
        match &n.alias {
            Some(a) => format!("“{a}”（{unit}的别名）"),
            None => format!("“{unit}”"),
        }
    }
}
