//! `jiceng calendar deadline|between|import`: time limits on the working calendar (工作日历).
//!
//! Timestamps are local wall-clock times `YYYY-MM-DD HH:MM:SS` (Asia/Shanghai). Schedules
//! imported with `import` live in `<data-dir>/calendar/YYYY.json` until the database keeps
//! them, and are loaded over the built-in years by `deadline` and `between`.

use crate::config::{Config, FlagOverrides};
use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, NaiveDateTime, Utc};
use clap::{Args, Subcommand};
use jiceng_kernel::calendar::{DayKind, WorkCalendar, WorkingHours, YearSchedule};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

const FORMAT: &str = "%Y-%m-%d %H:%M:%S";

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Read local times (YYYY-MM-DD HH:MM:SS), one per line on standard input, and print the
    /// deadline of a limit of N working days for each: the close of working hours on the N-th
    /// working day after the day of intake, which does not count.
    Deadline(DeadlineArgs),
    /// Print the working days between two local times (YYYY-MM-DD HH:MM:SS), with the
    /// fraction of a day's working hours, e.g. 2.375; negative when TO is before FROM.
    Between(BetweenArgs),
    /// Check a year's holiday schedule (holiday-cn JSON: {year, papers, days}) and store it in
    /// the data directory, where `deadline` and `between` pick it up.
    Import(ImportArgs),
}

/// Where imported schedules are kept.
#[derive(Debug, Clone, Args)]
pub struct CalendarData {
    /// Data directory; its calendar/YYYY.json schedules add to or replace the built-in years
    /// (2019–2026) [default: ./jiceng-data]
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// TOML configuration file
    #[arg(long, value_name = "FILE", env = "JICENG_CONFIG")]
    pub config: Option<PathBuf>,
}

/// The calendar to count on.
#[derive(Debug, Clone, Args)]
pub struct CalendarOptions {
    #[command(flatten)]
    pub data: CalendarData,
    /// Working hours of a working day
    #[arg(
        long,
        value_name = "HH:MM-HH:MM,…",
        default_value = "09:00-12:00,13:30-17:30"
    )]
    pub hours: String,
}

#[derive(Debug, Args)]
pub struct DeadlineArgs {
    #[command(flatten)]
    pub calendar: CalendarOptions,
    /// The time limit in working days (at least 1)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub working_days: u32,
}

