//! One client of the load: registers demands with an `Idempotency-Key` and walks each order
//! through its steps, sending the order's version with every step. A request that got no
//! answer (the server was killed) is sent again, the same key or the same version, until it
//! gets one; a step whose first attempt was committed before the kill then answers 409
//! `work_order.version_conflict`, and the order's history must show exactly that step.

use super::server::Base;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub const PASSWORD: &str = "crash-pass-2026";

/// What the clients counted.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// Requests sent again because no answer came back.
    pub resent: u64,
    /// Registrations answered 200 (the order the key had created) after a lost answer.
    pub replayed: u64,
    /// Steps committed before the kill whose answer was lost, found in the history.
    pub recovered: u64,
    /// Logins again after a 401.
    pub relogins: u64,
    /// Answers with a 5xx status: `(status, body)`.
    pub server_errors: Vec<(u16, String)>,
}

impl Tally {
    pub fn add(&mut self, o: &Tally) {
        self.resent += o.resent;
        self.replayed += o.replayed;
        self.recovered += o.recovered;
        self.relogins += o.relogins;
        self.server_errors.extend(o.server_errors.iter().cloned());
    }
}

/// An acknowledged registration and the steps acknowledged after it, in order.
#[derive(Debug, Clone)]
pub struct Acked {
    pub key: String,
    pub body: Value,
    pub id: String,
    pub number: String,
    /// History actions: `register` first.
    pub actions: Vec<&'static str>,
    pub status: &'static str,
}

/// One step: who takes it, the route's last segment, its body, the history action and the
/// status it leads to.
struct Step(
    &'static str,
    &'static str,
    Value,
    &'static str,
    &'static str,
);

pub struct Client {
    pub no: usize,
    http: reqwest::Client,
    base: Base,
    town: String,
    sessions: HashMap<&'static str, (String, String)>,
    rng: StdRng,
    pub tally: Tally,
}

impl Client {
    pub fn new(no: usize, seed: u64, base: Base, town: &str) -> Self {
        Self {
            no,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            base,
            town: town.to_owned(),
            sessions: HashMap::new(),
            rng: StdRng::seed_from_u64(seed),
            tally: Tally::default(),
        }
    }

