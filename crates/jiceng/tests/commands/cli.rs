//! Runs the real `jiceng` binary against a fresh data directory per test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers, too

use crate::demo;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary with no `JICENG_*` variables inherited from the caller's shell.
fn jiceng(cwd: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jiceng"));
    cmd.current_dir(cwd).env("RUST_LOG", "warn");
    for (k, _) in std::env::vars() {
        if k.starts_with("JICENG_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().unwrap();
    Run {
        ok: status.success(),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

/// Runs `jiceng ARGS --data-dir DIR/data`.
fn with_data(dir: &Path, args: &[&str]) -> Run {
    let data = dir.join("data");
    run(jiceng(dir).args(args).arg("--data-dir").arg(&data))
}

fn expect_ok(r: &Run) {
    assert!(r.ok, "failed:\nstdout: {}\nstderr: {}", r.stdout, r.stderr);
}

/// A failure: non-zero exit and one line on stderr containing every `needle`.
fn expect_err(r: &Run, needles: &[&str]) {
    assert!(!r.ok, "unexpected success: {}", r.stdout);
    assert_eq!(
        r.stderr.trim().lines().count(),
        1,
        "not one line: {}",
        r.stderr
    );
    for n in needles {
        assert!(r.stderr.contains(n), "{n:?} not in {:?}", r.stderr);
    }
}

#[test]
fn help_lists_the_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(jiceng(dir.path()).arg("--help"));
    expect_ok(&r);
    for sub in ["serve", "migrate", "demo", "user", "import"] {
        assert!(r.stdout.contains(sub), "{sub} missing from {}", r.stdout);
    }
}

#[test]
fn demo_seeds_once_and_reports_counts() {
    let first = &demo::seeded().stdout;
    for s in [
        "seeded the demo county 广安区 (511602000000)",
        "1 区县 (county)",
        "19 乡镇 (town)",
        "6 街道 (street)",
        "93 社区 (community)",
        "239 村 (village)",
        "网格 (grid)",
        "62 部门 (department)",
        "11 users",
        "handler2",
        "浓洄街道翠屏路社区第1网格",
        "jiceng-demo",
    ] {
        assert!(first.contains(s), "{s:?} not in {first}");
    }
    let dir = tempfile::tempdir().unwrap();
    demo::copy_seeded(&dir.path().join("data"));
    assert!(dir.path().join("data").join("jiceng.db").is_file());

    let again = with_data(dir.path(), &["demo"]);
    expect_ok(&again);
    assert!(again.stdout.contains("already has"), "{}", again.stdout);
    assert!(again.stdout.contains("nothing changed"), "{}", again.stdout);
    assert!(again.stdout.contains("handler2"), "{}", again.stdout);

    let list = with_data(dir.path(), &["user", "list"]);
    expect_ok(&list);
    // One per role, a second handler, and 23 department staff.
    assert!(list.stdout.contains("34 user(s)"), "{}", list.stdout);
}

#[test]
fn user_add_then_list_then_set_password() {
    let dir = tempfile::tempdir().unwrap();
    demo::copy_seeded(&dir.path().join("data"));
    let add = with_data(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "zhangsan",
            "--name",
            "张三",
            "--role",
            "unit_handler",
            "--unit",
            "511602001",
            "--role",
            "supervisor",
            "--unit",
            "广安区民政局",
            "--phone",
            "13900001111",
        ],
    );
    expect_ok(&add);
    assert!(add.stdout.contains("password: "), "{}", add.stdout);
    let list = with_data(dir.path(), &["user", "list"]);
    expect_ok(&list);
    let line = list
        .stdout
        .lines()
        .find(|l| l.starts_with("zhangsan"))
        .unwrap_or_else(|| panic!("zhangsan not listed: {}", list.stdout));
    assert!(line.contains("张三"), "{line}");
    assert!(line.contains("unit_handler@浓洄街道"), "{line}");
    assert!(line.contains("supervisor@广安区民政局"), "{line}");

    let set = with_data(
        dir.path(),
        &[
            "user",
            "set-password",
            "--username",
            "zhangsan",
            "--password",
            "new-pass-2026",
        ],
    );
    expect_ok(&set);
    assert!(!set.stdout.contains("password: "), "{}", set.stdout);
}

#[test]
fn bad_user_input_gives_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    demo::copy_seeded(&dir.path().join("data"));
    let add = |role: &str, unit: &str, extra: &[&str]| {
        let mut args = vec![
            "user",
            "add",
            "--username",
            "lisi",
            "--name",
            "李四",
            "--role",
            role,
            "--unit",
            unit,
        ];
        args.extend_from_slice(extra);
        with_data(dir.path(), &args)
    };
    expect_err(
        &add("root", "511602", &[]),
        &["--role", "\"root\"", "hotline_operator"],
    );
    expect_err(
        &add("citizen", "999999999999", &[]),
        &["--unit", "999999999999"],
    );
    expect_err(
        &add("citizen", "511602", &["--password", "short"]),
        &["--password"],
    );
    expect_err(
        &add("citizen", "511602", &["--role", "dispatcher"]),
        &["--role", "--unit"],
    );
    expect_err(
        &add("citizen", "511602", &["--phone", "call me"]),
        &["--phone"],
    );
    expect_err(
        &with_data(
            dir.path(),
            &[
                "user",
                "add",
                "--username",
                "admin",
                "--name",
                "重名",
                "--role",
                "citizen",
                "--unit",
                "511602",
            ],
        ),
        &["--username", "user.duplicate_username"],
    );
    expect_err(
        &with_data(
            dir.path(),
            &["user", "set-password", "--username", "nobody"],
        ),
        &["--username", "nobody"],
    );
}

#[test]
fn print_config_redacts_and_layers() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("never-created");
    let file = dir.path().join("jiceng.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:7000\"\nbody_limit = 4096\n").unwrap();
    let print = |extra: &[&str]| {
        let mut cmd = jiceng(dir.path());
        cmd.args(["serve", "--print-config", "--data-dir"])
            .arg(&data)
            .args(extra)
            .env("JICENG_CONFIG", &file)
            .env(
                "JICENG_DATABASE_URL",
                "postgres://envuser:envpass@envhost/jiceng",
            )
            .env("JICENG_LISTEN", "127.0.0.1:9000");
        run(&mut cmd)
    };
    let env_only = print(&[]);
    expect_ok(&env_only);
    let out = &env_only.stdout;
    assert!(
        out.contains("postgres://envuser:***@envhost/jiceng"),
        "{out}"
    );
    assert!(!out.contains("envpass"), "{out}");
    assert!(
        out.contains("listen = \"127.0.0.1:9000\""),
        "env beats file: {out}"
    );
    assert!(
        out.contains("body_limit = 4096"),
        "file beats defaults: {out}"
    );
    assert!(out.contains("secure_cookies = true"), "{out}");

    let flags = print(&[
        "--database-url",
        "postgres://jiceng:s3cret@db.example:5432/jiceng",
        "--listen",
        "127.0.0.1:9001",
        "--insecure-cookies",
    ]);
    expect_ok(&flags);
    let out = &flags.stdout;
    assert!(
        out.contains("postgres://jiceng:***@db.example:5432/jiceng"),
        "{out}"
    );
    assert!(!out.contains("s3cret") && !out.contains("envpass"), "{out}");
    assert!(
        out.contains("listen = \"127.0.0.1:9001\""),
        "flag beats env: {out}"
    );
    assert!(out.contains("secure_cookies = false"), "{out}");
    assert!(
        !data.exists(),
        "--print-config must not create the data directory"
    );

    let plain = run(jiceng(dir.path()).args(["serve", "--print-config"]));
    expect_ok(&plain);
    assert!(
        plain
            .stdout
            .contains("sqlite://./jiceng-data/jiceng.db?mode=rwc"),
        "{}",
        plain.stdout
    );
    expect_err(
        &run(jiceng(dir.path()).args(["serve", "--print-config", "--config", "missing.toml"])),
        &["missing.toml"],
    );
}

