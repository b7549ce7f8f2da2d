use crate::Accounts;
use chrono::Duration;
use jiceng_kernel::access::Principal;
use jiceng_kernel::attempts::{Wait, give_back_attempt, take_attempt};
use jiceng_kernel::auth::{ApiToken, SESSION_TTL_HOURS, SessionRecord};
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::{TokenId, UserId};
use jiceng_kernel::text;
use jiceng_kernel::throttle::{LOGIN_IP, LOGIN_USER, scope};
use jiceng_kernel::user::{User, Username, check_password_policy};

/// A successful login: the cookie secret (shown once), its CSRF token, and the user.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub session_secret: String,
    pub csrf_token: String,
    pub user: User,
}

/// A freshly issued API token: the secret is in here and nowhere else.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub token: ApiToken,
    pub secret: String,
}

const TOKEN_PREFIX: &str = "jct_";
/// Verified against when the username is unknown, so both paths cost the same.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Hq2mYQzWBMHwrRN9ZS0x2uKZ1Ue9fgfZMqRlE1r8tyo";

fn bad_credentials() -> Error {
    Error::unauthenticated("用户名或密码错误")
}

impl Accounts {
    /// Password login, throttled per username and per client address.
    #[tracing::instrument(name = "auth.login", skip_all)]
    pub async fn login(&self, username: &str, password: &str, ip: &str) -> Result<LoginOutcome> {
        let now = self.clock.now();
        // An unparsable name is still counted, under its raw (bounded) form.
        let key: String = Username::parse(username)
            .map(|u| u.as_str().to_owned())
            .unwrap_or_else(|_| username.trim().chars().take(64).collect());
        // The attempt is counted before the password is checked and given back when it was
        // right: simultaneous logins cannot all pass a check that saw none of the others.
        self.reserve_login(&key, ip).await?;
        let found = self.store.find_login(&key).await?;
        let (hash, user) = match found {
            Some((user, hash)) => (hash, Some(user)),
            None => (DUMMY_HASH.to_owned(), None),
        };
        let ok = self.secrets.verify_password(password, &hash).await;
        let user = match user {
            Some(u) if ok && !u.disabled => u,
            Some(u) if ok && u.disabled => {
                self.store.record_login(&key, ip, false, now).await?;
                return Err(Error::new(codes::AUTH_DISABLED, "账号已停用，请联系管理员"));
            }
            _ => {
                self.store.record_login(&key, ip, false, now).await?;
                return Err(bad_credentials());
            }
        };
        give_back_attempt(&*self.store, scope::LOGIN_USER, &key).await?;
        give_back_attempt(&*self.store, scope::LOGIN_IP, ip).await?;
        self.store.record_login(&key, ip, true, now).await?;
        let session_secret = self.secrets.random_token();
        let csrf_token = self.secrets.random_token();
        self.store
            .insert_session(&SessionRecord {
                token_hash: self.secrets.fingerprint(&session_secret),
                user_id: user.id,
                csrf_token: csrf_token.clone(),
                created_at: now,
                expires_at: now + Duration::hours(SESSION_TTL_HOURS),
            })
            .await?;
        Ok(LoginOutcome {
            session_secret,
            csrf_token,
            user,
        })
    }

    /// Ends the session a cookie's secret names, if there is one (an unknown, forged or expired
    /// secret changes nothing): a login replaces the browser's previous session instead of
    /// leaving it valid beside the new one.
    #[tracing::instrument(name = "auth.end_presented_session", skip_all)]
    pub async fn end_presented_session(&self, secret: &str) -> Result<()> {
        self.store
            .delete_session(&self.secrets.fingerprint(secret))
            .await
    }

    /// One attempt for the username and one for the address, or 429 with the longer wait.
    async fn reserve_login(&self, key: &str, ip: &str) -> Result<()> {
        let refused =
            |secs| jiceng_kernel::attempts::throttled(codes::AUTH_THROTTLED, "登录", secs);
        if let Err(Wait(secs)) = take_attempt(
            &*self.store,
            self.clock.now(),
            scope::LOGIN_USER,
            key,
            &LOGIN_USER,
        )
        .await?
        {
            return Err(refused(secs));
        }
        if let Err(Wait(secs)) = take_attempt(
            &*self.store,
            self.clock.now(),
            scope::LOGIN_IP,
            ip,
            &LOGIN_IP,
        )
        .await?
        {
            give_back_attempt(&*self.store, scope::LOGIN_USER, key).await?;
            return Err(refused(secs));
        }
        Ok(())
    }

    async fn active_user(&self, id: UserId) -> Result<User> {
        match self.store.get_user(id).await? {
            Some(u) if !u.disabled => Ok(u),
            _ => Err(Error::unauthenticated("账号不可用，请重新登录")),
        }
    }

