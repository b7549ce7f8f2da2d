//! The real clock and the real cryptography behind the domain's ports.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiceng_kernel::clock::Clock;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ports::Secrets;
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// Reads the system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// argon2id password hashes (OWASP parameters: 19 MiB, 2 passes) and OS randomness.
#[derive(Debug, Default, Clone, Copy)]
pub struct Argon2Secrets;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

#[async_trait]
impl Secrets for Argon2Secrets {
    async fn hash_password(&self, password: &str) -> Result<String> {
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|_| Error::internal("密码处理失败"))
        })
        .await
        .map_err(|_| Error::internal("密码处理失败"))?
    }

    async fn verify_password(&self, password: &str, hash: &str) -> bool {
        let (password, hash) = (password.to_owned(), hash.to_owned());
        tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| {
                    argon2()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .unwrap_or(false)
    }

    fn random_token(&self) -> String {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        hex::encode(bytes)
    }

    fn fingerprint(&self, token: &str) -> String {
        hex::encode(Sha256::digest(token.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ() {
        let s = Argon2Secrets;
        let h1 = s.hash_password("jiceng-demo").await.unwrap();
        let h2 = s.hash_password("jiceng-demo").await.unwrap();
        assert!(h1.starts_with("$argon2id$"));
        assert_ne!(h1, h2);
        assert!(s.verify_password("jiceng-demo", &h1).await);
        assert!(!s.verify_password("jiceng-dem0", &h1).await);
        assert!(!s.verify_password("x", "not a hash").await);
    }
}
