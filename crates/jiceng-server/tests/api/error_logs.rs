//! A failed request's log line names the route, the subject and the cause, and the client sees
//! none of the cause.

#![allow(clippy::unwrap_used)]

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use jiceng_kernel::error::{Error, codes};
use jiceng_server::error::ApiError;
use jiceng_server::trace::request_span;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tower::ServiceExt;
use tower_http::trace::TraceLayer;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn failing(Path((id, kind)): Path<(String, String)>) -> Result<(), ApiError> {
    let cause = std::io::Error::other("disk I/O error: database is locked");
    Err(match kind.as_str() {
        "fault" => Error::internal("数据库暂时不可用，请稍后重试").with_source(cause),
        "taken" => Error::new(codes::USER_DUPLICATE_USERNAME, "用户名已被使用").with_source(cause),
        _ => Error::new(codes::WORK_ORDER_NOT_FOUND, format!("工单 {id} 不存在")),
    }
    .into())
}

async fn call(uri: &str) -> (StatusCode, String, String) {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = Router::new()
        .route("/api/v1/things/{id}/{kind}", get(failing))
        .layer(TraceLayer::new_for_http().make_span_with(request_span));
    let resp = app
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
        .await
        .unwrap();
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap(), logs)
}

#[tokio::test]
async fn a_server_fault_is_logged_with_route_subject_and_cause_and_not_shown() {
    let (status, body, logs) = call("/api/v1/things/0190ab/fault?phone=13800138000").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        !body.contains("locked"),
        "the cause leaked to the client: {body}"
    );
    assert!(body.contains("\"code\":\"internal\""), "{body}");
    let line = logs
        .lines()
        .find(|l| l.contains("request failed"))
        .unwrap_or_else(|| panic!("no error line in {logs}"));
    assert!(
        line.contains(r#"route="/api/v1/things/{id}/{kind}""#),
        "{line}"
    );
    assert!(line.contains(r#"subject="id=0190ab""#), "{line}");
    assert!(line.contains("code=internal"), "{line}");
    assert!(line.contains("database is locked"), "{line}");
    assert!(
        !logs.contains("13800138000"),
        "the query string was logged: {logs}"
    );
}

#[tokio::test]
async fn a_constraint_conflict_is_logged_with_its_cause() {
    let (status, body, logs) = call("/api/v1/things/0190ab/taken").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(!body.contains("locked"), "{body}");
    let line = logs
        .lines()
        .find(|l| l.contains("request refused"))
        .unwrap_or_else(|| panic!("no conflict line in {logs}"));
    assert!(line.contains("code=user.duplicate_username"), "{line}");
    assert!(line.contains("database is locked"), "{line}");
}

#[tokio::test]
async fn an_ordinary_refusal_is_not_logged_as_a_failure() {
    let (status, _, logs) = call("/api/v1/things/0190ab/missing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        !logs.contains("request failed") && !logs.contains("request refused"),
        "{logs}"
    );
}
