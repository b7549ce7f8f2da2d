//! `jiceng calendar`: deadlines and working days over the real message and reply times of
//! a government message board, checked against a second, deliberately simple calendar
//! written here from the holiday JSON files (it does not call jiceng-core).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers, too

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// The binary with no `JICENG_*` variables inherited from the caller's shell.
fn jiceng(cwd: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jiceng"));
    cmd.current_dir(cwd).env("RUST_LOG", "warn");
    for (k, _) in std::env::vars() {
        if k.starts_with("JICENG_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// Runs the command with `input` on standard input.
fn run(cmd: &mut Command, input: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_owned();
    // Write from a thread: a large input would otherwise fill the pipes both ways.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn shared_data() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    dir.is_dir().then_some(dir)
}

// ---------------------------------------------------------------------------------------
// The independent calendar: day-by-day stepping over a set of days off and make-up days.

/// The years the binary has built in; later files in the data folder are not its business.
const BUILT_IN: std::ops::RangeInclusive<i32> = 2019..=2026;

struct Reference {
    /// date → is it off (true) or a worked weekend day (false)
    listed: HashMap<NaiveDate, bool>,
}

impl Reference {
    fn load(holidays: &Path) -> Self {
        let mut listed = HashMap::new();
        for year in BUILT_IN {
            let file = holidays.join(format!("{year}.json"));
            let json: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            for day in json["days"].as_array().unwrap() {
                let date =
                    NaiveDate::parse_from_str(day["date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
                let off = day["isOffDay"].as_bool().unwrap();
                if let Some(before) = listed.insert(date, off) {
                    assert_eq!(before, off, "{date} listed twice, differently");
                }
            }
        }
        Self { listed }
    }

    fn working(&self, d: NaiveDate) -> bool {
        match self.listed.get(&d) {
            Some(off) => !off,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// Close of 17:30 on the n-th working day after the intake day.
    fn deadline(&self, t: NaiveDateTime, n: u32) -> NaiveDateTime {
        let mut d = t.date();
        let mut counted = 0;
        while counted < n {
            d = d.succ_opt().unwrap();
            if self.working(d) {
                counted += 1;
            }
        }
        d.and_hms_opt(17, 30, 0).unwrap()
    }

    /// Working seconds in [a, b] (a ≤ b) over 09:00–12:00 and 13:30–17:30, over 7 h.
    fn working_days(&self, a: NaiveDateTime, b: NaiveDateTime) -> f64 {
        let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let hours = [(hm(9, 0), hm(12, 0)), (hm(13, 30), hm(17, 30))];
        let mut seconds = 0i64;
        let mut d = a.date();
        while d <= b.date() {
            if self.working(d) {
                for (start, end) in hours {
                    let from = d.and_time(start).max(a);
                    let to = d.and_time(end).min(b);
                    if from < to {
                        seconds += (to - from).num_seconds();
                    }
                }
            }
            d = d.succ_opt().unwrap();
        }
        seconds as f64 / (7.0 * 3600.0)
    }
}

// ---------------------------------------------------------------------------------------
// The real times.

/// A timestamp as written in the file, in `YYYY-MM-DD HH:MM:SS`; other spellings that the
/// board might use (slashes, no seconds, one-digit fields, a `T`) are normalised.
fn normalise(raw: &str) -> Option<NaiveDateTime> {
    let s = raw.trim().replace('/', "-").replace('T', " ");
    ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
        .iter()
        .find_map(|f| {
            NaiveDateTime::parse_from_str(&s, f).ok().or_else(|| {
                NaiveDate::parse_from_str(&s, f)
                    .ok()
                    .map(|d| d.and_time(NaiveTime::MIN))
            })
        })
}

/// (message time, reply time) of every row, by the Chinese column names.
fn message_times(csv_path: &Path) -> (Vec<(NaiveDateTime, NaiveDateTime)>, usize) {
    let mut reader = csv::Reader::from_path(csv_path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').trim() == name)
            .unwrap_or_else(|| panic!("no column {name} in {headers:?}"))
    };
    let (asked, answered) = (column("留言时间"), column("答复时间"));
    let mut pairs = Vec::new();
    let mut unreadable = 0;
    for row in reader.records() {
        let row = row.unwrap();
        match (normalise(&row[asked]), normalise(&row[answered])) {
            (Some(a), Some(b)) => pairs.push((a, b)),
            _ => unreadable += 1,
        }
    }
    (pairs, unreadable)
}

#[test]
fn deadlines_and_working_days_of_real_messages_match_an_independent_calendar() {
    let Some(data) = shared_data() else {
        println!("skipped: shared/data is not beside the checkout");
        return;
    };
    let csv_path = data.join("gov-messages/messages-with-replies.csv");
    if !csv_path.is_file() {
        println!("skipped: {} is absent", csv_path.display());
        return;
    }
    let reference = Reference::load(&data.join("holidays-cn"));
    let (pairs, unreadable) = message_times(&csv_path);
    let since = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
    let recent = |t: &NaiveDateTime| t.date() >= since;
    let times: Vec<NaiveDateTime> = pairs
        .iter()
        .flat_map(|(a, b)| [*a, *b])
        .filter(recent)
        .collect();
    assert!(times.len() > 1000, "only {} times since 2019", times.len());
    let cwd = tempfile::tempdir().unwrap();
    let empty_data_dir = cwd.path().join("data");

    let input: String = times
        .iter()
        .map(|t| format!("{}\n", t.format(FORMAT)))
        .collect();
    let limits = [1, 2, 3, 5, 10, 15, 20, 60];
    for n in limits {
        let out = run(
            jiceng(cwd.path())
                .args(["calendar", "deadline", "--working-days", &n.to_string()])
                .arg("--data-dir")
                .arg(&empty_data_dir),
            &input,
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let lines: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
        assert_eq!(lines.len(), times.len());
        for (t, line) in times.iter().zip(&lines) {
            let expected = reference.deadline(*t, n).format(FORMAT).to_string();
            assert_eq!(line, &expected, "deadline of {n} working days from {t}");
        }
    }

    // `between` takes one pair per run: two threads share the pairs.
    let recent_pairs: Vec<_> = pairs.iter().filter(|(a, _)| recent(a)).copied().collect();
    let checked: usize = std::thread::scope(|s| {
        let workers: Vec<_> = recent_pairs
            .chunks(recent_pairs.len().div_ceil(2).max(1))
            .map(|chunk| {
                let (reference, cwd, dir) = (&reference, cwd.path(), &empty_data_dir);
                s.spawn(move || {
                    for (a, b) in chunk {
                        let out = run(
                            jiceng(cwd)
                                .args(["calendar", "between"])
                                .arg(a.format(FORMAT).to_string())
                                .arg(b.format(FORMAT).to_string())
                                .arg("--data-dir")
                                .arg(dir),
                            "",
                        );
                        assert!(out.status.success(), "{}", text(&out.stderr));
                        let shown = text(&out.stdout);
                        let got: f64 = shown.trim().parse().unwrap();
                        let (lo, hi, sign) = if a <= b { (a, b, 1.0) } else { (b, a, -1.0) };
                        let expected = sign * reference.working_days(*lo, *hi);
                        assert!(
                            (got - expected).abs() < 1e-6,
                            "{a} → {b}: printed {shown:?}, expected {expected}"
                        );
                    }
                    chunk.len()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    let distinct: std::collections::HashSet<_> = times.iter().collect();
    println!(
        "checked {} real timestamps since 2019 ({} distinct) × {} deadlines, and working days \
         of {checked} message→reply intervals; {unreadable} rows with unreadable times",
        times.len(),
        distinct.len(),
        limits.len()
    );
}

// ---------------------------------------------------------------------------------------
// The commands' contracts, on data made here.

#[test]
fn a_bad_line_stops_with_its_number_after_the_good_ones() {
    let cwd = tempfile::tempdir().unwrap();
    let out = run(
        jiceng(cwd.path())
            .args(["calendar", "deadline", "--working-days", "3"])
            .arg("--data-dir")
            .arg(cwd.path().join("data")),
        "2025-09-26 10:00:00\r\n2025-12-31 18:00:00\n2025-12-31\n2026-01-05 09:00:00\n",
    );
    assert!(!out.status.success());
    assert_eq!(
        text(&out.stdout),
        "2025-09-30 17:30:00\n2026-01-06 17:30:00\n"
    );
    let err = text(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("line 3: "), "{err}");
    assert!(err.contains("YYYY-MM-DD HH:MM:SS"), "{err}");

    let zero = run(
        jiceng(cwd.path()).args(["calendar", "deadline", "--working-days", "0"]),
        "",
    );
    assert!(!zero.status.success());
}

#[test]
fn between_prints_working_days_with_their_fraction() {
    let cwd = tempfile::tempdir().unwrap();
    let between = |from: &str, to: &str, extra: &[&str]| {
        let out = run(
            jiceng(cwd.path())
                .args(["calendar", "between", from, to])
                .args(extra),
            "",
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout).trim().to_owned()
    };
    assert_eq!(
        between("2025-03-10 09:00:00", "2025-03-12 11:37:30", &[]),
        "2.375"
    );
    assert_eq!(
        between("2025-03-12 11:37:30", "2025-03-10 09:00:00", &[]),
        "-2.375"
    );
    assert_eq!(
        between("2025-09-30 08:00:00", "2025-10-09 08:00:00", &[]),
        "1"
    );
    assert_eq!(
        between(
            "2025-03-10 08:00:00",
            "2025-03-10 12:00:00",
            &["--hours", "08:00-12:00,14:00-18:00"]
        ),
        "0.5"
    );
    let bad = run(
        jiceng(cwd.path()).args(["calendar", "between", "2025-03-10", "2025-03-11 09:00:00"]),
        "",
    );
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("FROM"));
}

#[test]
fn an_imported_year_is_used_by_later_runs() {
    let cwd = tempfile::tempdir().unwrap();
    let data = cwd.path().join("data");
    let file = cwd.path().join("schedule.json");
    // A schedule in the holiday-cn form for a year the binary does not know.
    std::fs::write(
        &file,
        r#"{"year": 2031, "papers": [], "days": [
            {"name": "元旦", "date": "2031-01-01", "isOffDay": true},
            {"name": "元旦", "date": "2031-01-02", "isOffDay": true},
            {"name": "元旦", "date": "2031-01-04", "isOffDay": false}
        ]}"#,
    )
    .unwrap();
    let deadline = |dir: &Path| {
        let out = run(
            jiceng(cwd.path())
                .args(["calendar", "deadline", "--working-days", "2"])
                .arg("--data-dir")
                .arg(dir),
            "2030-12-31 10:00:00\n",
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    // Without it 2031 is Monday to Friday: Wed 01-01, Thu 01-02.
    assert_eq!(deadline(&data), "2031-01-02 17:30:00\n");

    let out = run(
        jiceng(cwd.path())
            .args(["calendar", "import"])
            .arg(&file)
            .arg("--data-dir")
            .arg(&data),
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("2031"), "{}", text(&out.stdout));
    assert!(data.join("calendar/2031.json").is_file());
    // With it: off 01-01 and 01-02, Fri 01-03, Saturday 01-04 worked.
    assert_eq!(deadline(&data), "2031-01-04 17:30:00\n");

    // A bad schedule is refused with its reason and stores nothing.
    std::fs::write(
        &file,
        r#"{"year": 2032, "papers": [], "days": [{"name": "x", "date": "2032-13-01", "isOffDay": true}]}"#,
    )
    .unwrap();
    let out = run(
        jiceng(cwd.path())
            .args(["calendar", "import"])
            .arg(&file)
            .arg("--data-dir")
            .arg(&data),
        "",
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("calendar.invalid_date"),
        "{}",
        text(&out.stderr)
    );
    assert!(!data.join("calendar/2032.json").exists());

    // A stored file whose name and year disagree is reported, not silently used.
    std::fs::copy(
        data.join("calendar/2031.json"),
        data.join("calendar/2030.json"),
    )
    .unwrap();
    let out = run(
        jiceng(cwd.path())
            .args(["calendar", "deadline", "--working-days", "1"])
            .arg("--data-dir")
            .arg(&data),
        "2031-01-01 10:00:00\n",
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("2030.json"),
        "{}",
        text(&out.stderr)
    );
}
