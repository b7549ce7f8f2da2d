//! Clocks on subjects that are not work orders: a kind of subject defined here, with its own
//! handler, runs through yellow, red and the escalation ladder (reminder, supervision,
//! circular) under the server's sweeper, restarted between steps and raced by a second
//! sweeper on its own connection pool; each step fires once, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use jiceng_kernel::calendar::TimeLimit;
use jiceng_kernel::clock::{Clock, FixedClock};
use jiceng_kernel::org::{NewOrgUnit, OrgKind, OrgUnit};
use jiceng_kernel::subject::{Subject, SubjectKind};
use jiceng_orders::effects::{ClockWrite, Effects};
use jiceng_orders::sla::{ClockKind, EscalationQuery, SlaStore, Step};
use jiceng_orders::use_cases::{
    NewStandaloneClock, Orders, StandaloneClocks, SubjectClocks, SubjectNames,
};
use jiceng_orders::work_order::Assignee;
use jiceng_server::Argon2Secrets;
use jiceng_server::sweeper::{self, SweeperConfig, Wake};
use jiceng_store::SqlStore;
use jiceng_store::testing::{self, TestDb};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// 整改任务: a bad rating's rectification, which a unit must finish in working days.
const RECTIFICATION: SubjectKind = SubjectKind::named("rectification");

/// The steps each handler stored, in the order they were stored, shared by every process.
type Log = Arc<Mutex<Vec<(uuid::Uuid, Step)>>>;

/// The test's own handler: the generic pieces (the clock in its row, the shared escalation
/// record, the store's conditional write), and a log of each step it stored.
struct Rectifications {
    log: Log,
}

#[async_trait]
impl SubjectClocks for Rectifications {
    fn kind(&self) -> SubjectKind {
        RECTIFICATION
    }

    async fn fire(
        &self,
        s: &Orders,
        county: jiceng_kernel::ids::CountyId,
        id: uuid::Uuid,
        kind: ClockKind,
        now: DateTime<Utc>,
    ) -> jiceng_kernel::Result<bool> {
        let subject = Subject::new(RECTIFICATION, id);
        let Some(mut c) = s.store.standalone_clock(county, &subject, kind).await? else {
            return Ok(false);
        };
        let policy = s.sla.for_region(&c.clock.unit.unit_path);
        let Some((step, _)) = c.clock.advance_due(now, policy)? else {
            return Ok(false);
        };
        let mut records = Vec::new();
        if step.is_escalation() {
            let about = SubjectNames {
                subject: &subject,
                reference: &c.reference,
                label: &c.label,
            };
            let r = s
                .escalation_record(about, &c.clock, step, now, policy)
                .await?;
            records.push(r);
        }
        let mut effects = Effects::new(now);
        effects.clocks.push(ClockWrite::Standalone {
            clock: c,
            awaiting: Some(step),
        });
        effects.escalations = records;
        s.store.commit(&effects).await?;
        self.log.lock().unwrap().push((id, step));
        Ok(true)
    }
}

fn local(d: u32, h: u32) -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 3, d, h, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

async fn database(postgres: bool) -> Option<TestDb> {
    if postgres {
        testing::postgres().await
    } else {
        Some(testing::sqlite().await)
    }
}

/// One process: its own pool on the database, use cases with the test's handler, and its
/// sweeper task.
struct Process {
    wake: Arc<Wake>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

/// The use cases of a process of its own: a new pool on the database.
async fn orders_on(url: &str, clock: &Arc<FixedClock>, handler: Arc<dyn SubjectClocks>) -> Orders {
    let store = SqlStore::connect(url).await.unwrap();
    Orders::new(
        Arc::new(store),
        clock.clone() as Arc<dyn Clock>,
        Arc::new(Argon2Secrets),
    )
    .with_subject_clocks(handler)
}

impl Process {
    async fn start(url: &str, clock: &Arc<FixedClock>, handler: Arc<dyn SubjectClocks>) -> Self {
        let orders = orders_on(url, clock, handler).await;
        let wake = Arc::new(Wake::default());
        let (stop, stopped) = watch::channel(false);
        // The sweep's own loop, without the job runtime's lease, so two processes really race.
        let w = wake.clone();
        let task = tokio::spawn(async move {
            let config = SweeperConfig::default();
            let mut stopped = stopped;
            while !*stopped.borrow() {
                // A pass that fails (a lock held by the other process) is tried again soon.
                let pause = sweeper::tick(&orders, &w, &config, &stopped)
                    .await
                    .unwrap_or(Duration::from_millis(500));
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = w.notified() => {}
                    _ = stopped.changed() => {}
                }
            }
        });
        Self { wake, stop, task }
    }

