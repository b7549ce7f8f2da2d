//! The demo's work orders, planned before any is registered: for each real message, who
//! registers it, through which channel, where, which unit handles it, the path it takes and
//! the instant of every step, spread over the last 90 days before "now". Pure and
//! deterministic but for "now".

use super::messages::Message;
use super::paths::{Gap, OPEN_PATHS, Path, REPLIED_PATHS, Step, nth_path, steps};
use super::people::USERS;
use super::routing::{is_urgent, lead_for, partner};
use super::texts::CALLER_SURNAMES;
use chrono::{DateTime, Duration, FixedOffset, Timelike, Utc};
use jiceng_kernel::user::Role;
use jiceng_orders::work_order::{Channel, Status};

/// How far back the demo's orders go.
pub const WINDOW_DAYS: i64 = 90;
/// One in this many replied orders gets a duplicate registered shortly after it, then merged.
const DUPLICATE_EVERY: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registrar {
    Operator,
    /// The demo citizen, filing for themselves.
    Citizen,
    GridWorker,
}

/// Where a demand belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// A community or village, by index into the candidates given to [`plan`].
    Place(usize),
    /// The demo grid worker's grid.
    Grid,
}

/// A candidate region: a community or village.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    pub community: bool,
    /// In the first street, whose office handles urban-management matters there.
    pub first_street: bool,
}

#[derive(Debug, Clone)]
pub struct OrderPlan {
    pub message: usize,
    pub registrar: Registrar,
    pub channel: Channel,
    /// Name and phone; `None` is anonymous (or a grid worker's own find).
    pub caller: Option<(String, String)>,
    pub region: Region,
    pub urgent: bool,
    /// The steps that happen, each at its instant (strictly increasing).
    pub steps: Vec<(DateTime<Utc>, Step)>,
    pub expected: Status,
}

/// A stable, well-mixed number from an index (splitmix64).
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn between(seed: u64, lo: i64, hi: i64) -> i64 {
    let span = (hi - lo).max(0) as u64 + 1;
    lo + (mix(seed) % span) as i64
}

fn fraction(seed: u64) -> f64 {
    (mix(seed) >> 11) as f64 / (1u64 << 53) as f64
}

fn local() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::Offset::fix(&Utc))
}

/// Staff work 08:30–18:00 local time: a step due outside those hours waits for the morning.
fn office_hours(t: DateTime<Utc>, seed: u64) -> DateTime<Utc> {
    let l = t.with_timezone(&local());
    let minute = l.hour() * 60 + l.minute();
    if (510..1080).contains(&minute) {
        return t;
    }
    let midnight = t - Duration::seconds(i64::from(l.num_seconds_from_midnight()));
    let day = if minute >= 1080 { 1 } else { 0 };
    midnight + Duration::days(day) + Duration::minutes(510 + between(seed, 0, 90))
}

/// Real handling days, long tails shortened so a loop fits the window.
fn handling_days(real: f64) -> f64 {
    let d = if real > 40.0 {
        40.0 + (real - 40.0) * 0.3
    } else {
        real
    };
    d.clamp(0.05, 60.0)
}

/// The instants of all `steps` if the order is registered at `t0`.
fn schedule(t0: DateTime<Utc>, steps: &[(Gap, Step)], days: f64, seed: u64) -> Vec<DateTime<Utc>> {
    let mut out = Vec::with_capacity(steps.len());
    let mut t = t0;
    for (k, (gap, _)) in steps.iter().enumerate() {
        let s = mix(seed ^ ((k as u64 + 1) << 40));
        if k > 0 {
            let due = match gap {
                Gap::Minutes(lo, hi) => t + Duration::minutes(between(s, *lo, *hi)),
                Gap::RealReply => {
                    let real = t0 + Duration::minutes((days * 1440.0) as i64);
                    real.max(t + Duration::minutes(between(s, 60, 600)))
                }
            };
            t = office_hours(due, s).max(t + Duration::minutes(1));
        }
        out.push(t);
    }
    out
}

/// Moves a schedule back by whole days until its last step is before `limit`.
fn back_before(times: &mut [DateTime<Utc>], upto: usize, limit: DateTime<Utc>) {
    let last = times.get(upto.saturating_sub(1)).copied().unwrap_or(limit);
    if last > limit {
        let days = (last - limit).num_minutes() / 1440 + 1;
        for t in times.iter_mut() {
            *t -= Duration::days(days);
        }
    }
}

struct Order<'a> {
    i: usize,
    m: &'a Message,
    path: Path,
    days: f64,
}

fn caller(h: u64) -> (String, String) {
    let surname = CALLER_SURNAMES
        .get((h >> 8) as usize % CALLER_SURNAMES.len().max(1))
        .copied()
        .unwrap_or("王");
    let title = if (h >> 20).is_multiple_of(2) {
        "先生"
    } else {
        "女士"
    };
    let phone = format!("1380000{:04}", 1000 + (h >> 24) % 9000);
    (format!("{surname}{title}"), phone)
}

