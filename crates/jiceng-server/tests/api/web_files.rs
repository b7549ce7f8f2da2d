//! Files in and out: an upload whose bytes are not what it claims, or too big, is refused and
//! stores nothing; no download path can name another file; downloaded names and types cannot
//! turn into headers or HTML.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Backend, Session, TestApp, error_code, register, spawn, split};
use reqwest::StatusCode;
use serde_json::Value;
use std::io::{Read, Write};

const PNG: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

fn png() -> Vec<u8> {
    [&PNG[..], &[7u8; 500][..]].concat()
}

async fn upload(
    app: &TestApp,
    s: &Session,
    order: &str,
    ty: &str,
    name: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let name: String = name
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let resp = app
        .client
        .post(app.url(&format!(
            "/api/v1/work-orders/{order}/attachments?filename={name}"
        )))
        .header("cookie", &s.cookie)
        .header("x-csrf-token", &s.csrf)
        .header("content-type", ty)
        .body(body)
        .send()
        .await
        .unwrap();
    split(resp).await
}

async fn stored(s: &Session, order: &str) -> usize {
    let (st, list) = s
        .get(&format!("/api/v1/work-orders/{order}/attachments"))
        .await;
    assert_eq!(st, StatusCode::OK, "{list}");
    list.as_array().unwrap().len()
}

