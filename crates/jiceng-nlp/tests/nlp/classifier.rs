//! The classifier on the real messages of gov-messages/train.csv: cross-validated quality,
//! calibration, the shipped model, the file format and odd inputs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use jiceng_nlp::data::{parse_examples, read_examples};
use jiceng_nlp::{Classifier, Example, Settings, Taxonomy, cross_validate, format, train};

fn train_csv() -> Vec<Example> {
    read_examples(&common::messages_dir().join("train.csv")).unwrap()
}

#[test]
fn cross_validated_macro_f1_beats_the_reference_and_confidence_is_calibrated() {
    let examples = train_csv();
    assert_eq!(examples.len(), 2283);
    let eval = cross_validate(&examples, &[], &Settings::default(), 5).unwrap();
    let f1 = eval.macro_f1();
    assert!(f1 >= 0.89, "macro-F1 {f1}");
    // Calibrated: mean confidence on held-out messages is close to their accuracy.
    let mean_conf = eval.rows.iter().map(|r| r.2).sum::<f32>() / eval.rows.len() as f32;
    assert!(
        (mean_conf - eval.accuracy()).abs() < 0.03,
        "{mean_conf} vs {}",
        eval.accuracy()
    );
    // Confident predictions are right more often: half the orders at 97% precision or more.
    let c = eval.coverage_at(0.97);
    assert!(c.coverage > 0.5 && c.precision >= 0.97, "{c:?}");
}

#[test]
fn shipped_model_is_the_default_settings_trained_on_the_whole_file() {
    let model = train(&train_csv(), &[], &Settings::default()).unwrap();
    // The weights, labels and settings must be the same; the compressed bytes may differ
    // with the deflate backend the build links.
    let shipped = format::from_bytes(jiceng_nlp::DEFAULT_MODEL).unwrap();
    assert!(
        model == shipped,
        "crates/jiceng-nlp/model/default.jcm is stale: retrain it (see README)"
    );
    let bytes = Classifier::new(model).to_bytes().unwrap();
    assert!(bytes.len() < 8 << 20, "{} bytes", bytes.len());
}

#[test]
fn embedded_model_classifies_real_complaints() {
    let c = Classifier::embedded().unwrap();
    let tax = std::fs::read(common::messages_dir().join("taxonomy.csv")).unwrap();
    let tax = Taxonomy::parse_csv(&tax).unwrap();
    assert!(
        tax.unknown(c.labels().iter().map(String::as_str))
            .is_empty()
    );
    let p = c.predict("", "A3区某小区楼下餐馆油烟扰民，噪音很大，污水直排河道");
    assert_eq!(p.label, "环境保护", "{p:?}");
    let p = c.predict(
        "咨询社保缴费",
        "单位一直没有给我缴纳养老保险和医疗保险，请问怎么办",
    );
    assert_eq!(p.label, "劳动和社会保障", "{p:?}");
    assert!(p.confidence > 0.5 && p.top.len() == 7);
    assert!(p.top.windows(2).all(|w| w[0].1 >= w[1].1));
    assert!((p.top.iter().map(|t| t.1).sum::<f32>() - 1.0).abs() < 1e-4);
}

#[test]
fn odd_inputs_give_a_prediction_never_a_panic() {
    let c = Classifier::embedded().unwrap();
    let huge = "学校周边道路施工噪音扰民😀".repeat(8000); // > 100 KB
    assert!(huge.len() > 100_000);
    let inputs = [
        ("", ""),
        ("   ", "\n\t\u{3000}"),
        ("😀😀🏠", "🚧🚧🚧"),
        ("Road 施工 ДОРОГА", "noise 噪音 ضوضاء 소음 ＡＢＣ１２３"),
        ("", "\u{0}\u{1}\u{7f}\u{200b}"),
        ("", huge.as_str()),
    ];
    for (title, text) in inputs {
        let p = c.predict(title, text);
        assert!(c.labels().contains(&p.label));
        assert!(
            p.confidence.is_finite() && (0.0..=1.0).contains(&p.confidence),
            "{p:?}"
        );
    }
    // Empty text has nothing to go on: low confidence, so it goes to a dispatcher.
    assert!(c.predict("", "").confidence < 0.6);
}

