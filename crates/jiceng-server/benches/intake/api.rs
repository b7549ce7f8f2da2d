//! The load: registrations through the HTTP API at a fixed concurrency.

use super::*;

/// Logs in; returns the cookie header value and the CSRF token.
pub(crate) async fn login(client: &reqwest::Client, base: &str) -> (String, String) {
    let resp = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "operator", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("jiceng_session="))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned();
    let body: Value = resp.json().await.unwrap();
    (cookie, body["csrf_token"].as_str().unwrap().to_owned())
}

pub(crate) fn bodies(n: usize, texts: &[(String, String)], seeded: &Seeded) -> Vec<String> {
    let surnames = ["张", "王", "李", "赵", "刘", "陈", "杨", "黄"];
    (0..n)
        .map(|i| {
            let (category, text) = &texts[i];
            let region = if i % 2 == 0 {
                seeded.town
            } else {
                seeded.county
            };
            json!({
                "channel": if i % 3 == 0 { "web" } else { "hotline" },
                "caller_name": format!("{}先生", surnames[i % surnames.len()]),
                "caller_phone": format!("139{:08}", i),
                "content": text,
                "category": category,
                // Spread over a square of about 11 × 10 km, as the orders of a county town over
                // the duplicate window: some 50 others lie within 500 m of each one at 5,000.
                "latitude": 30.40 + (i * 7919 % 1000) as f64 * 1e-4,
                "longitude": 106.58 + (i * 104_729 % 1000) as f64 * 1e-4,
                "address": format!("浓洄街道滨江路{}号", i % 300 + 1),
                "region_unit_id": region.to_string(),
            })
            .to_string()
        })
        .collect()
}

pub(crate) struct ApiRun {
    pub(crate) elapsed: Duration,
    pub(crate) latencies: Vec<Duration>,
}

pub(crate) async fn drive_api(
    base: &str,
    cookie: &str,
    csrf: &str,
    bodies: Vec<String>,
    conc: usize,
) -> ApiRun {
    let client = reqwest::Client::new();
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let url = Arc::new(format!("{base}/api/v1/work-orders"));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..conc {
        let (client, bodies, next, url) =
            (client.clone(), bodies.clone(), next.clone(), url.clone());
        let (cookie, csrf) = (cookie.to_owned(), csrf.to_owned());
        workers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= bodies.len() {
                    return lat;
                }
                let t = Instant::now();
                let resp = client
                    .post(url.as_str())
                    .header("cookie", &cookie)
                    .header("x-csrf-token", &csrf)
                    .header("idempotency-key", format!("bench-intake-{i}"))
                    .header("content-type", "application/json")
                    .body(bodies[i].clone())
                    .send()
                    .await
                    .unwrap();
                let status = resp.status();
                let body = resp.bytes().await.unwrap();
                lat.push(t.elapsed());
                assert_eq!(
                    status,
                    StatusCode::CREATED,
                    "order {i}: {}",
                    String::from_utf8_lossy(&body)
                );
            }
        }));
    }
    let mut latencies = Vec::new();
    for w in workers {
        latencies.extend(w.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    ApiRun { elapsed, latencies }
}
