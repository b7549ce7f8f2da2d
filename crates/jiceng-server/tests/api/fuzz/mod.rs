//! Fuzzing of every parser that reads what a user or another system sends, as a property test:
//! each target starts from a committed corpus of real inputs (`tests/fuzz-corpus/<target>/`),
//! mutates them (bit flips, dictionary tokens, deletions, repetitions, truncation, splices
//! between corpus entries) and asserts that the parser answers without a panic, within a time
//! bound and without unbounded memory. A failure is shrunk to a small input and printed with
//! the seed that replays it.
//!
//! `make test` runs a bounded number of executions per target; `JICENG_FUZZ_CASES=100000`
//! runs longer, `JICENG_FUZZ_SEED=<n>` replays a run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bodies;
mod parsers;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The longest one execution may take before it counts as a hang (debug build, loaded CI).
const HANG: Duration = Duration::from_secs(10);

/// How much more memory (peak resident) a whole target's run may take.
const MEMORY_GROWTH_LIMIT_KB: u64 = 1 << 20;

/// Tokens that tend to take parsers down unusual paths, for every target.
const COMMON_TOKENS: &[&[u8]] = &[
    b"\0",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xe4\xb8",
    b"\r\n",
    b"\n",
    b"\t",
    b"-1",
    b"0",
    b"4294967296",
    b"18446744073709551616",
    b"1e308",
    b"-1e308",
    b"NaN",
    b"Infinity",
    b"\xe5\x8c\xba",
    "工作日".as_bytes(),
    "２４：００".as_bytes(),
];

/// One change to an input. Positions are `Index`es, so they fit inputs of every length.
#[derive(Debug, Clone)]
pub enum Mutation {
    FlipBit(Index, u8),
    SetByte(Index, u8),
    InsertToken(Index, Index),
    InsertBytes(Index, Vec<u8>),
    Delete(Index, usize),
    /// A chunk repeated many times: deep nesting, long rows, huge numbers.
    Repeat(Index, usize, usize),
    Truncate(Index),
    /// A piece of another corpus entry put in.
    Splice(Index, Index, Index, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::SetByte(i, b)),
        (any::<Index>(), any::<Index>()).prop_map(|(i, t)| Mutation::InsertToken(i, t)),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(i, b)| Mutation::InsertBytes(i, b)),
        (any::<Index>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<Index>(), 1usize..16, 2usize..2000)
            .prop_map(|(i, len, times)| Mutation::Repeat(i, len, times)),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), any::<Index>(), any::<Index>(), 1usize..256)
            .prop_map(|(e, from, at, n)| Mutation::Splice(e, from, at, n)),
    ]
}

/// Where `i` falls in `0..=len`.
fn at(i: &Index, len: usize) -> usize {
    if len == 0 { 0 } else { i.index(len + 1) }
}

pub fn apply(input: &mut Vec<u8>, m: &Mutation, tokens: &[&[u8]], corpus: &[Vec<u8>]) {
    let len = input.len();
    match m {
        Mutation::FlipBit(i, bit) if len > 0 => input[i.index(len)] ^= 1 << bit,
        Mutation::SetByte(i, b) if len > 0 => input[i.index(len)] = *b,
        Mutation::InsertToken(i, t) => {
            let all: Vec<&[u8]> = tokens.iter().chain(COMMON_TOKENS).copied().collect();
            let token = all[t.index(all.len())];
            let p = at(i, len);
            input.splice(p..p, token.iter().copied());
        }
        Mutation::InsertBytes(i, bytes) => {
            let p = at(i, len);
            input.splice(p..p, bytes.iter().copied());
        }
        Mutation::Delete(i, n) if len > 0 => {
            let p = i.index(len);
            input.drain(p..(p + n).min(len));
        }
        Mutation::Repeat(i, n, times) if len > 0 => {
            let p = i.index(len);
            let chunk = input[p..(p + n).min(len)].to_vec();
            let copies: Vec<u8> = chunk.repeat(*times);
            input.splice(p..p, copies);
        }
        Mutation::Truncate(i) => input.truncate(at(i, len)),
        Mutation::Splice(e, from, to, n) if !corpus.is_empty() => {
            let other = &corpus[e.index(corpus.len())];
            if !other.is_empty() {
                let f = from.index(other.len());
                let piece = &other[f..(f + n).min(other.len())];
                let p = at(to, len);
                input.splice(p..p, piece.iter().copied());
            }
        }
        _ => {}
    }
}

