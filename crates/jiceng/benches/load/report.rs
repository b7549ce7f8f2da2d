//! The Markdown report of a load run.

use super::ops::Kind;
use std::collections::HashMap;
use std::time::Duration;

pub struct Run<'a> {
    pub rate: u64,
    pub seconds: u64,
    pub elapsed: Duration,
    pub sent: u64,
    pub skipped: u64,
    pub mix: &'a [(Kind, u32)],
    pub latencies: HashMap<Kind, Vec<Duration>>,
    pub errors: Vec<String>,
    /// Resident memory in KiB: at the start, the largest sample, at the end, the kernel's peak.
    pub memory: (u64, u64, u64, u64),
    pub orders: u64,
    pub db_bytes: u64,
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

pub fn print(r: &Run) {
    let secs = r.elapsed.as_secs_f64();
    let done: usize = r.latencies.values().map(Vec::len).sum();
    let mix: Vec<String> = r
        .mix
        .iter()
        .map(|(k, w)| format!("{w} % {}", k.label().split(':').next().unwrap_or("")))
        .collect();
    println!(
        "# Load benchmark (SQLite, mixed workload, {} s)\n",
        r.seconds
    );
    println!(
        "Machine: {} logical CPUs ({}), shared by the server (`jiceng serve` built {}, its own process) \
         and the load generator; citizens' lookups come from 64 loopback addresses.",
        std::thread::available_parallelism().map_or(0, |p| p.get()),
        cpu_model(),
        if cfg!(debug_assertions) {
            "unoptimised, with the test profile: `make bench` builds it with the release profile"
        } else {
            "with the release profile"
        }
    );
    println!(
        "Load: {} requests/s offered, open loop (each request leaves at its scheduled instant, whatever \
         the others are doing), for {} s; mix {}. A transition takes the oldest open order one step \
         (dispatch, sign-for, note, reply, call-back, archive), sending its version; an intake carries an \
         Idempotency-Key, coordinates and an address and is checked for duplicates; lookups use the \
         number, phone and tracking code of an order registered earlier in the run.",
        r.rate,
        r.seconds,
        mix.join(", ")
    );
    println!(
        "Database: a fresh SQLite file (WAL, synchronous=NORMAL), empty at the start; {} work orders and \
         {:.1} MB at the end.\n",
        r.orders,
        r.db_bytes as f64 / 1e6
    );
    println!(
        "| operation | requests | rate (/s) | p50 (ms) | p99 (ms) | max (ms) |\n|---|---|---|---|---|---|"
    );
    for k in Kind::ALL {
        let mut l = r.latencies.get(&k).cloned().unwrap_or_default();
        l.sort();
        println!(
            "| {} | {} | {:.1} | {:.2} | {:.2} | {:.2} |",
            k.label(),
            l.len(),
            l.len() as f64 / secs,
            pct(&l, 0.5),
            pct(&l, 0.99),
            pct(&l, 1.0)
        );
    }
    let mut all: Vec<Duration> = r.latencies.values().flatten().copied().collect();
    all.sort();
    println!(
        "| **all** | {done} | **{:.1}** | {:.2} | **{:.2}** | {:.2} |\n",
        done as f64 / secs,
        pct(&all, 0.5),
        pct(&all, 0.99),
        pct(&all, 1.0)
    );
    println!("| measure | value |\n|---|---|");
    println!(
        "| offered / achieved rate | {} /s / {:.1} /s ({} sent, {} answered successfully, {} not sent because {} were in flight) |",
        r.rate,
        done as f64 / secs,
        r.sent,
        done,
        r.skipped,
        super::MAX_IN_FLIGHT
    );
    println!(
        "| errors (any answer but the expected one, or none) | {} |",
        r.errors.len()
    );
    let (start, max, end, hwm) = r.memory;
    println!(
        "| server resident memory (VmRSS) at start / end / largest 1 s sample | {:.1} / {:.1} / {:.1} MiB |",
        mib(start),
        mib(end),
        mib(max)
    );
    println!(
        "| server peak resident memory (VmHWM) | {:.1} MiB |",
        mib(hwm)
    );
    println!(
        "\nFor comparison: the largest open-source urban-governance platform publishes about 6.3 \
         transactions per second at one million records on one machine. Jiceng here: {:.1} requests/s \
         achieved ({:.1} writes/s: intakes and transitions) with p99 {:.1} ms, on a database that grew \
         to {} orders during the run (not one million).",
        done as f64 / secs,
        (r.latencies.get(&Kind::Intake).map_or(0, Vec::len)
            + r.latencies.get(&Kind::Transition).map_or(0, Vec::len)) as f64
            / secs,
        pct(&all, 0.99),
        r.orders
    );
    if !r.errors.is_empty() {
        println!("\nFirst errors:\n");
        for e in r.errors.iter().take(5) {
            println!("- {e}");
        }
    }
}
