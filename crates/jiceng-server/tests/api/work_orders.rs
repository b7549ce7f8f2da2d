//! The work-order loop over HTTP, path by path: each step asserts the state, the history and
//! who may act next.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::{Backend, Session, TestApp, error_code, spawn, split};
use reqwest::StatusCode;
use serde_json::{Value, json};

struct Loop {
    app: TestApp,
    operator: Session,
    dispatcher: Session,
    handler: Session,
    leader: Session,
    handler2: Session,
    supervisor: Session,
}

async fn setup(backend: Backend) -> Option<Loop> {
    let app = spawn(backend).await?;
    Some(Loop {
        operator: app.login("operator").await,
        dispatcher: app.login("dispatcher").await,
        handler: app.login("dept_handler").await,
        leader: app.login("dept_leader").await,
        handler2: app.login("dept2_handler").await,
        supervisor: app.login("supervisor").await,
        app,
    })
}

fn actions(o: &Value) -> Vec<String> {
    o["available_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

impl Loop {
    fn unit(&self, k: &str) -> String {
        self.app.units[k].id.to_string()
    }

    async fn register(&self) -> Value {
        let (st, o) = self
            .operator
            .post(
                "/api/v1/work-orders",
                json!({"channel": "hotline", "caller_name": "李四", "caller_phone": "13912340000",
                       "content": "滨江路人行道上的井盖缺失，晚上很危险，请尽快处理。",
                       "category": "城乡建设", "latitude": 30.46, "longitude": 106.63}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{o}");
        assert_eq!(o["status"], "registered");
        o
    }

    async fn step(&self, who: &Session, o: &Value, action: &str, body: Value) -> Value {
        let (st, next) = who
            .post(
                &format!("/api/v1/work-orders/{}/{action}", o["id"].as_str().unwrap()),
                body,
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{action}: {next}");
        next
    }

    async fn refused(
        &self,
        who: &Session,
        o: &Value,
        action: &str,
        body: Value,
        want: StatusCode,
    ) -> String {
        let (st, b) = who
            .post(
                &format!("/api/v1/work-orders/{}/{action}", o["id"].as_str().unwrap()),
                body,
            )
            .await;
        error_code(st, &b, want)
    }

    async fn view(&self, who: &Session, o: &Value) -> Value {
        let (st, v) = who
            .get(&format!(
                "/api/v1/work-orders/{}",
                o["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        v
    }

    async fn history(&self, o: &Value) -> Vec<(String, String)> {
        let (st, h) = self
            .dispatcher
            .get(&format!(
                "/api/v1/work-orders/{}/history",
                o["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(st, StatusCode::OK);
        let h = h.as_array().unwrap();
        for (i, e) in h.iter().enumerate() {
            assert_eq!(e["seq"], i as u64 + 1, "history is gapless");
        }
        h.iter()
            .map(|e| {
                (
                    e["action"].as_str().unwrap().to_owned(),
                    e["to_status"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    async fn dispatched_and_accepted(&self) -> Value {
        let o = self.register().await;
        let o = self
            .step(
                &self.dispatcher,
                &o,
                "dispatch",
                json!({"lead_unit_id": self.unit("dept")}),
            )
            .await;
        self.step(&self.handler, &o, "accept", json!({})).await
    }

    async fn inbox_has(&self, who: &Session, inbox: &str, o: &Value) -> bool {
        let (st, b) = who.get(&format!("/api/v1/work-orders/inbox/{inbox}")).await;
        assert_eq!(st, StatusCode::OK, "{inbox}: {b}");
        b["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == o["id"])
    }
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

async fn straight_through(l: Loop) {
    let o = l.register().await;
    // JC, the county's code (000000: the test county has no division code), the day, the
    // county's running count.
    assert!(o["number"].as_str().unwrap().starts_with("JC000000"));
    assert_eq!(o["number"].as_str().unwrap().len(), 22);
    assert!(l.inbox_has(&l.dispatcher, "to_dispatch", &o).await);
    assert_eq!(
        actions(&l.view(&l.dispatcher, &o).await),
        vec!["dispatch", "merge"]
    );

    let o = l
        .step(
            &l.dispatcher,
            &o,
            "dispatch",
            json!({"lead_unit_id": l.unit("dept"), "note": "请速办"}),
        )
        .await;
    assert_eq!(o["status"], "dispatched");
    assert_eq!(o["lead"]["unit_name"], "城市管理综合行政执法局");
    assert_eq!(
        actions(&l.view(&l.handler, &o).await),
        vec!["accept", "return"]
    );
    assert!(l.inbox_has(&l.handler, "to_sign", &o).await);
    // Another unit neither sees it nor may act on it.
    let (st, _) = l
        .handler2
        .get(&format!(
            "/api/v1/work-orders/{}",
            o["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // The wrong step now says what is allowed.
    let (st, b) = l
        .handler
        .post(
            &format!("/api/v1/work-orders/{}/reply", o["id"].as_str().unwrap()),
            json!({"text": "已修复"}),
        )
        .await;
    assert_eq!(
        error_code(st, &b, StatusCode::CONFLICT),
        "work_order.illegal_transition"
    );
    assert!(b["message"].as_str().unwrap().contains("签收"), "{b}");

    let o = l.step(&l.handler, &o, "accept", json!({})).await;
    assert_eq!(o["status"], "handling");
    assert!(l.inbox_has(&l.handler, "to_handle", &o).await);
    let o = l
        .step(&l.handler, &o, "note", json!({"text": "已联系施工单位"}))
        .await;
    assert_eq!(o["status"], "handling");
    let o = l
        .step(
            &l.handler,
            &o,
            "reply",
            json!({"text": "井盖已补装，现场已恢复。"}),
        )
        .await;
    assert_eq!(o["status"], "replied");
    assert!(l.inbox_has(&l.operator, "to_follow_up", &o).await);
    assert_eq!(actions(&l.view(&l.operator, &o).await), vec!["follow_up"]);
    let o = l
        .step(
            &l.operator,
            &o,
            "follow-up",
            json!({"satisfaction": "very_satisfied", "solved": true, "comment": "很及时"}),
        )
        .await;
    assert_eq!(o["status"], "visited");
    let o = l.step(&l.dispatcher, &o, "archive", json!({})).await;
    assert_eq!(o["status"], "archived");
    assert!(actions(&o).is_empty());
    let code = l
        .refused(
            &l.handler,
            &o,
            "note",
            json!({"text": "补充"}),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(code, "work_order.closed");
    assert_eq!(
        l.history(&o).await,
        pairs(&[
            ("register", "registered"),
            ("dispatch", "dispatched"),
            ("accept", "handling"),
            ("note", "handling"),
            ("reply", "replied"),
            ("follow_up", "visited"),
            ("archive", "archived"),
        ])
    );
}

async fn returned_then_redispatched(l: Loop) {
    let o = l.register().await;
    let o = l
        .step(
            &l.dispatcher,
            &o,
            "dispatch",
            json!({"lead_unit_id": l.unit("dept")}),
        )
        .await;
    let code = l
        .refused(
            &l.handler,
            &o,
            "return",
            json!({"reason": "not_our_duty", "explanation": "不归我们管"}),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert_eq!(code, "work_order.legal_basis_required");
    let o = l
        .step(
            &l.handler,
            &o,
            "return",
            json!({"reason": "not_our_duty", "legal_basis": "权责清单第 12 项：道路井盖属住建部门",
                                               "explanation": "井盖属市政设施"}),
        )
        .await;
    assert_eq!(o["status"], "returned");
    assert_eq!(o["return_count"], 1);
    assert!(l.inbox_has(&l.dispatcher, "returned", &o).await);
    let o = l
        .step(
            &l.dispatcher,
            &o,
            "dispatch",
            json!({"lead_unit_id": l.unit("dept2")}),
        )
        .await;
    assert_eq!(o["status"], "dispatched");
    assert_eq!(o["transfer_count"], 1);
    assert_eq!(
        actions(&l.view(&l.handler2, &o).await),
        vec!["accept", "return"]
    );
    let o = l.step(&l.handler2, &o, "accept", json!({})).await;
    assert_eq!(o["status"], "handling");
    let h = l.history(&o).await;
    assert_eq!(
        h.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(),
        vec!["register", "dispatch", "return", "dispatch", "accept"]
    );
}

async fn returned_then_arbitrated(l: Loop) {
    let o = l.register().await;
    let o = l
        .step(
            &l.dispatcher,
            &o,
            "dispatch",
            json!({"lead_unit_id": l.unit("dept")}),
        )
        .await;
    let o = l
        .step(
            &l.handler,
            &o,
            "return",
            json!({"reason": "outside_jurisdiction", "explanation": "不在辖区"}),
        )
        .await;
    let o = l
        .step(
            &l.dispatcher,
            &o,
            "arbitrate",
            json!({"lead_unit_id": l.unit("dept"), "ruling": "经审定属城管职责，由原单位办理"}),
        )
        .await;
    assert_eq!(o["status"], "dispatched");
    assert_eq!(o["arbitrated"], true);
    assert_eq!(
        actions(&l.view(&l.handler, &o).await),
        vec!["accept"],
        "the ruling binds: no second return"
    );
    let code = l
        .refused(
            &l.handler,
            &o,
            "return",
            json!({"reason": "outside_jurisdiction", "explanation": "再退"}),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(code, "work_order.illegal_transition");
    let o = l.step(&l.handler, &o, "accept", json!({})).await;
    assert_eq!(o["status"], "handling");
}

async fn extension_approved_and_refused(l: Loop) {
    let o = l.dispatched_and_accepted().await;
    let code = l
        .refused(
            &l.supervisor,
            &o,
            "extension-decision",
            json!({"approve": true}),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(
        code, "work_order.illegal_transition",
        "nothing to decide yet"
    );
    // Within the longest extension ([sla] max_extension, 30 working days by default).
    let day = |d: i64| {
        (chrono::Utc::now() + chrono::Duration::days(d))
            .format("%Y-%m-%dT09:00:00Z")
            .to_string()
    };
    let (due, later) = (day(30), day(40));
    let o = l
        .step(
            &l.handler,
            &o,
            "extension-request",
            json!({"reason": "需协调供电部门", "new_due": due}),
        )
        .await;
    assert!(o["extension"].is_object());
    assert!(l.inbox_has(&l.supervisor, "extensions", &o).await);
    let code = l
        .refused(
            &l.handler,
            &o,
            "extension-decision",
            json!({"approve": true}),
            StatusCode::FORBIDDEN,
        )
        .await;
    assert_eq!(
        code, "auth.forbidden",
        "a unit cannot approve its own extension"
    );
    let o = l
        .step(
            &l.supervisor,
            &o,
            "extension-decision",
            json!({"approve": true, "comment": "同意"}),
        )
        .await;
    assert!(o["extension"].is_null());
    assert_eq!(o["handling_due"], due.as_str());
    let o = l
        .step(
            &l.handler,
            &o,
            "extension-request",
            json!({"reason": "再延", "new_due": later}),
        )
        .await;
    let o = l
        .step(
            &l.supervisor,
            &o,
            "extension-decision",
            json!({"approve": false, "comment": "理由不足"}),
        )
        .await;
    assert_eq!(
        o["handling_due"],
        due.as_str(),
        "a refusal keeps the deadline"
    );
    assert_eq!(o["status"], "handling");
}

async fn suspended_and_resumed(l: Loop) {
    let o = l.dispatched_and_accepted().await;
    let o = l
        .step(
            &l.handler,
            &o,
            "suspend",
            json!({"reason": "等待司法鉴定结果"}),
        )
        .await;
    assert_eq!(o["status"], "suspended");
    assert_eq!(actions(&l.view(&l.handler, &o).await), vec!["resume"]);
    l.refused(
        &l.handler,
        &o,
        "reply",
        json!({"text": "x"}),
        StatusCode::CONFLICT,
    )
    .await;
    let o = l
        .step(&l.handler, &o, "resume", json!({"note": "鉴定完成"}))
        .await;
    assert_eq!(o["status"], "handling");
}

async fn reopened_after_unsatisfied_call_back(l: Loop) {
    let o = l.dispatched_and_accepted().await;
    let o = l
        .step(&l.handler, &o, "reply", json!({"text": "已处理"}))
        .await;
    let o = l
        .step(&l.operator, &o, "follow-up", json!({"satisfaction": "unsatisfied", "solved": false, "unit_at_fault": true, "comment": "井盖仍未补"}))
        .await;
    assert_eq!(o["status"], "handling");
    assert_eq!(o["reopen_count"], 1);
    assert!(o["reply"].is_null());
    assert!(l.inbox_has(&l.handler, "to_handle", &o).await);
    let o = l
        .step(&l.handler, &o, "reply", json!({"text": "已重新补装并复查"}))
        .await;
    let o = l
        .step(
            &l.operator,
            &o,
            "follow-up",
            json!({"satisfaction": "satisfied", "solved": true}),
        )
        .await;
    assert_eq!(o["status"], "visited");
    assert_eq!(o["satisfaction"], "satisfied");
    let o = l.step(&l.dispatcher, &o, "archive", json!({})).await;
    assert_eq!(o["status"], "archived");
}

async fn merged(l: Loop) {
    let master = l.register().await;
    let (st, dup) = l
        .operator
        .post(
            "/api/v1/work-orders",
            json!({"channel": "hotline", "caller_name": "王五", "caller_phone": "13700001111",
                                             "content": "滨江路井盖没了"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let code = l
        .refused(
            &l.handler,
            &dup,
            "merge",
            json!({"master_id": master["id"]}),
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(
        code, "work_order.not_found",
        "the unit does not see undispatched orders"
    );
    let m = l
        .step(
            &l.dispatcher,
            &dup,
            "merge",
            json!({"master_id": master["id"]}),
        )
        .await;
    assert_eq!(m["id"], master["id"]);
    assert_eq!(
        m["extra_callers"][0]["phone"], "137****1111",
        "answers to transitions mask contact data"
    );
    let full = l.view(&l.dispatcher, &master).await;
    assert_eq!(
        full["extra_callers"][0]["phone"], "13700001111",
        "the duplicate's caller stays attached"
    );
    let mut informed: Vec<String> = l
        .app
        .orders
        .store
        .pending_notices(l.app.county(), 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.kind == "merged")
        .map(|n| n.phone)
        .collect();
    informed.sort();
    assert_eq!(
        informed,
        vec!["13700001111", "13912340000"],
        "every caller is informed through the outbox"
    );
    let d = l.view(&l.dispatcher, &dup).await;
    assert_eq!(d["status"], "merged");
    assert_eq!(d["merged_into"], master["id"]);
    let code = l
        .refused(
            &l.dispatcher,
            &dup,
            "dispatch",
            json!({"lead_unit_id": l.unit("dept")}),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(code, "work_order.closed");
    // Both callers can look the master up with their own phone (and their own receipt's code).
    let number = master["number"].as_str().unwrap();
    for (phone, receipt) in [("13912340000", &master), ("13700001111", &dup)] {
        let code = receipt["tracking_code"].as_str().unwrap();
        let (st, v) = split(
            l.app
                .client
                .get(l.app.url(&format!(
                    "/api/v1/public/work-orders/{number}?phone={phone}&code={code}"
                )))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
}

async fn co_handled(l: Loop) {
    let o = l.register().await;
    let o = l
        .step(
            &l.dispatcher,
            &o,
            "dispatch",
            json!({"lead_unit_id": l.unit("dept"), "co_unit_ids": [l.unit("dept2")]}),
        )
        .await;
    assert!(
        l.inbox_has(&l.handler2, "to_sign", &o).await,
        "co-units see their part to sign for"
    );
    assert_eq!(actions(&l.view(&l.handler2, &o).await), vec!["accept_co"]);
    let o = l.step(&l.handler, &o, "accept", json!({})).await;
    let code = l
        .refused(
            &l.handler,
            &o,
            "reply",
            json!({"text": "已办结"}),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(code, "work_order.co_units_pending");
    let o = l
        .step(
            &l.handler2,
            &o,
            "accept-co",
            json!({"unit_id": l.unit("dept2")}),
        )
        .await;
    assert!(!l.inbox_has(&l.handler2, "to_sign", &o).await);
    assert_eq!(o["co_units"][0]["accepted"], true);
    let o = l
        .step(
            &l.handler2,
            &o,
            "co-reply",
            json!({"unit_id": l.unit("dept2"), "text": "管网部分已修复"}),
        )
        .await;
    assert_eq!(o["co_units"][0]["reply"], "管网部分已修复");
    let o = l
        .step(
            &l.handler,
            &o,
            "reply",
            json!({"text": "会同住建局处理完毕"}),
        )
        .await;
    assert_eq!(o["status"], "replied");
}

async fn reply_reviewed_by_the_leader(l: Loop) {
    let o = l.dispatched_and_accepted().await;
    let o = l
        .step(
            &l.handler,
            &o,
            "reply",
            json!({"text": "已处理", "review": true}),
        )
        .await;
    assert_eq!(o["status"], "pending_review");
    assert!(l.inbox_has(&l.leader, "to_review", &o).await);
    let code = l
        .refused(
            &l.handler,
            &o,
            "review",
            json!({"approve": true}),
            StatusCode::FORBIDDEN,
        )
        .await;
    assert_eq!(code, "auth.forbidden");
    let code = l
        .refused(
            &l.leader,
            &o,
            "review",
            json!({"approve": false}),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert_eq!(code, "work_order.comment_required");
    let o = l
        .step(
            &l.leader,
            &o,
            "review",
            json!({"approve": false, "comment": "答复过于简单"}),
        )
        .await;
    assert_eq!(o["status"], "handling");
    let o = l
        .step(
            &l.handler,
            &o,
            "reply",
            json!({"text": "已补装井盖并设置警示", "review": true}),
        )
        .await;
    let o = l
        .step(&l.leader, &o, "review", json!({"approve": true}))
        .await;
    assert_eq!(o["status"], "replied");
}

async fn stale_version_conflicts(l: Loop) {
    let o = l.register().await;
    let v = o["version"].as_u64().unwrap();
    let o2 = l
        .step(
            &l.dispatcher,
            &o,
            "dispatch",
            json!({"lead_unit_id": l.unit("dept"), "version": v}),
        )
        .await;
    assert_eq!(o2["version"], v + 1);
    let code = l
        .refused(
            &l.handler,
            &o,
            "accept",
            json!({"version": v}),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(code, "work_order.version_conflict");
    l.step(&l.handler, &o, "accept", json!({"version": v + 1}))
        .await;
}

/// 50 clients race for each step: exactly one wins, the rest get 409, history stays exact.
async fn racing_clients(l: Loop) {
    let o = l.register().await;
    let o = l
        .step(
            &l.dispatcher,
            &o,
            "dispatch",
            json!({"lead_unit_id": l.unit("dept")}),
        )
        .await;
    let id = o["id"].as_str().unwrap().to_owned();
    let race = |steps: Vec<(&'static str, Value)>| {
        let mut tasks = Vec::new();
        for i in 0..50 {
            let s = l.handler.clone();
            let (action, body) = steps[i % steps.len()].clone();
            let path = format!("/api/v1/work-orders/{id}/{action}");
            tasks.push(tokio::spawn(async move { s.post(&path, body).await }));
        }
        tasks
    };
    let rounds = [
        vec![
            ("accept", json!({})),
            (
                "return",
                json!({"reason": "duplicate", "explanation": "与另一工单重复"}),
            ),
        ],
        vec![
            ("reply", json!({"text": "已处理完毕"})),
            ("suspend", json!({"reason": "等待第三方"})),
        ],
    ];
    // Each round's clients start only once the previous round has settled.
    for (round, steps) in (1..).zip(rounds) {
        let tasks = race(steps);
        let mut wins = 0;
        for t in tasks {
            let (st, b) = t.await.unwrap();
            if st == StatusCode::OK {
                wins += 1;
            } else {
                assert_eq!(st, StatusCode::CONFLICT, "round {round}: {b}");
            }
        }
        assert_eq!(wins, 1, "round {round}: exactly one client wins");
        if round == 1 && l.view(&l.handler, &o).await["status"] == "returned" {
            // The return won: put it back so that the second round races on handling.
            let o2 = l
                .step(
                    &l.dispatcher,
                    &o,
                    "dispatch",
                    json!({"lead_unit_id": l.unit("dept")}),
                )
                .await;
            l.step(&l.handler, &o2, "accept", json!({})).await;
        }
    }
    let h = l.history(&o).await;
    let v = l.view(&l.dispatcher, &o).await;
    assert_eq!(
        h.len() as u64,
        v["version"].as_u64().unwrap(),
        "one entry per version, none lost or doubled"
    );
}

async fn attachments(l: Loop) {
    let o = l.register().await;
    let id = o["id"].as_str().unwrap().to_owned();
    let png: Vec<u8> = [
        &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..],
        &[7u8; 2000][..],
    ]
    .concat();
    let upload = |s: &Session, ty: &'static str, name: &str, bytes: Vec<u8>| {
        s.client
            .post(l.app.url(&format!(
                "/api/v1/work-orders/{id}/attachments?filename={name}"
            )))
            .header("cookie", &s.cookie)
            .header("x-csrf-token", &s.csrf)
            .header("content-type", ty)
            .body(bytes)
            .send()
    };
    let (st, meta) = split(
        upload(
            &l.operator,
            "image/png",
            "%E7%8E%B0%E5%9C%BA.png",
            png.clone(),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{meta}");
    assert_eq!(meta["filename"], "现场.png");
    assert_eq!(meta["size"], 2008);
    let (st, b) = split(
        upload(&l.operator, "image/jpeg", "x.jpg", png.clone())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        error_code(st, &b, StatusCode::BAD_REQUEST),
        "attachment.type_mismatch"
    );
    let (st, b) = split(
        upload(
            &l.operator,
            "text/html",
            "x.html",
            b"<script>alert(1)</script>".to_vec(),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        error_code(st, &b, StatusCode::BAD_REQUEST),
        "attachment.unsupported_type"
    );
    let big = [&png[..], &vec![0u8; 5 * 1024 * 1024][..]].concat();
    let (st, b) = split(
        upload(&l.operator, "image/png", "big.png", big)
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        error_code(st, &b, StatusCode::PAYLOAD_TOO_LARGE),
        "attachment.too_large"
    );
    let outsider = l.app.login("handler_b").await;
    let (st, _) = split(
        upload(&outsider, "image/png", "x.png", png.clone())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        st,
        StatusCode::NOT_FOUND,
        "outside the jurisdiction the order does not exist"
    );
    let (st, b) = split(
        upload(&l.supervisor, "image/png", "x.png", png.clone())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(error_code(st, &b, StatusCode::FORBIDDEN), "auth.forbidden");

    let (st, list) = l
        .dispatcher
        .get(&format!("/api/v1/work-orders/{id}/attachments"))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "rejected uploads stored nothing"
    );
    let aid = list[0]["id"].as_str().unwrap();
    let resp = l
        .app
        .client
        .get(
            l.app
                .url(&format!("/api/v1/work-orders/{id}/attachments/{aid}")),
        )
        .header("cookie", &l.dispatcher.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("UTF-8''")
    );
    assert_eq!(resp.bytes().await.unwrap().to_vec(), png);
}

on_both!(
    straight_through,
    returned_then_redispatched,
    returned_then_arbitrated,
    extension_approved_and_refused,
    suspended_and_resumed,
    reopened_after_unsatisfied_call_back,
    merged,
    co_handled,
    reply_reviewed_by_the_leader,
    stale_version_conflicts,
    racing_clients,
    attachments
);
