//! Real citizen messages the demo's work orders are built from (embedded, gzipped JSON).

use anyhow::{Context, Result};
use flate2::read::GzDecoder;
use serde::Deserialize;
use std::io::Read;

/// Written by `scripts/make-demo-messages.py` from the 2020 TipDM Cup problem C data.
const FIXTURE: &[u8] = include_bytes!("../../demo/messages.json.gz");

/// One message: personal data masked, text truncated, the reply and its real handling time
/// when the government answered it.
#[derive(Debug, Clone, Deserialize)]
pub struct Message {
    /// One of the 7 first-level categories.
    pub label: String,
    pub title: String,
    pub text: String,
    pub reply: Option<String>,
    /// Days from the message to the reply, as it really took.
    pub days: Option<f64>,
    /// Hour of day the message was left.
    pub hour: Option<u32>,
}

/// The file also names its `source` (provenance) at the top; only the messages are read.
#[derive(Debug, Deserialize)]
struct Fixture {
    messages: Vec<Message>,
}

fn json() -> Result<String> {
    let mut json = String::new();
    GzDecoder::new(FIXTURE)
        .read_to_string(&mut json)
        .context("the embedded demo messages cannot be decompressed")?;
    Ok(json)
}

pub fn load() -> Result<Vec<Message>> {
    let fx: Fixture =
        serde_json::from_str(&json()?).context("the embedded demo messages are invalid")?;
    Ok(fx.messages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_real_masked_and_small() {
        let m = load().unwrap();
        assert!(m.len() >= 2900, "{}", m.len());
        let labels = [
            "城乡建设",
            "劳动和社会保障",
            "教育文体",
            "商贸旅游",
            "卫生计生",
            "环境保护",
            "交通运输",
        ];
        assert!(m.iter().all(|x| labels.contains(&x.label.as_str())));
        for l in labels {
            assert!(m.iter().filter(|x| x.label == l).count() > 50, "{l}");
        }
        let replied = m.iter().filter(|x| x.reply.is_some()).count();
        assert!(replied >= 2000, "{replied}");
        assert!(m.iter().all(|x| x.reply.is_none() || x.days.is_some()));
        for x in &m {
            assert!(x.text.chars().count() <= 300 && !x.title.is_empty());
            assert!(!x.text.contains("_x000D_"));
            assert!(x.reply.as_ref().is_none_or(|r| r.chars().count() <= 200));
            // No unmasked run of 7+ digits (phones, ID cards) is left.
            let all = format!("{}{}{}", x.title, x.text, x.reply.as_deref().unwrap_or(""));
            let mut run = 0;
            for c in all.chars() {
                run = if c.is_ascii_digit() { run + 1 } else { 0 };
                assert!(run < 7, "{all}");
            }
        }
        assert!(FIXTURE.len() < 1_500_000);
        let raw: serde_json::Value = serde_json::from_str(&json().unwrap()).unwrap();
        assert!(raw["source"]["origin"].as_str().unwrap().contains("TipDM"));
    }
}
