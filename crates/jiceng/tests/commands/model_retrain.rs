//! `jiceng model retrain|list|activate` through the real binary, on a database holding
//! archived orders built from the real labelled messages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiceng_accounts::ports::{OrgStore, UserStore};
use jiceng_kernel::audit::chain::AuditRecord;
use jiceng_kernel::ids::{OrderId, UnitId, UserId};
use jiceng_kernel::org::{OrgKind, OrgUnit, UnitPath};
use jiceng_kernel::user::User;
use jiceng_orders::effects::Effects;
use jiceng_orders::ports::CommitStore;
use jiceng_orders::work_order::register::IntakeForm;
use jiceng_orders::work_order::{Assignee, NewWorkOrder, Status};
use std::path::Path;
use std::process::Command;

fn jiceng(data: &Path, args: &[&str]) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jiceng"));
    cmd.env("RUST_LOG", "warn");
    for (k, _) in std::env::vars() {
        if k.starts_with("JICENG_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd.args(args).arg("--data-dir").arg(data).output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn messages() -> Vec<jiceng_nlp::Example> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/gov-messages/train.csv");
    jiceng_nlp::data::read_examples(&path).unwrap()
}

/// Archives the first `per_label` messages of each category as orders of one county.
async fn seed(data: &Path, per_label: usize) {
    let store =
        jiceng_store::SqlStore::connect(&format!("sqlite://{}", data.join("jiceng.db").display()))
            .await
            .unwrap();
    let at = chrono::Utc::now();
    let id = UnitId::new_at(at);
    let county = OrgUnit {
        id,
        parent_id: None,
        kind: OrgKind::County,
        name: "广安区".into(),
        code: None,
        path: UnitPath::root(id),
        geometry: None,
        created_at: at,
    };
    store
        .insert_units(std::slice::from_ref(&county))
        .await
        .unwrap();
    let user = User {
        id: UserId::new_at(at),
        username: "operator".into(),
        display_name: "接线员".into(),
        phone: None,
        disabled: false,
        created_at: at,
        grants: Vec::new(),
    };
    let rec = AuditRecord::new(
        jiceng_kernel::audit::chain::Chain::System,
        at,
        "system",
        "test",
        "x",
        serde_json::json!({}),
    );
    store.insert_user(&user, "x", &rec).await.unwrap();
    let region = Assignee {
        unit_id: county.id,
        unit_name: county.name.clone(),
        unit_path: county.path.clone(),
    };
    let mut taken = std::collections::HashMap::<String, usize>::new();
    for m in messages() {
        let n = taken.entry(m.label.clone()).or_default();
        *n += 1;
        if *n > per_label {
            continue;
        }
        let title: String = m.title.chars().take(100).collect();
        let content: String = m.text.chars().take(2000).collect();
        let new = NewWorkOrder::parse(IntakeForm {
            title: Some(title.as_str()).filter(|t| !t.is_empty()),
            content: &content,
            category: Some(&m.label),
            ..Default::default()
        })
        .unwrap();
        let (mut o, h) = new.into_order(
            OrderId::new_at(chrono::Utc::now()),
            String::new(),
            region.clone(),
            user.id,
            "operator",
            at,
        );
        o.status = Status::Archived;
        store
            .commit(Effects::new(o.created_at).new_order(o.clone(), vec![h.clone()], "JC20261124"))
            .await
            .unwrap();
    }
    store.close().await;
}

fn active(list: &str) -> String {
    list.lines()
        .find_map(|l| l.strip_prefix("active model: "))
        .unwrap()
        .trim()
        .to_owned()
}

fn stored_id(out: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix("stored model "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn retrain_list_activate_and_roll_back() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (ok, _, err) = jiceng(&data, &["migrate"]);
    assert!(ok, "{err}");
    let (ok, out, err) = jiceng(&data, &["model", "list"]);
    assert!(ok, "{err}");
    assert_eq!(active(&out), "default");
    assert!(out.contains("no stored models"), "{out}");

    seed(&data, 20).await;
    // The built-in model was trained on these messages: a model of 140 orders is refused.
    let (ok, out, err) = jiceng(&data, &["model", "retrain"]);
    assert!(!ok, "{out}");
    assert!(err.contains("not activated"), "{err}");
    assert!(
        out.contains("140 archived orders (28 held out), 0 corrections"),
        "{out}"
    );
    assert!(out.contains("28 held-out orders"), "{out}");
    let refused = stored_id(&out);

    let (ok, out, err) = jiceng(&data, &["model", "retrain", "--force"]);
    assert!(ok, "{err}");
    assert!(out.contains("activated"), "{out}");
    let forced = stored_id(&out);
    let (ok, out, err) = jiceng(&data, &["model", "list"]);
    assert!(ok, "{err}");
    assert_eq!(active(&out), forced);
    assert!(out.contains(&refused), "{out}");
    let forced_row = out.lines().find(|l| l.starts_with(&forced)).unwrap();
    assert!(
        forced_row.contains("yes") && forced_row.ends_with("default"),
        "{out}"
    );

    // Rollback to the built-in model, then a bad id.
    let (ok, out, err) = jiceng(&data, &["model", "activate", "default"]);
    assert!(ok, "{err}");
    assert!(out.contains("active model: default"), "{out}");
    let (_, out, _) = jiceng(&data, &["model", "list"]);
    assert_eq!(active(&out), "default");
    let (ok, _, err) = jiceng(&data, &["model", "activate", "nonsense"]);
    assert!(!ok);
    assert!(err.contains("not a model id"), "{err}");
    let (ok, _, err) = jiceng(&data, &["model", "activate", &refused.replace('0', "1")]);
    assert!(!ok);
    assert!(err.contains("model.not_found"), "{err}");

    // Shipped training data in the data directory joins the small own data.
    let base = messages()
        .into_iter()
        .rev()
        .take(50)
        .map(|m| format!("{},\"{}\"\n", m.label, m.text.replace('"', "")))
        .collect::<String>();
    std::fs::create_dir_all(data.join("models")).unwrap();
    std::fs::write(data.join("models/base.csv"), format!("label,text\n{base}")).unwrap();
    let (_, out, err) = jiceng(&data, &["model", "retrain", "--force"]);
    assert!(out.contains("and 50 shipped examples"), "{out}{err}");
}
