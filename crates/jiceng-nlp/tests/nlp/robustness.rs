//! Any text classifies and any damaged model file is refused, without a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiceng_nlp::{Classifier, Fingerprint, format, similarity};
use proptest::prelude::*;
use std::sync::LazyLock;

static CLASSIFIER: LazyLock<Classifier> = LazyLock::new(|| Classifier::embedded().unwrap());

/// The file's own checksum (FNV-1a 64), so damage reaches the parser behind it.
fn reseal(mut body: Vec<u8>) -> Vec<u8> {
    let sum = body.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    });
    body.extend(sum.to_le_bytes());
    body
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_text_gets_a_prediction(title in any::<String>(), text in any::<String>()) {
        let p = CLASSIFIER.predict(&title, &text);
        prop_assert!(CLASSIFIER.labels().contains(&p.label));
        prop_assert!((0.0..=1.0).contains(&p.confidence));
        let f = Fingerprint::of(&text);
        prop_assert!((0.0..=1.0).contains(&similarity(&f, &Fingerprint::of(&title))));
    }

    #[test]
    fn damaged_but_resealed_files_never_panic(at in 8usize..4000, byte in any::<u8>(), cut in any::<bool>()) {
        let bytes = jiceng_nlp::DEFAULT_MODEL;
        let mut body = bytes[..bytes.len() - 8].to_vec();
        if cut {
            body.truncate(at);
        } else if let Some(b) = body.get_mut(at) {
            *b = byte;
        }
        // Either refused or, if the change was harmless, a working model.
        if let Ok(m) = format::from_bytes(&reseal(body)) {
            let c = Classifier::new(m);
            let _ = c.predict("", "路灯不亮");
        }
    }
}
