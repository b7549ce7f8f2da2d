//! Errors of reading boundary files: each names the feature (index and name/code) so a clerk
//! can find it in the source file.

use jiceng_kernel::error::Code;
use jiceng_kernel::error::codes;
use std::fmt;

/// What is wrong with one feature, or with the file as a whole (`feature: None`).
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureError {
    /// Zero-based index in the `features` array.
    pub feature: Option<usize>,
    /// The feature's name and/or code, when it has them.
    pub label: Option<String>,
    /// Stable machine code, e.g. `geo.self_intersection`.
    pub code: Code,
    /// Chinese message a clerk can act on.
    pub message: String,
}

impl fmt::Display for FeatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.feature, &self.label) {
            (Some(i), Some(l)) => write!(f, "第 {} 个要素（{l}）：", i + 1)?,
            (Some(i), None) => write!(f, "第 {} 个要素：", i + 1)?,
            _ => {}
        }
        write!(f, "{} ({})", self.message, self.code)
    }
}

/// Every problem found in a file; reading stops after [`GeoError::MAX_LISTED`] of them.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct GeoError {
    pub problems: Vec<FeatureError>,
    /// Problems found beyond those listed.
    pub more: usize,
}

impl GeoError {
    pub const MAX_LISTED: usize = 20;

    pub fn file(code: Code, message: impl Into<String>) -> Self {
        Self {
            problems: vec![FeatureError {
                feature: None,
                label: None,
                code,
                message: message.into(),
            }],
            more: 0,
        }
    }

    /// The code of the first problem, for callers that map errors to one code.
    pub fn code(&self) -> Code {
        self.problems.first().map_or(codes::GEO_INVALID, |p| p.code)
    }

    pub(crate) fn push(&mut self, p: FeatureError) {
        if self.problems.len() < Self::MAX_LISTED {
            self.problems.push(p);
        } else {
            self.more += 1;
        }
    }
}

impl fmt::Display for GeoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        if self.more > 0 {
            write!(f, "\n……另有 {} 处问题未列出", self.more)?;
        }
        Ok(())
    }
}
