use super::{load_config, open};
use crate::cli::DataArgs;
use anyhow::Result;

/// Applies pending migrations and says which database is now current.
pub async fn run(data: &DataArgs) -> Result<()> {
    let config = load_config(data)?;
    let db = open(&config).await?;
    say!("backend:  {}", db.store.backend_name());
    say!("database: {}", db.shown_url);
    say!("migrations applied; the schema is up to date");
    db.store.close().await;
    Ok(())
}
