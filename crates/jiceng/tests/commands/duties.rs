//! `jiceng import duties` and `jiceng export duties` on the real county 广安区 (its towns from
//! the shared administrative divisions), through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn divisions() -> Option<PathBuf> {
    let f = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/admin-divisions-cn/ok_data_level4.csv");
    if f.is_file() {
        Some(f)
    } else {
        println!("skipped: {} is absent", f.display());
        None
    }
}

/// Runs `jiceng ARGS --data-dir DIR/data`: (success, stdout, stderr).
fn jiceng(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jiceng"));
    cmd.current_dir(dir).env("RUST_LOG", "warn");
    for (k, _) in std::env::vars() {
        if k.starts_with("JICENG_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd
        .args(args)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `jiceng` with the words of `line` as arguments.
fn run(dir: &Path, line: &str) -> (bool, String, String) {
    let args: Vec<&str> = line.split_whitespace().collect();
    jiceng(dir, &args)
}

fn ok(r: (bool, String, String)) -> String {
    assert!(r.0, "failed:\nstdout: {}\nstderr: {}", r.1, r.2);
    r.1
}

const LIST: &str = "事项名称,分类编码,关键词,主办单位,协办单位,法律依据,签收时限,办理时限,回访时限,村级协助
违法建设查处,城乡建设/城乡规划/违章建筑,违建、加建,属地乡镇（街道）,属地社区（村）,《中华人民共和国城乡规划法》第六十五条,2工作小时,10个工作日,3个工作日,是
浓洄街道市容管理,城乡建设/城市建设和市政管理/环境卫生,垃圾,浓洄街道,属地网格,《城市市容和环境卫生管理条例》,8工作小时,3个工作日,,否
";

#[test]
fn import_publish_export_round_trip_and_bad_rows() {
    let Some(divisions) = divisions() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(jiceng(
        d,
        &[
            "import",
            "divisions",
            divisions.to_str().unwrap(),
            "--county",
            "511602",
        ],
    ));
    std::fs::write(d.join("list.csv"), LIST).unwrap();
    let out = ok(run(
        d,
        "import duties list.csv --unit 511602 --effective 2026-01-01",
    ));
    assert!(out.contains("version 1 with 2 duties"), "{out}");
    assert!(out.contains("published: 生效 from 2026-01-01"), "{out}");

    // Export → import → export gives the same file, through xlsx and through CSV.
    ok(run(d, "export duties --unit 广安区 --out v1.xlsx"));
    ok(run(d, "export duties --unit 511602 --out v1.csv"));
    ok(run(d, "import duties v1.xlsx --unit 511602"));
    ok(run(
        d,
        "export duties --unit 511602 --version 2 --out v2.csv",
    ));
    let v1 = std::fs::read(d.join("v1.csv")).unwrap();
    assert!(v1.starts_with(b"\xEF\xBB\xBF"));
    assert_eq!(v1, std::fs::read(d.join("v2.csv")).unwrap());
    assert_eq!(
        String::from_utf8(v1[3..].to_vec()).unwrap(),
        LIST,
        "the export is the layout the import reads"
    );

    // A GBK file from Excel on Chinese Windows, with an unknown unit on its third row.
    let bad = LIST.replace("浓洄街道,属地网格", "浓洄镇,属地网格");
    let (gbk, _, _) = encoding_rs::GBK.encode(&bad);
    std::fs::write(d.join("bad.csv"), &gbk).unwrap();
    let (success, stdout, stderr) = run(d, "import duties bad.csv --unit 511602");
    assert!(!success);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("第 3 行“主办单位”列（D 列）") && stderr.contains("浓洄镇"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"));
    assert!(stdout.contains("duty_list.unknown_unit"));
    let (success, _, stderr) = run(d, "export duties --unit 511602 --version 3 --out x.csv");
    assert!(
        !success && stderr.contains("no duty list version 3"),
        "{stderr}"
    );
}

#[test]
fn bad_arguments_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("list.csv"), LIST).unwrap();
    let (success, _, stderr) = run(
        d,
        "import duties list.csv --unit 511602 --effective 2026-02-30",
    );
    assert!(!success && stderr.contains("YYYY-MM-DD"), "{stderr}");
    let (success, _, stderr) = run(d, "import duties list.csv --unit 511602");
    assert!(!success && stderr.contains("unknown --unit"), "{stderr}");
    let (success, _, stderr) = run(d, "export duties --unit 1 --out x.pdf");
    assert!(!success && stderr.contains(".xlsx or .csv"), "{stderr}");
    let (success, _, stderr) = run(d, "import duties missing.csv --unit 1");
    assert!(!success && stderr.contains("missing.csv"), "{stderr}");
}
