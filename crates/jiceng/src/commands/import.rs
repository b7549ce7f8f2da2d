//! `jiceng import divisions FILE --county CODE [--villages FILE]`.

use super::{load_config, open};
use crate::cli::DivisionsArgs;
use crate::divisions::{self, KindCounts};
use crate::divisions_csv::{county_code, read_divisions, read_villages};
use anyhow::{Context, Result};

pub async fn divisions(args: DivisionsArgs) -> Result<()> {
    let county12 = county_code(&args.county)?;
    // Read and check every input row before the database is touched.
    let mut tree = read_divisions(&args.file, &county12)?;
    say!(
        "{}: {} ({}) with {} towns/streets",
        args.file.display(),
        tree.county.name,
        tree.county.code,
        tree.towns.len()
    );
    if let Some(path) = &args.villages {
        let stats = read_villages(path, &mut tree)?;
        say!(
            "{}: {} villages/communities of this county",
            path.display(),
            stats.matched
        );
        if let Some((line, street)) = &stats.first_unmatched {
            say!(
                "warning: {} villages/communities name a town missing from {} and are left out \
                 (first: line {line}, streetCode {street})",
                stats.unmatched,
                args.file.display()
            );
        }
    }
    let config = load_config(&args.data)?;
    let db = open(&config).await?;
    let plan = divisions::plan(&db.orders, &tree).await?;
    db.orders
        .store
        .insert_units(&plan.new_units)
        .await
        .map_err(|e| anyhow::anyhow!("{} ({})", e.message, e.code))
        .context("cannot store the units; nothing was imported")?;
    let created = KindCounts::of(&plan.new_units);
    say!("created {}: {}", created.total(), created.describe());
    say!(
        "skipped {} (already present): {}",
        plan.skipped.total(),
        plan.skipped.describe()
    );
    db.store.close().await;
    Ok(())
}
