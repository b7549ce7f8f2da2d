use crate::pool::{SqlStore, db_err};
use crate::rows::{from_micros, micros};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiceng_accounts::ports::AuthStore;
use jiceng_kernel::auth::{ApiToken, FailureCounts, SessionRecord};
use jiceng_kernel::error::Result;
use jiceng_kernel::ids::{TokenId, UserId};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct SessionRow {
    token_hash: String,
    user_id: Uuid,
    csrf_token: String,
    created_at: i64,
    expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: Uuid,
    user_id: Uuid,
    name: String,
    prefix: String,
    created_at: i64,
    expires_at: Option<i64>,
    last_used_at: Option<i64>,
}

impl TokenRow {
    fn into_token(self) -> ApiToken {
        ApiToken {
            id: TokenId(self.id),
            user_id: UserId(self.user_id),
            name: self.name,
            prefix: self.prefix,
            created_at: from_micros(self.created_at),
            expires_at: self.expires_at.map(from_micros),
            last_used_at: self.last_used_at.map(from_micros),
        }
    }
}

#[async_trait]
impl AuthStore for SqlStore {
    #[tracing::instrument(name = "store.auth.insert_session", skip_all)]
    async fn insert_session(&self, s: &SessionRecord) -> Result<()> {
        on_write!(self, |p| sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(&s.token_hash)
        .bind(s.user_id.0)
        .bind(&s.csrf_token)
        .bind(micros(s.created_at))
        .bind(micros(s.expires_at))
        .execute(p)
        .await
        .map(|_| ()))
        .map_err(db_err)
    }

    #[tracing::instrument(name = "store.auth.get_session", skip_all)]
    async fn get_session(&self, token_hash: &str) -> Result<Option<SessionRecord>> {
        let row: Option<SessionRow> = on_read!(self, |p| sqlx::query_as(
            "SELECT token_hash, user_id, csrf_token, created_at, expires_at FROM sessions WHERE token_hash = $1"
        )
        .bind(token_hash)
        .fetch_optional(p)
        .await)
        .map_err(db_err)?;
        Ok(row.map(|r| SessionRecord {
            token_hash: r.token_hash,
            user_id: UserId(r.user_id),
            csrf_token: r.csrf_token,
            created_at: from_micros(r.created_at),
            expires_at: from_micros(r.expires_at),
        }))
    }

