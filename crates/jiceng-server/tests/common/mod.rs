//! A real server on port 0 over a fresh database, with a seeded two-town county.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiceng_kernel::clock::Clock;
use jiceng_kernel::ids::{UnitId, UserId};
use jiceng_kernel::org::{NewOrgUnit, OrgKind, OrgUnit};
use jiceng_kernel::user::{NewUser, Role};
use jiceng_orders::use_cases::Orders;
use jiceng_server::sweeper::SweeperConfig;
use jiceng_server::{Application, ServerConfig, orders_for};
use jiceng_store::testing::{self, TestDb};
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

pub const PASSWORD: &str = "test-pass-2026";

/// The audit signing key of test servers.
pub fn test_audit_key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[7u8; 32])
}

pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub orders: Orders,
    pub units: HashMap<&'static str, OrgUnit>,
    pub users: HashMap<&'static str, UserId>,
    /// Wakes the running server's sweeper.
    pub wake: Arc<jiceng_server::sweeper::Wake>,
    /// `http://ADDR` of the running server's metrics listener.
    pub metrics_base: String,
    /// The running server's background jobs.
    pub jobs: jiceng_server::jobs::JobsStatus,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    clock: Option<Arc<dyn Clock>>,
    sweeper: SweeperConfig,
    /// The dispatch engine's settings for the next (re)start; off by default.
    pub dispatch: jiceng_server::engine::DispatchSettings,
    /// The `[sla]` settings for the next (re)start, resolved against the stored units.
    pub sla: Option<jiceng_orders::sla::SlaSettings>,
    /// Serve as a deployment behind HTTPS (Secure cookies, HSTS) from the next (re)start.
    /// The web UI folder served from the next (re)start.
    pub web_dir: Option<std::path::PathBuf>,
    pub secure_cookies: bool,
    pub db: TestDb,
}

pub enum Backend {
    Sqlite,
    Postgres,
}

/// Starts the server; `None` when the backend is not available here.
pub async fn spawn(backend: Backend) -> Option<TestApp> {
    spawn_with(backend, None, SweeperConfig::default()).await
}

/// Starts the server on an injected clock (`None`: the system clock) with these sweeper settings.
pub async fn spawn_with(
    backend: Backend,
    clock: Option<Arc<dyn Clock>>,
    sweeper: SweeperConfig,
) -> Option<TestApp> {
    let db = match backend {
        Backend::Sqlite => testing::sqlite().await,
        Backend::Postgres => testing::postgres().await?,
    };
    let mut t = TestApp {
        base: String::new(),
        client: Client::new(),
        orders: orders_for(db.store.clone()),
        units: HashMap::new(),
        users: HashMap::new(),
        wake: Arc::default(),
        metrics_base: String::new(),
        jobs: Default::default(),
        stop: None,
        server: None,
        clock,
        sweeper,
        dispatch: Default::default(),
        sla: None,
        secure_cookies: false,
        web_dir: None,
        db,
    };
    t.start(t.db.store.clone()).await;
    t.seed().await;
    Some(t)
}

impl TestApp {
    /// The seeded county's audit chain.
    pub fn county_chain(&self) -> jiceng_kernel::audit::chain::Chain {
        jiceng_kernel::audit::chain::Chain::County(self.units["county"].path.county())
    }

    /// Every entry of every audit chain, chain by chain.
    pub async fn audit_entries(&self) -> Vec<jiceng_kernel::audit::chain::AuditEntry> {
        let mut out = Vec::new();
        for (chain, size) in self.orders.store.audit_chains().await.unwrap() {
            let page = self
                .orders
                .store
                .audit_page(chain, 0, u32::try_from(size).unwrap())
                .await
                .unwrap();
            out.extend(page);
        }
        out
    }

    /// The entries about `object` in every chain.
    pub async fn audit_for_object(
        &self,
        object: &str,
    ) -> Vec<jiceng_kernel::audit::chain::AuditEntry> {
        let mut out = Vec::new();
        for (chain, _) in self.orders.store.audit_chains().await.unwrap() {
            out.extend(
                self.orders
                    .store
                    .audit_for_object(chain, object)
                    .await
                    .unwrap(),
            );
        }
        out
    }