/// The demo citizen as a caller: surname with a courtesy title, and their phone.
fn citizen_caller() -> Option<(String, String)> {
    let u = USERS.iter().find(|u| u.role == Role::Citizen)?;
    let surname = u.name.chars().next()?;
    Some((format!("{surname}女士"), u.phone.to_owned()))
}

fn place(places: &[Place], h: u64) -> Option<(Region, bool)> {
    // Communities (towns' built-up areas) see three times the demands of villages.
    let weight = |p: &Place| if p.community { 3 } else { 1 };
    let total: u64 = places.iter().map(weight).sum();
    if total == 0 {
        return None;
    }
    let mut slot = (h >> 32) % total;
    for (k, p) in places.iter().enumerate() {
        if slot < weight(p) {
            return Some((Region::Place(k), p.first_street));
        }
        slot -= weight(p);
    }
    None
}

fn plan_one(o: &Order<'_>, places: &[Place], now: DateTime<Utc>) -> Option<OrderPlan> {
    let h = mix(o.i as u64 ^ 0x6A69_6365_6E67);
    let text = format!("{}{}", o.m.title, o.m.text);
    let patrol = matches!(o.m.label.as_str(), "城乡建设" | "环境保护") && h % 100 < 6;
    let anonymous = o.path == Path::ArchivedNoCallback;
    let (registrar, channel, caller, region, first_street) = if patrol {
        (
            Registrar::GridWorker,
            Channel::GridPatrol,
            None,
            Region::Grid,
            true,
        )
    } else {
        let (region, first) = place(places, h)?;
        let roll = (h >> 7) % 1000;
        if !anonymous && roll < 15 {
            let channel = if roll.is_multiple_of(2) {
                Channel::Web
            } else {
                Channel::Mobile
            };
            (Registrar::Citizen, channel, citizen_caller(), region, first)
        } else {
            let channel = match roll % 100 {
                0..=59 => Channel::Hotline,
                60..=84 => Channel::Web,
                _ => Channel::Mobile,
            };
            let who = (!anonymous).then(|| caller(h));
            (Registrar::Operator, channel, who, region, first)
        }
    };
    let path = if caller.is_none() {
        o.path.without_callback()
    } else {
        o.path
    };
    let lead = lead_for(&o.m.label, &text, first_street);
    let (mut all, mut stop) = steps(path, lead, partner(lead), h);
    if caller.is_none() {
        let kept_before = all
            .iter()
            .take(stop)
            .filter(|(_, s)| !matches!(s, Step::FollowUp(_)))
            .count();
        all.retain(|(_, s)| !matches!(s, Step::FollowUp(_)));
        stop = kept_before;
    }
    let times = place_in_time(&all, stop, o, h, now);
    Some(OrderPlan {
        message: o.i,
        registrar,
        channel,
        caller,
        region,
        urgent: is_urgent(&text),
        steps: times
            .into_iter()
            .zip(all.into_iter().map(|(_, s)| s))
            .take(stop)
            .collect(),
        expected: path.status(),
    })
}

/// How long work waits in a queue before its next step, at most: units are slower to sign
/// for orders than the loop's step gaps alone would say.
fn backlog(next: Option<&Step>) -> Duration {
    match next {
        Some(Step::Dispatch { .. } | Step::Arbitrate { .. }) => Duration::hours(30),
        Some(Step::Accept) => Duration::days(8),
        Some(Step::Review { .. }) => Duration::days(4),
        Some(Step::FollowUp(_)) => Duration::days(6),
        Some(Step::Archive) => Duration::days(5),
        _ => Duration::zero(),
    }
}

/// Closed loops spread over the window; open ones end just before "now", as if the next step
/// were still to come.
fn place_in_time(
    all: &[(Gap, Step)],
    stop: usize,
    o: &Order<'_>,
    h: u64,
    now: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let limit = now - Duration::minutes(5);
    let window = Duration::days(WINDOW_DAYS - 1);
    let mut times = if stop == all.len() {
        let probe = schedule(now - window, all, o.days, h);
        let span = probe
            .last()
            .map_or(Duration::zero(), |t| *t - (now - window));
        let room = (window - span).num_minutes().max(0);
        let day = now - window + Duration::minutes((fraction(h ^ 1) * room as f64) as i64);
        // The hour the citizen really wrote, in local time.
        let l = day.with_timezone(&local());
        let hour = o.m.hour.unwrap_or(8 + (h % 14) as u32);
        let t0 = day - Duration::minutes(i64::from(l.hour() * 60 + l.minute()))
            + Duration::minutes(i64::from(hour) * 60 + between(h ^ 2, 0, 59));
        schedule(t0, all, o.days, h)
    } else {
        let probe = schedule(now - window, all, o.days, h);
        let rel = |k: usize| {
            probe
                .get(k)
                .map_or(Duration::zero(), |t| *t - (now - window))
        };
        let (done, next) = (rel(stop - 1), rel(stop));
        let wait = (next - done).max(backlog(all.get(stop).map(|(_, s)| s)));
        let ago = done + Duration::minutes((wait.num_minutes() as f64 * fraction(h ^ 3)) as i64);
        schedule(now - ago.min(window), all, o.days, h)
    };
    back_before(&mut times, stop, limit);
    times
}

