//! What must hold after the kills, read from the database itself: every acknowledged
//! registration once, every history gapless and made of exactly the acknowledged steps, one
//! audit entry per history entry, and a log that `jiceng audit verify` accepts.

use super::client::Acked;
use jiceng_accounts::ports::OrgStore;
use jiceng_kernel::ids::OrderId;
use jiceng_kernel::ports::AuditStore;
use jiceng_orders::ports::WorkOrderStore;
use jiceng_store::SqlStore;
use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

/// The figures of the checks: (orders, history entries, audit entries in the log).
pub async fn check(store: &SqlStore, acked: &[Acked]) -> (u64, u64) {
    // Each client sends a registration again until it is answered, so every order in the
    // database was acknowledged: any more would be a registration stored twice.
    let counties = store.counties().await.unwrap();
    assert_eq!(counties.len(), 1, "the test county only");
    let county = counties[0].path.county();
    assert_eq!(
        store.count_orders(county).await.unwrap(),
        acked.len() as u64
    );
    let ids: HashSet<&str> = acked.iter().map(|o| o.id.as_str()).collect();
    let numbers: HashSet<&str> = acked.iter().map(|o| o.number.as_str()).collect();
    let keys: HashSet<&str> = acked.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(ids.len(), acked.len(), "two keys answered with one order");
    assert_eq!(numbers.len(), acked.len(), "an order number given twice");
    assert_eq!(keys.len(), acked.len());

    let mut entries = 0;
    for a in acked {
        let id = OrderId(a.id.parse().unwrap());
        let o = store.get_order(county, id).await.unwrap();
        let o = o.unwrap_or_else(|| panic!("acknowledged order {} is missing", a.number));
        assert_eq!(o.number, a.number);
        assert_eq!(o.status.as_str(), a.status, "{}", a.number);
        assert_eq!(o.version as usize, a.actions.len(), "{}", a.number);
        let h = store.order_history(county, id).await.unwrap();
        let seqs: Vec<u32> = h.iter().map(|e| e.seq).collect();
        let gapless: Vec<u32> = (1..=a.actions.len() as u32).collect();
        assert_eq!(seqs, gapless, "{}: history numbered with a gap", a.number);
        let actions: Vec<&str> = h.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions, a.actions,
            "{}: history vs acknowledged steps",
            a.number
        );
        for w in h.windows(2) {
            assert_eq!(w[1].from_status, Some(w[0].to_status), "{}", a.number);
        }
        // The log holds each step once, in the same order, and nothing the history lacks.
        let object = jiceng_orders::work_order::audit_records::order_object(id);
        let chain = jiceng_orders::work_order::audit_records::order_chain(&o);
        let logged: Vec<String> = store
            .audit_for_object(chain, &object)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|e| e.action.strip_prefix("work_order.").map(str::to_owned))
            .collect();
        assert_eq!(logged, a.actions, "{}: audit log vs history", a.number);
        entries += h.len() as u64;
    }
    let mut logged = 0;
    for (_, size) in store.audit_chains().await.unwrap() {
        logged += size;
    }
    (entries, logged)
}

/// `jiceng audit verify` on the database, with the key the server wrote into `data`.
pub fn audit_verify(url: &str, data: &Path) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jiceng"));
    for (k, _) in std::env::vars() {
        if k.starts_with("JICENG_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd
        .env("RUST_LOG", "error")
        .args(["audit", "verify", "--database-url", url, "--data-dir"])
        .arg(data)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "audit verify failed:\n{text}");
    text
}
