//! Starts `jiceng serve --demo` on port 0 and talks to it over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers, too

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Kills the server when the test ends, pass or fail.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn serve_demo_answers_health_and_login() {
    let dir = tempfile::tempdir().unwrap();
    // A year imported with `calendar import` is counted on by the server too.
    let calendar = dir.path().join("data/calendar");
    std::fs::create_dir_all(&calendar).unwrap();
    std::fs::write(
        calendar.join("2031.json"),
        r#"{"year": 2031, "papers": [], "days": [{"name": "元旦", "date": "2031-01-01", "isOffDay": true}]}"#,
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jiceng"));
    for (k, _) in std::env::vars() {
        if k.starts_with("JICENG_") {
            cmd.env_remove(k);
        }
    }
    let child = cmd
        .current_dir(dir.path())
        .args([
            "serve",
            "--demo",
            "--insecure-cookies",
            "--listen",
            "127.0.0.1:0",
        ])
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let stdout = server.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut base = None;
    let mut seen = Vec::new();
    while base.is_none() {
        // Seeding the demo takes the unoptimised binary a minute alone, and several on a
        // loaded two-core machine.
        let line = rx
            .recv_timeout(Duration::from_secs(300))
            .unwrap_or_else(|_| panic!("no address printed; got {seen:?}"));
        if let Some(i) = line.find("http://") {
            base = Some(line[i..].trim().to_owned());
        }
        seen.push(line);
    }
    let base = base.unwrap();
    assert!(!base.ends_with(":0"), "the bound port is printed: {base}");
    assert!(
        seen.iter().any(|l| l.contains("seeded the demo county")),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .any(|l| l.starts_with("Working calendar:") && l.contains("2031")),
        "{seen:?}"
    );

    let http = reqwest::Client::new();
    let health = http.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let body: serde_json::Value = health.json().await.unwrap();
    assert_eq!(body["status"], "ok");

    let login = |password: &'static str| {
        http.post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({"username": "admin", "password": password}))
            .send()
    };
    let ok = login("jiceng-demo").await.unwrap();
    assert_eq!(ok.status(), 200);
    let cookies: Vec<String> = ok
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        cookies.iter().any(|c| c.starts_with("jiceng_session=")),
        "{cookies:?}"
    );
    assert!(cookies.iter().all(|c| !c.contains("Secure")), "{cookies:?}");
    let me: serde_json::Value = ok.json().await.unwrap();
    assert_eq!(me["user"]["username"], "admin");
    assert_eq!(me["user"]["roles"][0]["role"], "administrator");

    let bad = login("wrong-password-1").await.unwrap();
    assert_eq!(bad.status(), 401);
}
