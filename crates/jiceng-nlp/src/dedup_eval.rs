//! How well duplicate detection works on real messages: the board's messages run through
//! the same rule as orders at intake ([`jiceng_orders::duplicates::compare`]) with the same
//! sketches ([`MinHash`]).
//!
//! Two samples. The *pair sample* ([`duplicate_pairs`]) labels pairs by their subject line.
//! The *stream* replays the board in time order as a hotline would register it: every
//! message is checked against every earlier one within the window, and each pair the rule
//! proposes is labelled — same subject line: the same matter; otherwise by a judgment read
//! from a file of pairs judged by reading both texts ([`read_judgments`]). Recall is over
//! the pairs with the same subject line, which the rule does not choose.
//!
//! The board has no coordinates and its place names are masked (`A市A3区`), so the place
//! rule is tried on a stand-in: the city and district a text names (`A3区`, `J9县`, `L市`),
//! when it names one ([`place_of`]).

use crate::board::{Message, duplicate_pairs};
use crate::dedup::MinHash;
use chrono::{DateTime, NaiveDateTime, Utc};
use jiceng_kernel::Error;
use jiceng_kernel::error::codes;
use jiceng_kernel::ids::{OrderId, UnitId};
use jiceng_kernel::org::UnitPath;
use jiceng_orders::duplicates::{DuplicateSettings, OrderSketch, TextSketcher, compare};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Judged pairs by their message numbers (the smaller first): the same matter or not.
#[derive(Debug, Clone, Default)]
pub struct Judgments(HashMap<(String, String), bool>);

fn key(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_owned(), b.to_owned())
    } else {
        (b.to_owned(), a.to_owned())
    }
}

impl Judgments {
    pub fn get(&self, a: &str, b: &str) -> Option<bool> {
        self.0.get(&key(a, b)).copied()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A CSV with a header `a,b,same,note`: two message numbers, `1` (same matter) or `0`.
pub fn read_judgments(path: &Path) -> Result<Judgments, Error> {
    let bad = |m: String| Error::new(codes::MODEL_BAD_CSV, m);
    let mut rd = csv::Reader::from_path(path)
        .map_err(|e| bad(format!("无法读取 {}：{e}", path.display())))?;
    let mut out = HashMap::new();
    for (n, r) in rd.records().enumerate() {
        let r = r.map_err(|e| bad(format!("{}：{e}", path.display())))?;
        let line = n + 2;
        let (Some(a), Some(b), Some(same)) = (r.get(0), r.get(1), r.get(2)) else {
            return Err(bad(format!(
                "{} 第 {line} 行：须有 a、b、same 三列",
                path.display()
            )));
        };
        let same = match same.trim() {
            "1" => true,
            "0" => false,
            x => {
                return Err(bad(format!(
                    "{} 第 {line} 行：same 须为 1 或 0，而非“{x}”",
                    path.display()
                )));
            }
        };
        out.insert(key(a.trim(), b.trim()), same);
    }
    Ok(Judgments(out))
}

/// The cities and districts a text names, as `(city, district)`: `A3区` is district `A3区`
/// of city `A`, `L市` the city `L` alone.
pub fn place_of(text: &str) -> Vec<(char, Option<String>)> {
    let chars: Vec<char> = text
        .chars()
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starts = c.is_ascii_uppercase() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric());
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < chars.len() && chars[j].is_ascii_digit() {
            j += 1;
        }
        match chars.get(j) {
            Some('市') if j == i + 1 => out.push((c, None)),
            Some('市' | '区' | '县') if j > i + 1 => {
                out.push((c, Some(chars[i..=j].iter().collect())));
            }
            _ => {}
        }
        i = j.max(i + 1);
    }
    out
}

fn unit_id(name: &str) -> UnitId {
    // FNV-1a, twice with different bases: a stable id for a stand-in unit.
    let fnv = |basis: u64| {
        name.bytes().fold(basis, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    let hi = u128::from(fnv(0xcbf2_9ce4_8422_2325));
    let lo = u128::from(fnv(0x8422_2325_cbf2_9ce4));
    UnitId(uuid::Uuid::from_u128((hi << 64) | lo))
}

/// The stand-in region of a text: its one district, else its one city, else the province.
fn region_of(text: &str, root: &UnitPath) -> UnitPath {
    let places = place_of(text);
    let cities: HashSet<char> = places.iter().map(|p| p.0).collect();
    let districts: HashSet<&String> = places.iter().filter_map(|p| p.1.as_ref()).collect();
    if cities.len() != 1 {
        return root.clone();
    }
    let city = cities.iter().next().copied().unwrap_or('?');
    let city_path = root.child(unit_id(&format!("{city}市")));
    match districts.iter().next() {
        Some(d) if districts.len() == 1 => city_path.child(unit_id(d)),
        _ => city_path,
    }
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|t| t.and_utc())
}

/// The board as orders: each message's sketch, time and (stand-in) place.
pub struct Sample {
    pub msgs: Vec<Message>,
    /// Sketches with the province as region (no place known).
    pub bare: Vec<OrderSketch>,
    /// The same with the stand-in region of [`place_of`].
    pub placed: Vec<OrderSketch>,
    /// Messages whose time could not be read (left out of the stream).
    pub untimed: usize,
}

impl Sample {
    pub fn new(msgs: Vec<Message>) -> Self {
        let root = UnitPath::root(unit_id("西地省"));
        let sketcher = MinHash;
        let mut untimed = 0;
        let bare: Vec<OrderSketch> = msgs
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let created_at = parse_time(&m.time).unwrap_or_else(|| {
                    untimed += 1;
                    DateTime::<Utc>::MIN_UTC
                });
                OrderSketch {
                    order_id: OrderId(uuid::Uuid::from_u128(i as u128 + 1)),
                    region: root.clone(),
                    created_at,
                    point: None,
                    address_key: None,
                    method: sketcher.method().to_owned(),
                    sketch: sketcher.sketch(&m.text),
                }
            })
            .collect();
        let placed = bare
            .iter()
            .zip(&msgs)
            .map(|(s, m)| OrderSketch {
                region: region_of(&m.text, &root),
                ..s.clone()
            })
            .collect();
        Self {
            msgs,
            bare,
            placed,
            untimed,
        }
    }

    fn sketches(&self, places: bool) -> &[OrderSketch] {
        if places { &self.placed } else { &self.bare }
    }

    /// Whether the rule proposes `j` as a duplicate of `i` (either may be the later one).
    fn proposed(&self, i: usize, j: usize, s: &DuplicateSettings, places: bool) -> bool {
        let sk = self.sketches(places);
        let sim = MinHash.similarity(&sk[i].sketch, &sk[j].sketch);
        sim >= s.threshold && compare(&sk[i], &sk[j], s, sim).is_some()
    }
}

