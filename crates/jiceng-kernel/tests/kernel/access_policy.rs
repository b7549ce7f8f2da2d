//! The README's table of who may do what, against the access-policy table it documents.
//!
//! `JICENG_UPDATE_README=1 cargo test -p jiceng-kernel --test kernel access_policy::` rewrites it.

use jiceng_kernel::access::markdown_table;

const BEGIN: &str =
    "<!-- access-policy:begin (generated from crates/jiceng-kernel/src/access.rs) -->\n";
const END: &str = "<!-- access-policy:end -->";

#[test]
fn the_readme_table_is_generated_from_the_policy() {
    crate::readme_section(
        BEGIN,
        END,
        &markdown_table(),
        "access-policy table (crates/jiceng-kernel/src/access.rs)",
        "cargo test -p jiceng-kernel --test kernel access_policy::",
    );
}
