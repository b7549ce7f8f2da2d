//! What a retraining trains on, what it holds out, and when its model is refused.
//!
//! - **Own data**: archived orders with a category, and corrected orders (any state but
//!   merged) with the correction's category; categories are cut to the level of the model in
//!   use (`城乡建设/城乡规划/违章建筑` → `城乡建设` for a first-level model).
//! - **Holdout**: every fifth archived, uncorrected order of each category, in a fixed order
//!   (a hash of the order id), so the same data always gives the same split. Corrections are
//!   never held out: they are what the model must learn.
//! - **Shipped data**: when fewer than [`SMALL_OWN`] own examples remain for training, the
//!   shipped training data (if the trainer has any) joins them.
//! - **Refusal**: a model whose holdout macro-F1 is more than [`TOLERANCE`] below the active
//!   model's on the same holdout is stored but not activated, unless forced.

use super::{LabelledText, TrainingRow};
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use std::collections::BTreeMap;

/// One order in this many (per category) is held out.
pub const HOLDOUT_EVERY: usize = 5;
/// The fewest own labelled orders a retraining accepts.
pub const MIN_OWN: usize = 20;
/// The smallest holdout that scores anything.
pub const MIN_HOLDOUT: usize = 5;
/// Below this many own training examples the shipped training data joins them.
pub const SMALL_OWN: usize = 500;
/// How far below the active model's holdout macro-F1 a new model may score and still be
/// activated.
pub const TOLERANCE: f64 = 0.02;

/// The training set and the holdout of one retraining, with their counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub train: Vec<LabelledText>,
    pub holdout: Vec<LabelledText>,
    pub archived: u32,
    pub corrections: u32,
    pub base: u32,
}

/// How many levels the deepest of `labels` has (at least 1).
pub fn label_depth(labels: &[String]) -> usize {
    labels
        .iter()
        .map(|l| l.split('/').count())
        .max()
        .unwrap_or(1)
        .max(1)
}

/// A category code cut to its first `depth` levels.
pub fn at_depth(code: &str, depth: usize) -> String {
    code.split('/')
        .map(str::trim)
        .take(depth.max(1))
        .collect::<Vec<_>>()
        .join("/")
}

