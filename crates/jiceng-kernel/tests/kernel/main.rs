//! The kernel's integration tests, one binary: the work calendar, the error-code registry and
//! the access-policy table.
#![allow(clippy::panic)] // test helpers

mod access_policy;
mod calendar;
mod calendar_props;
mod error_codes;

/// Held by the tests that rewrite a generated table of README.md, so two rewrites in one run
/// do not undo each other.
static README: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Checks that README.md holds `generated` between `begin` and `end`, or with
/// `JICENG_UPDATE_README=1` writes it there. `what` names the table and `rerun` the command
/// that rewrites it, for the failure message.
fn readme_section(begin: &str, end: &str, generated: &str, what: &str, rerun: &str) {
    let _readme = README.lock().unwrap_or_else(|e| e.into_inner());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(&path).unwrap_or_default();
    let (Some(b), Some(e)) = (readme.find(begin), readme.find(end)) else {
        panic!("README.md has no section between {begin:?} and {end:?}");
    };
    if std::env::var_os("JICENG_UPDATE_README").is_some_and(|v| v == "1") {
        let updated = format!("{}{begin}{generated}{}", &readme[..b], &readme[e..]);
        if let Err(err) = std::fs::write(&path, updated) {
            panic!("cannot write README.md: {err}");
        }
        return;
    }
    assert!(
        readme[b + begin.len()..e] == *generated,
        "README.md's {what} differs; run JICENG_UPDATE_README=1 {rerun}"
    );
}
