//! Text sketches for duplicate detection behave the same on SQLite and PostgreSQL: stored
//! and replaced, read by box, place (subtree or exact units) and address, bounded by window,
//! method and limit, open orders only; orders without a sketch are found for filling in.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use jiceng_accounts::ports::OrgStore;
use jiceng_kernel::ids::{OrderId, UserId};
use jiceng_kernel::org::{OrgKind, OrgUnit};
use jiceng_orders::duplicates::{
    DuplicateStore, Near, OrderSketch, Point, SketchQuery, address_key,
};
use jiceng_orders::effects::Effects;
use jiceng_orders::ports::{CommitStore, WorkOrderStore};
use jiceng_orders::work_order::register::IntakeForm;
use jiceng_orders::work_order::{Assignee, HistoryEntry, NewWorkOrder, Status, WorkOrder};
use jiceng_store::SqlStore;
use std::sync::Arc;

type S = Arc<SqlStore>;

use jiceng_store::testing::t0;

fn unit(parent: Option<&OrgUnit>, kind: OrgKind, name: &str) -> OrgUnit {
    jiceng_store::testing::unit(parent, kind, name, None)
}

struct World {
    s: S,
    county: OrgUnit,
    town_a: OrgUnit,
    town_b: OrgUnit,
    comm: OrgUnit,
    grid: OrgUnit,
    user: UserId,
}

async fn world(s: S) -> World {
    let county = unit(None, OrgKind::County, "广安区");
    let town_a = unit(Some(&county), OrgKind::Street, "浓洄街道");
    let town_b = unit(Some(&county), OrgKind::Town, "官盛镇");
    let comm = unit(Some(&town_a), OrgKind::Community, "滨江社区");
    let grid = unit(Some(&comm), OrgKind::Grid, "第1网格");
    s.insert_units(&[
        county.clone(),
        town_a.clone(),
        town_b.clone(),
        comm.clone(),
        grid.clone(),
    ])
    .await
    .unwrap();
    let user = jiceng_store::testing::insert_operator(&s, &county).await;
    World {
        s,
        county,
        town_a,
        town_b,
        comm,
        grid,
        user,
    }
}

impl World {
    /// Inserts an order in `region` registered `minutes` after t0, and its sketch.
    async fn order(&self, region: &OrgUnit, minutes: i64, at: Option<(f64, f64)>) -> OrderSketch {
        let now = t0() + Duration::minutes(minutes);
        let new = NewWorkOrder::parse(IntakeForm {
            content: "井盖缺失",
            latitude: at.map(|p| p.0),
            longitude: at.map(|p| p.1),
            ..Default::default()
        })
        .unwrap();
        let region = Assignee {
            unit_id: region.id,
            unit_name: region.name.clone(),
            unit_path: region.path.clone(),
        };
        let (o, e) = new.into_order(
            OrderId::new_at(now),
            String::new(),
            region,
            self.user,
            "op",
            now,
        );
        self.s
            .commit(Effects::new(o.created_at).new_order(o.clone(), vec![e.clone()], "JC20261124"))
            .await
            .unwrap();
        let sk = OrderSketch {
            order_id: o.id,
            region: o.region.unit_path.clone(),
            created_at: now,
            point: at.map(|(lat, lon)| Point { lat, lon }),
            address_key: None,
            method: "m1".into(),
            sketch: vec![1, 2, u64::MAX],
        };
        self.s
            .put_sketches(std::slice::from_ref(&sk))
            .await
            .unwrap();
        sk
    }

    fn query(&self, near: Near) -> SketchQuery {
        SketchQuery {
            tree: self.county.path.clone(),
            from: t0() - Duration::days(30),
            to: t0() + Duration::days(30),
            method: "m1".into(),
            exclude: OrderId(uuid::Uuid::nil()),
            near,
            unlocated_only: false,
            limit: 100,
        }
    }

    async fn found(&self, q: &SketchQuery) -> Vec<OrderId> {
        self.s
            .open_sketches(std::slice::from_ref(q))
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.order_id)
            .collect()
    }

    async fn close(&self, id: OrderId, status: Status) {
        let o: WorkOrder = self
            .s
            .get_order(crate::county(&self.s).await, id)
            .await
            .unwrap()
            .unwrap();
        let mut next = o.clone();
        next.status = status;
        next.version += 1;
        let entry = HistoryEntry {
            seq: next.version,
            at: t0(),
            actor: self.user,
            actor_name: "op".into(),
            action: "archive".into(),
            from_status: Some(o.status),
            to_status: status,
            payload: serde_json::json!({}),
        };
        self.s
            .commit(Effects::new(t0()).change_order(o.version, next, entry))
            .await
            .unwrap();
    }
}

async fn sketches_round_trip(s: S) {
    let w = world(s).await;
    let mut a = w.order(&w.grid, 0, Some((30.46, 106.63))).await;
    assert_eq!(
        w.s.get_sketch(crate::county(&w.s).await, a.order_id)
            .await
            .unwrap()
            .unwrap(),
        a
    );
    a.method = "m2".into();
    a.sketch = vec![7];
    a.address_key = address_key("滨江路12号");
    w.s.put_sketches(std::slice::from_ref(&a)).await.unwrap();
    assert_eq!(
        w.s.get_sketch(crate::county(&w.s).await, a.order_id)
            .await
            .unwrap()
            .unwrap(),
        a,
        "replaced"
    );
    assert!(
        w.s.get_sketch(crate::county(&w.s).await, OrderId(uuid::Uuid::now_v7()))
            .await
            .unwrap()
            .is_none()
    );
    w.s.put_sketches(&[]).await.unwrap();
}