    /// Registers and walks orders until `stop` is set; the order in progress is finished, then
    /// every key is sent again.
    pub async fn run(mut self, stop: Arc<AtomicBool>) -> (Vec<Acked>, Tally) {
        let mut acked = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let o = self.one_order(acked.len()).await;
            acked.push(o);
        }
        // After the last start: every key sent again names the order it created, and nothing
        // new (keys belong to the user who sent them).
        for a in &acked {
            let path = "/api/v1/work-orders";
            let (st, v, _) = self
                .request("operator", Method::POST, path, Some(&a.body), Some(&a.key))
                .await;
            assert_eq!(
                (st, v["id"].as_str()),
                (StatusCode::OK, Some(a.id.as_str())),
                "{} replayed: {}",
                a.key,
                v["code"]
            );
        }
        (acked, self.tally)
    }

    /// Logs in as each of the client's people. Before the kills: a login cut off by a kill
    /// keeps the attempt it reserved counted against the address until the window passes,
    /// and enough of them lock every login from it.
    pub async fn login_all(mut self) -> Self {
        for user in ["operator", "dispatcher", "handler", "leader"] {
            self.login(user).await;
        }
        self
    }

    async fn base(&self) -> String {
        loop {
            if let Some(b) = self.base.lock().unwrap().clone() {
                return b;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn login(&mut self, user: &'static str) -> (String, String) {
        if let Some(s) = self.sessions.get(user) {
            return s.clone();
        }
        loop {
            let url = format!("{}/api/v1/auth/login", self.base().await);
            // Each client has its own people: concurrent logins of one user are refused while
            // the login lock counts them.
            let username = format!("{user}{}", self.no);
            let body = json!({"username": username, "password": PASSWORD});
            let Ok(resp) = self.http.post(url).json(&body).send().await else {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            };
            let status = resp.status();
            let cookie = resp
                .headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find(|c| c.starts_with("jiceng_session="))
                .and_then(|c| c.split(';').next())
                .map(str::to_owned);
            let Ok(v) = resp.json::<Value>().await else {
                continue;
            };
            assert_eq!(status, StatusCode::OK, "login {user}: {v}");
            let s = (
                cookie.unwrap(),
                v["csrf_token"].as_str().unwrap().to_owned(),
            );
            self.sessions.insert(user, s.clone());
            return s;
        }
    }

    /// Sends until an answer comes back: (status, body, whether an earlier attempt was cut off).
    pub async fn request(
        &mut self,
        user: &'static str,
        method: Method,
        path: &str,
        body: Option<&Value>,
        key: Option<&str>,
    ) -> (StatusCode, Value, bool) {
        let mut cut = false;
        loop {
            let (cookie, csrf) = self.login(user).await;
            let mut req = self
                .http
                .request(method.clone(), format!("{}{path}", self.base().await))
                .header("cookie", cookie)
                .header("x-csrf-token", csrf);
            if let Some(b) = body {
                req = req.json(b);
            }
            if let Some(k) = key {
                req = req.header("idempotency-key", k);
            }
            let answer = match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    resp.bytes().await.map(|b| (status, b))
                }
                Err(e) => Err(e),
            };
            let Ok((status, bytes)) = answer else {
                cut = true;
                self.tally.resent += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            };
            let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            if status == StatusCode::UNAUTHORIZED {
                self.sessions.remove(user);
                self.tally.relogins += 1;
                continue;
            }
            if status.is_server_error() {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                self.tally.server_errors.push((status.as_u16(), text));
                cut = true;
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            return (status, value, cut);
        }
    }

    fn intake(&mut self, n: usize) -> Value {
        let places = ["滨江路", "建设路", "人民广场", "西溪村", "北辰小区"];
        let issues = ["路灯不亮", "井盖缺失", "垃圾清运不及时", "夜间施工噪音扰民"];
        let place = places[self.rng.gen_range(0..places.len())];
        let issue = issues[self.rng.gen_range(0..issues.len())];
        json!({
            "caller_name": "王先生",
            "caller_phone": format!("139{:04}{:04}", self.no, n % 10_000),
            "wants_callback": true,
            "content": format!("{place}{}号附近{issue}，请尽快处理。客户端{}第{n}件。", n % 97 + 1, self.no),
            "address": format!("浓洄街道{place}{}号", n % 300 + 1),
            "region_unit_id": self.town,
        })
    }

    /// The steps of one order's life, cut off after a random number of them.
    fn plan(&mut self) -> Vec<Step> {
        let town = json!(self.town);
        let mut steps = vec![
            Step(
                "dispatcher",
                "dispatch",
                json!({"lead_unit_id": town}),
                "dispatch",
                "dispatched",
            ),
            Step("handler", "accept", json!({}), "accept", "handling"),
        ];
        if self.rng.gen_bool(0.3) {
            steps.push(Step(
                "handler",
                "suspend",
                json!({"reason": "等待业主提供材料"}),
                "suspend",
                "suspended",
            ));
            steps.push(Step("handler", "resume", json!({}), "resume", "handling"));
        }
        steps.push(Step(
            "handler",
            "note",
            json!({"text": "已到现场查看"}),
            "note",
            "handling",
        ));
        let review = self.rng.gen_bool(0.4);
        let after_reply = if review { "pending_review" } else { "replied" };
        steps.push(Step(
            "handler",
            "reply",
            json!({"text": "已修复，请查看。", "review": review}),
            "reply",
            after_reply,
        ));
        if review {
            steps.push(Step(
                "leader",
                "review",
                json!({"approve": true}),
                "review",
                "replied",
            ));
        }
        steps.push(Step(
            "operator",
            "follow-up",
            json!({"satisfaction": "satisfied", "solved": true}),
            "follow_up",
            "visited",
        ));
        steps.push(Step(
            "operator",
            "archive",
            json!({}),
            "archive",
            "archived",
        ));
        let keep = self.rng.gen_range(0..=steps.len());
        steps.truncate(keep);
        steps
    }

    async fn one_order(&mut self, n: usize) -> Acked {
        let key = format!("crash-{}-{n}", self.no);
        let body = self.intake(n);
        let (st, v, cut) = self
            .request(
                "operator",
                Method::POST,
                "/api/v1/work-orders",
                Some(&body),
                Some(&key),
            )
            .await;
        match (st, cut) {
            (StatusCode::CREATED, _) => {}
            (StatusCode::OK, true) => self.tally.replayed += 1,
            _ => panic!("register {key}: {st} {v}"),
        }
        assert_eq!(
            (v["version"].as_u64(), v["status"].as_str()),
            (Some(1), Some("registered")),
            "{v}"
        );
        let mut o = Acked {
            key,
            body,
            id: v["id"].as_str().unwrap().to_owned(),
            number: v["number"].as_str().unwrap().to_owned(),
            actions: vec!["register"],
            status: "registered",
        };
        for step in self.plan() {
            self.step(&mut o, step).await;
        }
        o
    }

    async fn step(&mut self, o: &mut Acked, Step(user, route, mut body, action, to): Step) {
        let version = o.actions.len() as u64;
        body["version"] = json!(version);
        let path = format!("/api/v1/work-orders/{}/{route}", o.id);
        let (st, v, cut) = self
            .request(user, Method::POST, &path, Some(&body), None)
            .await;
        let conflict = st == StatusCode::CONFLICT && v["code"] == "work_order.version_conflict";
        if st == StatusCode::OK {
            assert_eq!(
                v["version"].as_u64(),
                Some(version + 1),
                "{action} {}: {v}",
                o.number
            );
            assert_eq!(v["status"], to, "{action} {}: {v}", o.number);
        } else if conflict && cut {
            // The first attempt was committed and its answer lost: the history shows it, once.
            let history = format!("/api/v1/work-orders/{}/history", o.id);
            let (st, h, _) = self
                .request("dispatcher", Method::GET, &history, None, None)
                .await;
            assert_eq!(st, StatusCode::OK, "{h}");
            let h = h.as_array().unwrap();
            assert_eq!(h.len() as u64, version + 1, "{action} {}: {h:?}", o.number);
            let last = &h[h.len() - 1];
            assert_eq!(
                (last["action"].as_str(), last["to_status"].as_str()),
                (Some(action), Some(to)),
                "{}",
                o.number
            );
            self.tally.recovered += 1;
        } else {
            panic!("{action} on {} at version {version}: {st} {v}", o.number);
        }
        o.actions.push(action);
        o.status = to;
    }
}
