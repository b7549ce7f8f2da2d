//! Counting attempts at a secret (a password, a lookup's phone and code) so that guessing is
//! slow. An attempt is reserved before the secret is checked and given back when it was right;
//! counting after the check would let simultaneous requests all pass a check that saw none of
//! the others (issue 11: 30 parallel logins, 29 evaluated).

use chrono::{DateTime, Duration, Utc};

/// The stored count of one scope and key: attempts not given back, and when the last was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub attempts: u32,
    pub last_at: DateTime<Utc>,
}

/// How many attempts are free and what follows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Attempts allowed before any wait.
    pub free: u32,
    /// A count whose last attempt is this old starts again from zero.
    pub forget_after: Duration,
    /// The wait after the last attempt once the free ones are used: this long at first,
    /// doubling with every further attempt when `grows`, never longer than `max_wait`.
    pub first_wait: Duration,
    pub grows: bool,
    pub max_wait: Duration,
}

/// Five failed logins for a username (twenty from one address) within 15 minutes lock it
/// for 15 minutes after the last.
pub const LOGIN_USER: Rule = Rule {
    free: crate::auth::MAX_FAILURES_PER_USER,
    forget_after: Duration::minutes(crate::auth::THROTTLE_WINDOW_MINUTES),
    first_wait: Duration::minutes(crate::auth::THROTTLE_WINDOW_MINUTES),
    grows: false,
    max_wait: Duration::minutes(crate::auth::THROTTLE_WINDOW_MINUTES),
};

pub const LOGIN_IP: Rule = Rule {
    free: crate::auth::MAX_FAILURES_PER_IP,
    ..LOGIN_USER
};

/// A citizen mistypes a phone or a code now and then; a guesser needs thousands of tries.
/// Five are free per client address and per order number, then 2 s, 4 s, 8 s … up to an hour.
pub const LOOKUP: Rule = Rule {
    free: 5,
    forget_after: Duration::hours(24),
    first_wait: Duration::seconds(2),
    grows: true,
    max_wait: Duration::hours(1),
};

/// The scopes counted in storage.
pub mod scope {
    pub const LOGIN_USER: &str = "login_user";
    pub const LOGIN_IP: &str = "login_ip";
    pub const LOOKUP_IP: &str = "lookup_ip";
    pub const LOOKUP_NUMBER: &str = "lookup_number";
}

impl Rule {
    fn wait(&self, beyond_free: u32) -> Duration {
        if !self.grows {
            return self.first_wait.min(self.max_wait);
        }
        let factor = 1i32.checked_shl(beyond_free.min(30)).unwrap_or(i32::MAX);
        self.first_wait
            .checked_mul(factor)
            .map_or(self.max_wait, |w| w.min(self.max_wait))
    }

    /// The count after one more attempt now, or `Err(seconds)` to wait before the next.
    pub fn admit(&self, tally: Option<Tally>, now: DateTime<Utc>) -> Result<Tally, u64> {
        let current = tally.filter(|t| now - t.last_at < self.forget_after);
        if let Some(t) = current
            && t.attempts >= self.free
        {
            let until = t.last_at + self.wait(t.attempts - self.free);
            if now < until {
                let secs = (until - now)
                    .num_milliseconds()
                    .saturating_add(999)
                    .div_euclid(1000);
                return Err(u64::try_from(secs).unwrap_or(1).max(1));
            }
        }
        Ok(Tally {
            attempts: current.map_or(0, |t| t.attempts).saturating_add(1),
            last_at: now,
        })
    }
}

/// The count with one attempt given back (it was right, or it was never evaluated).
pub fn give_back(t: Tally) -> Tally {
    Tally {
        attempts: t.attempts.saturating_sub(1),
        last_at: t.last_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap_or_default()
    }

    #[test]
    fn login_locks_after_five_for_the_window() {
        let mut t = None;
        for _ in 0..5 {
            t = Some(
                LOGIN_USER
                    .admit(t, at(0))
                    .unwrap_or_else(|_| panic!("free")),
            );
        }
        assert_eq!(LOGIN_USER.admit(t, at(60)), Err(14 * 60));
        assert!(LOGIN_USER.admit(t, at(15 * 60)).is_ok());
        let back = t.map(give_back);
        assert!(LOGIN_USER.admit(back, at(1)).is_ok());
    }

    #[test]
    fn lookup_waits_grow() {
        let mut t = None;
        for _ in 0..5 {
            t = LOOKUP.admit(t, at(0)).ok();
            assert!(t.is_some(), "the first five are free");
        }
        assert_eq!(LOOKUP.admit(t, at(0)), Err(2));
        let t6 = LOOKUP.admit(t, at(2)).ok();
        assert_eq!(LOOKUP.admit(t6, at(3)), Err(3));
        let far = Some(Tally {
            attempts: 500,
            last_at: at(0),
        });
        assert_eq!(LOOKUP.admit(far, at(0)), Err(3600));
        assert!(LOOKUP.admit(far, at(25 * 3600)).is_ok());
    }
}
