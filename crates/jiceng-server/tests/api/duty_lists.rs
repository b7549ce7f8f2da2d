//! Responsibility lists over HTTP, on both backends: upload (xlsx, CSV in UTF-8 or GBK) as a
//! draft with every issue named by row and column, publish, download, and who may do what.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use chrono::NaiveDate;
use common::{Backend, Session, TestApp, error_code, spawn, split};
use jiceng_kernel::user::Role;
use jiceng_server::duty_files::XLSX_TYPE;
use reqwest::StatusCode;
use serde_json::{Value, json};

const HEADER: &str =
    "事项名称,分类编码,关键词,主办单位,协办单位,法律依据,签收时限,办理时限,回访时限,村级协助";

/// A list for the test county: fixed units, local forms, limits of all three kinds.
fn list_csv() -> String {
    format!(
        "{HEADER}\n\
         城乡建设类诉求,城乡建设,,城市管理综合行政执法局,住房和城乡建设局,\"《城市市容和环境卫生管理条例》\n第二十八条\",2工作小时,5个工作日,,否\n\
         违法建设查处,城乡建设/城乡规划/违章建筑,违建、加建,属地乡镇（街道）,\"住房和城乡建设局、属地社区（村）\",《中华人民共和国城乡规划法》,1小时,10个工作日,3个工作日,是\n\
         市容环境卫生,城乡建设/城市建设和市政管理/环境卫生,垃圾 保洁,属地网格,,,8工作小时,3个工作日,,是\n"
    )
}

async fn upload(s: &Session, unit: &str, body: Vec<u8>, content_type: &str) -> (StatusCode, Value) {
    let resp = s
        .client
        .post(format!("{}/api/v1/org-units/{unit}/duty-lists", s.base))
        .header("cookie", &s.cookie)
        .header("x-csrf-token", &s.csrf)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    split(resp).await
}

async fn download(s: &Session, id: &str, format: &str) -> (StatusCode, String, Vec<u8>) {
    let resp = s
        .client
        .get(format!(
            "{}/api/v1/duty-lists/{id}/file?format={format}",
            s.base
        ))
        .header("cookie", &s.cookie)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, resp.bytes().await.unwrap().to_vec())
}

/// The duties without their ids, to compare lists across versions.
fn duties(list: &Value) -> Vec<Value> {
    list["duties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let mut d = d.clone();
            d.as_object_mut().unwrap().remove("id");
            d
        })
        .collect()
}

fn unit(app: &TestApp, key: &str) -> String {
    app.units[key].id.to_string()
}

async fn round_trip_through_xlsx_csv_and_gbk(app: &TestApp) {
    let admin = app.login("admin").await;
    let county = unit(app, "county");
    let (st, b) = upload(&admin, &county, list_csv().into_bytes(), "text/csv").await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(b["issues"], json!([]));
    let v1 = b["list"].clone();
    assert_eq!(
        (v1["version"].as_u64(), v1["status"].as_str()),
        (Some(1), Some("draft"))
    );
    let d = duties(&v1);
    assert_eq!(d.len(), 3);
    assert_eq!(d[0]["lead"]["unit_id"], json!(app.units["dept"].id));
    assert_eq!(
        d[1]["lead"],
        json!({"text": "属地乡镇（街道）", "unit_id": null})
    );
    assert_eq!(d[1]["keywords"], json!(["违建", "加建"]));
    assert_eq!(d[1]["assisting"][1]["text"], "属地社区（村）");
    assert_eq!(
        (d[1]["sign_for"].as_str(), d[1]["callback"].as_str()),
        (Some("1小时"), Some("3个工作日"))
    );
    assert_eq!(d[2]["sign_for"], "8工作小时");
    assert_eq!(
        d[0]["legal_basis"],
        "《城市市容和环境卫生管理条例》\n第二十八条"
    );

    let id = v1["id"].as_str().unwrap();
    let (st, ct, xlsx) = download(&admin, id, "xlsx").await;
    assert_eq!(st, StatusCode::OK);
    assert!(ct.contains("spreadsheetml"), "{ct}");
    let (st, b) = upload(&admin, &county, xlsx, "application/octet-stream").await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(b["list"]["version"], 2);
    assert_eq!(
        duties(&b["list"]),
        d,
        "xlsx export → import gives the same list"
    );

    let (_, ct, csv) = download(&admin, id, "csv").await;
    assert!(ct.starts_with("text/csv"));
    assert!(
        csv.starts_with(b"\xEF\xBB\xBF"),
        "CSV carries a BOM for Excel"
    );
    let (st, b) = upload(&admin, &county, csv.clone(), "text/csv").await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(
        duties(&b["list"]),
        d,
        "csv export → import gives the same list"
    );

    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    let (gbk, _, lossy) = encoding_rs::GBK.encode(&text);
    assert!(!lossy);
    let (st, b) = upload(&admin, &county, gbk.into_owned(), "text/csv").await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(duties(&b["list"]), d, "a GBK CSV reads the same");

    let (st, versions) = admin
        .get(&format!("/api/v1/org-units/{county}/duty-lists"))
        .await;
    assert_eq!(st, StatusCode::OK);
    let got: Vec<u64> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_u64().unwrap())
        .collect();
    assert_eq!(got, vec![4, 3, 2, 1], "newest first");

    // A renamed unit is exported under its new name, so the file still imports.
    let mut housing = app.units["dept2"].clone();
    housing.name = "住房和城乡建设局（城市更新局）".into();
    let audit = jiceng_kernel::audit::records::unit_updated(&housing, "test", chrono::Utc::now());
    app.orders
        .store
        .update_unit(&housing, &audit)
        .await
        .unwrap();
    let (_, _, csv) = download(&admin, id, "csv").await;
    assert!(
        String::from_utf8(csv.clone())
            .unwrap()
            .contains("住房和城乡建设局（城市更新局）")
    );
    let (st, b) = upload(&admin, &county, csv, "text/csv").await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (st, b) = upload(
        &admin,
        &county,
        list_csv().into_bytes(),
        "multipart/form-data; boundary=x",
    )
    .await;
    assert_eq!(
        error_code(st, &b, StatusCode::UNSUPPORTED_MEDIA_TYPE),
        "duty_file.multipart"
    );
}