/// A stable, well-mixed key of an order id (splitmix64 of its two halves).
fn mix(id: uuid::Uuid) -> u64 {
    let v = id.as_u128();
    let mut z = (v as u64) ^ ((v >> 64) as u64).rotate_left(29);
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn too_little(message: String) -> Error {
    Error::new(codes::MODEL_TOO_LITTLE_DATA, message)
}

/// Splits the own rows into training and holdout and adds the shipped data when the own
/// training data is small. Categories are cut to `depth` levels.
pub fn plan(rows: &[TrainingRow], depth: usize, base: &[LabelledText]) -> Result<Plan> {
    if rows.len() < MIN_OWN {
        return Err(too_little(format!(
            "本单位已归档并有分类的工单和纠正记录共 {} 条，至少需要 {MIN_OWN} 条才能训练",
            rows.len()
        )));
    }
    let text = |r: &TrainingRow| LabelledText {
        label: at_depth(&r.label, depth),
        title: r.title.clone(),
        text: r.text.clone(),
    };
    let mut by_label: BTreeMap<String, Vec<&TrainingRow>> = BTreeMap::new();
    let mut out = Plan::default();
    for r in rows {
        if r.corrected {
            out.corrections += 1;
            out.train.push(text(r));
        } else {
            out.archived += 1;
            by_label
                .entry(at_depth(&r.label, depth))
                .or_default()
                .push(r);
        }
    }
    for group in by_label.values_mut() {
        group.sort_by_key(|r| (mix(r.order_id.0), r.order_id));
        for (i, r) in group.iter().enumerate() {
            if i % HOLDOUT_EVERY == HOLDOUT_EVERY - 1 {
                out.holdout.push(text(r));
            } else {
                out.train.push(text(r));
            }
        }
    }
    if out.holdout.len() < MIN_HOLDOUT {
        return Err(too_little(format!(
            "可留作检验的已归档工单只有 {} 条（每类每 {HOLDOUT_EVERY} 条留 1 条），至少需要 {MIN_HOLDOUT} 条",
            out.holdout.len()
        )));
    }
    if out.train.len() < SMALL_OWN {
        out.base = base.len() as u32;
        out.train.extend(base.iter().map(|b| LabelledText {
            label: at_depth(&b.label, depth),
            ..b.clone()
        }));
    }
    let mut labels: Vec<&str> = out.train.iter().map(|e| e.label.as_str()).collect();
    labels.sort_unstable();
    labels.dedup();
    if labels.len() < 2 {
        return Err(too_little(format!(
            "训练数据只有 {} 个类别，至少需要两个",
            labels.len()
        )));
    }
    Ok(out)
}

/// Why a model with holdout macro-F1 `new` is not activated in place of one with `active`;
/// `None` when it may be.
pub fn refusal(new: f64, active: f64, active_name: &str) -> Option<String> {
    (new < active - TOLERANCE).then(|| {
        format!(
            "新模型在留出检验集上的宏平均 F1 为 {new:.3}，低于当前模型（{active_name}）的 {active:.3} 超过 {TOLERANCE}，未启用；\
             确认要用时请强制启用"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiceng_kernel::ids::OrderId;

    fn row(i: u128, label: &str, corrected: bool) -> TrainingRow {
        TrainingRow {
            order_id: OrderId(uuid::Uuid::from_u128(i)),
            title: format!("标题{i}"),
            text: format!("内容{i}"),
            label: label.into(),
            corrected,
        }
    }

    #[test]
    fn holdout_is_a_fifth_of_each_category_and_never_a_correction() {
        let mut rows: Vec<TrainingRow> = (0..50)
            .map(|i| {
                row(
                    i,
                    if i % 2 == 0 {
                        "城乡建设/城乡规划"
                    } else {
                        "环境保护"
                    },
                    false,
                )
            })
            .collect();
        rows.extend((100..110).map(|i| row(i, "交通运输", true)));
        let p = plan(&rows, 1, &[]).unwrap();
        assert_eq!((p.archived, p.corrections, p.base), (50, 10, 0));
        assert_eq!(p.holdout.len(), 10);
        assert_eq!(p.train.len(), 50);
        assert!(p.holdout.iter().all(|h| h.label != "交通运输"));
        assert!(
            p.train.iter().all(|t| !t.label.contains('/')),
            "cut to depth 1"
        );
        assert_eq!(
            plan(&rows, 1, &[]).unwrap(),
            p,
            "the same data, the same split"
        );
    }

    #[test]
    fn small_data_takes_the_shipped_data_and_tiny_data_is_refused() {
        let rows: Vec<TrainingRow> = (0..30)
            .map(|i| row(i, if i % 3 == 0 { "a" } else { "b" }, false))
            .collect();
        let base = vec![LabelledText {
            label: "c/d".into(),
            title: String::new(),
            text: "x".into(),
        }];
        let p = plan(&rows, 1, &base).unwrap();
        assert_eq!(p.base, 1);
        assert!(p.train.iter().any(|t| t.label == "c"));
        let e = plan(&rows[..10], 1, &base).unwrap_err();
        assert_eq!(e.code, "model.too_little_data");
        let one: Vec<TrainingRow> = (0..30).map(|i| row(i, "a", false)).collect();
        assert_eq!(
            plan(&one, 1, &[]).unwrap_err().code,
            "model.too_little_data"
        );
    }

    #[test]
    fn clearly_worse_is_refused() {
        assert!(refusal(0.80, 0.81, "default").is_none());
        assert!(refusal(0.78, 0.81, "default").unwrap().contains("0.780"));
        assert_eq!(label_depth(&["a".into(), "b/c/d".into()]), 3);
        assert_eq!(at_depth("a/b/c", 2), "a/b");
    }
}
