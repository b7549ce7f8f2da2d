//! A reference to anything a deadline can run on (a work order, an application, a
//! rectification task, an acknowledgement, a report task): its kind and its id. Clocks and
//! escalation records are keyed by it, so every context shares one calendar, one ladder and
//! one sweeper without the shared part knowing the contexts.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use uuid::Uuid;

/// The kind of a subject: a short lower-case ASCII name (`work_order`). Each context names
/// its own kinds; the name is stored with every clock row and escalation record, so it must
/// never change once used.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SubjectKind(Cow<'static, str>);

impl SubjectKind {
    /// Work orders (工单).
    pub const WORK_ORDER: SubjectKind = SubjectKind::named("work_order");

    /// A kind fixed in the code. The name must satisfy [`SubjectKind::parse`]; it is checked
    /// at compile time when used in a `const`.
    pub const fn named(name: &'static str) -> Self {
        assert!(
            valid(name.as_bytes()),
            "subject kinds are lower-case ASCII names"
        );
        Self(Cow::Borrowed(name))
    }

    /// A stored kind: 1–40 lower-case ASCII letters, digits and `_`, starting with a letter.
    pub fn parse(name: &str) -> Option<Self> {
        valid(name.as_bytes()).then(|| Self(Cow::Owned(name.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

const fn valid(b: &[u8]) -> bool {
    if b.is_empty() || b.len() > 40 || !b[0].is_ascii_lowercase() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_') {
            return false;
        }
        i += 1;
    }
    true
}

impl fmt::Display for SubjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One subject: its kind and id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Subject {
    pub kind: SubjectKind,
    pub id: Uuid,
}

impl Subject {
    pub fn new(kind: SubjectKind, id: Uuid) -> Self {
        Self { kind, id }
    }

    pub fn work_order(id: crate::ids::OrderId) -> Self {
        Self::new(SubjectKind::WORK_ORDER, id.0)
    }

    /// The work order this subject is, if it is one.
    pub fn as_work_order(&self) -> Option<crate::ids::OrderId> {
        (self.kind == SubjectKind::WORK_ORDER).then_some(crate::ids::OrderId(self.id))
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_checked_names() {
        assert_eq!(SubjectKind::WORK_ORDER.as_str(), "work_order");
        assert_eq!(
            SubjectKind::parse("work_order"),
            Some(SubjectKind::WORK_ORDER)
        );
        for bad in ["", "Work", "1st", "a-b", "申请", &"a".repeat(41)] {
            assert_eq!(SubjectKind::parse(bad), None, "{bad:?}");
        }
    }
}