fn shared_data() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/admin-divisions-cn");
    if dir.join("ok_data_level4.csv").is_file() {
        Some(dir)
    } else {
        println!("skipped: {} is absent", dir.display());
        None
    }
}

/// Writes the header, a few rows of other places and every row of 广安区 from the real files.
fn real_slices(src: &Path, out: &Path) -> (PathBuf, PathBuf) {
    use std::io::{Read, Write};
    let all = std::fs::read_to_string(src.join("ok_data_level4.csv")).unwrap();
    let lines: Vec<&str> = all.lines().collect();
    let mut divisions: Vec<&str> = lines[..6].to_vec();
    divisions.extend(
        lines
            .iter()
            .filter(|l| l.starts_with("511602,") || l.contains(",511602,3,")),
    );
    let div_path = out.join("divisions.csv");
    std::fs::write(&div_path, divisions.join("\n") + "\n").unwrap();

    let mut gz = flate2::read::GzDecoder::new(
        std::fs::File::open(src.join("nbs-2023/villages.csv.gz")).unwrap(),
    );
    let mut text = String::new();
    gz.read_to_string(&mut text).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut villages: Vec<&str> = lines[..4].to_vec();
    villages.extend(lines.iter().filter(|l| l.ends_with(",511602")));
    let vil_path = out.join("villages.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&vil_path).unwrap(),
        flate2::Compression::fast(),
    );
    enc.write_all((villages.join("\n") + "\n").as_bytes())
        .unwrap();
    enc.finish().unwrap();
    (div_path, vil_path)
}

