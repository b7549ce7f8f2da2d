//! The citizens' message board of the 2020 TipDM Cup (problem C; `messages-with-replies.csv`
//! and `messages-with-votes.csv` in `gov-messages/`) as samples for near-duplicate detection.

use jiceng_kernel::Error;
use jiceng_kernel::error::codes;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// One message of the board.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// 留言编号
    pub id: String,
    /// 留言主题
    pub title: String,
    /// 留言时间, as written (`2019-04-25 09:32:09`).
    pub time: String,
    /// 留言详情
    pub text: String,
}

/// The board's files in `dir`, in the order read.
pub const BOARD_FILES: [&str; 2] = ["messages-with-replies.csv", "messages-with-votes.csv"];

fn bad(what: String) -> Error {
    Error::new(codes::MODEL_BAD_CSV, what)
}

/// Every message of the board's files in `dir`.
pub fn read_board(dir: &Path) -> Result<Vec<Message>, Error> {
    let mut out = Vec::new();
    for name in BOARD_FILES {
        let path = dir.join(name);
        let mut rd = csv::Reader::from_path(&path)
            .map_err(|e| bad(format!("无法读取 {}：{e}", path.display())))?;
        let h = rd
            .headers()
            .map_err(|e| bad(format!("{}：{e}", path.display())))?
            .clone();
        let col = |n: &str| {
            h.iter()
                .position(|c| c.trim_start_matches('\u{feff}') == n)
                .ok_or_else(|| bad(format!("{} 缺少“{n}”列", path.display())))
        };
        let (id, title, time, text) = (
            col("留言编号")?,
            col("留言主题")?,
            col("留言时间")?,
            col("留言详情")?,
        );
        for r in rd.records() {
            let r = r.map_err(|e| bad(format!("{}：{e}", path.display())))?;
            let field = |i: usize| r.get(i).unwrap_or_default().trim().to_owned();
            out.push(Message {
                id: field(id),
                title: field(title),
                time: field(time),
                text: field(text),
            });
        }
    }
    Ok(out)
}

/// Labelled pairs of message indices, derived from the board: two messages with the same
/// subject line (留言主题) and different numbers are the same matter (re-posts, follow-ups,
/// neighbours writing about one building); each message of such a pair against its ten
/// nearest messages in time whose subject shares few character pairs with its own (bigram
/// Jaccard < 0.3) is a different matter — the orders a duplicate check at registration
/// really sees. Subjects in between (a reworded re-post) are left out as unsure. Only the
/// text (留言详情) is compared, never the subject that made the label.
pub fn duplicate_pairs(msgs: &[Message]) -> Vec<(usize, usize, bool)> {
    let mut by_title: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, m) in msgs.iter().enumerate() {
        by_title.entry(m.title.as_str()).or_default().push(i);
    }
    let order = time_order(msgs);
    let mut rank = vec![0usize; msgs.len()];
    order.iter().enumerate().for_each(|(r, &i)| rank[i] = r);
    let mut titles: Vec<&str> = by_title.keys().copied().collect();
    titles.sort_unstable();
    let mut pairs = Vec::new();
    for t in titles {
        let group = &by_title[t];
        for (a, &i) in group.iter().enumerate() {
            for &j in &group[a + 1..] {
                if msgs[i].id != msgs[j].id {
                    pairs.push((i, j, true));
                }
            }
        }
        if group.len() < 2 {
            continue;
        }
        for &i in group {
            let r = rank[i];
            let near = order[r.saturating_sub(5)..(r + 6).min(order.len())].iter();
            for &j in near.filter(|&&j| bigram_jaccard(&msgs[j].title, &msgs[i].title) < 0.3) {
                pairs.push((i, j, false));
            }
        }
    }
    pairs
}

/// Message indices by time, then number.
pub fn time_order(msgs: &[Message]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..msgs.len()).collect();
    order.sort_by(|&a, &b| {
        msgs[a]
            .time
            .cmp(&msgs[b].time)
            .then(msgs[a].id.cmp(&msgs[b].id))
    });
    order
}

/// Jaccard similarity of the sets of adjacent character pairs of two subjects.
pub fn bigram_jaccard(a: &str, b: &str) -> f32 {
    let grams = |s: &str| {
        let c: Vec<char> = s.chars().collect();
        c.windows(2).map(|w| (w[0], w[1])).collect::<HashSet<_>>()
    };
    let (x, y) = (grams(a), grams(b));
    let union = x.union(&y).count();
    if union == 0 {
        0.0
    } else {
        x.intersection(&y).count() as f32 / union as f32
    }
}
