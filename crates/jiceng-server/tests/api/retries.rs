//! Retries, not 500s: a transaction that loses a race (SQLSTATE 40001, 40P01) runs the whole
//! request again, and writes its history entry, audit entry and notification once; past the
//! bound the answer is 503 with `Retry-After`. PostgreSQL only: SQLite takes one writer at a
//! time and never aborts a transaction for a race.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Backend, Session, TestApp, error_code};
use reqwest::StatusCode;
use serde_json::json;
use sqlx::postgres::PgPool;
use std::time::Duration;

/// A server on PostgreSQL with the sweeper off, and a connection of the test's own.
async fn setup() -> Option<(TestApp, PgPool)> {
    let idle = jiceng_server::sweeper::SweeperConfig {
        enabled: false,
        ..Default::default()
    };
    let app = common::spawn_with(Backend::Postgres, None, idle).await?;
    let pg = PgPool::connect(&app.db.url).await.unwrap();
    Some((app, pg))
}

/// A registered order, dispatched to the department and accepted by its handler: the next step
/// (a reply) changes the order and writes a history entry, an audit entry and a notification.
async fn accepted_order(app: &TestApp) -> (Session, String) {
    let operator = app.login("operator").await;
    let dispatcher = app.login("dispatcher").await;
    let handler = app.login("dept_handler").await;
    let id = common::register(&operator).await;
    let dept = app.units["dept"].id.to_string();
    let (st, b) = dispatcher
        .post(
            &format!("/api/v1/work-orders/{id}/dispatch"),
            json!({"lead_unit_id": dept}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, b) = handler
        .post(&format!("/api/v1/work-orders/{id}/accept"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    (handler, id)
}

async fn reply(handler: &Session, id: &str) -> (StatusCode, serde_json::Value, Option<String>) {
    let resp = handler
        .client
        .post(format!("{}/api/v1/work-orders/{id}/reply", handler.base))
        .header("cookie", &handler.cookie)
        .header("x-csrf-token", &handler.csrf)
        .json(&json!({"text": "井盖已补装"}))
        .send()
        .await
        .unwrap();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let (st, body) = common::split(resp).await;
    (st, body, retry_after)
}

/// What one order has written: history entries, audit entries about it, notifications.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
struct Written {
    history: i64,
    audit: i64,
    notices: i64,
}

async fn written(pg: &PgPool, id: &str) -> Written {
    let id = uuid::Uuid::parse_str(id).unwrap();
    let count = |sql: &'static str| async move {
        let n: i64 = sqlx::query_scalar(sql)
            .bind(id)
            .fetch_one(pg)
            .await
            .unwrap();
        n
    };
    Written {
        history: count("SELECT count(*) FROM work_order_history WHERE order_id = $1").await,
        audit: count("SELECT count(*) FROM audit_log WHERE object LIKE '%' || $1::text || '%'")
            .await,
        notices: count("SELECT count(*) FROM outbox WHERE order_id = $1").await,
    }
}

/// What a reply writes when nothing races it, measured on an order of its own.
async fn one_reply(app: &TestApp, pg: &PgPool) -> Written {
    let (handler, id) = accepted_order(app).await;
    let before = written(pg, &id).await;
    let (st, b, _) = reply(&handler, &id).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let after = written(pg, &id).await;
    let delta = Written {
        history: after.history - before.history,
        audit: after.audit - before.audit,
        notices: after.notices - before.notices,
    };
    assert!(
        delta.history == 1 && delta.audit >= 1 && delta.notices == 1,
        "{delta:?}"
    );
    delta
}

async fn lost_race_retries(app: &TestApp) -> String {
    app.metrics_text()
        .await
        .lines()
        .filter(|l| l.starts_with("lost_race_retries_total"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A real serialization failure: the database runs every transaction SERIALIZABLE (as
/// distributed engines do), and a second connection updates the order's row while the reply's
/// transaction waits for it. The first try fails with 40001; the retry reads the order again
/// and succeeds, and the reply is written once.
#[tokio::test]
async fn a_transaction_that_lost_a_race_is_run_again_and_written_once() {
    let Some((mut app, pg)) = setup().await else {
        return;
    };
    let db: String = sqlx::query_scalar("SELECT current_database()::text")
        .fetch_one(&pg)
        .await
        .unwrap();
    // The name comes from the server, the rest is fixed text.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE \"{db}\" SET default_transaction_isolation = 'serializable'"
    )))
    .execute(&pg)
    .await
    .unwrap();
    // New pools, whose connections start SERIALIZABLE.
    app.restart().await;
    let pg = PgPool::connect(&app.db.url).await.unwrap();
    let baseline = one_reply(&app, &pg).await;

    let (handler, id) = accepted_order(&app).await;
    let before = written(&pg, &id).await;
    let mut rival = pg.begin().await.unwrap();
    sqlx::query("UPDATE work_orders SET version = version WHERE id = $1")
        .bind(uuid::Uuid::parse_str(&id).unwrap())
        .execute(&mut *rival)
        .await
        .unwrap();
    let request = tokio::spawn(async move { reply(&handler, &id).await });
    // The reply's transaction now waits for the rival's row lock.
    let mut waited = Duration::ZERO;
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&pg)
        .await
        .unwrap();
        if waiting > 0 {
            break;
        }
        assert!(
            waited < Duration::from_secs(20),
            "the reply never reached the locked row"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += Duration::from_millis(20);
    }
    rival.commit().await.unwrap();
    let (st, b, _) = request.await.unwrap();
    assert_eq!(st, StatusCode::OK, "the lost race was not retried: {b}");
    assert_eq!(b["status"], "replied");
    let id = b["id"].as_str().unwrap().to_owned();
    let after = written(&pg, &id).await;
    let delta = Written {
        history: after.history - before.history,
        audit: after.audit - before.audit,
        notices: after.notices - before.notices,
    };
    assert_eq!(delta, baseline, "written more or less than once");
    // The recorder is the process's: other tests' retries may be counted too.
    let retries = lost_race_retries(&app).await;
    assert!(retries.contains("outcome=\"settled\""), "{retries}");
}

/// Injects a serialization failure (SQLSTATE 40001, raised by the database inside the
/// transaction, after the order row changed) into the reply's first `fail` tries; a sequence
/// counts the tries, since it is the one thing a rolled-back transaction does not undo.
async fn fail_history_writes(pg: &PgPool, id: &str, fail: i64) {
    sqlx::query("CREATE SEQUENCE test_tries")
        .execute(pg)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE FUNCTION test_lose_race() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN \
           IF nextval('test_tries') <= {fail} THEN \
             RAISE EXCEPTION 'injected race' USING ERRCODE = '40001'; \
           END IF; \
           RETURN NEW; \
         END $$"
    )))
    .execute(pg)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE TRIGGER test_lose_race BEFORE INSERT ON work_order_history FOR EACH ROW \
         WHEN (NEW.order_id = '{id}') EXECUTE FUNCTION test_lose_race()"
    )))
    .execute(pg)
    .await
    .unwrap();
}

