//! The category tree duties are filed under. A category code is the path of names from the
//! first level down, joined by `/`: `城乡建设`, `城乡建设/城乡规划/违章建筑`. The classifier
//! predicts first-level codes; a duty may name any level.

use std::collections::BTreeSet;

/// The official three-level tree, derived from the real message taxonomy (see the file's header).
const BUILTIN: &str = include_str!("taxonomy.txt");

/// The separator between the levels of a category code.
pub const SEPARATOR: char = '/';

/// A set of known category codes, closed under parents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Taxonomy {
    codes: BTreeSet<String>,
}

impl Taxonomy {
    /// The built-in tree: 15 first-level, their second- and third-level categories.
    pub fn builtin() -> Self {
        Self::from_lines(BUILTIN)
    }

    /// One code per line (`#` starts a comment); every parent of a code is known too.
    pub fn from_lines(text: &str) -> Self {
        let mut t = Self::default();
        for line in text.lines().map(str::trim) {
            if !line.is_empty() && !line.starts_with('#') {
                t.insert(line);
            }
        }
        t
    }

    /// Adds a code and its parents.
    pub fn insert(&mut self, code: &str) {
        let mut path = String::new();
        for part in code.split(SEPARATOR).map(str::trim) {
            if part.is_empty() {
                return;
            }
            if !path.is_empty() {
                path.push(SEPARATOR);
            }
            path.push_str(part);
            self.codes.insert(path.clone());
        }
    }

    pub fn contains(&self, code: &str) -> bool {
        self.codes.contains(code)
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// Every code, in code order.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.codes.iter().map(String::as_str)
    }

    /// First-level codes, in code order.
    pub fn first_level(&self) -> impl Iterator<Item = &str> {
        self.codes
            .iter()
            .filter(|c| !c.contains(SEPARATOR))
            .map(String::as_str)
    }

    /// The known code a clerk most likely meant: the input with its levels trimmed and joined
    /// by `/` (full-width `／`, `>` and `＞` are accepted as separators too).
    pub fn normalize(&self, raw: &str) -> Option<String> {
        let code = normalize_code(raw);
        self.contains(&code).then_some(code)
    }
}

/// Writes a category code in its canonical form, whatever separator the file used.
pub fn normalize_code(raw: &str) -> String {
    raw.split(['/', '／', '>', '＞'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

/// The parent of a code, `None` at the first level.
pub fn parent(code: &str) -> Option<&str> {
    code.rfind(SEPARATOR).map(|i| &code[..i])
}

/// How many levels `ancestor` lies above `code` (0 when equal), or `None` when it is not one.
pub fn levels_above(ancestor: &str, code: &str) -> Option<usize> {
    if ancestor == code {
        return Some(0);
    }
    let rest = code.strip_prefix(ancestor)?.strip_prefix(SEPARATOR)?;
    Some(rest.matches(SEPARATOR).count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_tree_has_three_levels() {
        let t = Taxonomy::builtin();
        assert_eq!(t.first_level().count(), 15);
        assert!(t.contains("城乡建设"));
        assert!(t.contains("城乡建设/城乡规划"));
        assert!(t.contains("城乡建设/城乡规划/违章建筑"));
        assert!(!t.contains("城乡建设/违章建筑"));
        assert_eq!(
            t.normalize(" 城乡建设 ／城乡规划> 违章建筑").as_deref(),
            Some("城乡建设/城乡规划/违章建筑")
        );
    }

    #[test]
    fn ancestry() {
        assert_eq!(parent("a/b/c"), Some("a/b"));
        assert_eq!(parent("a"), None);
        assert_eq!(levels_above("a", "a/b/c"), Some(2));
        assert_eq!(levels_above("a/b", "a/b"), Some(0));
        assert_eq!(levels_above("a/b", "a/bc"), None);
    }
}