    async fn stop(self) {
        self.stop.send(true).unwrap();
        self.task.await.unwrap();
    }
}

fn assignee(u: &OrgUnit) -> Assignee {
    Assignee {
        unit_id: u.id,
        unit_name: u.name.clone(),
        unit_path: u.path.clone(),
    }
}

async fn tree(s: &Orders) -> [OrgUnit; 3] {
    let county = s
        .accounts
        .system_create_unit(NewOrgUnit::parse(None, OrgKind::County, "广安区", None, None).unwrap())
        .await
        .unwrap();
    let town = NewOrgUnit::parse(Some(county.id), OrgKind::Street, "浓洄街道", None, None);
    let town = s.accounts.system_create_unit(town.unwrap()).await.unwrap();
    let comm = NewOrgUnit::parse(Some(town.id), OrgKind::Community, "滨江社区", None, None);
    let comm = s.accounts.system_create_unit(comm.unwrap()).await.unwrap();
    [county, town, comm]
}

async fn ladder_across_restarts(postgres: bool) {
    let Some(db) = database(postgres).await else {
        return;
    };
    let clock = Arc::new(FixedClock::at(local(2, 9)));
    let log: Log = Arc::default();
    let handler: Arc<dyn SubjectClocks> = Arc::new(Rectifications { log: log.clone() });
    let first = Orders::new(
        db.store.clone(),
        clock.clone() as Arc<dyn Clock>,
        Arc::new(Argon2Secrets),
    )
    .with_subject_clocks(handler.clone());
    let [county, town, comm] = tree(&first).await;
    let id = uuid::Uuid::now_v7();
    let subject = Subject::new(RECTIFICATION, id);
    let started = first
        .start_standalone_clock(NewStandaloneClock {
            subject: subject.clone(),
            reference: "ZG20260302000001".into(),
            label: "整改任务 ZG20260302000001「差评整改：窗口办事排队过长」".into(),
            kind: ClockKind::Handling,
            unit: assignee(&comm),
            limit: TimeLimit::WorkingDays(3),
            basis: "好差评整改时限".into(),
        })
        .await
        .unwrap();
    let policy = first.sla.for_region(&comm.path);
    let ladder = policy.ladder_for(false);
    let due = |step| {
        started
            .clock
            .due_of(step, ladder, &policy.calendar)
            .unwrap()
    };

    // Each stage: a restarted pair of processes racing, the clock moved just past the stage's
    // instant; red and the reminder fall due together, at the deadline.
    let stages: [(DateTime<Utc>, &[Step]); 4] = [
        (due(Step::Yellow), &[Step::Yellow]),
        (due(Step::Red), &[Step::Yellow, Step::Red, Step::Reminder]),
        (
            due(Step::Supervision),
            &[Step::Yellow, Step::Red, Step::Reminder, Step::Supervision],
        ),
        (due(Step::Circular), &Step::ALL),
    ];
    assert!(stages.windows(2).all(|w| w[0].0 < w[1].0));
    for (at, want) in stages {
        // Just before the stage nothing new fires.
        *clock.0.lock().unwrap() = at - chrono::Duration::seconds(1);
        let a = Process::start(&db.url, &clock, handler.clone()).await;
        let b = Process::start(&db.url, &clock, handler.clone()).await;
        a.wake.wake_now();
        b.wake.wake_now();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let before = want.len() - want.iter().filter(|s| due(**s) == at).count();
        assert_eq!(log.lock().unwrap().len(), before, "nothing early at {at}");

        *clock.0.lock().unwrap() = at;
        a.wake.wake_now();
        b.wake.wake_now();
        let limit = std::time::Instant::now() + Duration::from_secs(15);
        while log.lock().unwrap().len() < want.len() && std::time::Instant::now() < limit {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        a.stop().await;
        b.stop().await;
        let fired: Vec<Step> = log.lock().unwrap().iter().map(|(_, s)| *s).collect();
        assert_eq!(fired, want, "each step once, in order, at {at}");
    }

    // The records: one per escalation step, up the unit's path, about the subject.
    let records = db
        .store
        .list_escalations(&EscalationQuery {
            scope: vec![county.path.clone()],
            subject: Some(subject.clone()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut by_step: HashMap<Step, usize> = HashMap::new();
    for r in &records {
        *by_step.entry(r.step).or_default() += 1;
        assert_eq!(r.subject, subject);
        assert_eq!(r.reference, "ZG20260302000001");
        assert_eq!(r.unit.unit_id, comm.id);
        assert!(r.text.contains("整改任务 ZG20260302000001"), "{}", r.text);
        let to = match r.step {
            Step::Reminder => comm.id,
            Step::Supervision => town.id,
            _ => county.id,
        };
        assert_eq!(r.addressee.unit_id, to, "{:?}", r.step);
    }
    let once = [
        (Step::Reminder, 1),
        (Step::Supervision, 1),
        (Step::Circular, 1),
    ];
    assert_eq!(by_step, once.into_iter().collect());
    let row = db
        .store
        .standalone_clock(comm.path.county(), &subject, ClockKind::Handling)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.clock.next_step, row.clock.next_due), (None, None));
}

#[tokio::test]
async fn rectification_ladder_across_restarts_sqlite() {
    ladder_across_restarts(false).await;
}

#[tokio::test]
async fn rectification_ladder_across_restarts_postgres() {
    ladder_across_restarts(true).await;
}

/// Many subjects under the generic handler, two sweeps racing batch by batch: every step of
/// every subject stored once, and the sweeps did collide.
async fn generic_race(postgres: bool) {
    const SUBJECTS: usize = 12;
    let Some(db) = database(postgres).await else {
        return;
    };
    let clock = Arc::new(FixedClock::at(local(2, 9)));
    let generic: Arc<dyn SubjectClocks> = Arc::new(StandaloneClocks {
        kind: RECTIFICATION,
    });
    let s1 = orders_on(&db.url, &clock, generic.clone()).await;
    let [county, _, comm] = tree(&s1).await;
    let mut subjects = Vec::new();
    for i in 0..SUBJECTS {
        let subject = Subject::new(RECTIFICATION, uuid::Uuid::now_v7());
        s1.start_standalone_clock(NewStandaloneClock {
            subject: subject.clone(),
            reference: format!("ZG{i:06}"),
            label: format!("整改任务 ZG{i:06}"),
            kind: ClockKind::Handling,
            unit: assignee(&comm),
            limit: TimeLimit::WorkingDays(2),
            basis: "好差评整改时限".into(),
        })
        .await
        .unwrap();
        subjects.push(subject);
    }
    let s2 = orders_on(&db.url, &clock, generic).await;
    // Work orders' handler is there too, and has nothing to do.
    assert!(s1.subject_clocks.kinds().contains(&SubjectKind::WORK_ORDER));

    clock.advance(chrono::Duration::days(40));
    let (mut fired, mut lost) = (0, 0);
    loop {
        let (a, b) = tokio::join!(s1.sweep_due(5), s2.sweep_due(5));
        let (a, b) = (a.unwrap(), b.unwrap());
        fired += a.fired + b.fired;
        lost += a.lost_races + b.lost_races;
        if a.due == 0 && b.due == 0 {
            break;
        }
    }
    assert_eq!(fired, SUBJECTS * Step::ALL.len(), "five steps each, once");
    assert!(lost > 0, "the two sweeps did race for the same steps");
    for subject in &subjects {
        let records = s1
            .store
            .list_escalations(&EscalationQuery {
                scope: vec![county.path.clone()],
                subject: Some(subject.clone()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        let mut steps: Vec<Step> = records.iter().map(|r| r.step).collect();
        steps.sort();
        assert_eq!(steps, [Step::Reminder, Step::Supervision, Step::Circular]);
    }
    assert_eq!(s1.next_due().await.unwrap(), None);
}

#[tokio::test]
async fn generic_subjects_race_sqlite() {
    generic_race(false).await;
}

#[tokio::test]
async fn generic_subjects_race_postgres() {
    generic_race(true).await;
}
