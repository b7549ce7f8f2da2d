use crate::pool::{SqlStore, db_err, unique_or_db_err};
use crate::rows::{UNIT_COLUMNS, UnitRow, contains_pattern, micros};
use async_trait::async_trait;
use jiceng_accounts::ports::{OrgStore, UnitQuery};
use jiceng_kernel::audit::chain::AuditRecord;
use jiceng_kernel::audit::records;
use jiceng_kernel::error::Result;
use jiceng_kernel::error::{Code, codes};
use jiceng_kernel::ids::UnitId;
use jiceng_kernel::org::{OrgUnit, UnitPath};
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, Database, QueryBuilder};

const DUP_CODE: Code = codes::ORG_UNIT_DUPLICATE_CODE;
const DUP_CODE_MSG: &str = "单位代码已被使用";

/// Appends ` AND (<column> in one of the subtrees)`; nothing when the scope is unrestricted.
pub(crate) fn push_scope<DB: Database>(qb: &mut QueryBuilder<DB>, column: &str, scope: &[UnitPath])
where
    String: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    if scope.is_empty() {
        return;
    }
    qb.push(" AND (");
    for (i, root) in scope.iter().enumerate() {
        let (lo, hi) = root.subtree_range();
        if i > 0 {
            qb.push(" OR ");
        }
        qb.push(format!("({column} >= "));
        qb.push_bind(lo);
        qb.push(format!(" AND {column} < "));
        qb.push_bind(hi);
        qb.push(")");
    }
    qb.push(")");
}

impl SqlStore {
    /// The county of a stored unit (the root of its path); `None` for no such unit.
    pub(crate) async fn unit_county(
        &self,
        unit: UnitId,
    ) -> Result<Option<jiceng_kernel::ids::CountyId>> {
        let path: Option<String> = on_read!(self, |p| sqlx::query_scalar(
            "SELECT path FROM org_units WHERE id = $1"
        )
        .bind(unit.0)
        .fetch_optional(p)
        .await)
        .map_err(db_err)?;
        Ok(path.map(|p| UnitPath::from_stored(p).county()))
    }

    /// The county of a stored unit that must exist (`org_unit.not_found` otherwise).
    pub(crate) async fn existing_unit_county(
        &self,
        unit: UnitId,
    ) -> Result<jiceng_kernel::ids::CountyId> {
        self.unit_county(unit)
            .await?
            .ok_or_else(|| jiceng_kernel::error::Error::of(codes::ORG_UNIT_NOT_FOUND))
    }

    /// Inserts units and their audit records in one transaction.
    async fn write_units(&self, units: &[OrgUnit], audit: &[AuditRecord]) -> Result<()> {
        const SQL: &str = "INSERT INTO org_units (id, parent_id, kind, name, code, path, geometry, created_at) \
                           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        on_write!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            for u in units {
                sqlx::query(SQL)
                    .bind(u.id.0)
                    .bind(u.parent_id.map(|x| x.0))
                    .bind(u.kind.as_str())
                    .bind(&u.name)
                    .bind(&u.code)
                    .bind(u.path.as_str())
                    .bind(u.geometry.as_ref().map(Json))
                    .bind(micros(u.created_at))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| unique_or_db_err(e, DUP_CODE, DUP_CODE_MSG))?;
            }
            append_audit!(self, tx, audit);
            tx.commit().await.map_err(db_err)
        })
    }
}

#[async_trait]
impl OrgStore for SqlStore {
    #[tracing::instrument(name = "store.org.insert_unit", skip_all, fields(unit_id = %unit.id))]
    async fn insert_unit(&self, unit: &OrgUnit, audit: &AuditRecord) -> Result<()> {
        self.write_units(std::slice::from_ref(unit), std::slice::from_ref(audit))
            .await
    }

    #[tracing::instrument(name = "store.org.insert_units", skip_all)]
    async fn insert_units(&self, units: &[OrgUnit]) -> Result<()> {
        let audit: Vec<AuditRecord> = units
            .iter()
            .map(|u| records::unit_created(u, "system"))
            .collect();
        self.write_units(units, &audit).await
    }

    #[tracing::instrument(name = "store.org.get_unit", skip_all, fields(id = %id))]
    async fn get_unit(&self, id: UnitId) -> Result<Option<OrgUnit>> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM org_units WHERE id = $1");
        let row: Option<UnitRow> = on_read!(self, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(id.0)
            .fetch_optional(p)
            .await)
        .map_err(db_err)?;
        row.map(UnitRow::into_unit).transpose()
    }

    #[tracing::instrument(name = "store.org.counties", skip_all)]
    async fn counties(&self) -> Result<Vec<OrgUnit>> {
        let sql =
            format!("SELECT {UNIT_COLUMNS} FROM org_units WHERE parent_id IS NULL ORDER BY id");
        let rows: Vec<UnitRow> = on_read!(self, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .fetch_all(p)
            .await)
        .map_err(db_err)?;
        rows.into_iter().map(UnitRow::into_unit).collect()
    }

    #[tracing::instrument(name = "store.org.find_unit_by_code", skip_all)]
    async fn find_unit_by_code(&self, code: &str) -> Result<Option<OrgUnit>> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM org_units WHERE code = $1");
        let row: Option<UnitRow> = on_read!(self, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(code)
            .fetch_optional(p)
            .await)
        .map_err(db_err)?;
        row.map(UnitRow::into_unit).transpose()
    }

    #[tracing::instrument(name = "store.org.list_units", skip_all)]
    async fn list_units(&self, q: &UnitQuery) -> Result<Vec<OrgUnit>> {
        let rows: Vec<UnitRow> = on_read!(self, |p| {
            let mut qb =
                QueryBuilder::new(format!("SELECT {UNIT_COLUMNS} FROM org_units WHERE 1 = 1"));
            push_scope(&mut qb, "path", &q.scope);
            if let Some(parent) = q.parent {
                qb.push(" AND parent_id = ").push_bind(parent.0);
            }
            if let Some(kind) = q.kind {
                qb.push(" AND kind = ").push_bind(kind.as_str());
            }
            if let Some(name) = &q.name_contains {
                qb.push(" AND name LIKE ")
                    .push_bind(contains_pattern(name))
                    .push(" ESCAPE '\\'");
            }
            if let Some(after) = &q.after_path {
                qb.push(" AND path > ").push_bind(after.clone());
            }
            qb.push(" ORDER BY path LIMIT ")
                .push_bind(i64::from(q.limit));
            qb.build_query_as().fetch_all(p).await
        })
        .map_err(db_err)?;
        rows.into_iter().map(UnitRow::into_unit).collect()
    }

    #[tracing::instrument(name = "store.org.update_unit", skip_all, fields(unit_id = %unit.id))]
    async fn update_unit(&self, unit: &OrgUnit, audit: &AuditRecord) -> Result<()> {
        const SQL: &str = "UPDATE org_units SET name = $1, code = $2, geometry = $3 WHERE id = $4";
        on_write!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            sqlx::query(SQL)
                .bind(&unit.name)
                .bind(&unit.code)
                .bind(unit.geometry.as_ref().map(Json))
                .bind(unit.id.0)
                .execute(&mut *tx)
                .await
                .map_err(|e| unique_or_db_err(e, DUP_CODE, DUP_CODE_MSG))?;
            append_audit!(self, tx, std::slice::from_ref(audit));
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(name = "store.org.count_units", skip_all)]
    async fn count_units(&self) -> Result<u64> {
        let n: i64 = on_read!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM org_units"
        )
        .fetch_one(p)
        .await)
        .map_err(db_err)?;
        Ok(n.max(0) as u64)
    }
}
