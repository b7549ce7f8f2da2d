//! The web UI served by the binary: its files with their cache rules and precompressed copies,
//! the app's page for its own paths, JSON for unknown API paths, and a page that says how to
//! build the UI when there is none. A folder (`web_dir`) stands in for the build so the tests
//! do not depend on whether `web/dist` was built.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Backend, TestApp, spawn};
use reqwest::StatusCode;
use std::path::Path;

const INDEX: &str = "<!doctype html><html><title>基层</title><div id=\"app\"></div></html>";
const SCRIPT: &str = "console.log('console page')";

fn write(dir: &Path, name: &str, data: &[u8]) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

async fn with_ui(files: &[(&str, &[u8])]) -> (TestApp, tempfile::TempDir) {
    let mut app = spawn(Backend::Sqlite).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (name, data) in files {
        write(dir.path(), name, data);
    }
    app.web_dir = Some(dir.path().to_owned());
    app.restart().await;
    (app, dir)
}

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn pages_files_and_api_paths_each_get_their_answer() {
    let (app, _dir) = with_ui(&[
        ("index.html", INDEX.as_bytes()),
        ("assets/console-3f2a.js", SCRIPT.as_bytes()),
        ("assets/console-3f2a.js.br", b"brotli bytes"),
        ("assets/console-3f2a.js.gz", b"gzip bytes"),
    ])
    .await;

    // A path of the app is its page, revalidated on every visit, with the security headers.
    let page = get(&app, "/console/orders/0193a5b0", &[]).await;
    assert_eq!(page.status(), StatusCode::OK);
    let h = page.headers().clone();
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_eq!(h["cache-control"], "no-cache");
    assert!(h.contains_key("content-security-policy"));
    let etag = h["etag"].to_str().unwrap().to_owned();
    assert_eq!(page.text().await.unwrap(), INDEX);
    let again = get(&app, "/portal", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // A hashed asset is cached for a year; the compressed copy the client takes is sent as it is.
    let br = get(
        &app,
        "/assets/console-3f2a.js",
        &[("accept-encoding", "gzip, br")],
    )
    .await;
    assert_eq!(br.status(), StatusCode::OK);
    assert_eq!(br.headers()["content-encoding"], "br");
    assert_eq!(br.headers()["vary"], "Accept-Encoding");
    assert_eq!(
        br.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let gz = get(
        &app,
        "/assets/console-3f2a.js",
        &[("accept-encoding", "gzip, br;q=0")],
    )
    .await;
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let plain = get(
        &app,
        "/assets/console-3f2a.js",
        &[("accept-encoding", "identity")],
    )
    .await;
    assert!(plain.headers().get("content-encoding").is_none());
    assert!(
        plain.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(plain.text().await.unwrap(), SCRIPT);

    // A missing file is a 404, not the app's page.
    let missing = get(&app, "/assets/gone-0000.js", &[]).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(!missing.text().await.unwrap().contains("<html"));

    // Unknown API paths and state changes outside the API stay JSON errors.
    let (st, b) = common::split(get(&app, "/api/v1/nothing-here", &[]).await).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(b["code"], "request.not_found");
    let (st, b) = common::split(
        app.client
            .post(app.url("/console/orders"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(b["code"], "request.not_found");
}

#[tokio::test]
async fn without_a_build_the_pages_say_how_to_build_the_ui() {
    let (app, _dir) = with_ui(&[]).await;
    let page = get(&app, "/login", &[]).await;
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    let text = page.text().await.unwrap();
    assert!(text.contains("make web"), "{text}");
    // The API works all the same.
    let health = get(&app, "/healthz", &[]).await;
    assert_eq!(health.status(), StatusCode::OK);
}