    /// Builds the use cases on `store` and serves them.
    async fn start(&mut self, store: Arc<jiceng_store::SqlStore>) {
        let orders = match &self.clock {
            Some(c) => Orders {
                clock: c.clone(),
                ..orders_for(store)
            },
            None => orders_for(store),
        }
        .with_audit_key(test_audit_key());
        let orders = match &self.sla {
            Some(settings) => {
                let policies = orders.sla_policies(settings).await.unwrap();
                orders.with_sla_policies(policies)
            }
            None => orders,
        };
        let config = ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            secure_cookies: self.secure_cookies,
            body_limit: 64 * 1024,
            audit: Default::default(),
            dispatch: self.dispatch.clone(),
            web_dir: self.web_dir.clone(),
        };
        let app = Application::build(config, orders.clone())
            .await
            .unwrap()
            .with_sweeper(self.sweeper.clone())
            .with_model_check(std::time::Duration::from_millis(200))
            .with_metrics_listener("127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        self.base = format!("http://{}", app.local_addr());
        self.metrics_base = format!("http://{}", app.metrics_addr().unwrap());
        self.jobs = app.jobs();
        self.wake = app.sweeper_wake();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        self.stop = Some(stop);
        self.server = Some(tokio::spawn(app.run_until(async move {
            let _ = stopped.await;
        })));
        self.orders = orders;
    }

    /// Stops the server (and its sweeper) and starts a new one on the same database through a
    /// new connection pool, as a restarted process would. Sessions must log in again.
    pub async fn restart(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
        let store = jiceng_store::SqlStore::connect(&self.db.url).await.unwrap();
        self.start(Arc::new(store)).await;
    }

    async fn unit(&mut self, key: &'static str, parent: Option<&str>, kind: OrgKind, name: &str) {
        let parent_id = parent.map(|p| self.units[p].id);
        let new = NewOrgUnit::parse(parent_id, kind, name, None, None).unwrap();
        let u = self.orders.accounts.system_create_unit(new).await.unwrap();
        self.units.insert(key, u);
    }

    pub async fn user(&mut self, key: &'static str, grants: &[(Role, &str)]) -> UserId {
        let grants: Vec<(Role, UnitId)> =
            grants.iter().map(|(r, u)| (*r, self.units[u].id)).collect();
        let new =
            NewUser::parse(key, &format!("{key}的姓名"), Some("13912345678"), grants).unwrap();
        let u = self
            .orders
            .accounts
            .system_create_user(new, PASSWORD)
            .await
            .unwrap();
        self.users.insert(key, u.id);
        u.id
    }

