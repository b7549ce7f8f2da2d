//! The storage adapters' tests, one binary: the conformance suite on both backends, and the test databases themselves.

mod areas;
mod audit_chains;
mod commit;
mod conformance;
mod county_migration;
mod duplicates;
mod models;
mod order_sort;
mod personal_data;
mod template;

/// The one county of a test database (each test seeds a single tree).
#[allow(clippy::unwrap_used)]
pub async fn county(s: &jiceng_store::SqlStore) -> jiceng_kernel::ids::CountyId {
    use jiceng_accounts::ports::OrgStore;
    let counties = s.counties().await.unwrap();
    assert_eq!(counties.len(), 1, "one county per test database");
    counties[0].path.county()
}
