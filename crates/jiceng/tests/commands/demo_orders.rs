//! `jiceng demo` seeds thousands of work orders through the real use cases: every status,
//! gapless histories in time order, numbers that follow the creation days, and inboxes with
//! work for the demo handler.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers, too

use crate::demo;
use chrono::{Duration, FixedOffset, Utc};
use jiceng_kernel::access::Principal;
use jiceng_orders::ports::OrderQuery;
use jiceng_orders::use_cases::{Inbox, Orders};
use jiceng_orders::work_order::{Status, WorkOrder};
use jiceng_store::SqlStore;
use std::sync::Arc;

async fn principal(store: &SqlStore, username: &str) -> Principal {
    use jiceng_accounts::ports::UserStore;
    let (u, _) = store.find_login(username).await.unwrap().unwrap();
    Principal::from(u)
}

async fn all_orders(store: &SqlStore) -> Vec<WorkOrder> {
    use jiceng_accounts::ports::OrgStore;
    use jiceng_orders::ports::WorkOrderStore;
    let counties = store.counties().await.unwrap();
    store
        .list_orders(&OrderQuery {
            counties: counties.iter().map(|c| c.path.county()).collect(),
            limit: 100_000,
            ..Default::default()
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_seeds_orders_in_every_status() {
    use jiceng_orders::ports::WorkOrderStore;
    let seeded = demo::seeded();
    let (before, stdout) = (seeded.started, &seeded.stdout);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    demo::copy_seeded(&data);
    for s in Status::ALL {
        assert!(stdout.contains(s.as_str()), "{s:?} not in {stdout}");
    }
    assert!(stdout.contains("work orders from real citizen messages"));

    let url = format!("sqlite://{}", data.join("jiceng.db").display());
    let store = Arc::new(SqlStore::connect(&url).await.unwrap());
    let orders = all_orders(&store).await;
    assert!(orders.len() >= 2500, "{}", orders.len());
    let county = orders[0].county();
    assert!(orders.iter().all(|o| o.county() == county));
    assert_eq!(
        store.count_orders(county).await.unwrap(),
        orders.len() as u64
    );
    let count = |s: Status| orders.iter().filter(|o| o.status == s).count();
    for s in Status::ALL {
        assert!(count(s) > 0, "no order is {s:?}");
    }
    // The archive is the largest share, as on a real platform; merges are a few dozen.
    assert!(
        Status::ALL
            .iter()
            .all(|s| count(*s) <= count(Status::Archived))
    );
    assert!((20..=100).contains(&count(Status::Merged)));

    // Spread over the last 90 days, numbered by the county (广安区, 511602) and the local day
    // they were created on.
    let tz = FixedOffset::east_opt(8 * 3600).unwrap();
    for o in &orders {
        assert!(o.created_at > before - Duration::days(92), "{}", o.number);
        assert!(o.created_at <= Utc::now());
        let day = o.created_at.with_timezone(&tz).format("%Y%m%d").to_string();
        assert!(
            o.number.starts_with(&format!("JC511602{day}")),
            "{}",
            o.number
        );
    }
    let days: std::collections::HashSet<_> = orders.iter().map(|o| &o.number[8..16]).collect();
    assert!(days.len() >= 80, "{} days", days.len());

    // Histories: 1, 2, 3, … in time order, ending where the order is.
    for o in orders.iter().step_by(23) {
        let h = store.order_history(county, o.id).await.unwrap();
        assert_eq!(h.len() as u32, o.version, "{}", o.number);
        for (i, e) in h.iter().enumerate() {
            assert_eq!(e.seq, i as u32 + 1, "{}", o.number);
        }
        assert!(h.windows(2).all(|w| w[0].at <= w[1].at), "{}", o.number);
        assert_eq!(h[0].action, "register");
        assert_eq!(h[0].at, o.created_at);
        assert_eq!(h.last().unwrap().to_status, o.status, "{}", o.number);
    }
    // Merged duplicates point at an order that kept their caller.
    let merged = orders.iter().find(|o| o.status == Status::Merged).unwrap();
    let master = store
        .get_order(county, merged.merged_into.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(
        master
            .extra_callers
            .iter()
            .any(|c| c.via_order == merged.id)
    );

    // The demo handler has work waiting, seen through the use cases' inboxes.
    let app: Orders = jiceng_server::orders_for(Arc::clone(&store));
    let handler = principal(&store, "handler").await;
    for (inbox, at_least) in [(Inbox::ToSign, 20), (Inbox::ToHandle, 20)] {
        let items = app
            .inbox(&handler, inbox, Default::default(), None, Some(500))
            .await
            .unwrap()
            .orders;
        assert!(items.len() >= at_least, "{inbox:?}: {}", items.len());
    }
    let supervisor = principal(&store, "supervisor").await;
    let ext = app
        .inbox(
            &supervisor,
            Inbox::Extensions,
            Default::default(),
            None,
            Some(500),
        )
        .await
        .unwrap()
        .orders;
    assert!(!ext.is_empty());
    store.close().await;

    // Seeding again changes nothing.
    let again = demo::seed(&data);
    assert!(again.contains("nothing changed"), "{again}");
    let store = SqlStore::connect(&url).await.unwrap();
    assert_eq!(all_orders(&store).await.len(), orders.len());
    store.close().await;
}