/// Plans every order: one per message, then the duplicates (merged into the earlier order).
pub fn plan(messages: &[Message], places: &[Place], now: DateTime<Utc>) -> Vec<OrderPlan> {
    let spare_days: Vec<f64> = messages.iter().filter_map(|m| m.days).collect();
    let (mut open, mut replied) = (0u64, 0u64);
    let mut plans: Vec<OrderPlan> =
        Vec::with_capacity(messages.len() + messages.len() / DUPLICATE_EVERY);
    for (i, m) in messages.iter().enumerate() {
        let path = if m.reply.is_some() {
            replied += 1;
            nth_path(&REPLIED_PATHS, replied - 1)
        } else {
            open += 1;
            nth_path(&OPEN_PATHS, open - 1)
        };
        let borrowed = spare_days
            .get((mix(i as u64) % spare_days.len().max(1) as u64) as usize)
            .copied();
        let days = handling_days(m.days.or(borrowed).unwrap_or(11.0));
        if let Some(p) = plan_one(&Order { i, m, path, days }, places, now) {
            plans.push(p);
        }
    }
    let masters: Vec<usize> = plans
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            p.expected != Status::Registered && p.steps.len() >= 4 && p.caller.is_some()
        })
        .map(|(k, _)| k)
        .step_by(DUPLICATE_EVERY)
        .collect();
    for k in masters {
        if let Some(d) = plans.get(k).and_then(|m| duplicate(k, m)) {
            plans.push(d);
        }
    }
    plans
}

/// A second caller on the same matter a few hours later; the dispatcher merges it.
fn duplicate(k: usize, master: &OrderPlan) -> Option<OrderPlan> {
    let t0 = master.steps.first()?.0;
    let done = master.steps.last()?.0;
    let merge_at = t0 + (Duration::hours(8)).min((done - t0) / 2);
    let registered = t0 + (merge_at - t0) / 2;
    if registered <= t0 || merge_at <= registered {
        return None;
    }
    let h = mix(k as u64 ^ 0x64_7570);
    Some(OrderPlan {
        message: master.message,
        registrar: Registrar::Operator,
        channel: Channel::Hotline,
        caller: Some(caller(h)),
        region: master.region,
        urgent: master.urgent,
        steps: vec![(registered, Step::Register), (merge_at, Step::MergeInto(k))],
        expected: Status::Merged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn places() -> Vec<Place> {
        (0..40)
            .map(|k| Place {
                community: k % 3 == 0,
                first_street: k < 3,
            })
            .collect()
    }

    #[test]
    fn staff_steps_wait_for_office_hours() {
        let at = |h, m| Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap();
        // 10:00 UTC is 18:00 in 广安: the next morning, 08:30–10:00.
        let t = office_hours(at(10, 0), 1).with_timezone(&local());
        assert_eq!(t.format("%d").to_string(), "03");
        assert!((510..=600).contains(&(t.hour() * 60 + t.minute())));
        // 23:00 UTC is 07:00 the next local day: later that morning.
        let t = office_hours(at(23, 0), 2).with_timezone(&local());
        assert_eq!(t.format("%d").to_string(), "03");
        assert_eq!(office_hours(at(3, 0), 3), at(3, 0));
    }

    #[test]
    fn plans_cover_every_status_in_time_order() {
        let messages = super::super::messages::load().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 6, 0, 0).unwrap();
        let plans = plan(&messages, &places(), now);
        assert!(plans.len() >= 2950, "{}", plans.len());
        for s in Status::ALL {
            assert!(plans.iter().any(|p| p.expected == s), "{s:?}");
        }
        let start = now - Duration::days(WINDOW_DAYS + 1);
        for p in &plans {
            assert!(!p.steps.is_empty());
            assert!(p.steps.windows(2).all(|w| w[0].0 < w[1].0), "{p:?}");
            assert!(p.steps.iter().all(|(t, _)| *t > start && *t < now), "{p:?}");
            if let Some((_, Step::MergeInto(k))) = p.steps.last() {
                let master = &plans[*k];
                assert!(master.steps[0].0 < p.steps[0].0);
                assert!(master.steps.last().unwrap().0 > p.steps[1].0);
            }
        }
        let archived = plans
            .iter()
            .filter(|p| p.expected == Status::Archived)
            .count();
        assert!(archived * 10 > plans.len() * 6, "{archived}");
        // Anonymous demands and grid workers' finds get no call-back.
        for p in plans.iter().filter(|p| p.caller.is_none()) {
            assert!(p.steps.iter().all(|(_, s)| !matches!(s, Step::FollowUp(_))));
        }
    }
}
