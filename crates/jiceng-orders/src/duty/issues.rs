//! Problems found in a list file, and the policy checks a deployment may tune.

use serde::{Deserialize, Serialize};

/// The checks that are policy rather than format, configurable per deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DutyRules {
    /// Village-level assisting duties (村级协助事项) above this number draw a warning: the
    /// rule that villages assist in at most 30 matters. `None` turns the check off.
    pub max_village_assist: Option<usize>,
}

impl Default for DutyRules {
    fn default() -> Self {
        Self {
            max_village_assist: Some(30),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The list cannot be stored until this is fixed.
    Error,
    /// Stored anyway; someone should look.
    Warning,
}

/// One problem of an imported list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DutyIssue {
    /// Row in the file, 1-based, the header row included.
    pub row: u32,
    /// The column's header as the file has it, e.g. `主办单位`.
    pub column: String,
    pub severity: Severity,
    /// Stable code, e.g. `duty_list.unknown_unit`.
    pub code: String,
    /// What is wrong and what to do, in Chinese, naming the row and column.
    pub message: String,
}
