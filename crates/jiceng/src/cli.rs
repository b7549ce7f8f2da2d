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
    /// Working calendar (工作日历): deadlines in working days, working time between instants.
    #[command(subcommand)]
    Calendar(crate::commands::calendar::CalendarCommand),
    /// Text classifier (智能分类): train, evaluate and cross-validate models.
    #[command(subcommand)]
    Model(crate::commands::model::ModelCommand),
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