async fn bad_lists_report_every_issue_and_store_nothing(app: &TestApp) {
    let admin = app.login("admin").await;
    let county = unit(app, "county");
    let bad = list_csv()
        .replace("城市管理综合行政执法局,住房", "城市管理局,住房")
        .replace("1小时", "1周")
        .replace("属地网格", "属地乡镇（街道）城管中队");
    let (st, b) = upload(&admin, &county, bad.into_bytes(), "text/csv").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["list"], Value::Null);
    let issues: Vec<(u64, &str, &str)> = b["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["row"].as_u64().unwrap(),
                i["column"].as_str().unwrap(),
                i["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        issues,
        vec![
            (2, "主办单位", "duty_list.unknown_unit"),
            // Row 2 spans two lines of the file but is one row, as Excel shows it.
            (3, "签收时限", "duty_list.invalid_time_limit"),
            (4, "主办单位", "duty_list.unknown_unit"),
        ]
    );
    assert!(
        b["issues"][0]["message"]
            .as_str()
            .unwrap()
            .contains("城市管理局")
    );
    let (_, versions) = admin
        .get(&format!("/api/v1/org-units/{county}/duty-lists"))
        .await;
    assert_eq!(versions, json!([]), "nothing stored");

    let (st, b) = upload(
        &admin,
        &county,
        vec![0x81, 0x20, 0xFF, 0xFE, 0x00],
        "text/csv",
    )
    .await;
    assert_eq!(
        error_code(st, &b, StatusCode::BAD_REQUEST),
        "duty_file.encoding"
    );
    let (st, b) = upload(
        &admin,
        &county,
        b"PK\x03\x04not a zip".to_vec(),
        "application/octet-stream",
    )
    .await;
    assert_eq!(
        error_code(st, &b, StatusCode::BAD_REQUEST),
        "duty_file.unreadable"
    );
    let (st, b) = upload(
        &admin,
        &unit(app, "comm_a"),
        list_csv().into_bytes(),
        "text/csv",
    )
    .await;
    assert_eq!(
        error_code(st, &b, StatusCode::UNPROCESSABLE_ENTITY),
        "duty_list.invalid_unit"
    );

    let mut many = format!("{HEADER}\n");
    for n in 1..=31 {
        many.push_str(&format!(
            "协助事项{n},民政,,属地社区（村）,,,2小时,5个工作日,,是\n"
        ));
    }
    let (st, b) = upload(&admin, &county, many.into_bytes(), "text/csv").await;
    assert_eq!(
        st,
        StatusCode::CREATED,
        "the village-level rule warns only: {b}"
    );
    assert_eq!(
        b["issues"][0]["code"],
        "duty_list.village_assist_over_limit"
    );
    assert_eq!(
        (
            b["issues"][0]["row"].as_u64(),
            b["issues"][0]["severity"].as_str()
        ),
        (Some(32), Some("warning"))
    );
}

