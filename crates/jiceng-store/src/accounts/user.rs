use crate::accounts::org::push_scope;
use crate::pool::{SqlStore, db_err, unique_or_db_err};
use crate::rows::{GRANT_SELECT, GrantRow, USER_COLUMNS, UserRow, contains_pattern, micros};
use async_trait::async_trait;
use jiceng_accounts::ports::{UserQuery, UserStore};
use jiceng_kernel::audit::chain::AuditRecord;
use jiceng_kernel::error::Result;
use jiceng_kernel::error::codes;
use jiceng_kernel::ids::{UnitId, UserId};
use jiceng_kernel::user::{Role, RoleGrant, User};
use sqlx::{AssertSqlSafe, QueryBuilder};
use std::collections::HashMap;
use uuid::Uuid;

impl SqlStore {
    /// Loads the grants of the given users, keyed by user id.
    async fn grants_of(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<RoleGrant>>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<GrantRow> = on_read!(self, |p| {
            let mut qb = QueryBuilder::new(format!("{GRANT_SELECT} WHERE r.user_id IN ("));
            let mut sep = qb.separated(", ");
            for id in ids {
                sep.push_bind(*id);
            }
            qb.push(") ORDER BY r.role, o.path");
            qb.build_query_as().fetch_all(p).await
        })
        .map_err(db_err)?;
        let mut out: HashMap<Uuid, Vec<RoleGrant>> = HashMap::new();
        for row in rows {
            let uid = row.user_id;
            out.entry(uid).or_default().push(row.into_grant()?);
        }
        Ok(out)
    }

    async fn with_grants(&self, rows: Vec<UserRow>) -> Result<Vec<User>> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut grants = self.grants_of(&ids).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let g = grants.remove(&r.id).unwrap_or_default();
                r.into_user(g)
            })
            .collect())
    }
}

#[async_trait]
impl UserStore for SqlStore {
    #[tracing::instrument(name = "store.user.insert_user", skip_all, fields(user_id = %user.id))]
    async fn insert_user(
        &self,
        user: &User,
        password_hash: &str,
        audit: &AuditRecord,
    ) -> Result<()> {
        const USER_SQL: &str = "INSERT INTO users (id, username, display_name, phone, password_hash, disabled, created_at) \
                                VALUES ($1, $2, $3, $4, $5, $6, $7)";
        const ROLE_SQL: &str =
            "INSERT INTO user_roles (user_id, role, unit_id) VALUES ($1, $2, $3)";
        on_write!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            sqlx::query(USER_SQL)
                .bind(user.id.0)
                .bind(&user.username)
                .bind(&user.display_name)
                .bind(&user.phone)
                .bind(password_hash)
                .bind(user.disabled)
                .bind(micros(user.created_at))
                .execute(&mut *tx)
                .await
                .map_err(|e| {
                    unique_or_db_err(e, codes::USER_DUPLICATE_USERNAME, "用户名已被使用")
                })?;
            for g in &user.grants {
                sqlx::query(ROLE_SQL)
                    .bind(user.id.0)
                    .bind(g.role.as_str())
                    .bind(g.unit_id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| unique_or_db_err(e, codes::USER_DUPLICATE_ROLE, "角色重复"))?;
            }
            append_audit!(self, tx, std::slice::from_ref(audit));
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(name = "store.user.get_user", skip_all, fields(id = %id))]
    async fn get_user(&self, id: UserId) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row: Option<UserRow> = on_read!(self, |p| sqlx::query_as(AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(p)
            .await)
        .map_err(db_err)?;
        Ok(self.with_grants(row.into_iter().collect()).await?.pop())
    }

