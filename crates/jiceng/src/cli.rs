//! Command-line interface: subcommands and their flags.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "jiceng",
    version,
    about = "Jiceng (基层): a platform for grassroots governance",
    long_about = "Jiceng (基层): a platform for grassroots governance.\n\n\
                  Settings come from built-in defaults, then an optional TOML file \
                  (--config or JICENG_CONFIG), then JICENG_* environment variables \
                  (JICENG_DATA_DIR, JICENG_DATABASE_URL, JICENG_LISTEN, …), then flags."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server.
    Serve(ServeArgs),
    /// Apply pending database migrations.
    Migrate(DataArgs),
    /// Seed a demo county (广安区) with its towns, villages, grids, departments and users.
    Demo(DataArgs),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Import reference data.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export data as files.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Working calendar (工作日历): deadlines in working days, working time between instants.
    #[command(subcommand)]
    Calendar(crate::commands::calendar::CalendarCommand),
    /// Text classifier (智能分类): train, evaluate, cross-validate, retrain and activate models.
    #[command(subcommand)]
    Model(crate::commands::model::ModelCommand),
    /// Tamper-evident audit log (全程留痕): verify the log, sign a checkpoint, check bundles.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a consistent backup of the database, while the server may be running: a SQLite
    /// copy (VACUUM INTO) or a pg_dump archive, with FILE.manifest.json beside it.
    Backup(BackupArgs),
    /// Restore a backup into an empty database, check it against its manifest and verify the
    /// audit chain. A database holding anything is refused and left unchanged.
    Restore(RestoreArgs),
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The backup file to write (refused if it exists); its manifest is written beside it as
    /// FILE.manifest.json. Keep both: restore needs them together
    #[arg(long, visible_alias = "out", value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The backup file written by `jiceng backup`, with FILE.manifest.json beside it
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// The audit public key (hex, or a file holding it) to verify the restored chain with
    /// [default: the key recorded in the manifest, else DATA_DIR/keys/audit-ed25519.pub]
    #[arg(long, value_name = "KEY")]
    pub public_key: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every entry's hash and link and every checkpoint's signature and root; report
    /// the first entry that does not verify. Exit status 1 if one does not.
    Verify(AuditVerifyArgs),
    /// Sign a checkpoint over the log as it is now.
    Checkpoint(DataArgs),
    /// Verify an evidence bundle offline, with the server's public key only.
    VerifyBundle(VerifyBundleArgs),
}

#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The public key (hex, or a file holding it) [default: DATA_DIR/keys/audit-ed25519.pub]
    #[arg(long, value_name = "KEY")]
    pub public_key: Option<String>,
    /// A witness file of checkpoints exported by the server, checked against the log too
    #[arg(long, value_name = "FILE")]
    pub witness: Option<PathBuf>,
    /// Verify only this chain: a county's id, `system`, or `closed` (the log before chains)
    /// [default: every chain]
    #[arg(long, value_name = "COUNTY")]
    pub county: Option<String>,
}

#[derive(Debug, Args)]
pub struct VerifyBundleArgs {
    /// The evidence bundle (JSON) downloaded for a work order
    pub file: PathBuf,
    /// The server's public key: hex, or a file holding it
    #[arg(long, value_name = "KEY")]
    pub public_key: String,
}