async fn publishing_and_the_version_in_force(app: &TestApp) {
    let admin = app.login("admin").await;
    let county = unit(app, "county");
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (_, b) = upload(&admin, &county, list_csv().into_bytes(), "text/csv").await;
        ids.push(b["list"]["id"].as_str().unwrap().to_owned());
    }
    let publish = |id: &str, date: &str| {
        let admin = admin.clone();
        let (id, date) = (id.to_owned(), date.to_owned());
        async move {
            admin
                .post(
                    &format!("/api/v1/duty-lists/{id}/publish"),
                    json!({"effective_date": date}),
                )
                .await
        }
    };
    let (st, b) = publish(&ids[1], "2026-07-01").await;
    assert_eq!(
        (st, b["status"].as_str()),
        (StatusCode::OK, Some("effective")),
        "{b}"
    );
    let (st, b) = publish(&ids[0], "2026-01-01").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        b["status"], "superseded",
        "an earlier effective date does not displace v2"
    );
    let (st, b) = publish(&ids[0], "2026-02-01").await;
    assert_eq!(
        error_code(st, &b, StatusCode::CONFLICT),
        "duty_list.not_draft"
    );
    let (st, b) = publish(&ids[0], "2026-13-01").await;
    assert!(st.is_client_error(), "{b}");

    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    let county_id = app.units["county"].id;
    let s = &app.orders;
    assert!(
        s.effective_duty_list(county_id, day(1, 1).pred_opt().unwrap())
            .await
            .unwrap()
            .is_none()
    );
    let v = |l: Option<jiceng_orders::duty::DutyList>| l.map(|l| l.info.version);
    assert_eq!(
        v(s.effective_duty_list(county_id, day(6, 30)).await.unwrap()),
        Some(1)
    );
    assert_eq!(
        v(s.effective_duty_list(county_id, day(7, 1)).await.unwrap()),
        Some(2)
    );
    // A grid's orders fall under the nearest list above them: the county's.
    let grid = &app.units["grid_a"].path;
    let list = s.duty_list_for(grid, day(7, 2)).await.unwrap().unwrap();
    assert_eq!(list.info.version, 2);
    let m = list.lookup("城乡建设", "小区里有人私自加建阳台");
    assert_eq!(m[0].duty.matter, "违法建设查处");
    assert!(
        m[0].explanation.contains("第 2 版第 2 项"),
        "{}",
        m[0].explanation
    );
    assert_eq!(m[0].duty_ref.version, 2);

    // The units a duty names, at the order's place.
    let at = |key: &str| app.units[key].id;
    let units = s.duty_units_at(&m[0].duty, at("grid_a")).await.unwrap();
    assert_eq!(
        units.lead,
        Some(at("town_a")),
        "属地乡镇（街道） of a grid is its street"
    );
    assert_eq!(units.assisting, vec![at("dept2"), at("comm_a")]);
    assert!(units.unresolved.is_empty());
    let sweep = list
        .lookup("城乡建设/城市建设和市政管理/环境卫生", "")
        .remove(0);
    let units = s.duty_units_at(&sweep.duty, at("comm_a")).await.unwrap();
    assert_eq!(
        (units.lead, units.unresolved),
        (None, vec!["属地网格".to_owned()])
    );
    assert_eq!(
        s.duty_units_at(&sweep.duty, at("grid_a"))
            .await
            .unwrap()
            .lead,
        Some(at("grid_a"))
    );
}

