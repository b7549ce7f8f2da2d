//! The operations of the mixed load, each timed from sending to the last byte of the answer.

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Intake,
    Transition,
    List,
    Inbox,
    Lookup,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Intake,
        Kind::Transition,
        Kind::List,
        Kind::Inbox,
        Kind::Lookup,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Kind::Intake => "intake: POST /work-orders (Idempotency-Key)",
            Kind::Transition => "transition: POST /work-orders/{id}/<step>",
            Kind::List => "list: GET /work-orders?limit=20",
            Kind::Inbox => "inbox: GET /work-orders/inbox/to_handle",
            Kind::Lookup => "public lookup: GET /public/work-orders/{number}",
        }
    }
}

/// The steps an order takes after intake: who, the route, the body, the status after it.
const STEPS: [(&str, &str, &str, &str); 6] = [
    ("dispatcher", "dispatch", "lead", "dispatched"),
    ("handler", "accept", "", "handling"),
    ("handler", "note", r#"{"text": "已到现场查看"}"#, "handling"),
    (
        "handler",
        "reply",
        r#"{"text": "已修复，请查看。"}"#,
        "replied",
    ),
    (
        "operator",
        "follow-up",
        r#"{"satisfaction": "satisfied", "solved": true}"#,
        "visited",
    ),
    ("operator", "archive", "", "archived"),
];

struct Open {
    id: String,
    version: u64,
    step: usize,
}

/// A registered order a citizen can look up.
struct Receipt {
    number: String,
    phone: String,
    code: String,
}

/// Citizens look up from many addresses: the lookup's limits count attempts per address.
const CITIZEN_ADDRESSES: u8 = 64;

pub struct Load {
    pub http: reqwest::Client,
    /// One client per citizen address, 127.0.1.1 … on the loopback network.
    citizens: Vec<reqwest::Client>,
    pub base: String,
    pub town: String,
    pub sessions: HashMap<&'static str, (String, String)>,
    open: Mutex<VecDeque<Open>>,
    receipts: Mutex<Vec<Receipt>>,
    next: AtomicUsize,
    pub latencies: Mutex<HashMap<Kind, Vec<Duration>>>,
    pub errors: Mutex<Vec<String>>,
}

impl Load {
    pub fn new(
        base: String,
        town: String,
        sessions: HashMap<&'static str, (String, String)>,
    ) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            citizens: (1..=CITIZEN_ADDRESSES)
                .map(|i| {
                    reqwest::Client::builder()
                        .local_address(std::net::IpAddr::from([127, 0, 1, i]))
                        .timeout(Duration::from_secs(60))
                        .build()
                        .unwrap()
                })
                .collect(),
            base,
            town,
            sessions,
            open: Mutex::new(VecDeque::new()),
            receipts: Mutex::new(Vec::new()),
            next: AtomicUsize::new(0),
            latencies: Mutex::new(HashMap::new()),
            errors: Mutex::new(Vec::new()),
        }
    }

    /// Runs one operation of `kind`; `pick` chooses among the receipts. A transition with no
    /// open order waiting runs as an intake.
    pub async fn run(&self, kind: Kind, pick: f64) {
        let kind = match kind {
            Kind::Transition if self.open.lock().unwrap().is_empty() => Kind::Intake,
            Kind::Lookup if self.receipts.lock().unwrap().is_empty() => Kind::Intake,
            k => k,
        };
        let started = Instant::now();
        let ok = match kind {
            Kind::Intake => self.intake().await,
            Kind::Transition => self.transition().await,
            Kind::List => self.get("dispatcher", "/api/v1/work-orders?limit=20").await,
            Kind::Inbox => {
                self.get("handler", "/api/v1/work-orders/inbox/to_handle?limit=20")
                    .await
            }
            Kind::Lookup => self.lookup(pick).await,
        };
        let took = started.elapsed();
        match ok {
            Ok(()) => self
                .latencies
                .lock()
                .unwrap()
                .entry(kind)
                .or_default()
                .push(took),
            Err(e) => self.errors.lock().unwrap().push(format!("{kind:?}: {e}")),
        }
    }

    async fn send(
        &self,
        user: Option<&str>,
        http: &reqwest::Client,
        post: Option<(Value, Option<String>)>,
        path: &str,
    ) -> Result<(StatusCode, Value), String> {
        let url = format!("{}{path}", self.base);
        let mut req = match &post {
            Some((body, _)) => http.post(url).json(body),
            None => http.get(url),
        };
        if let Some((cookie, csrf)) = user.and_then(|u| self.sessions.get(u)) {
            req = req.header("cookie", cookie).header("x-csrf-token", csrf);
        }
        if let Some((_, Some(key))) = &post {
            req = req.header("idempotency-key", key);
        }
        let resp = req.send().await.map_err(|e| e.to_string())?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok((status, value))
    }

    async fn get(&self, user: &str, path: &str) -> Result<(), String> {
        match self.send(Some(user), &self.http, None, path).await? {
            (StatusCode::OK, _) => Ok(()),
            (st, v) => Err(format!("{path}: {st} {v}")),
        }
    }

    async fn intake(&self) -> Result<(), String> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let phone = format!("139{:08}", n);
        let body = json!({
            "caller_name": "王先生",
            "caller_phone": phone,
            "wants_callback": true,
            "content": format!("滨江路{}号附近路灯不亮已经一周，夜间出行很不安全，请尽快处理。编号{n}。", n % 300 + 1),
            "latitude": 30.40 + (n * 7919 % 1000) as f64 * 1e-4,
            "longitude": 106.58 + (n * 104_729 % 1000) as f64 * 1e-4,
            "address": format!("浓洄街道滨江路{}号", n % 300 + 1),
            "region_unit_id": self.town,
        });
        let key = format!("load-{n}");
        let (st, v) = self
            .send(
                Some("operator"),
                &self.http,
                Some((body, Some(key))),
                "/api/v1/work-orders",
            )
            .await?;
        if st != StatusCode::CREATED {
            return Err(format!("intake: {st} {v}"));
        }
        let field = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
        self.open.lock().unwrap().push_back(Open {
            id: field("id"),
            version: 1,
            step: 0,
        });
        self.receipts.lock().unwrap().push(Receipt {
            number: field("number"),
            phone,
            code: field("tracking_code"),
        });
        Ok(())
    }

    async fn transition(&self) -> Result<(), String> {
        let Some(mut o) = self.open.lock().unwrap().pop_front() else {
            return Ok(());
        };
        let (user, route, body, to) = STEPS[o.step];
        let mut body: Value = match body {
            "" => json!({}),
            "lead" => json!({"lead_unit_id": self.town}),
            b => serde_json::from_str(b).unwrap(),
        };
        body["version"] = json!(o.version);
        let path = format!("/api/v1/work-orders/{}/{route}", o.id);
        let (st, v) = self
            .send(Some(user), &self.http, Some((body, None)), &path)
            .await?;
        if st != StatusCode::OK || v["status"] != to {
            return Err(format!("{route}: {st} {v}"));
        }
        o.version += 1;
        o.step += 1;
        if o.step < STEPS.len() {
            self.open.lock().unwrap().push_back(o);
        }
        Ok(())
    }

    async fn lookup(&self, pick: f64) -> Result<(), String> {
        let (path, citizen) = {
            let r = self.receipts.lock().unwrap();
            let i = ((r.len() as f64 * pick) as usize).min(r.len() - 1);
            let x = &r[i];
            let path = format!(
                "/api/v1/public/work-orders/{}?phone={}&code={}",
                x.number, x.phone, x.code
            );
            (path, &self.citizens[i % self.citizens.len()])
        };
        match self.send(None, citizen, None, &path).await? {
            (StatusCode::OK, _) => Ok(()),
            (st, v) => Err(format!("lookup: {st} {v}")),
        }
    }
}
