//! Row types and encodings shared by both backends.

use chrono::{DateTime, Utc};
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::{UnitId, UserId};
use jiceng_kernel::org::{OrgKind, OrgUnit, UnitPath};
use jiceng_kernel::user::{Role, RoleGrant, User};
use sqlx::types::Json;
use uuid::Uuid;

/// Instants are stored as microseconds since the Unix epoch.
pub(crate) fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub(crate) fn from_micros(v: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(v).unwrap_or_default()
}

/// A `LIKE` pattern matching `s` anywhere, with the wildcards in `s` escaped (use `ESCAPE '\'`).
pub(crate) fn contains_pattern(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

pub(crate) fn corrupt(what: &str, value: &str) -> Error {
    tracing::error!(what, value, "unreadable value in database");
    Error::internal("数据库中存在无法识别的数据")
}

#[derive(sqlx::FromRow)]
pub(crate) struct UnitRow {
    id: Uuid,
    parent_id: Option<Uuid>,
    kind: String,
    name: String,
    code: Option<String>,
    path: String,
    geometry: Option<Json<serde_json::Value>>,
    created_at: i64,
}

pub(crate) const UNIT_COLUMNS: &str = "id, parent_id, kind, name, code, path, geometry, created_at";

impl UnitRow {
    pub(crate) fn into_unit(self) -> Result<OrgUnit> {
        Ok(OrgUnit {
            id: UnitId(self.id),
            parent_id: self.parent_id.map(UnitId),
            kind: OrgKind::parse(&self.kind).ok_or_else(|| corrupt("org kind", &self.kind))?,
            name: self.name,
            code: self.code,
            path: UnitPath::from_stored(self.path),
            geometry: self.geometry.map(|g| g.0),
            created_at: from_micros(self.created_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    pub(crate) id: Uuid,
    username: String,
    display_name: String,
    phone: Option<String>,
    disabled: bool,
    created_at: i64,
}

pub(crate) const USER_COLUMNS: &str = "id, username, display_name, phone, disabled, created_at";

impl UserRow {
    pub(crate) fn into_user(self, grants: Vec<RoleGrant>) -> User {
        User {
            id: UserId(self.id),
            username: self.username,
            display_name: self.display_name,
            phone: self.phone,
            disabled: self.disabled,
            created_at: from_micros(self.created_at),
            grants,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct GrantRow {
    pub(crate) user_id: Uuid,
    role: String,
    unit_id: Uuid,
    unit_name: String,
    unit_path: String,
}

pub(crate) const GRANT_SELECT: &str = "SELECT r.user_id, r.role, r.unit_id, o.name AS unit_name, o.path AS unit_path \
     FROM user_roles r JOIN org_units o ON o.id = r.unit_id";

impl GrantRow {
    pub(crate) fn into_grant(self) -> Result<RoleGrant> {
        Ok(RoleGrant {
            role: Role::parse(&self.role).ok_or_else(|| corrupt("role", &self.role))?,
            unit_id: UnitId(self.unit_id),
            unit_name: self.unit_name,
            unit_path: UnitPath::from_stored(self.unit_path),
        })
    }
}

/// The counties of units on these paths, each once.
pub(crate) fn counties_of<'a>(
    paths: impl IntoIterator<Item = &'a UnitPath>,
) -> Vec<jiceng_kernel::ids::CountyId> {
    let mut out = Vec::new();
    for p in paths {
        let c = p.county();
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// Appends ` AND {column} IN (…)` over `counties` (callers read nothing when there is none).
pub(crate) fn push_counties<DB: sqlx::Database>(
    qb: &mut sqlx::QueryBuilder<DB>,
    column: &str,
    counties: &[jiceng_kernel::ids::CountyId],
) where
    Uuid: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    qb.push(format!(" AND {column} IN ("));
    let mut sep = qb.separated(", ");
    for c in counties {
        sep.push_bind(c.0);
    }
    qb.push(")");
}