async fn access_follows_role_and_jurisdiction(app: &mut TestApp) {
    app.user("county_leader", &[(Role::CountyLeader, "county")])
        .await;
    let admin = app.login("admin").await;
    let county = unit(app, "county");
    let (_, b) = upload(&admin, &county, list_csv().into_bytes(), "text/csv").await;
    let county_list = b["list"]["id"].as_str().unwrap().to_owned();

    let admin_a = app.login("admin_a").await;
    let (st, b) = upload(
        &admin_a,
        &unit(app, "town_a"),
        list_csv().into_bytes(),
        "text/csv",
    )
    .await;
    assert_eq!(
        st,
        StatusCode::CREATED,
        "a street's administrator keeps the street's list: {b}"
    );
    let (st, b) = upload(&admin_a, &county, list_csv().into_bytes(), "text/csv").await;
    assert_eq!(
        error_code(st, &b, StatusCode::NOT_FOUND),
        "org_unit.not_found"
    );
    let missing = uuid::Uuid::now_v7();
    let (s1, b1) = admin_a
        .get(&format!("/api/v1/duty-lists/{county_list}"))
        .await;
    let (s2, b2) = admin_a.get(&format!("/api/v1/duty-lists/{missing}")).await;
    assert_eq!(
        error_code(s1, &b1, StatusCode::NOT_FOUND),
        "duty_list.not_found"
    );
    assert_eq!(
        (s1, b1),
        (s2, b2),
        "out of jurisdiction answers like absent"
    );

    let leader = app.login("county_leader").await;
    let (st, _) = leader
        .get(&format!("/api/v1/duty-lists/{county_list}"))
        .await;
    assert_eq!(st, StatusCode::OK, "county leaders read");
    let (st, _) = leader
        .get(&format!("/api/v1/org-units/{county}/duty-lists"))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, b) = upload(&leader, &county, list_csv().into_bytes(), "text/csv").await;
    assert_eq!(error_code(st, &b, StatusCode::FORBIDDEN), "auth.forbidden");
    let (st, b) = leader
        .post(
            &format!("/api/v1/duty-lists/{county_list}/publish"),
            json!({"effective_date": "2026-01-01"}),
        )
        .await;
    assert_eq!(error_code(st, &b, StatusCode::FORBIDDEN), "auth.forbidden");

    for who in ["leader_a", "dispatcher", "citizen"] {
        let s = app.login(who).await;
        let (st, b) = s.get(&format!("/api/v1/duty-lists/{county_list}")).await;
        assert_eq!(
            error_code(st, &b, StatusCode::FORBIDDEN),
            "auth.forbidden",
            "{who}"
        );
        let (st, _, _) = download(&s, &county_list, "csv").await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{who}");
    }
    let (st, b) = admin
        .without_csrf()
        .post(
            &format!("/api/v1/duty-lists/{county_list}/publish"),
            json!({"effective_date": "2026-01-01"}),
        )
        .await;
    assert_eq!(error_code(st, &b, StatusCode::FORBIDDEN), "auth.csrf");
    let (st, _, _) = download(&admin, &county_list, "pdf").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}

/// A 5.5 kB workbook with one cell at XFD1048576 once made the reader build a 500 GB grid and
/// the server abort; a zip that unpacks to gigabytes is refused unopened.
async fn workbooks_that_claim_huge_grids_are_refused(app: &TestApp) {
    let admin = app.login("admin").await;
    let county = unit(app, "county");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (i, h) in HEADER.split(',').enumerate() {
        sheet.write_string(0, i as u16, h).unwrap();
    }
    sheet
        .write_string(1_048_575, 16_383, "远处的单元格")
        .unwrap();
    let far = book.save_to_buffer().unwrap();
    assert!(far.len() < 10_000);
    let (st, b) = upload(&admin, &county, far, XLSX_TYPE).await;
    assert_eq!(
        error_code(st, &b, StatusCode::BAD_REQUEST),
        "duty_file.unreadable"
    );
    assert!(b["message"].as_str().unwrap().contains("1048576"), "{b}");

    let mut bomb = rust_xlsxwriter::Workbook::new();
    let sheet = bomb.add_worksheet();
    let long = "清".repeat(30_000);
    for row in 0..1_500 {
        sheet.write_string(row, 0, format!("{row}{long}")).unwrap();
    }
    let bomb = bomb.save_to_buffer().unwrap();
    assert!(bomb.len() < 10 * 1024 * 1024, "{} bytes", bomb.len());
    let (st, b) = upload(&admin, &county, bomb, XLSX_TYPE).await;
    assert_eq!(
        error_code(st, &b, StatusCode::BAD_REQUEST),
        "duty_file.unreadable"
    );
    let (st, _) = admin.get("/api/v1/auth/me").await;
    assert_eq!(st, StatusCode::OK, "the server still answers");
}

on_both_apps!(
    workbooks_that_claim_huge_grids_are_refused,
    round_trip_through_xlsx_csv_and_gbk,
    bad_lists_report_every_issue_and_store_nothing,
    publishing_and_the_version_in_force,
    access_follows_role_and_jurisdiction,
);

#[tokio::test]
async fn the_routes_are_documented() {
    let doc = common::openapi().await;
    for path in [
        "/api/v1/org-units/{id}/duty-lists",
        "/api/v1/duty-lists/{id}",
        "/api/v1/duty-lists/{id}/publish",
        "/api/v1/duty-lists/{id}/file",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from OpenAPI"
        );
    }
    assert!(doc["components"]["schemas"].get("DutyIssue").is_some());
}