async fn sketches_are_read_by_box_place_and_address(s: S) {
    let w = world(s).await;
    let here = w.order(&w.grid, 0, Some((30.46, 106.63))).await.order_id;
    let far = w.order(&w.grid, 1, Some((30.60, 106.63))).await.order_id;
    let comm = w.order(&w.comm, 2, None).await.order_id;
    let town_a = w.order(&w.town_a, 3, None).await.order_id;
    let town_b = w.order(&w.town_b, 4, None).await.order_id;
    let county = w.order(&w.county, 5, None).await.order_id;
    let boxed = w.query(Near::Box {
        min_lat: 30.45,
        max_lat: 30.47,
        min_lon: 106.62,
        max_lon: 106.64,
    });
    assert_eq!(w.found(&boxed).await, vec![here]);
    let within = w.query(Near::Within(w.town_a.path.clone()));
    assert_eq!(
        w.found(&within).await,
        vec![town_a, comm, far, here],
        "the subtree, newest first"
    );
    let unlocated = SketchQuery {
        unlocated_only: true,
        ..within.clone()
    };
    assert_eq!(w.found(&unlocated).await, vec![town_a, comm]);
    let all = w.query(Near::Within(w.county.path.clone()));
    assert_eq!(w.found(&all).await.len(), 6);
    let at = w.query(Near::AtAny(vec![
        w.county.path.clone(),
        w.town_b.path.clone(),
    ]));
    assert_eq!(w.found(&at).await, vec![county, town_b]);
    assert!(w.found(&w.query(Near::AtAny(vec![]))).await.is_empty());

    let limited = SketchQuery {
        limit: 2,
        ..all.clone()
    };
    assert_eq!(w.found(&limited).await, vec![county, town_b]);
    let excluded = SketchQuery {
        exclude: county,
        ..all.clone()
    };
    assert!(!w.found(&excluded).await.contains(&county));
    let window = SketchQuery {
        from: t0() + Duration::minutes(1),
        to: t0() + Duration::minutes(3),
        ..all.clone()
    };
    assert_eq!(w.found(&window).await, vec![town_a, comm, far]);
    let other_method = SketchQuery {
        method: "m2".into(),
        ..all.clone()
    };
    assert!(w.found(&other_method).await.is_empty());

    let mut addressed = w.order(&w.town_b, 6, None).await;
    addressed.address_key = address_key("官盛镇 新街 8 号");
    w.s.put_sketches(std::slice::from_ref(&addressed))
        .await
        .unwrap();
    let by_address = w.query(Near::Address("官盛镇新街8号".into()));
    assert_eq!(w.found(&by_address).await, vec![addressed.order_id]);

    // Closed orders are no candidates.
    w.close(county, Status::Archived).await;
    w.close(town_b, Status::Merged).await;
    let open = w.found(&all).await;
    assert_eq!(open.len(), 5);
    assert!(!open.contains(&county) && !open.contains(&town_b));
}

async fn orders_without_sketches_are_found(s: S) {
    let w = world(s).await;
    let with = w.order(&w.comm, 0, None).await;
    let mut old = w.order(&w.comm, 1, None).await;
    old.method = "m0".into();
    w.s.put_sketches(std::slice::from_ref(&old)).await.unwrap();
    // An order inserted with no sketch at all.
    let now = t0() + Duration::minutes(2);
    let new = NewWorkOrder::parse(IntakeForm {
        content: "路灯不亮",
        ..Default::default()
    })
    .unwrap();
    let region = Assignee {
        unit_id: w.town_b.id,
        unit_name: w.town_b.name.clone(),
        unit_path: w.town_b.path.clone(),
    };
    let (o, e) = new.into_order(
        OrderId::new_at(now),
        String::new(),
        region,
        w.user,
        "op",
        now,
    );
    w.s.commit(Effects::new(o.created_at).new_order(o.clone(), vec![e.clone()], "JC20261124"))
        .await
        .unwrap();
    let missing: Vec<OrderId> =
        w.s.orders_without_sketch(
            crate::county(&w.s).await,
            "m1",
            t0() - Duration::days(1),
            10,
        )
        .await
        .unwrap()
        .iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(
        missing,
        vec![o.id, old.order_id],
        "newest first; other methods count as missing"
    );
    assert!(!missing.contains(&with.order_id));
    let since =
        w.s.orders_without_sketch(crate::county(&w.s).await, "m1", now, 10)
            .await
            .unwrap();
    assert_eq!(since.len(), 1);
    assert_eq!(
        w.s.orders_without_sketch(crate::county(&w.s).await, "m1", t0(), 1)
            .await
            .unwrap()
            .len(),
        1
    );
    w.close(o.id, Status::Archived).await;
    assert_eq!(
        w.s.orders_without_sketch(crate::county(&w.s).await, "m1", t0(), 10)
            .await
            .unwrap()
            .len(),
        1,
        "closed orders need none"
    );
}

jiceng_store::conformance!(
    sketches_round_trip,
    sketches_are_read_by_box_place_and_address,
    orders_without_sketches_are_found,
);