/// Precision and recall on a set of labelled pairs.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    pub fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
}

/// The pair sample under the rule: `s.window_days` large (e.g. 3650) turns the window off.
pub fn pair_sample(sample: &Sample, s: &DuplicateSettings, places: bool) -> Counts {
    let mut c = Counts::default();
    for (i, j, same) in duplicate_pairs(&sample.msgs) {
        match (sample.proposed(i, j, s, places), same) {
            (true, true) => c.tp += 1,
            (true, false) => c.fp += 1,
            (false, true) => c.fn_ += 1,
            _ => {}
        }
    }
    c
}

/// What the stream proposed and how it was labelled.
#[derive(Debug, Clone, Default)]
pub struct Stream {
    /// Pairs proposed: (earlier, later) message indices.
    pub proposed: usize,
    /// Proposed pairs with the same subject line.
    pub same_subject: usize,
    pub judged_same: usize,
    pub judged_different: usize,
    /// Proposed pairs neither with the same subject nor judged.
    pub unjudged: Vec<(usize, usize)>,
    /// Pairs with the same subject line on the whole board, and those proposed.
    pub subject_pairs: usize,
    pub subject_pairs_found: usize,
    /// Messages with at least one candidate.
    pub with_candidates: usize,
    pub messages: usize,
}

impl Stream {
    /// Share of judged proposals that are the same matter.
    pub fn precision(&self) -> f64 {
        let good = self.same_subject + self.judged_same;
        good as f64 / (good + self.judged_different).max(1) as f64
    }
    /// Share of the same-subject pairs proposed.
    pub fn recall(&self) -> f64 {
        self.subject_pairs_found as f64 / self.subject_pairs.max(1) as f64
    }
}

/// Replays the board: each message against every earlier one within the window.
pub fn stream(sample: &Sample, j: &Judgments, s: &DuplicateSettings, places: bool) -> Stream {
    let msgs = &sample.msgs;
    let sk = sample.sketches(places);
    let mut order: Vec<usize> = (0..msgs.len())
        .filter(|&i| sk[i].created_at != DateTime::<Utc>::MIN_UTC)
        .collect();
    order.sort_by(|&a, &b| (sk[a].created_at, &msgs[a].id).cmp(&(sk[b].created_at, &msgs[b].id)));
    let mut out = Stream {
        messages: order.len(),
        ..Default::default()
    };
    let mut by_title: HashMap<&str, usize> = HashMap::new();
    order
        .iter()
        .for_each(|&i| *by_title.entry(msgs[i].title.as_str()).or_default() += 1);
    out.subject_pairs = by_title.values().map(|n| n * (n - 1) / 2).sum();
    let window = s.window();
    let mut lo = 0;
    for (r, &i) in order.iter().enumerate() {
        while sk[order[lo]].created_at < sk[i].created_at - window {
            lo += 1;
        }
        let mut any = false;
        for &e in &order[lo..r] {
            if !sample.proposed(i, e, s, places) {
                continue;
            }
            any = true;
            out.proposed += 1;
            if msgs[i].title == msgs[e].title {
                out.same_subject += 1;
                out.subject_pairs_found += 1;
            } else {
                match j.get(&msgs[i].id, &msgs[e].id) {
                    Some(true) => out.judged_same += 1,
                    Some(false) => out.judged_different += 1,
                    None => out.unjudged.push((e, i)),
                }
            }
        }
        out.with_candidates += usize::from(any);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_read_from_masked_names() {
        assert_eq!(
            place_of("位于A市A2区桂花坪街道，投诉J11市康顺液化气站"),
            vec![
                ('A', None),
                ('A', Some("A2区".into())),
                ('J', Some("J11市".into()))
            ]
        );
        assert_eq!(
            place_of("ＡＢ3区 XA3区 M2县"),
            vec![('M', Some("M2县".into()))]
        );
        assert!(place_of("").is_empty());
        let root = UnitPath::root(unit_id("p"));
        assert_eq!(region_of("A市A3区和A市", &root).depth(), 3);
        assert_eq!(region_of("A市A3区和A5区", &root).depth(), 2);
        assert_eq!(region_of("A市和L市", &root), root);
        assert_eq!(region_of("没有地名", &root), root);
    }

    #[test]
    fn times_are_read_in_the_board_formats() {
        assert!(parse_time("2019-04-25 09:32:09").is_some());
        assert!(parse_time("2019/4/25 9:32").is_some());
        assert!(parse_time("昨天").is_none());
    }
}
