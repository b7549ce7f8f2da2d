//! The dispatch engine end to end, on both backends: a message registered through the API is
//! classified, located in its grid, dispatched to the unit the responsibility list names with
//! the explanation stored; a vague one waits in the dispatcher's queue with the suggestions; a
//! dispatcher following a suggestion records its duty; a returned order is advised again
//! without the unit that returned it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use chrono::{NaiveDate, Utc};
use common::{Backend, TestApp, spawn};
use jiceng_orders::duty::DutyRules;
use jiceng_orders::locator::UnitArea;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A square around (106.63, 30.47), the grid of 滨江社区.
const GRID_LON: f64 = 106.63;
const GRID_LAT: f64 = 30.47;

fn square(lon: f64, lat: f64, half: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[
        [lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
        [lon - half, lat + half], [lon - half, lat - half]
    ]]})
}

fn rows(csv: &str) -> Vec<Vec<String>> {
    csv.lines()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

/// Noise goes to the town (属地) with the city administration assisting; housing to the
/// housing bureau; traffic to the city administration.
const LIST: &str = "事项名称,分类编码,关键词,主办单位,协办单位,法律依据,签收时限,办理时限,回访时限,村级协助
噪声污染投诉,环境保护,噪音 噪声 扰民,属地乡镇（街道）,城市管理综合行政执法局,《中华人民共和国噪声污染防治法》第八条,2工作小时,4个工作日,,否
住房和物业,城乡建设,,住房和城乡建设局,,《物业管理条例》第五条,4工作小时,10个工作日,,否
道路交通秩序,交通运输,,城市管理综合行政执法局,,,4工作小时,5个工作日,,否";

async fn prepare(app: &mut TestApp) {
    let s = &app.orders;
    let county = app.units["county"].id;
    let import = s
        .system_import_duty_list(county, &rows(LIST), &DutyRules::default())
        .await
        .unwrap();
    assert!(import.errors().next().is_none(), "{:?}", import.issues);
    let list = import.list.unwrap();
    s.system_publish_duty_list(list.info.id, NaiveDate::from_ymd_opt(2020, 1, 1).unwrap())
        .await
        .unwrap();
    let geometry = square(GRID_LON, GRID_LAT, 0.01);
    s.store
        .put_areas(&[UnitArea {
            unit: app.units["grid_a"].id,
            geometry,
            bbox: [
                GRID_LON - 0.01,
                GRID_LAT - 0.01,
                GRID_LON + 0.01,
                GRID_LAT + 0.01,
            ],
            source: "test".into(),
            updated_at: Utc::now(),
        }])
        .await
        .unwrap();
    app.dispatch.enabled = true;
    app.dispatch.auto_threshold = 0.8;
    app.restart().await;
}

async fn engine_routes_orders(mut app: TestApp) {
    prepare(&mut app).await;
    let operator = app.login("operator").await;
    let dispatcher = app.login("dispatcher").await;
    let town = app.units["town_a"].id.to_string();
    let city = app.units["dept"].id.to_string();
    let housing = app.units["dept2"].id.to_string();

    // A clear noise complaint inside the grid: dispatched at once to the town.
    let (st, o) = operator
        .post(
            "/api/v1/work-orders",
            json!({
                "channel": "hotline",
                "title": "夜间施工噪音扰民",
                "content": "我家小区旁边的工地每天晚上十一点以后还在施工，机器噪音非常大，严重影响周边居民休息，多次投诉无果，请环保部门尽快处理噪声污染。",
                "latitude": GRID_LAT + 0.001,
                "longitude": GRID_LON - 0.002,
            }),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{o}");
    let routing = &o["routing"];
    assert_eq!(routing["category"]["label"], "环境保护", "{routing}");
    assert_eq!(routing["category"]["source"], "model");
    assert_eq!(routing["place"]["status"], "located", "{routing}");
    assert_eq!(routing["place"]["chain"][0]["name"], "滨江社区第1网格");
    assert_eq!(routing["decision"], "auto", "{routing}");
    assert_eq!(o["status"], "dispatched", "{o}");
    assert_eq!(o["lead"]["unit_id"], town.as_str(), "the town (属地乡镇)");
    assert_eq!(o["co_units"][0]["unit_id"], city.as_str(), "assisting");
    assert_eq!(o["category"], "环境保护");
    assert_eq!(
        o["region"]["unit_id"],
        app.units["grid_a"].id.to_string().as_str(),
        "the order belongs to its grid"
    );
    let best = &routing["suggestions"][0];
    let why = best["explanation"].as_str().unwrap();
    for part in [
        "环境保护",
        "噪声污染投诉",
        "权责清单第 1 版",
        "滨江社区第1网格",
        "浓洄街道",
    ] {
        assert!(why.contains(part), "{part} missing from {why}");
    }
    assert_eq!(best["duty"]["matter"], "噪声污染投诉");
    assert_eq!(
        o["duty"], best["duty"]["duty_ref"],
        "dispatched under that duty"
    );
    // Stored: the order read back carries the advice, and the history the explanation.
    let id = o["id"].as_str().unwrap();
    let (_, again) = dispatcher.get(&format!("/api/v1/work-orders/{id}")).await;
    assert_eq!(again["routing"], o["routing"]);
    let (_, history) = dispatcher
        .get(&format!("/api/v1/work-orders/{id}/history"))
        .await;
    let dispatch = &history.as_array().unwrap()[1];
    assert_eq!(dispatch["action"], "dispatch");
    assert_eq!(dispatch["actor_name"], "系统自动派单");
    assert!(
        dispatch["payload"]["note"]
            .as_str()
            .unwrap()
            .contains("噪声污染投诉"),
        "{dispatch}"
    );
    assert_eq!(dispatch["payload"]["duty"], o["duty"]);
    // The duty's limits drive the sign-for clock.
    let (_, clocks) = dispatcher
        .get(&format!("/api/v1/work-orders/{id}/clocks"))
        .await;
    let basis = clocks.to_string();
    assert!(basis.contains("噪声污染投诉"), "{basis}");

    // A vague message: not sure enough, so it waits for a dispatcher with suggestions.
    let (st, vague) = operator
        .post(
            "/api/v1/work-orders",
            json!({"channel": "hotline", "content": "你好，我想反映一个情况，麻烦你们看一下怎么处理，谢谢。"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{vague}");
    assert_eq!(vague["status"], "registered", "{vague}");
    assert_eq!(vague["routing"]["decision"], "queue");
    let suggestions = vague["routing"]["suggestions"].as_array().unwrap();
    assert!(!suggestions.is_empty() && suggestions.len() <= 3, "{vague}");
    assert!(
        suggestions
            .windows(2)
            .all(|w| w[0]["confidence"].as_f64() >= w[1]["confidence"].as_f64()),
        "best first"
    );
    assert!(
        suggestions[0]["confidence"].as_f64().unwrap() < 0.8,
        "{suggestions:?}"
    );
    let vid = vague["id"].as_str().unwrap();
    let (_, queue) = dispatcher
        .get("/api/v1/work-orders/inbox/to_dispatch")
        .await;
    let queued = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == vid)
        .expect("in the dispatcher's queue");
    assert_eq!(
        queued["routing"]["suggestions"],
        vague["routing"]["suggestions"]
    );
    // The classifier guessed housing and construction; the dispatcher puts it under
    // transport: the order takes the category and the engine suggests again
    // for it, still leaving the choice to the dispatcher.
    assert_eq!(vague["category"], "城乡建设", "{vague}");
    let (st, c) = dispatcher
        .post(
            &format!("/api/v1/work-orders/{vid}/category-correction"),
            json!({"category": "交通运输"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    let (_, corrected) = dispatcher.get(&format!("/api/v1/work-orders/{vid}")).await;
    assert_eq!(corrected["status"], "registered", "{corrected}");
    assert_eq!(corrected["category"], "交通运输", "{corrected}");
    let advice = &corrected["routing"];
    assert_eq!(advice["decision"], "queue", "{advice}");
    assert_eq!(advice["category"]["label"], "交通运输", "{advice}");
    assert_eq!(advice["category"]["confidence"], 1.0, "{advice}");
    assert!(
        advice["summary"]
            .as_str()
            .unwrap()
            .starts_with("派单员已将分类改为“交通运输”"),
        "{advice}"
    );
    assert_ne!(advice["suggestions"], vague["routing"]["suggestions"]);
    let suggestions = advice["suggestions"].as_array().unwrap();
    assert!(
        !suggestions.is_empty() && suggestions.len() <= 3,
        "{advice}"
    );
    // The dispatcher follows the housing suggestion, if offered, else any: its duty is kept.
    let pick = suggestions
        .iter()
        .find(|s| s["lead"]["id"] == housing.as_str())
        .unwrap_or(&suggestions[0]);
    let lead = pick["lead"]["id"].as_str().unwrap();
    let (st, d) = dispatcher
        .post(
            &format!("/api/v1/work-orders/{vid}/dispatch"),
            json!({"lead_unit_id": lead}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{d}");
    assert_eq!(d["duty"], pick["duty"]["duty_ref"]);

    // The town returns the noise complaint: the engine advises again without the town.
    let handler = app.login("handler_a").await;
    let (st, r) = handler
        .post(
            &format!("/api/v1/work-orders/{id}/return"),
            json!({"reason": "not_our_duty", "legal_basis": "建筑施工噪声由住建部门监管",
                   "explanation": "工地施工噪声不属街道职责"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["status"], "returned");
    let advice = &r["routing"];
    assert_eq!(advice["decision"], "queue", "a dispatcher rules on returns");
    assert_eq!(advice["excluded"][0]["unit"]["id"], town.as_str());
    assert!(
        advice["excluded"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("工地施工噪声不属街道职责")
    );
    assert!(
        advice["suggestions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["lead"]["id"] != town.as_str()),
        "{advice}"
    );
    assert!(advice["summary"].as_str().unwrap().contains("浓洄街道"));

    // Odd input never breaks the engine: emoji, mixed scripts, coordinates outside any grid
    // or a long text; an empty or oversized text and impossible coordinates are refused.
    let long = "路灯不亮".repeat(1000);
    for body in [
        json!({"content": "🚧🚧 工地 noise 噪音 😡😡 at night ночью"}),
        json!({"content": "ｆｕｌｌ－ｗｉｄｔｈ　噪音　ｔｅｘｔ", "latitude": 0.0, "longitude": 0.0}),
        json!({"content": long, "address": "滨江社区"}),
    ] {
        let (st, b) = operator.post("/api/v1/work-orders", body.clone()).await;
        assert_eq!(st, StatusCode::CREATED, "{body}: {b}");
        assert!(b["routing"]["summary"].is_string(), "{b}");
    }
    for body in [
        json!({"content": ""}),
        json!({"content": "噪".repeat(100_000)}),
        json!({"content": "噪音扰民", "latitude": 95.0, "longitude": 200.0}),
    ] {
        let (st, b) = operator.post("/api/v1/work-orders", body).await;
        assert!(st.is_client_error(), "{st}: {b}");
        assert!(b["code"].is_string(), "{b}");
    }

    // A citizen's own order carries no internal advice.
    let citizen = app.login("citizen").await;
    let (st, mine) = citizen
        .post(
            "/api/v1/work-orders",
            json!({"content": "小区楼下烧烤摊油烟和噪音扰民到凌晨", "latitude": GRID_LAT, "longitude": GRID_LON}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{mine}");
    assert!(mine["routing"].is_null(), "{mine}");
}

#[tokio::test]
async fn sqlite_engine_routes_orders() {
    engine_routes_orders(spawn(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_engine_routes_orders() {
    if let Some(app) = spawn(Backend::Postgres).await {
        engine_routes_orders(app).await;
    }
}
