//! Which chain an entry belongs to. A county's records (its orders, clocks, duty lists and
//! areas) go to the county's own chain; what belongs to no county (logins, users, units,
//! models, tokens) goes to the system chain. Chains have their own heads, so writers in two
//! counties never wait for each other. The one log written before chains existed is kept,
//! closed, as the `Closed` chain: read and verified, never appended to.

use crate::ids::CountyId;
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Chain {
    /// The single log of the time before chains, closed by migration 0019.
    Closed,
    /// Records about no county.
    System,
    County(CountyId),
}

/// The key of the system chain in the `county_id` column: the nil UUID. A county is the id
/// of a unit, a UUID v7, never nil; an empty string is not a key (some engines read it as
/// NULL).
pub const SYSTEM_KEY: Uuid = Uuid::nil();

impl Chain {
    /// The `county_id` of the chain's rows; `None` for the closed log, which has no key.
    pub fn key(self) -> Option<Uuid> {
        match self {
            Self::Closed => None,
            Self::System => Some(SYSTEM_KEY),
            Self::County(c) => Some(c.0),
        }
    }

    /// The chain of a stored key.
    pub fn from_key(key: Uuid) -> Self {
        if key == SYSTEM_KEY {
            Self::System
        } else {
            Self::County(CountyId(key))
        }
    }

    /// Parses the text form: `closed`, `system`, or a county's id.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "closed" => Some(Self::Closed),
            "system" => Some(Self::System),
            s => Uuid::parse_str(s).ok().map(Self::from_key),
        }
    }

    /// The chain in plain Chinese, for reports.
    pub fn describe_zh(self) -> String {
        match self {
            Self::Closed => "分链前的审计日志（已封存）".to_owned(),
            Self::System => "系统审计链".to_owned(),
            Self::County(c) => format!("县（区）{c} 的审计链"),
        }
    }
}

impl fmt::Display for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Closed => f.write_str("closed"),
            Self::System => f.write_str("system"),
            Self::County(c) => c.0.fmt(f),
        }
    }
}

impl Serialize for Chain {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Chain {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s)
            .ok_or_else(|| serde::de::Error::custom("a chain is closed, system or a county id"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_keys_round_trip() {
        let c = Chain::County(CountyId(Uuid::from_u128(7)));
        for chain in [Chain::Closed, Chain::System, c] {
            assert_eq!(Chain::parse(&chain.to_string()), Some(chain));
        }
        assert_eq!(Chain::System.key(), Some(Uuid::nil()));
        assert_eq!(Chain::from_key(Uuid::nil()), Chain::System);
        assert_eq!(c.key().map(Chain::from_key), Some(c));
        assert_eq!(Chain::Closed.key(), None);
        assert_eq!(Chain::parse("nope"), None);
    }
}
