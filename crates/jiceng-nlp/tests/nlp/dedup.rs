//! Near-duplicate detection on real messages: precision and recall on pairs derived from
//! the message board (see `common::duplicate_pairs`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use crate::common;

use jiceng_nlp::dedup::DEFAULT_THRESHOLD;
use jiceng_nlp::{Fingerprint, similarity};

#[test]
fn same_matter_pairs_are_found_and_different_ones_are_not() {
    let msgs = common::board_messages();
    let pairs = common::duplicate_pairs(&msgs);
    let prints: Vec<Fingerprint> = msgs.iter().map(|m| Fingerprint::of(&m.text)).collect();
    let positives = pairs.iter().filter(|p| p.2).count();
    assert!(
        positives > 150 && pairs.len() > 1000,
        "sample too small: {}",
        pairs.len()
    );
    for t in [0.3f32, 0.4, 0.5, 0.6, 0.7, 0.8] {
        let (mut tp, mut fp, mut fneg) = (0, 0, 0);
        for &(i, j, same) in &pairs {
            let hit = similarity(&prints[i], &prints[j]) >= t;
            match (hit, same) {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, true) => fneg += 1,
                _ => {}
            }
        }
        let p = tp as f32 / (tp + fp).max(1) as f32;
        let r = tp as f32 / (tp + fneg).max(1) as f32;
        println!(
            "threshold {t:.1}: precision {p:.3} recall {r:.3} ({} pairs, {positives} same)",
            pairs.len()
        );
        if (t - DEFAULT_THRESHOLD).abs() < 1e-6 {
            assert!(p >= 0.95 && r >= 0.8, "precision {p} recall {r}");
        }
    }
}

#[test]
fn odd_texts_compare_without_panicking() {
    let empty = Fingerprint::of("");
    assert!(empty.is_empty());
    assert_eq!(similarity(&empty, &empty), 0.0);
    let a = Fingerprint::of("小区井盖缺失，夜间行人容易摔倒");
    assert_eq!(similarity(&a, &a), 1.0);
    assert_eq!(similarity(&a, &empty), 0.0);
    let b = Fingerprint::of("小区井盖缺失，夜间行人容易摔倒！！请尽快处理");
    let c = Fingerprint::of("学校食堂饭菜价格过高，学生负担重");
    assert!(similarity(&a, &b) > similarity(&a, &c));
    let long = "😀投诉A3区道路 road 施工噪音扰民。".repeat(4000);
    let l = Fingerprint::of(&long);
    assert!(similarity(&l, &Fingerprint::from_slice(l.as_slice())) == 1.0);
    assert_eq!(Fingerprint::of("一"), Fingerprint::of("一"));
}

/// The intake rule on the board replayed in time order, with the judged pairs: every pair
/// proposed at the defaults is labelled, and precision and recall stay where they were
/// measured (`make bench` reports them in full).
#[test]
fn the_board_replayed_through_the_intake_rule() {
    use jiceng_nlp::dedup_eval::{Sample, read_judgments, stream};
    use jiceng_orders::duplicates::DuplicateSettings;
    let sample = Sample::new(common::board_messages());
    let judged = read_judgments(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/duplicate-judgments.csv"),
    )
    .unwrap();
    let d = DuplicateSettings::default();
    for places in [false, true] {
        let r = stream(&sample, &judged, &d, places);
        println!(
            "places {places}: {} proposed, precision {:.3}, recall {:.3}",
            r.proposed,
            r.precision(),
            r.recall()
        );
        assert!(r.unjudged.is_empty(), "judge these pairs: {:?}", r.unjudged);
        assert!(r.precision() >= 0.95, "{}", r.precision());
        assert!(r.recall() >= 0.78, "{}", r.recall());
    }
}
