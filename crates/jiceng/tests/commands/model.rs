//! `jiceng model train|eval|cv` through the real binary, on the real labelled messages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers, too

use std::path::{Path, PathBuf};
use std::process::Command;

fn jiceng(args: &[&str]) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jiceng"));
    for (k, _) in std::env::vars() {
        if k.starts_with("JICENG_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd.args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn train_csv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/gov-messages/train.csv")
}

fn macro_f1(stdout: &str) -> f32 {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("macro-F1: "))
        .unwrap();
    line["macro-F1: ".len()..].trim().parse().unwrap()
}

/// The report every scoring command prints.
fn assert_report(stdout: &str) {
    for needle in [
        "precision",
        "recall",
        "confusion matrix",
        "5 城乡建设",
        "95%",
        "97%",
        "99%",
    ] {
        assert!(stdout.contains(needle), "{needle:?} not in\n{stdout}");
    }
}

#[test]
fn cv_on_the_real_messages_reaches_the_target() {
    let data = train_csv();
    let (ok, out, err) = jiceng(&[
        "model",
        "cv",
        "--data",
        data.to_str().unwrap(),
        "--folds",
        "5",
    ]);
    assert!(ok, "{err}");
    assert!(macro_f1(&out) >= 0.89, "{out}");
    assert_report(&out);
}

/// Every other message of train.csv, re-written with its columns in another order and a BOM.
fn derived_csv(dir: &Path) -> PathBuf {
    let mut rd = csv::Reader::from_path(train_csv()).unwrap();
    let path = dir.join("half.csv");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut bytes);
        w.write_record(["text", "title", "label"]).unwrap();
        for r in rd.records().step_by(2) {
            let r = r.unwrap();
            w.write_record([&r[2], &r[1], &r[0]]).unwrap();
        }
    }
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn train_then_eval_with_the_trained_and_the_built_in_model() {
    let dir = tempfile::tempdir().unwrap();
    let data = derived_csv(dir.path());
    let model = dir.path().join("m.jcm");
    let (d, m) = (data.to_str().unwrap(), model.to_str().unwrap());
    let tree = train_csv().with_file_name("taxonomy.csv");
    let t = tree.to_str().unwrap();
    let (ok, out, err) = jiceng(&["model", "train", "--data", d, "--taxonomy", t, "--out", m]);
    assert!(ok, "{err}");
    assert!(out.contains("trained on 1142 messages"), "{out}");
    let (ok, out, err) = jiceng(&["model", "eval", "--model", m, "--data", d]);
    assert!(ok, "{err}");
    assert!(macro_f1(&out) > 0.95, "training data is learnt: {out}");
    assert_report(&out);
    let (ok, out, err) = jiceng(&["model", "eval", "--data", d]);
    assert!(ok, "{err}");
    assert!(macro_f1(&out) > 0.95, "{out}");
}

#[test]
fn bad_inputs_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("bad.csv");
    std::fs::write(&csv, "label,text\n城乡建设,路灯不亮\n,井盖缺失\n").unwrap();
    let c = csv.to_str().unwrap();
    let one_line = |(ok, _, err): (bool, String, String), needles: &[&str]| {
        assert!(!ok);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        for n in needles {
            assert!(err.contains(n), "{n:?} not in {err}");
        }
    };
    one_line(
        jiceng(&["model", "cv", "--data", c]),
        &["第 3 行 label 列", "bad.csv"],
    );
    let model = dir.path().join("broken.jcm");
    std::fs::write(&model, b"JICENGCM\x01\x00\x00\x00garbage").unwrap();
    let m = model.to_str().unwrap();
    one_line(
        jiceng(&["model", "eval", "--model", m, "--data", c]),
        &["已损坏", "broken.jcm"],
    );
    let data = train_csv();
    let d = data.to_str().unwrap();
    one_line(
        jiceng(&["model", "cv", "--data", d, "--folds", "1"]),
        &["折数"],
    );
    one_line(
        jiceng(&["model", "eval", "--data", "/nonexistent.csv"]),
        &["无法读取"],
    );
}