    #[tracing::instrument(name = "store.user.find_login", skip_all)]
    async fn find_login(&self, username: &str) -> Result<Option<(User, String)>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1");
        let row: Option<UserRow> = on_read!(self, |p| sqlx::query_as(AssertSqlSafe(sql))
            .bind(username)
            .fetch_optional(p)
            .await)
        .map_err(db_err)?;
        let Some(row) = row else { return Ok(None) };
        let hash: String = on_read!(self, |p| sqlx::query_scalar(
            "SELECT password_hash FROM users WHERE id = $1"
        )
        .bind(row.id)
        .fetch_one(p)
        .await)
        .map_err(db_err)?;
        Ok(self.with_grants(vec![row]).await?.pop().map(|u| (u, hash)))
    }

    #[tracing::instrument(name = "store.user.list_users", skip_all)]
    async fn list_users(&self, q: &UserQuery) -> Result<Vec<User>> {
        let cols: String = USER_COLUMNS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows: Vec<UserRow> = on_read!(self, |p| {
            let mut qb = QueryBuilder::new(format!(
                "SELECT {cols} FROM users u WHERE EXISTS (SELECT 1 FROM user_roles r \
                 JOIN org_units o ON o.id = r.unit_id WHERE r.user_id = u.id"
            ));
            push_scope(&mut qb, "o.path", &q.scope);
            if let Some(unit) = q.unit {
                qb.push(" AND r.unit_id = ").push_bind(unit.0);
            }
            if let Some(role) = q.role {
                qb.push(" AND r.role = ").push_bind(role.as_str());
            }
            qb.push(")");
            if let Some(name) = &q.name_contains {
                let pat = contains_pattern(name);
                qb.push(" AND (u.username LIKE ")
                    .push_bind(pat.clone())
                    .push(" ESCAPE '\\'");
                qb.push(" OR u.display_name LIKE ")
                    .push_bind(pat)
                    .push(" ESCAPE '\\')");
            }
            if let Some(after) = q.after {
                qb.push(" AND u.id > ").push_bind(after.0);
            }
            qb.push(" ORDER BY u.id LIMIT ")
                .push_bind(i64::from(q.limit));
            qb.build_query_as().fetch_all(p).await
        })
        .map_err(db_err)?;
        self.with_grants(rows).await
    }

    #[tracing::instrument(name = "store.user.set_password_hash", skip_all, fields(id = %id))]
    async fn set_password_hash(&self, id: UserId, hash: &str, audit: &AuditRecord) -> Result<()> {
        on_write!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(hash)
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            append_audit!(self, tx, std::slice::from_ref(audit));
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(name = "store.user.set_disabled", skip_all, fields(id = %id))]
    async fn set_disabled(&self, id: UserId, disabled: bool, audit: &AuditRecord) -> Result<()> {
        on_write!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                .bind(disabled)
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            append_audit!(self, tx, std::slice::from_ref(audit));
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(name = "store.user.add_grant", skip_all, fields(id = %id))]
    async fn add_grant(
        &self,
        id: UserId,
        role: Role,
        unit: UnitId,
        audit: &AuditRecord,
    ) -> Result<()> {
        on_write!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            sqlx::query("INSERT INTO user_roles (user_id, role, unit_id) VALUES ($1, $2, $3)")
                .bind(id.0)
                .bind(role.as_str())
                .bind(unit.0)
                .execute(&mut *tx)
                .await
                .map_err(|e| {
                    unique_or_db_err(e, codes::USER_DUPLICATE_ROLE, "该用户已在此单位拥有此角色")
                })?;
            append_audit!(self, tx, std::slice::from_ref(audit));
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(name = "store.user.remove_grant", skip_all, fields(id = %id))]
    async fn remove_grant(
        &self,
        id: UserId,
        role: Role,
        unit: UnitId,
        audit: &AuditRecord,
    ) -> Result<bool> {
        on_write!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            let r = sqlx::query(
                "DELETE FROM user_roles WHERE user_id = $1 AND role = $2 AND unit_id = $3",
            )
            .bind(id.0)
            .bind(role.as_str())
            .bind(unit.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            let removed = r.rows_affected() > 0;
            if removed {
                append_audit!(self, tx, std::slice::from_ref(audit));
            }
            tx.commit().await.map_err(db_err)?;
            Ok(removed)
        })
    }

    #[tracing::instrument(name = "store.user.count_users", skip_all)]
    async fn count_users(&self) -> Result<u64> {
        let n: i64 = on_read!(self, |p| sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(p)
            .await)
        .map_err(db_err)?;
        Ok(n.max(0) as u64)
    }
}
