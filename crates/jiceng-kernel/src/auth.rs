//! Sessions, API tokens and the login throttling rule.

use crate::ids::{TokenId, UserId};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long a browser session lives.
pub const SESSION_TTL_HOURS: i64 = 12;
/// The window in which failed logins are counted.
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;
/// Failures for one username within the window before that username is locked.
pub const MAX_FAILURES_PER_USER: u32 = 5;
/// Failures from one client address within the window before that address is locked.
pub const MAX_FAILURES_PER_IP: u32 = 20;

/// A server-side session; only the SHA-256 of the cookie's secret is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub token_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A machine client's token; only its SHA-256 is stored, the secret is shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: TokenId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub user_id: UserId,
    pub name: String,
    /// First characters of the secret, to tell tokens apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Counts of recent failed logins, as the store reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FailureCounts {
    pub for_user: u32,
    pub for_ip: u32,
}

/// Whether a login may be attempted now; `Err(seconds)` says how long to wait.
///
/// The caller counts failures since `throttle_since(now, last_success)`.
pub fn throttle_decision(counts: FailureCounts) -> Result<(), u64> {
    if counts.for_user >= MAX_FAILURES_PER_USER || counts.for_ip >= MAX_FAILURES_PER_IP {
        Err((THROTTLE_WINDOW_MINUTES * 60) as u64)
    } else {
        Ok(())
    }
}

/// Failures are counted from the start of the window or the last success, whichever is later.
pub fn throttle_since(now: DateTime<Utc>, last_success: Option<DateTime<Utc>>) -> DateTime<Utc> {
    let window = now - Duration::minutes(THROTTLE_WINDOW_MINUTES);
    last_success.map_or(window, |s| s.max(window))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_thresholds() {
        assert!(
            throttle_decision(FailureCounts {
                for_user: 4,
                for_ip: 0
            })
            .is_ok()
        );
        assert!(
            throttle_decision(FailureCounts {
                for_user: 5,
                for_ip: 0
            })
            .is_err()
        );
        assert!(
            throttle_decision(FailureCounts {
                for_user: 0,
                for_ip: 20
            })
            .is_err()
        );
    }

    #[test]
    fn success_resets_the_window() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(throttle_since(now, None), now - Duration::minutes(15));
        let recent = now - Duration::minutes(1);
        assert_eq!(throttle_since(now, Some(recent)), recent);
    }
}