async fn tries(pg: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT last_value FROM test_tries")
        .fetch_one(pg)
        .await
        .unwrap()
}

#[tokio::test]
async fn races_lost_within_the_bound_are_retried_and_past_it_answer_503() {
    let Some((app, pg)) = setup().await else {
        return;
    };
    let baseline = one_reply(&app, &pg).await;

    // Two lost races, then a success: written once.
    let (handler, id) = accepted_order(&app).await;
    let before = written(&pg, &id).await;
    fail_history_writes(&pg, &id, 2).await;
    let (st, b, _) = reply(&handler, &id).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(
        tries(&pg).await,
        3,
        "two failed tries and the one that passed"
    );
    let after = written(&pg, &id).await;
    let delta = Written {
        history: after.history - before.history,
        audit: after.audit - before.audit,
        notices: after.notices - before.notices,
    };
    assert_eq!(delta, baseline, "written more or less than once");
    sqlx::query("DROP TRIGGER test_lose_race ON work_order_history")
        .execute(&pg)
        .await
        .unwrap();
    sqlx::query("DROP FUNCTION test_lose_race()")
        .execute(&pg)
        .await
        .unwrap();
    sqlx::query("DROP SEQUENCE test_tries")
        .execute(&pg)
        .await
        .unwrap();

    // Races lost every time: a bounded number of tries, then 503 with Retry-After, nothing written.
    let (handler, id) = accepted_order(&app).await;
    // (Reading the order writes an audit entry of its own: count after it.)
    let (_, accepted) = handler.get(&format!("/api/v1/work-orders/{id}")).await;
    let before = written(&pg, &id).await;
    fail_history_writes(&pg, &id, 1000).await;
    let (st, b, retry_after) = reply(&handler, &id).await;
    assert_eq!(
        error_code(st, &b, StatusCode::SERVICE_UNAVAILABLE),
        "storage.busy"
    );
    assert_eq!(retry_after.as_deref(), Some("1"));
    assert_eq!(tries(&pg).await, i64::from(jiceng_server::retry::ATTEMPTS));
    assert_eq!(
        written(&pg, &id).await,
        before,
        "a turned-away request wrote something"
    );
    let (st, o) = handler.get(&format!("/api/v1/work-orders/{id}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(o["status"], accepted["status"], "the order changed");
    assert_eq!(o["version"], accepted["version"], "the order changed");
    let retries = lost_race_retries(&app).await;
    assert!(retries.contains("outcome=\"gave_up\""), "{retries}");
}
