//! `jiceng import duties FILE --unit UNIT [--effective DATE]` and
//! `jiceng export duties --unit UNIT [--version N] --out FILE.xlsx|.csv`.

use super::user::resolve_unit;
use super::{domain_err, load_config, open};
use crate::cli::{DutiesExportArgs, DutiesImportArgs};
use anyhow::{Context, Result, anyhow, bail};
use chrono::NaiveDate;
use jiceng_kernel::calendar::china_standard_time;
use jiceng_orders::duty::{DutyIssue, DutyRules, Severity, effective_at, table};
use jiceng_server::duty_files::{self, TableFormat};

fn parse_date(raw: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| anyhow!("--effective {raw:?} is not a date: write it as YYYY-MM-DD"))
}

fn severity(i: &DutyIssue) -> &'static str {
    match i.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

pub async fn import(args: DutiesImportArgs) -> Result<()> {
    let effective = args.effective.as_deref().map(parse_date).transpose()?;
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let shown = args.file.display().to_string();
    let rows = duty_files::read_table(&bytes).map_err(|e| domain_err(&shown, e))?;
    let config = load_config(&args.data)?;
    let db = open(&config).await?;
    let unit = resolve_unit(&db.orders, &args.unit).await?;
    let rules = DutyRules {
        max_village_assist: (args.max_village_assist > 0).then_some(args.max_village_assist),
    };
    let outcome = db
        .orders
        .system_import_duty_list(unit.id, &rows, &rules)
        .await
        .map_err(|e| domain_err(&shown, e))?;
    for i in &outcome.issues {
        say!("{shown}: {}: {} ({})", severity(i), i.message, i.code);
    }
    let Some(list) = outcome.list else {
        let n = outcome.errors().count();
        let first = outcome
            .errors()
            .next()
            .map_or(String::new(), |i| i.message.clone());
        db.store.close().await;
        bail!("{shown}: {first}; {n} error(s) in all, nothing was imported");
    };
    say!(
        "{}: version {} with {} duties imported as a draft",
        unit.name,
        list.info.version,
        list.duties.len()
    );
    if let Some(date) = effective {
        let published = db
            .orders
            .system_publish_duty_list(list.info.id, date)
            .await
            .map_err(|e| domain_err("cannot publish", e))?;
        say!(
            "version {} published: {} from {date}",
            published.info.version,
            published.info.status.label_zh()
        );
    }
    db.store.close().await;
    Ok(())
}

pub async fn export(args: DutiesExportArgs) -> Result<()> {
    let out = args.out.display().to_string();
    let format = TableFormat::from_name(&out)
        .ok_or_else(|| anyhow!("--out {out:?}: the file name must end in .xlsx or .csv"))?;
    let config = load_config(&args.data)?;
    let db = open(&config).await?;
    let unit = resolve_unit(&db.orders, &args.unit).await?;
    let versions = db.orders.store.list_duty_lists(unit.id).await?;
    let today = db
        .orders
        .clock
        .now()
        .with_timezone(&china_standard_time())
        .date_naive();
    // Without --version: the version in force today, else the newest (a draft, say).
    let chosen = match args.version {
        Some(n) => versions.iter().find(|v| v.version == n),
        None => effective_at(&versions, today).or(versions.first()),
    };
    let Some(info) = chosen else {
        db.store.close().await;
        match args.version {
            Some(n) => bail!("{} has no duty list version {n}", unit.name),
            None => bail!("{} has no duty list", unit.name),
        }
    };
    let mut list = db
        .orders
        .store
        .get_duty_list(unit.path.county(), info.id)
        .await?
        .ok_or_else(|| anyhow!("version {} vanished while exporting", info.version))?;
    db.orders.refresh_unit_names(&mut list).await?;
    let rows = table::to_rows(&list);
    let data = match format {
        TableFormat::Xlsx => duty_files::write_xlsx(&rows),
        TableFormat::Csv => duty_files::write_csv(&rows),
    }
    .map_err(|e| domain_err(&out, e))?;
    std::fs::write(&args.out, data).with_context(|| format!("cannot write {out}"))?;
    say!(
        "{out}: {} version {} ({}), {} duties",
        unit.name,
        list.info.version,
        list.info.status.label_zh(),
        list.duties.len()
    );
    db.store.close().await;
    Ok(())
}