#[test]
fn import_real_divisions_is_idempotent() {
    let Some(src) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (divs, vils) = real_slices(&src, dir.path());
    let import = |county: &str| {
        let data = dir.path().join("data");
        run(jiceng(dir.path())
            .args(["import", "divisions"])
            .arg(&divs)
            .args(["--county", county, "--villages"])
            .arg(&vils)
            .arg("--data-dir")
            .arg(&data))
    };
    let first = import("511602");
    expect_ok(&first);
    for s in [
        "广安区 (511602000000) with 25 towns/streets",
        "332 villages/communities",
        "created 358: 1 区县 (county), 19 乡镇 (town), 6 街道 (street), 93 社区 (community), 239 村 (village)",
        "skipped 0",
    ] {
        assert!(first.stdout.contains(s), "{s:?} not in {}", first.stdout);
    }
    let again = import("511602000000");
    expect_ok(&again);
    assert!(again.stdout.contains("created 0"), "{}", again.stdout);
    assert!(again.stdout.contains("skipped 358"), "{}", again.stdout);

    expect_err(&import("511621"), &["511621", "not found"]);
    expect_err(&import("5116"), &["--county", "5116"]);
}

const HEADER: &str = "\u{feff}id,pid,deep,name,pinyin_prefix,pinyin,ext_id,ext_name\n\
    5116,51,1,\"广安\",\"g\",\"guang an\",\"511600000000\",\"广安市\"\n\
    511602,5116,2,\"广安区\",\"g\",\"guang an qu\",\"511602000000\",\"广安区\"\n\
    511602001,511602,3,\"浓洄\",\"n\",\"nong hui\",\"511602001000\",\"浓洄街道\"\n";

#[test]
fn import_with_a_bad_row_names_it_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    let import = |file: &Path| {
        with_data(
            dir.path(),
            &[
                "import",
                "divisions",
                file.to_str().unwrap(),
                "--county",
                "511602",
            ],
        )
    };
    let town = "511602101,511602,3,\"官盛\",\"g\",\"guan sheng\",\"51160210100X\",\"官盛镇\"\n";
    std::fs::write(&bad, format!("{HEADER}{town}")).unwrap();
    expect_err(
        &import(&bad),
        &["bad.csv", "line 5", "ext_id", "51160210100X"],
    );

    std::fs::write(
        &bad,
        format!("{HEADER}5116021,511602,x,\"a\",\"a\",\"a\",\"511602102000\",\"a镇\"\n"),
    )
    .unwrap();
    expect_err(&import(&bad), &["line 5", "deep"]);

    std::fs::write(&bad, format!("{HEADER}511602103,511602,3,\"浓溪\"\n")).unwrap();
    expect_err(&import(&bad), &["line 5", "fields"]);

    let good = dir.path().join("good.csv");
    std::fs::write(&good, format!("{HEADER}{}", town.replace("X", "0"))).unwrap();
    let ok = import(&good);
    expect_ok(&ok);
    assert!(
        ok.stdout.contains("created 3"),
        "nothing before: {}",
        ok.stdout
    );
    assert!(ok.stdout.contains("skipped 0"), "{}", ok.stdout);
}
