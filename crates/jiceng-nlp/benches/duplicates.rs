//! Duplicate detection on the real message board: the intake rule (window, place, text
//! similarity) measured on the pair sample and on the whole board replayed in time order,
//! with the cost of sketching and comparing. Writes Markdown (`make bench` keeps it in
//! `bench/out/duplicates.md`). Proposed pairs that are neither of one subject line nor
//! judged in `tests/data/duplicate-judgments.csv` are listed at the end for judging.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

#[path = "../tests/common/mod.rs"]
mod common;

use jiceng_nlp::dedup::MinHash;
use jiceng_nlp::dedup_eval::{Judgments, Sample, pair_sample, read_judgments, stream};
use jiceng_orders::duplicates::{DuplicateSettings, TextSketcher};
use std::path::Path;
use std::time::Instant;

fn judgments() -> Judgments {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/duplicate-judgments.csv");
    read_judgments(&path).unwrap()
}

fn main() {
    let t = Instant::now();
    let sample = Sample::new(common::board_messages());
    let sketch_s = t.elapsed().as_secs_f64();
    let j = judgments();
    let d = DuplicateSettings::default();
    let n = sample.msgs.len();
    println!("# Duplicate detection on real messages\n");
    println!(
        "{n} messages of the 2020 TipDM Cup message board (problem C), {} without a readable time; \
         {} judged pairs. Defaults: threshold {}, window {} days, radius {} m (the board has no \
         coordinates).\n",
        sample.untimed,
        j.len(),
        d.threshold,
        d.window_days,
        d.radius_m
    );
    println!("## Pair sample (subject-line labels)\n");
    println!("| threshold | text only P / R | + window P / R | + window + place P / R |");
    println!("|---|---|---|---|");
    let no_window = DuplicateSettings {
        window_days: 3650,
        ..d.clone()
    };
    for th in [0.3f32, 0.4, 0.5, 0.6] {
        let with = |s: &DuplicateSettings| DuplicateSettings {
            threshold: th,
            ..s.clone()
        };
        let a = pair_sample(&sample, &with(&no_window), false);
        let b = pair_sample(&sample, &with(&d), false);
        let c = pair_sample(&sample, &with(&d), true);
        println!(
            "| {th:.1} | {:.3} / {:.3} | {:.3} / {:.3} | {:.3} / {:.3} |",
            a.precision(),
            a.recall(),
            b.precision(),
            b.recall(),
            c.precision(),
            c.recall()
        );
    }
    let pairs = jiceng_nlp::board::duplicate_pairs(&sample.msgs);
    let pos = pairs.iter().filter(|p| p.2).count();
    println!("\n{} pairs, {pos} of one subject line.\n", pairs.len());

    println!("## The board replayed as intake\n");
    println!(
        "Each message is checked against every earlier message within the window; precision is \
         over the proposed pairs (same subject line, or judged by reading both texts), recall \
         over all pairs of one subject line on the board.\n"
    );
    println!(
        "| window | place | threshold | proposed | same subject | judged same | judged different | unjudged | precision | recall | messages with candidates |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let mut unjudged = Vec::new();
    let t = Instant::now();
    let mut runs = 0;
    for (days, th) in [
        (7, 0.4f32),
        (30, 0.4),
        (90, 0.4),
        (30, 0.5),
        (30, 0.6),
        (30, 0.7),
    ] {
        for places in [false, true] {
            let s = DuplicateSettings {
                window_days: days,
                threshold: th,
                ..d.clone()
            };
            let r = stream(&sample, &j, &s, places);
            runs += 1;
            println!(
                "| {days} d | {} | {th:.1} | {} | {} | {} | {} | {} | {:.3} | {:.3} ({}/{}) | {} of {} |",
                if places { "district named" } else { "—" },
                r.proposed,
                r.same_subject,
                r.judged_same,
                r.judged_different,
                r.unjudged.len(),
                r.precision(),
                r.recall(),
                r.subject_pairs_found,
                r.subject_pairs,
                r.with_candidates,
                r.messages
            );
            for p in r.unjudged {
                if !unjudged.contains(&p) {
                    unjudged.push(p);
                }
            }
        }
    }
    let stream_s = t.elapsed().as_secs_f64() / f64::from(runs);
    let t = Instant::now();
    let mut hits = 0usize;
    let k = sample.bare.len().min(2000);
    for a in &sample.bare[..200] {
        for b in &sample.bare[..k] {
            hits += usize::from(MinHash.similarity(&a.sketch, &b.sketch) >= d.threshold);
        }
    }
    let per_cmp = t.elapsed().as_secs_f64() / (200 * k) as f64;
    println!("\n## Cost\n");
    println!("| measure | value |\n|---|---|");
    println!("| sketches per second | {:.0} |", n as f64 / sketch_s);
    println!(
        "| one order against {k} stored sketches | {:.3} ms ({hits} matches in 200 checks) |",
        per_cmp * k as f64 * 1000.0
    );
    println!("| one replay of the board | {stream_s:.2} s |");
    if !unjudged.is_empty() {
        println!("\n## Proposed pairs not judged\n");
        println!("| a | b | subject a | subject b |\n|---|---|---|---|");
        for (a, b) in unjudged {
            let (x, y) = (&sample.msgs[a], &sample.msgs[b]);
            println!("| {} | {} | {} | {} |", x.id, y.id, x.title, y.title);
        }
    }
}
