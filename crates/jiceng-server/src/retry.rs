//! Retries, not 500s. A request whose transaction lost a race with a concurrent one
//! (`storage.busy`: a serialization failure or a deadlock, SQLSTATE 40001 or 40P01, which
//! distributed PostgreSQL engines report under ordinary load) runs again from the start: its use
//! case reads, decides and commits anew. The failed transaction rolled back, so nothing of that
//! attempt was written and nothing is written twice. After [`ATTEMPTS`] tries the client gets the
//! 503 with `Retry-After`.
//!
//! One layer around every route, so no use case can forget it; innermost, so that metrics, the
//! trace and the security checks see one request. A use case that writes in more than one
//! transaction repeats the earlier, committed writes on a retry: a login whose session insert
//! lost a race counts its attempt twice, and ending sessions or disabling a user again changes
//! nothing. Orders, history, audit entries and notifications are written in one transaction per
//! use case, so they are never written twice. Background jobs call the use cases directly and
//! retry on their next tick.
//!
//! Only a body that can be replayed is retried: one whose length is known and within the JSON
//! limit. Larger uploads (attachments, duty lists, models) and streamed bodies run once and
//! answer the 503 themselves.

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use std::time::Duration;

/// Tries of one request, the first included.
pub const ATTEMPTS: u32 = 4;

/// The first pause before a retry; each further pause doubles it, and a random half is
/// taken off so that requests that collided do not collide again in step.
const FIRST_PAUSE: Duration = Duration::from_millis(20);

/// Marks an answer that lost a race and may be retried; set by [`crate::error::ApiError`].
#[derive(Debug, Clone, Copy)]
pub struct LostRace;

/// The middleware: runs the request up to [`ATTEMPTS`] times while its answer is a [`LostRace`].
/// `replay_limit` is the largest body it keeps for a replay (the JSON limit).
pub async fn retry_lost_races(
    State(replay_limit): State<usize>,
    req: Request,
    next: Next,
) -> Response {
    let fits = req
        .body()
        .size_hint()
        .upper()
        .is_some_and(|n| n <= replay_limit as u64);
    if !fits {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, replay_limit).await else {
        return crate::error::ApiError::of(jiceng_kernel::error::codes::REQUEST_INVALID)
            .into_response();
    };
    let mut attempt = 1;
    loop {
        let req = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
        let resp = next.clone().run(req).await;
        if resp.extensions().get::<LostRace>().is_none() || attempt >= ATTEMPTS {
            if attempt > 1 {
                let outcome = if resp.extensions().get::<LostRace>().is_some() {
                    "gave_up"
                } else {
                    "settled"
                };
                metrics::counter!("lost_race_retries_total", "outcome" => outcome).increment(1);
            }
            return resp;
        }
        tokio::time::sleep(pause(attempt)).await;
        attempt += 1;
    }
}

/// The pause after the `attempt`-th try: between half and all of `FIRST_PAUSE * 2^(attempt-1)`.
fn pause(attempt: u32) -> Duration {
    let full = FIRST_PAUSE * 2u32.pow(attempt.saturating_sub(1).min(8));
    let half = full / 2;
    half + rand::thread_rng().gen_range(Duration::ZERO..=half)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_and_vary_within_their_bounds() {
        for attempt in 1..ATTEMPTS {
            let full = FIRST_PAUSE * 2u32.pow(attempt - 1);
            let seen: Vec<Duration> = (0..200).map(|_| pause(attempt)).collect();
            assert!(seen.iter().all(|p| *p >= full / 2 && *p <= full));
            assert!(seen.iter().any(|p| *p != seen[0]), "no jitter");
        }
    }
}