    #[tracing::instrument(name = "store.auth.delete_session", skip_all)]
    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_write!(self, |p| sqlx::query(
            "DELETE FROM sessions WHERE token_hash = $1"
        )
        .bind(token_hash)
        .execute(p)
        .await
        .map(|_| ()))
        .map_err(db_err)
    }

    #[tracing::instrument(name = "store.auth.delete_user_sessions", skip_all)]
    async fn delete_user_sessions(&self, user: UserId, except: Option<&str>) -> Result<()> {
        // "Keep none" is its own statement, not `<> ''`: engines that read '' as NULL
        // (openGauss in its default mode) would match no row and end no session.
        on_write!(self, |p| match except {
            Some(keep) => {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                    .bind(user.0)
                    .bind(keep)
                    .execute(p)
                    .await
            }
            None => {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user.0)
                    .execute(p)
                    .await
            }
        }
        .map(|_| ()))
        .map_err(db_err)
    }

    #[tracing::instrument(name = "store.auth.insert_api_token", skip_all)]
    async fn insert_api_token(&self, t: &ApiToken, token_hash: &str) -> Result<()> {
        on_write!(self, |p| sqlx::query(
            "INSERT INTO api_tokens (id, user_id, name, prefix, token_hash, created_at, expires_at, last_used_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )
        .bind(t.id.0)
        .bind(t.user_id.0)
        .bind(&t.name)
        .bind(&t.prefix)
        .bind(token_hash)
        .bind(micros(t.created_at))
        .bind(t.expires_at.map(micros))
        .bind(t.last_used_at.map(micros))
        .execute(p)
        .await
        .map(|_| ()))
        .map_err(db_err)
    }

    #[tracing::instrument(name = "store.auth.get_api_token", skip_all)]
    async fn get_api_token(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        let row: Option<TokenRow> = on_read!(self, |p| sqlx::query_as(TOKEN_BY_HASH)
            .bind(token_hash)
            .fetch_optional(p)
            .await)
        .map_err(db_err)?;
        Ok(row.map(TokenRow::into_token))
    }

    #[tracing::instrument(name = "store.auth.touch_api_token", skip_all, fields(id = %id))]
    async fn touch_api_token(&self, id: TokenId, at: DateTime<Utc>) -> Result<()> {
        on_write!(self, |p| sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2"
        )
        .bind(micros(at))
        .bind(id.0)
        .execute(p)
        .await
        .map(|_| ()))
        .map_err(db_err)
    }

    #[tracing::instrument(name = "store.auth.list_api_tokens", skip_all)]
    async fn list_api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>> {
        let rows: Vec<TokenRow> = on_read!(self, |p| sqlx::query_as(TOKENS_OF_USER)
            .bind(user.0)
            .fetch_all(p)
            .await)
        .map_err(db_err)?;
        Ok(rows.into_iter().map(TokenRow::into_token).collect())
    }

    #[tracing::instrument(name = "store.auth.delete_api_token", skip_all, fields(id = %id))]
    async fn delete_api_token(&self, user: UserId, id: TokenId) -> Result<bool> {
        on_write!(self, |p| sqlx::query(
            "DELETE FROM api_tokens WHERE id = $1 AND user_id = $2"
        )
        .bind(id.0)
        .bind(user.0)
        .execute(p)
        .await
        .map(|r| r.rows_affected() > 0))
        .map_err(db_err)
    }

    #[tracing::instrument(name = "store.auth.record_login", skip_all)]
    async fn record_login(
        &self,
        username: &str,
        ip: &str,
        success: bool,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let id = Uuid::now_v7();
        let audit = jiceng_kernel::audit::records::login(username, ip, success, at);
        on_write!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            sqlx::query(
                "INSERT INTO login_attempts (id, username, ip, success, at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(username)
            .bind(ip)
            .bind(success)
            .bind(micros(at))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            append_audit!(self, tx, std::slice::from_ref(&audit));
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(name = "store.auth.last_login_success", skip_all)]
    async fn last_login_success(&self, username: &str) -> Result<Option<DateTime<Utc>>> {
        let v: Option<i64> = on_read!(self, |p| sqlx::query_scalar(
            "SELECT MAX(at) FROM login_attempts WHERE username = $1 AND success = TRUE"
        )
        .bind(username)
        .fetch_one(p)
        .await)
        .map_err(db_err)?;
        Ok(v.map(from_micros))
    }

    #[tracing::instrument(name = "store.auth.login_failures_since", skip_all)]
    async fn login_failures_since(
        &self,
        username: &str,
        ip: &str,
        since: DateTime<Utc>,
    ) -> Result<FailureCounts> {
        let (for_user, for_ip): (i64, i64) = on_read!(self, |p| sqlx::query_as(
            "SELECT \
               (SELECT COUNT(*) FROM login_attempts WHERE username = $1 AND success = FALSE AND at > $3), \
               (SELECT COUNT(*) FROM login_attempts WHERE ip = $2 AND success = FALSE AND at > $3)"
        )
        .bind(username)
        .bind(ip)
        .bind(micros(since))
        .fetch_one(p)
        .await)
        .map_err(db_err)?;
        Ok(FailureCounts {
            for_user: u32::try_from(for_user).unwrap_or(u32::MAX),
            for_ip: u32::try_from(for_ip).unwrap_or(u32::MAX),
        })
    }
}

const TOKEN_BY_HASH: &str = "SELECT id, user_id, name, prefix, created_at, expires_at, last_used_at \
     FROM api_tokens WHERE token_hash = $1";

const TOKENS_OF_USER: &str = "SELECT id, user_id, name, prefix, created_at, expires_at, last_used_at \
     FROM api_tokens WHERE user_id = $1 ORDER BY id";
