//! Responsibility lists: how fast the matcher answers for real citizen messages, and how fast a
//! large list file is checked, each beside a baseline measured in the same run.
//!
//! - lookup: `DutyList::lookup(label, title + text)` for every message of
//!   `../shared/data/gov-messages/train.csv`, on the demo county's list (34 duties) and on a
//!   list 30 times its size; baseline: one `str::contains` per keyword of every duty, the
//!   least any keyword matcher must do.
//! - check: `TableCheck::read` + `finish` of a 5,000-row list; baseline: copying the same cells
//!   (the cost of touching the input once).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use jiceng_kernel::ids::{DutyId, DutyListId, UnitId};
use jiceng_orders::duty::{
    DutyList, DutyListInfo, DutyListStatus, DutyRules, TableCheck, Taxonomy, UnitDirectory,
};
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

const DEMO_LIST: &str = include_str!("../../jiceng/demo/duty-list.csv");

fn rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// Answers every unit name a check asks about.
fn directory(check: &TableCheck) -> UnitDirectory {
    let mut d = UnitDirectory::default();
    for n in check.unit_texts() {
        d.units
            .insert(n.clone(), vec![(UnitId(uuid::Uuid::now_v7()), n)]);
    }
    d.offices = check.office_names().into_iter().collect();
    d
}

fn build(rows: &[Vec<String>]) -> DutyList {
    let check = TableCheck::read(rows, &Taxonomy::builtin(), &DutyRules::default());
    let dir = directory(&check);
    let (duties, issues) = check.finish(&dir, || DutyId(uuid::Uuid::now_v7()));
    assert!(
        issues
            .iter()
            .all(|i| i.severity != jiceng_orders::duty::Severity::Error)
    );
    DutyList {
        info: DutyListInfo {
            id: DutyListId(uuid::Uuid::now_v7()),
            unit_id: UnitId(uuid::Uuid::now_v7()),
            version: 1,
            status: DutyListStatus::Effective,
            effective_date: None,
            created_by: None,
            created_at: chrono::DateTime::default(),
            published_at: None,
            duty_count: duties.len() as u32,
        },
        duties,
    }
}

/// The demo list with its rows repeated `times` times, matters numbered apart.
fn scaled(times: usize) -> Vec<Vec<String>> {
    let base = rows(DEMO_LIST);
    let mut out = vec![base[0].clone()];
    for t in 0..times {
        for r in &base[1..] {
            let mut r = r.clone();
            r[0] = format!("{}（{t}）", r[0]);
            out.push(r);
        }
    }
    out
}

/// Runs `f` over all inputs `rounds` times; per-second rate of single calls.
fn rate<T>(inputs: &[T], rounds: usize, mut f: impl FnMut(&T)) -> f64 {
    let start = Instant::now();
    for _ in 0..rounds {
        for x in inputs {
            f(x);
        }
    }
    (inputs.len() * rounds) as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let data =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/gov-messages/train.csv");
    let Ok(text) = std::fs::read_to_string(&data) else {
        println!("skipped: {} is absent", data.display());
        return;
    };
    let messages: Vec<(String, String)> = rows(&text)
        .into_iter()
        .skip(1)
        .filter(|r| r.len() >= 3)
        .map(|r| (r[0].clone(), format!("{} {}", r[1], r[2])))
        .collect();
    println!("# Responsibility lists (权责清单)\n");
    println!(
        "{} real messages of gov-messages/train.csv; one core, release build.\n",
        messages.len()
    );
    println!("| what | duties | per second | baseline per second | baseline |");
    println!("|---|---:|---:|---:|---|");
    for times in [1, 30] {
        let list = build(&scaled(times));
        let keywords: Vec<&String> = list.duties.iter().flat_map(|d| &d.keywords).collect();
        let rounds = if times == 1 { 20 } else { 2 };
        let ours = rate(&messages, rounds, |(label, t)| {
            black_box(list.lookup(label, t));
        });
        let base = rate(&messages, rounds, |(_, t)| {
            black_box(keywords.iter().filter(|k| t.contains(k.as_str())).count());
        });
        println!(
            "| lookup of one message | {} | {ours:.0} | {base:.0} | every keyword `contains` once |",
            list.duties.len()
        );
    }
    let big = scaled(5000 / 34 + 1);
    let big = &big[..5001];
    let tax = Taxonomy::builtin();
    let rules = DutyRules::default();
    let t = Instant::now();
    let check = TableCheck::read(big, &tax, &rules);
    let dir = directory(&check);
    let (duties, _) = check.finish(&dir, || DutyId(uuid::Uuid::now_v7()));
    let ours = t.elapsed().as_secs_f64();
    let t = Instant::now();
    black_box(big.to_vec());
    let base = t.elapsed().as_secs_f64();
    println!(
        "| check of a list file | {} | {:.0} rows | {:.0} rows | copying the cells once |",
        duties.len(),
        duties.len() as f64 / ours,
        duties.len() as f64 / base
    );
}