    async fn seed(&mut self) {
        self.unit("county", None, OrgKind::County, "广安区").await;
        self.unit("town_a", Some("county"), OrgKind::Street, "浓洄街道")
            .await;
        self.unit("town_b", Some("county"), OrgKind::Town, "官盛镇")
            .await;
        self.unit("comm_a", Some("town_a"), OrgKind::Community, "滨江社区")
            .await;
        self.unit("grid_a", Some("comm_a"), OrgKind::Grid, "滨江社区第1网格")
            .await;
        self.unit(
            "dept",
            Some("county"),
            OrgKind::Department,
            "城市管理综合行政执法局",
        )
        .await;
        self.unit(
            "dept2",
            Some("county"),
            OrgKind::Department,
            "住房和城乡建设局",
        )
        .await;
        self.user("admin", &[(Role::Administrator, "county")]).await;
        self.user("admin_a", &[(Role::Administrator, "town_a")])
            .await;
        self.user("leader_a", &[(Role::UnitLeader, "town_a")]).await;
        self.user("handler_a", &[(Role::UnitHandler, "town_a")])
            .await;
        self.user("handler_b", &[(Role::UnitHandler, "town_b")])
            .await;
        self.user("supervisor", &[(Role::Supervisor, "county")])
            .await;
        self.user("citizen", &[(Role::Citizen, "county")]).await;
        self.user("dispatcher", &[(Role::Dispatcher, "county")])
            .await;
        self.user("operator", &[(Role::HotlineOperator, "county")])
            .await;
        self.user("dept_handler", &[(Role::UnitHandler, "dept")])
            .await;
        self.user("dept_leader", &[(Role::UnitLeader, "dept")])
            .await;
        self.user("dept2_handler", &[(Role::UnitHandler, "dept2")])
            .await;
        self.user("gridworker", &[(Role::GridWorker, "grid_a")])
            .await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The text the metrics listener serves.
    pub async fn metrics_text(&self) -> String {
        self.client
            .get(format!("{}/metrics", self.metrics_base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn unit_count(&self) -> u64 {
        self.orders.store.count_units().await.unwrap()
    }

    pub async fn order_count(&self) -> u64 {
        self.orders.store.count_orders(self.county()).await.unwrap()
    }

    /// The test county: the root of the seeded tree.
    pub fn county(&self) -> jiceng_kernel::ids::CountyId {
        self.units["county"].path.county()
    }

    pub async fn user_count(&self) -> u64 {
        self.orders.store.count_users().await.unwrap()
    }

    pub async fn login(&self, username: &str) -> Session {
        self.try_login(username, PASSWORD).await.unwrap()
    }

    pub async fn try_login(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Session, (StatusCode, Value)> {
        let resp = self
            .client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let cookies: Vec<String> = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        let body: Value = resp.json().await.unwrap();
        if status != StatusCode::OK {
            return Err((status, body));
        }
        let session_cookie = cookies
            .iter()
            .find(|c| c.starts_with("jiceng_session="))
            .unwrap()
            .clone();
        let secret = session_cookie
            .trim_start_matches("jiceng_session=")
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        Ok(Session {
            base: self.base.clone(),
            client: self.client.clone(),
            cookie: format!("jiceng_session={secret}"),
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
            set_cookies: cookies,
            user: body["user"].clone(),
        })
    }
}

/// A logged-in browser: sends the session cookie and, unless told not to, the CSRF header.
#[derive(Clone)]
pub struct Session {
    pub base: String,
    pub client: Client,
    pub cookie: String,
    pub csrf: String,
    pub set_cookies: Vec<String>,
    pub user: Value,
}

impl Session {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf);
        if let Some(b) = body {
            req = req.json(&b);
        }
        split(req.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    pub fn without_csrf(&self) -> Self {
        Self {
            csrf: String::new(),
            ..self.clone()
        }
    }
}

pub async fn split(resp: Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, body)
}

/// Asserts the error shape and returns the code.
pub fn error_code(status: StatusCode, body: &Value, want: StatusCode) -> String {
    assert_eq!(status, want, "unexpected status, body: {body}");
    let code = body["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no code in {body}"));
    let message = body["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no message in {body}"));
    assert!(!message.is_empty());
    code.to_owned()
}

/// One test module per backend: `sqlite::name` and `postgres::name` call `name` with what the
/// test file's own `setup(Backend)` gives (the PostgreSQL ones pass when no server is set).
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test] async fn $name() {
            super::$name(super::setup(super::Backend::Sqlite).await.unwrap()).await;
        })* }
        mod postgres { $(#[tokio::test] async fn $name() {
            let Some(w) = super::setup(super::Backend::Postgres).await else { return };
            super::$name(w).await;
        })* }
    };
}

/// One test module per backend on a fresh app: `sqlite::name` and `postgres::name` call `name`
/// with `&mut TestApp` (a test that only reads takes `&TestApp`; the PostgreSQL ones pass when
/// no server is set).
#[macro_export]
macro_rules! on_both_apps {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test] async fn $name() {
            let mut app = super::spawn(super::Backend::Sqlite).await.unwrap();
            super::$name(&mut app).await;
        })* }
        mod postgres { $(#[tokio::test] async fn $name() {
            let Some(mut app) = super::spawn(super::Backend::Postgres).await else { return };
            super::$name(&mut app).await;
        })* }
    };
}

/// Registers a hotline demand (消防通道被占用) as `operator`; the new order's id.
pub async fn register(operator: &Session) -> String {
    let (st, o) = operator
        .post(
            "/api/v1/work-orders",
            json!({"channel": "hotline", "caller_name": "李四", "caller_phone": "13912340000",
                   "content": "消防通道被占用，请尽快处理。"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{o}");
    o["id"].as_str().unwrap().to_owned()
}

/// `path` with each of `op`'s path parameters (an operation of the OpenAPI document) replaced
/// by `value(name, schema)`.
pub fn fill_path(path: &str, op: &Value, value: impl Fn(&str, &Value) -> String) -> String {
    let mut out = path.to_owned();
    for p in op["parameters"].as_array().into_iter().flatten() {
        if p["in"] == "path" {
            let name = p["name"].as_str().unwrap();
            out = out.replace(&format!("{{{name}}}"), &value(name, &p["schema"]));
        }
    }
    out
}

/// The OpenAPI document a fresh SQLite app serves.
pub async fn openapi() -> serde_json::Value {
    let app = spawn(Backend::Sqlite).await.unwrap();
    let (st, doc) = split(
        app.client
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, reqwest::StatusCode::OK, "{doc}");
    doc
}