    /// Resolves a session cookie's secret to the caller and the session's CSRF token.
    #[tracing::instrument(name = "auth.authenticate_session", skip_all)]
    pub async fn authenticate_session(&self, secret: &str) -> Result<(Principal, SessionRecord)> {
        let hash = self.secrets.fingerprint(secret);
        let session = self
            .store
            .get_session(&hash)
            .await?
            .ok_or_else(|| Error::unauthenticated("登录已失效，请重新登录"))?;
        if session.expires_at <= self.clock.now() {
            self.store.delete_session(&hash).await?;
            return Err(Error::unauthenticated("登录已过期，请重新登录"));
        }
        let user = self.active_user(session.user_id).await?;
        Ok((Principal::from(user), session))
    }

    /// Resolves a bearer API token to the caller.
    #[tracing::instrument(name = "auth.authenticate_token", skip_all)]
    pub async fn authenticate_token(&self, secret: &str) -> Result<Principal> {
        let invalid = || Error::unauthenticated("API 令牌无效或已过期");
        if !secret.starts_with(TOKEN_PREFIX) {
            return Err(invalid());
        }
        let now = self.clock.now();
        let token = self
            .store
            .get_api_token(&self.secrets.fingerprint(secret))
            .await?
            .ok_or_else(invalid)?;
        if token.expires_at.is_some_and(|e| e <= now) {
            return Err(invalid());
        }
        let user = self.active_user(token.user_id).await?;
        self.store.touch_api_token(token.id, now).await?;
        Ok(Principal::from(user))
    }

    #[tracing::instrument(name = "auth.logout", skip_all)]
    pub async fn logout(&self, session: &SessionRecord) -> Result<()> {
        self.store.delete_session(&session.token_hash).await
    }

    /// Changes the caller's own password; every other session of theirs ends.
    #[tracing::instrument(name = "auth.change_password", skip_all)]
    pub async fn change_password(
        &self,
        who: &Principal,
        current_session: Option<&SessionRecord>,
        current: &str,
        new: &str,
    ) -> Result<()> {
        let (user, hash) = self
            .store
            .find_login(&who.username)
            .await?
            .ok_or_else(|| Error::unauthenticated("账号不可用"))?;
        if !self.secrets.verify_password(current, &hash).await {
            return Err(Error::new(codes::AUTH_WRONG_PASSWORD, "当前密码不正确"));
        }
        if current == new {
            return Err(Error::new(
                codes::USER_WEAK_PASSWORD,
                "新密码不能与当前密码相同",
            ));
        }
        check_password_policy(new, &user.username)?;
        let new_hash = self.secrets.hash_password(new).await?;
        let audit = jiceng_kernel::audit::records::user_changed(
            user.id,
            "user.set_password",
            &user.id.0.to_string(),
            self.clock.now(),
            serde_json::json!({"by": "self"}),
        );
        self.store
            .set_password_hash(user.id, &new_hash, &audit)
            .await?;
        self.store
            .delete_user_sessions(user.id, current_session.map(|s| s.token_hash.as_str()))
            .await
    }

    #[tracing::instrument(name = "auth.create_api_token", skip_all)]
    pub async fn create_api_token(
        &self,
        who: &Principal,
        name: &str,
        expires_in_days: Option<u32>,
    ) -> Result<NewApiToken> {
        let name = text::clean(name, "令牌名称", 64, codes::API_TOKEN_INVALID_NAME)?;
        if expires_in_days.is_some_and(|d| d == 0 || d > 3650) {
            return Err(Error::new(
                codes::API_TOKEN_INVALID_EXPIRY,
                "有效期须为 1–3650 天",
            ));
        }
        if self.store.list_api_tokens(who.user_id).await?.len() >= 50 {
            return Err(Error::new(
                codes::API_TOKEN_TOO_MANY,
                "每个用户最多 50 个 API 令牌",
            ));
        }
        let now = self.clock.now();
        let secret = format!("{TOKEN_PREFIX}{}", self.secrets.random_token());
        let token = ApiToken {
            id: TokenId::new_at(now),
            user_id: who.user_id,
            name,
            prefix: secret.chars().take(TOKEN_PREFIX.len() + 6).collect(),
            created_at: now,
            expires_at: expires_in_days.map(|d| now + Duration::days(i64::from(d))),
            last_used_at: None,
        };
        self.store
            .insert_api_token(&token, &self.secrets.fingerprint(&secret))
            .await?;
        Ok(NewApiToken { token, secret })
    }

    #[tracing::instrument(name = "auth.list_api_tokens", skip_all)]
    pub async fn list_api_tokens(&self, who: &Principal) -> Result<Vec<ApiToken>> {
        self.store.list_api_tokens(who.user_id).await
    }

    #[tracing::instrument(name = "auth.revoke_api_token", skip_all, fields(id = %id))]
    pub async fn revoke_api_token(&self, who: &Principal, id: TokenId) -> Result<()> {
        if self.store.delete_api_token(who.user_id, id).await? {
            Ok(())
        } else {
            Err(Error::new(codes::API_TOKEN_NOT_FOUND, "令牌不存在"))
        }
    }
}
