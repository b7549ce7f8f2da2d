//! The README's table of who may do what, against the access-policy table it documents.
//!
//! `JICENG_UPDATE_README=1 cargo test -p jiceng-kernel --test kernel access_policy::` rewrites it.

use jiceng_kernel::access::markdown_table;
use std::path::Path;

const BEGIN: &str =
    "<!-- access-policy:begin (generated from crates/jiceng-kernel/src/access.rs) -->\n";
const END: &str = "<!-- access-policy:end -->";

#[test]
fn the_readme_table_is_generated_from_the_policy() {
    let _readme = crate::README.lock().unwrap_or_else(|e| e.into_inner());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(&path).unwrap_or_default();
    let (Some(b), Some(e)) = (readme.find(BEGIN), readme.find(END)) else {
        panic!("README.md has no section between {BEGIN:?} and {END:?}");
    };
    let current = &readme[b + BEGIN.len()..e];
    let generated = markdown_table();
    if std::env::var_os("JICENG_UPDATE_README").is_some_and(|v| v == "1") {
        let updated = format!("{}{BEGIN}{generated}{}", &readme[..b], &readme[e..]);
        if let Err(err) = std::fs::write(&path, updated) {
            panic!("cannot write README.md: {err}");
        }
        return;
    }
    assert!(
        current == generated,
        "README.md's access-policy table differs from crates/jiceng-kernel/src/access.rs; run \
         JICENG_UPDATE_README=1 cargo test -p jiceng-kernel --test kernel access_policy::"
    );
}