/// A corpus entry changed by up to eight mutations (none: the entry itself).
pub fn inputs(
    corpus: Vec<Vec<u8>>,
    tokens: &'static [&'static [u8]],
) -> impl Strategy<Value = Vec<u8>> {
    assert!(!corpus.is_empty());
    let n = corpus.len();
    (0..n, prop::collection::vec(mutation(), 0..8)).prop_map(move |(e, ms)| {
        let mut input = corpus[e].clone();
        for m in &ms {
            apply(&mut input, m, tokens, &corpus);
        }
        input
    })
}

/// The committed corpus of `target`: every file of its folder.
pub fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let entries: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert!(!entries.is_empty(), "{}: empty corpus", dir.display());
    entries
}

/// Executions per target: `JICENG_FUZZ_CASES`, or `default` (bounded for `make test`).
pub fn cases(default: u32) -> u32 {
    std::env::var("JICENG_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The run's seed: `JICENG_FUZZ_SEED`, or a fresh one (printed, so a failure replays).
pub fn seed() -> u64 {
    std::env::var("JICENG_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand::random)
}

/// The process's peak resident memory in kB (`VmHWM`).
pub fn peak_memory_kb() -> u64 {
    let status = std::fs::read_to_string(Path::new("/proc/self/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Runs `parse` on one input in a thread of its own: a panic or a hang is a failure.
fn execute(parse: fn(&[u8]) -> bool, input: &[u8]) -> Result<bool, String> {
    let (tx, rx) = mpsc::channel();
    let owned = input.to_vec();
    let worker = std::thread::spawn(move || {
        let _ = tx.send(parse(&owned));
    });
    match rx.recv_timeout(HANG) {
        Ok(accepted) => {
            let _ = worker.join();
            Ok(accepted)
        }
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!("no answer within {HANG:?}")),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(match worker.join() {
            Err(p) => p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "panic".into()),
            Ok(()) => "the parser ended without an answer".into(),
        }),
    }
}

/// Saves a failing input where the tests' temporary files go, and names it: the shrunk input
/// of a binary format is unreadable when printed.
fn keep(target: &str, seed: u64, input: &[u8]) -> String {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-{target}-{seed}.bin"));
    let saved = std::fs::write(&path, input).is_ok();
    let shown: String = String::from_utf8_lossy(&input[..input.len().min(200)]).into();
    let place = if saved {
        format!(", saved as {}", path.display())
    } else {
        String::new()
    };
    format!("input ({} bytes{place}): {shown:?}", input.len())
}

/// Fuzzes `parse` (which answers whether the input was accepted) from `target`'s corpus.
pub fn fuzz(
    target: &str,
    corpus: Vec<Vec<u8>>,
    tokens: &'static [&'static [u8]],
    default_cases: u32,
    parse: fn(&[u8]) -> bool,
) {
    let seed = seed();
    let cases = cases(default_cases);
    let memory_before = peak_memory_kb();
    let started = Instant::now();
    let mut config = Config::with_cases(cases);
    config.rng_seed = RngSeed::Fixed(seed);
    config.failure_persistence = None;
    config.max_shrink_iters = 2000;
    let mut runner = TestRunner::new(config);
    let accepted = std::cell::Cell::new(0u32);
    let slowest = std::cell::Cell::new(Duration::ZERO);
    let result = runner.run(&inputs(corpus, tokens), |input| {
        let t = Instant::now();
        let ok = execute(parse, &input)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{}", keep(target, seed, &input))))?;
        slowest.set(slowest.get().max(t.elapsed()));
        accepted.set(accepted.get() + u32::from(ok));
        Ok(())
    });
    let growth = peak_memory_kb().saturating_sub(memory_before);
    println!(
        "fuzz {target}: {cases} executions in {:.1} s, {} accepted, slowest {:.1} ms, \
         peak memory +{} MB, seed {seed}",
        started.elapsed().as_secs_f64(),
        accepted.get(),
        slowest.get().as_secs_f64() * 1000.0,
        growth / 1024
    );
    if let Err(e) = result {
        panic!("fuzz {target} (JICENG_FUZZ_SEED={seed}): {e}");
    }
    assert!(
        growth < MEMORY_GROWTH_LIMIT_KB,
        "fuzz {target}: peak memory grew by {growth} kB"
    );
}
