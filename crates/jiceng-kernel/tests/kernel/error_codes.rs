//! The error-code registry against the sources and the README: a code nothing produces is dead
//! API, a code listed twice is ambiguous, and a README table that drifted misleads clients.
//!
//! `JICENG_UPDATE_README=1 cargo test -p jiceng-kernel --test kernel error_codes::` rewrites the table.

use jiceng_kernel::error::{codes, markdown_table};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const BEGIN: &str =
    "<!-- error-codes:begin (generated from crates/jiceng-kernel/src/error/codes.rs) -->\n";
const END: &str = "<!-- error-codes:end -->";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The product code of every crate: test folders and `#[cfg(test)]` modules do not count as use.
fn product_sources(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if !matches!(name.to_str(), Some("tests" | "benches" | "target")) {
                product_sources(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs")
            && !path.ends_with("error/codes.rs")
            && let Ok(text) = std::fs::read_to_string(&path)
        {
            let product = text.split("#[cfg(test)]").next().unwrap_or_default();
            out.push((path, product.to_owned()));
        }
    }
}

fn mentions(text: &str, name: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

#[test]
fn every_registered_code_is_used_by_the_product() {
    let mut files = Vec::new();
    product_sources(&workspace().join("crates"), &mut files);
    assert!(files.len() > 50, "the workspace's sources were not found");
    let unused: Vec<_> = codes::NAMES
        .iter()
        .filter(|name| !files.iter().any(|(_, text)| mentions(text, name)))
        .collect();
    assert!(
        unused.is_empty(),
        "registered error codes no product code uses (remove them from codes.rs): {unused:?}"
    );
}

#[test]
fn no_code_is_listed_twice() {
    let mut seen = HashMap::new();
    let mut twice = Vec::new();
    for (code, name) in codes::ALL.iter().zip(codes::NAMES) {
        if let Some(first) = seen.insert(code.as_str(), name) {
            twice.push(format!("{} ({first} and {name})", code.as_str()));
        }
    }
    assert!(twice.is_empty(), "error codes listed twice: {twice:?}");
    assert_eq!(codes::ALL.len(), codes::NAMES.len());
}

#[test]
fn codes_are_stable_machine_strings() {
    for c in codes::ALL {
        let s = c.as_str();
        assert!(
            s.chars()
                .all(|ch| ch.is_ascii_lowercase() || ch == '_' || ch == '.'),
            "{s}: codes are lower-case words joined by _ and ."
        );
        assert!(
            c.default_message()
                .chars()
                .any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)),
            "{s}: the default message must be Chinese"
        );
    }
}

#[test]
fn the_readme_table_is_generated_from_the_registry() {
    crate::readme_section(
        BEGIN,
        END,
        &markdown_table(),
        "error-code table (crates/jiceng-kernel/src/error/codes.rs)",
        "cargo test -p jiceng-kernel --test kernel error_codes::",
    );
}
