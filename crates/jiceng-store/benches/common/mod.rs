//! Shared by the storage benchmarks.

use chrono::Utc;
use jiceng_core::ids::UnitId;
use jiceng_core::org::{OrgKind, OrgUnit, UnitPath};

/// A unit under `parent` (a root without), as the adapter stores it.
pub fn unit(parent: Option<&OrgUnit>, kind: OrgKind, name: String) -> OrgUnit {
    let id = UnitId(uuid::Uuid::now_v7());
    OrgUnit {
        id,
        parent_id: parent.map(|p| p.id),
        kind,
        name,
        code: None,
        path: parent.map_or_else(|| UnitPath::root(id), |p| p.path.child(id)),
        geometry: None,
        created_at: Utc::now(),
    }
}
