//! One `jiceng demo` run shared by the tests that need a seeded county: seeding takes the
//! binary a minute unoptimised, so it runs once per test process and each test works on its
//! own copy of the seeded data directory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers, too

use chrono::{DateTime, Utc};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;
use tempfile::TempDir;

/// The first seeding: its data directory and what it printed.
pub struct Seeded {
    dir: TempDir,
    /// When the seeding started.
    pub started: DateTime<Utc>,
    pub stdout: String,
}

/// Runs `jiceng demo --data-dir DATA` with no `JICENG_*` variables inherited from the caller's
/// shell, asserts it succeeded and returns its standard output.
pub fn seed(data: &Path) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jiceng"));
    for (k, _) in std::env::vars() {
        if k.starts_with("JICENG_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd
        .args(["demo", "--data-dir"])
        .arg(data)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The shared seeding, run by the first test that asks for it; the others wait for it.
pub fn seeded() -> &'static Seeded {
    static SEEDED: OnceLock<Seeded> = OnceLock::new();
    SEEDED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let started = Utc::now();
        let stdout = seed(&dir.path().join("data"));
        Seeded {
            dir,
            started,
            stdout,
        }
    })
}

/// Copies the seeded data directory to `to`, which must not exist yet.
pub fn copy_seeded(to: &Path) {
    copy_dir(&seeded().dir.path().join("data"), to);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