/// Where the data lives; shared by every subcommand that touches it.
#[derive(Debug, Clone, Default, Args)]
pub struct DataArgs {
    /// Directory for the SQLite database (jiceng.db), uploads and keys; created if missing
    /// [default: ./jiceng-data]
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL (sqlite://PATH or postgres://…); overrides the data directory's database
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// TOML configuration file
    #[arg(long, value_name = "FILE", env = "JICENG_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Address to listen on; port 0 picks a free port [default: 127.0.0.1:8080]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Seed the demo county on first start (when the database has no org units)
    #[arg(long)]
    pub demo: bool,
    /// Send cookies without the Secure flag (plain-HTTP development only)
    #[arg(long)]
    pub insecure_cookies: bool,
    /// Print the effective configuration as TOML (secrets redacted) and exit
    #[arg(long)]
    pub print_config: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user with one or more roles, each held in a unit.
    Add(UserAddArgs),
    /// List users with their roles.
    List(DataArgs),
    /// Set a user's password; all of their sessions end.
    SetPassword(SetPasswordArgs),
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Login name: 3–32 letters, digits, '.', '_' or '-'
    #[arg(long)]
    pub username: String,
    /// Display name (显示名), e.g. 张三
    #[arg(long)]
    pub name: String,
    /// Role (repeatable, paired with --unit): citizen, hotline_operator, dispatcher,
    /// unit_handler, unit_leader, grid_worker, window_clerk, supervisor, county_leader,
    /// administrator
    #[arg(long = "role", value_name = "ROLE", required = true)]
    pub roles: Vec<String>,
    /// Unit the role is held in (repeatable, paired with --role): its official code
    /// (511602, 511602001 or the 12-digit form), its UUID, or its exact name
    #[arg(long = "unit", value_name = "UNIT", required = true)]
    pub units: Vec<String>,
    /// Phone number
    #[arg(long)]
    pub phone: Option<String>,
    /// Password; omit to generate a strong one, printed once
    #[arg(long)]
    pub password: Option<String>,
}

#[derive(Debug, Args)]
pub struct SetPasswordArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[arg(long)]
    pub username: String,
    /// New password; omit to generate a strong one, printed once
    #[arg(long)]
    pub password: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import a county and its towns/streets (and optionally villages/communities).
    Divisions(DivisionsArgs),
    /// Import grid, community or town outlines (GeoJSON) as org units with their areas.
    Grids(GridsArgs),
    /// Import a responsibility list (权责清单) from .xlsx, .xls or .csv (UTF-8 or GBK).
    Duties(DutiesImportArgs),
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Export a responsibility list (权责清单) as .xlsx or .csv (UTF-8 with BOM).
    Duties(DutiesExportArgs),
}

#[derive(Debug, Args)]
pub struct DutiesImportArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The list: a header row (事项名称, 分类编码, 关键词, 主办单位, 协办单位, 法律依据,
    /// 签收时限, 办理时限, 回访时限, 村级协助), then one duty per row
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The jurisdiction (county, town or street): its code, UUID or exact name
    #[arg(long, value_name = "UNIT")]
    pub unit: String,
    /// Publish at once, in force from this local date (YYYY-MM-DD); without it the list
    /// stays a draft
    #[arg(long, value_name = "DATE")]
    pub effective: Option<String>,
    /// Warn when more duties than this are village-level assisting duties (0: no check)
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub max_village_assist: usize,
}

#[derive(Debug, Args)]
pub struct DutiesExportArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The jurisdiction: its code, UUID or exact name
    #[arg(long, value_name = "UNIT")]
    pub unit: String,
    /// The version; default: the one in force today, else the newest
    #[arg(long, value_name = "N")]
    pub version: Option<u32>,
    /// Output file; its extension (.xlsx or .csv) picks the format
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct DivisionsArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Divisions CSV (id,pid,deep,name,pinyin_prefix,pinyin,ext_id,ext_name), e.g.
    /// ok_data_level4.csv
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// County code: 6 digits (511602) or 12 digits (511602000000)
    #[arg(long, value_name = "CODE")]
    pub county: String,
    /// Villages CSV, optionally gzipped (code,name,streetCode,provinceCode,cityCode,areaCode)
    #[arg(long, value_name = "FILE")]
    pub villages: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct GridsArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// GeoJSON FeatureCollection of Polygon/MultiPolygon features (at most 32 MB)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The unit to import under: its code or UUID. Each feature goes under it, or under the
    /// unit below it whose outline holds the feature, or whose code/name --parent-property gives
    #[arg(long, value_name = "UNIT")]
    pub parent: String,
    /// Create --parent as a new county-level root with this name when no unit has its code
    #[arg(long, value_name = "NAME")]
    pub parent_name: Option<String>,
    /// Kind of the units: town, street, community, village or grid
    #[arg(long)]
    pub kind: String,
    /// Feature property holding the unit's name
    #[arg(long, value_name = "P")]
    pub name_property: String,
    /// Feature property holding the unit's code; re-importing updates units by code
    #[arg(long, value_name = "P")]
    pub code_property: Option<String>,
    /// Feature property naming the parent unit (instead of finding it by its outline)
    #[arg(long, value_name = "P")]
    pub parent_property: Option<String>,
    /// Whether --parent-property holds the parent's code or its name
    #[arg(long, value_name = "code|name", default_value = "code")]
    pub parent_match: String,
    /// Feature property with other names of the unit (road names…), separated by , ; or 、
    #[arg(long, value_name = "P")]
    pub alias_property: Option<String>,
    /// Coordinate system of the file: wgs84, gcj02 (AMap, Tencent) or bd09 (Baidu)
    #[arg(long, default_value = "wgs84")]
    pub crs: String,
}
