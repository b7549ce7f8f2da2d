//! Real data for the tests and the bench: the labelled messages and a duplicate-pair sample.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// `../shared/data/gov-messages`, where CI and every developer have it.
pub fn messages_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/gov-messages")
}

/// A message of the board, as the duplicate sample needs it.
pub struct Message {
    pub id: String,
    pub title: String,
    pub time: String,
    pub text: String,
}

/// Every message of messages-with-replies.csv and messages-with-votes.csv.
pub fn board_messages() -> Vec<Message> {
    let mut out = Vec::new();
    for name in ["messages-with-replies.csv", "messages-with-votes.csv"] {
        let mut rd = csv::Reader::from_path(messages_dir().join(name)).unwrap();
        let h = rd.headers().unwrap().clone();
        let col = |n: &str| {
            h.iter()
                .position(|c| c.trim_start_matches('\u{feff}') == n)
                .unwrap()
        };
        let (id, title, time, text) = (
            col("留言编号"),
            col("留言主题"),
            col("留言时间"),
            col("留言详情"),
        );
        for r in rd.records() {
            let r = r.unwrap();
            out.push(Message {
                id: r[id].trim().to_owned(),
                title: r[title].trim().to_owned(),
                time: r[time].trim().to_owned(),
                text: r[text].trim().to_owned(),
            });
        }
    }
    out
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
    let mut order: Vec<usize> = (0..msgs.len()).collect();
    order.sort_by(|&a, &b| {
        msgs[a]
            .time
            .cmp(&msgs[b].time)
            .then(msgs[a].id.cmp(&msgs[b].id))
    });
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

fn bigram_jaccard(a: &str, b: &str) -> f32 {
    let grams = |s: &str| {
        let c: Vec<char> = s.chars().collect();
        c.windows(2)
            .map(|w| (w[0], w[1]))
            .collect::<std::collections::HashSet<_>>()
    };
    let (x, y) = (grams(a), grams(b));
    let union = x.union(&y).count();
    if union == 0 {
        0.0
    } else {
        x.intersection(&y).count() as f32 / union as f32
    }
}
