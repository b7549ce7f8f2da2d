//! Reserving and giving back attempts against the stored counts of [`crate::throttle`].

use crate::error::Code;
use crate::error::{Error, Result};
use crate::ports::ThrottleStore;
use crate::throttle::{Rule, Tally, give_back};
use chrono::{DateTime, Utc};

/// Rounds of compare-and-swap before a request under heavy contention is asked to retry.
const SWAP_ROUNDS: usize = 16;

/// A reservation refused: wait this many seconds.
pub struct Wait(pub u64);

/// Takes one attempt of `scope`/`key` under `rule`, or says how long to wait.
pub async fn take_attempt(
    store: &(impl ThrottleStore + ?Sized),
    now: DateTime<Utc>,
    scope: &str,
    key: &str,
    rule: &Rule,
) -> Result<std::result::Result<Tally, Wait>> {
    for _ in 0..SWAP_ROUNDS {
        let old = store.read_tally(scope, key).await?;
        let new = match rule.admit(old, now) {
            Ok(n) => n,
            Err(secs) => return Ok(Err(Wait(secs))),
        };
        if store.swap_tally(scope, key, old, new).await? {
            return Ok(Ok(new));
        }
    }
    Ok(Err(Wait(1)))
}

/// Gives an attempt back: it was right, or it was not evaluated.
pub async fn give_back_attempt(
    store: &(impl ThrottleStore + ?Sized),
    scope: &str,
    key: &str,
) -> Result<()> {
    for _ in 0..SWAP_ROUNDS {
        let Some(old) = store.read_tally(scope, key).await? else {
            return Ok(());
        };
        if old.attempts == 0
            || store
                .swap_tally(scope, key, Some(old), give_back(old))
                .await?
        {
            return Ok(());
        }
    }
    tracing::warn!(scope, "attempt not given back under contention");
    Ok(())
}

/// A 429 with Retry-After and a message a citizen or clerk can act on.
pub fn throttled(code: Code, what: &str, secs: u64) -> Error {
    let wait = if secs >= 120 {
        format!("{} 分钟", secs.div_ceil(60))
    } else {
        format!("{secs} 秒")
    };
    let mut e = Error::new(code, format!("{what}失败次数过多，请 {wait}后再试"));
    e.retry_after = Some(secs);
    e
}