#[derive(Debug, Args)]
pub struct BetweenArgs {
    #[command(flatten)]
    pub calendar: CalendarOptions,
    /// Start, local time YYYY-MM-DD HH:MM:SS
    #[arg(value_name = "FROM")]
    pub from: String,
    /// End, local time YYYY-MM-DD HH:MM:SS
    #[arg(value_name = "TO")]
    pub to: String,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub data: CalendarData,
    /// One year's schedule, e.g. 2027.json from the holiday-cn data set
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

pub fn run(command: CalendarCommand) -> Result<()> {
    match command {
        CalendarCommand::Deadline(args) => deadline(&args),
        CalendarCommand::Between(args) => between(&args),
        CalendarCommand::Import(args) => import(&args),
    }
}

/// Stops at the first bad line, after printing the deadlines of the lines before it.
fn deadline(args: &DeadlineArgs) -> Result<()> {
    let cal = load(&args.calendar)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (k, line) in std::io::stdin().lock().lines().enumerate() {
        let n = k + 1;
        let line = line.with_context(|| format!("line {n}: cannot read standard input"))?;
        let t = parse_local(&cal, &line).map_err(|e| anyhow!("line {n}: {e}"))?;
        let due = cal
            .deadline_working_days(t, args.working_days)
            .map_err(|e| anyhow!("line {n}: {}", e.message))?;
        writeln!(out, "{}", cal.local(due).format(FORMAT))?;
    }
    out.flush()?;
    Ok(())
}

fn between(args: &BetweenArgs) -> Result<()> {
    let cal = load(&args.calendar)?;
    let from = parse_local(&cal, &args.from).context("FROM")?;
    let to = parse_local(&cal, &args.to).context("TO")?;
    say!("{}", decimal(cal.working_days_between(from, to)));
    Ok(())
}

fn import(args: &ImportArgs) -> Result<()> {
    let json = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let schedule = YearSchedule::parse(&json)
        .map_err(|e| anyhow!("{}: {} ({})", args.file.display(), e.message, e.code))?;
    let dir = calendar_dir(&args.data)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(format!("{}.json", schedule.year));
    // Write beside it and rename, so that a crash never leaves half a schedule.
    let partial = dir.join(format!(".{}.json.partial", schedule.year));
    std::fs::write(&partial, &json)
        .and_then(|()| std::fs::rename(&partial, &path))
        .with_context(|| format!("cannot write {}", path.display()))?;
    let off = schedule
        .days
        .iter()
        .filter(|d| d.kind == DayKind::Off)
        .count();
    let built_in = WorkCalendar::china()
        .map(|c| c.covers_year(schedule.year))
        .unwrap_or(false);
    say!(
        "{}: {} days off, {} make-up workdays{}; saved to {}",
        schedule.year,
        off,
        schedule.days.len() - off,
        if built_in {
            " (replaces the built-in schedule)"
        } else {
            ""
        },
        path.display()
    );
    Ok(())
}

/// The built-in calendar with the data directory's schedules and the chosen hours.
fn load(options: &CalendarOptions) -> Result<WorkCalendar> {
    let hours = WorkingHours::parse(&options.hours)
        .map_err(|e| anyhow!("--hours {:?}: {}", options.hours, e.message))?;
    let cal = WorkCalendar::china()
        .map_err(|e| anyhow!("built-in holiday schedules: {}", e.message))?
        .with_hours(hours);
    let dir = calendar_dir(&options.data)?;
    Ok(with_stored_years(cal, &dir)?.0)
}

/// `cal` with the schedules imported into `dir` (`YYYY.json`, see `calendar import`) added
/// over its years, and those years. The server counts on the same calendar as this command.
pub fn with_stored_years(mut cal: WorkCalendar, dir: &Path) -> Result<(WorkCalendar, Vec<i32>)> {
    let mut years = Vec::new();
    for path in stored_years(dir)? {
        let json = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let year = cal
            .add_year(&json)
            .map_err(|e| anyhow!("{}: {} ({})", path.display(), e.message, e.code))?;
        if path.file_stem().and_then(|s| s.to_str()) != Some(year.to_string().as_str()) {
            bail!("{} holds the schedule of {year}", path.display());
        }
        years.push(year);
    }
    Ok((cal, years))
}

fn calendar_dir(data: &CalendarData) -> Result<PathBuf> {
    let flags = FlagOverrides {
        data_dir: data.data_dir.clone(),
        ..FlagOverrides::default()
    };
    Ok(Config::load(data.config.as_deref(), flags)?
        .data_dir
        .join("calendar"))
}

/// The `YYYY.json` files of the directory, by year; none if it does not exist.
fn stored_years(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry
            .with_context(|| format!("cannot list {}", dir.display()))?
            .path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if let Some(stem) = name.strip_suffix(".json")
            && stem.len() == 4
            && stem.bytes().all(|b| b.is_ascii_digit())
        {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

/// Exactly `YYYY-MM-DD HH:MM:SS` local time (surrounding blanks and a CR are ignored).
fn parse_local(cal: &WorkCalendar, s: &str) -> Result<DateTime<Utc>> {
    let s = s.trim();
    let local = NaiveDateTime::parse_from_str(s, FORMAT)
        .ok()
        .filter(|t| t.format(FORMAT).to_string() == s)
        .ok_or_else(|| anyhow!("{s:?} is not a time of the form YYYY-MM-DD HH:MM:SS"))?;
    cal.to_utc(local).map_err(|e| anyhow!("{s}: {}", e.message))
}

/// Up to six decimals, without trailing zeros: 2.375, 3, 0.142857.
fn decimal(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}