#[test]
fn model_files_round_trip_and_damage_is_rejected() {
    let bytes = jiceng_nlp::DEFAULT_MODEL;
    let model = format::from_bytes(bytes).unwrap();
    assert_eq!(
        format::from_bytes(&format::to_bytes(&model).unwrap()).unwrap(),
        model
    );
    let code = |b: &[u8]| format::from_bytes(b).unwrap_err().code;
    assert_eq!(code(b""), "model.corrupt");
    assert_eq!(code(b"PK\x03\x04 a zip file"), "model.corrupt");
    assert_eq!(code(&bytes[..bytes.len() / 2]), "model.corrupt");
    for at in [12, 40, bytes.len() / 2, bytes.len() - 3] {
        let mut bad = bytes.to_vec();
        bad[at] ^= 0x55;
        assert_eq!(code(&bad), "model.corrupt", "byte {at}");
    }
    // A well-formed file whose settings are out of bounds is refused, not run.
    let mut odd = model.clone();
    odd.settings.features.title_repeat = 1_000_000;
    let refused = format::from_bytes(&format::to_bytes(&odd).unwrap()).unwrap_err();
    assert_eq!(refused.code, "model.corrupt");
    assert!(
        refused.message.contains("title_repeat"),
        "{}",
        refused.message
    );
    let err = Classifier::from_file(std::path::Path::new("/nonexistent/m.jcm")).unwrap_err();
    assert!(err.message.contains("/nonexistent/m.jcm"));
}

#[test]
fn csv_columns_in_any_order_with_bom_and_errors_naming_line_and_column() {
    let ok =
        parse_examples("\u{feff}text,label,title\n正文一,甲,\n\"多行\n正文\",乙,标题\n".as_bytes())
            .unwrap();
    assert_eq!(ok.len(), 2);
    assert_eq!((ok[1].label.as_str(), ok[1].title.as_str()), ("乙", "标题"));
    let err = |s: &str| parse_examples(s.as_bytes()).unwrap_err().message;
    assert!(err("label,text\n甲,好\n,缺类别\n").contains("第 3 行 label 列"));
    assert!(err("label,text\n甲,好\n乙,\n").contains("第 3 行 text 列"));
    assert!(err("label,title\n甲,好\n").contains("text"));
    assert!(err("label,text\n").contains("没有数据"));
    let bad_utf8 = parse_examples(b"label,text\n\xff\xfe,x\n")
        .unwrap_err()
        .message;
    assert!(bad_utf8.contains("第 2 行 label 列"), "{bad_utf8}");
    // One class is not a classifier.
    let one = parse_examples("label,text\n甲,一\n甲,二\n".as_bytes()).unwrap();
    assert_eq!(
        train(&one, &[], &Settings::default()).unwrap_err().code,
        "model.too_few_labels"
    );
}

#[test]
fn a_classifier_is_shared_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Classifier>();
    let c = std::sync::Arc::new(Classifier::embedded().unwrap());
    let answers: Vec<String> = (0..2)
        .map(|_| {
            let c = std::sync::Arc::clone(&c);
            std::thread::spawn(move || c.predict("", "学校食堂饭菜质量差，学生吃不饱").label)
        })
        .map(|h| h.join().unwrap())
        .collect();
    assert_eq!(answers, ["教育文体", "教育文体"]);
}

#[test]
fn bad_settings_are_refused() {
    let examples = train_csv();
    let s = Settings {
        c: f32::NAN,
        ..Settings::default()
    };
    assert_eq!(
        train(&examples, &[], &s).unwrap_err().code,
        "model.bad_settings"
    );
}

#[test]
fn taxonomy_tree_has_three_levels() {
    let tax = std::fs::read(common::messages_dir().join("taxonomy.csv")).unwrap();
    let tax = Taxonomy::parse_csv(&tax).unwrap();
    assert_eq!(tax.level(1).len(), 15);
    assert!(tax.children("城乡建设").contains(&"城乡建设/城乡规划"));
    assert!(tax.contains("城乡建设/城乡规划/违章建筑"));
    let labels: Vec<String> = train_csv().into_iter().map(|e| e.label).collect();
    assert!(tax.unknown(labels.iter().map(String::as_str)).is_empty());
}