async fn uploads_that_lie_or_overflow_store_nothing(app: &TestApp) {
    let operator = app.login("operator").await;
    let order = register(&operator).await;
    let html = b"<html><script>alert(document.cookie)</script></html>".to_vec();
    let jpeg_named_pdf = [&[0xFF, 0xD8, 0xFF, 0xE0][..], &[1u8; 100][..]].concat();
    let cases: [(&str, &str, Vec<u8>, StatusCode, &str); 6] = [
        (
            "image/jpeg",
            "现场.jpg",
            png(),
            StatusCode::BAD_REQUEST,
            "attachment.type_mismatch",
        ),
        (
            "application/pdf",
            "报告.pdf",
            jpeg_named_pdf,
            StatusCode::BAD_REQUEST,
            "attachment.type_mismatch",
        ),
        (
            "image/png",
            "x.png",
            html.clone(),
            StatusCode::BAD_REQUEST,
            "attachment.unsupported_type",
        ),
        (
            "text/html",
            "x.html",
            html,
            StatusCode::BAD_REQUEST,
            "attachment.unsupported_type",
        ),
        (
            "image/png",
            "empty.png",
            vec![],
            StatusCode::BAD_REQUEST,
            "attachment.empty",
        ),
        (
            "image/png",
            "big.png",
            [&png()[..], &vec![0u8; 5 * 1024 * 1024][..]].concat(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "attachment.too_large",
        ),
    ];
    for (ty, name, bytes, status, code) in cases {
        let (st, b) = upload(app, &operator, &order, ty, name, bytes).await;
        assert_eq!(error_code(st, &b, status), code, "{name} as {ty}");
        assert_eq!(stored(&operator, &order).await, 0, "{name} stored nothing");
    }
    let (st, b) = upload(app, &operator, &order, "image/png", "ok.png", png()).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(stored(&operator, &order).await, 1);
}

async fn an_oversized_duty_list_stores_nothing(app: &TestApp) {
    let admin = app.login("admin").await;
    let county = app.units["county"].id;
    let path = format!("/api/v1/org-units/{county}/duty-lists");
    let resp = app
        .client
        .post(app.url(&path))
        .header("cookie", &admin.cookie)
        .header("x-csrf-token", &admin.csrf)
        .header("content-type", "text/csv")
        .body(vec![b'a'; 10 * 1024 * 1024 + 1])
        .send()
        .await
        .unwrap();
    let (st, b) = split(resp).await;
    assert_eq!(
        error_code(st, &b, StatusCode::PAYLOAD_TOO_LARGE),
        "duty_file.too_large"
    );
    let (st, versions) = admin.get(&path).await;
    assert_eq!(st, StatusCode::OK, "{versions}");
    assert_eq!(versions, serde_json::json!([]), "nothing stored");
}

/// Sends `GET target` as written, without the normalisation an HTTP client applies to `..` and
/// `%2e%2e`; the status and the body.
async fn raw_get(app: &TestApp, target: &str, cookie: &str) -> (u16, String) {
    let addr = app.base.trim_start_matches("http://").to_owned();
    let req = format!(
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    );
    let out = tokio::task::spawn_blocking(move || {
        let mut tcp = std::net::TcpStream::connect(addr).unwrap();
        tcp.write_all(req.as_bytes()).unwrap();
        let mut out = Vec::new();
        tcp.read_to_end(&mut out).unwrap();
        out
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.split(' ').nth(1).unwrap().parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

async fn downloads_name_no_other_file(app: &TestApp) {
    let operator = app.login("operator").await;
    let admin = app.login("admin").await;
    let order = register(&operator).await;
    let (st, a) = upload(app, &operator, &order, "image/png", "ok.png", png()).await;
    assert_eq!(st, StatusCode::CREATED, "{a}");
    let aid = a["id"].as_str().unwrap();
    let attachments = format!("/api/v1/work-orders/{order}/attachments");
    let evil = [
        "../../../../etc/passwd",
        "..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "%2Fetc%2Fpasswd",
        "..%5C..%5Cwindows%5Cwin.ini",
        "%00",
    ];
    let mut targets: Vec<String> = Vec::new();
    for e in evil {
        targets.push(format!("{attachments}/{e}"));
        targets.push(format!("/api/v1/work-orders/{e}/attachments/{aid}"));
        targets.push(format!("/api/v1/duty-lists/{e}/file"));
    }
    targets.push(format!("{attachments}/{aid}%00.html"));
    targets.push(format!("{attachments}/{aid}/..%2F..%2F{aid}"));
    targets.push(format!(
        "/api/v1/duty-lists/{aid}/file?format=..%2F..%2Fetc%2Fpasswd"
    ));
    for t in &targets {
        let (status, body) = raw_get(app, t, &admin.cookie).await;
        assert!((400..500).contains(&status), "{t}: {status} {body}");
        let b: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{t}: {body}"));
        assert!(
            b["code"].is_string() && b["message"].is_string(),
            "{t}: {b}"
        );
        assert!(!body.contains("root:") && !body.contains("[fonts]"), "{t}");
    }
    // Outside the API every path is the web UI's: a page of the app (or the page that says the
    // UI is not built), or a 404 for a file it does not have; never a file of the machine.
    for t in [
        "/etc/passwd",
        "/..%2F..%2Fetc%2Fpasswd",
        "/assets/..%2F..%2Fetc%2Fpasswd",
    ] {
        let (status, body) = raw_get(app, t, &admin.cookie).await;
        assert!(!body.contains("root:"), "{t}");
        match status {
            200 => assert!(body.contains("id=\"app\""), "{t}: {body}"),
            404 | 503 => {}
            other => panic!("{t}: {other} {body}"),
        }
    }
    // The real attachment, by its id, still comes back.
    let (status, _) = raw_get(app, &format!("{attachments}/{aid}"), &admin.cookie).await;
    assert_eq!(status, 200);
}

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

async fn downloaded_names_and_types_are_safe(app: &TestApp) {
    let operator = app.login("operator").await;
    let order = register(&operator).await;
    // Quotes and a semicolon are allowed in a stored name; they must not end the header's value.
    let name = "现场\"; filename=evil.html; x=\".png";
    let (st, a) = upload(app, &operator, &order, "image/png", name, png()).await;
    assert_eq!(st, StatusCode::CREATED, "{a}");
    assert_eq!(a["filename"], name);
    let resp = app
        .client
        .get(app.url(&format!(
            "/api/v1/work-orders/{order}/attachments/{}",
            a["id"].as_str().unwrap()
        )))
        .header("cookie", &operator.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let cd = header(&resp, "content-disposition");
    assert_eq!(
        cd,
        "attachment; filename=\"___; filename=evil.html; x=_.png\"; \
         filename*=UTF-8''%E7%8E%B0%E5%9C%BA_%3B%20filename%3Devil.html%3B%20x%3D_.png"
    );
    assert_eq!(header(&resp, "content-type"), "image/png");
    assert_eq!(header(&resp, "x-content-type-options"), "nosniff");
    assert_eq!(
        header(&resp, "content-security-policy"),
        "default-src 'none'; sandbox"
    );

    // A responsibility list's file, by its generated name.
    let admin = app.login("admin").await;
    let csv = "事项名称,分类编码,关键词,主办单位,协办单位,法律依据,签收时限,办理时限,回访时限,村级协助\n\
               城乡建设类诉求,城乡建设,,城市管理综合行政执法局,,,2工作小时,5个工作日,,否\n";
    let county = app.units["county"].id;
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/org-units/{county}/duty-lists")))
        .header("cookie", &admin.cookie)
        .header("x-csrf-token", &admin.csrf)
        .header("content-type", "text/csv")
        .body(csv.as_bytes().to_vec())
        .send()
        .await
        .unwrap();
    let (st, list) = split(resp).await;
    assert_eq!(st, StatusCode::CREATED, "{list}");
    let id = list["list"]["id"].as_str().unwrap();
    let resp = app
        .client
        .get(app.url(&format!("/api/v1/duty-lists/{id}/file?format=csv")))
        .header("cookie", &admin.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let cd = header(&resp, "content-disposition");
    assert_eq!(
        cd,
        "attachment; filename=\"duty-list-v1.csv\"; filename*=UTF-8''duty-list-v1.csv"
    );
    assert!(header(&resp, "content-type").starts_with("text/csv"));
    assert_eq!(header(&resp, "x-content-type-options"), "nosniff");
    assert_eq!(
        header(&resp, "content-security-policy"),
        "default-src 'none'; sandbox"
    );
}

on_both_apps!(
    uploads_that_lie_or_overflow_store_nothing,
    an_oversized_duty_list_stores_nothing,
    downloads_name_no_other_file,
    downloaded_names_and_types_are_safe,
);
