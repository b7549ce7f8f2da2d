//! Real data for the tests and the bench: the labelled messages and a duplicate-pair sample.
#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

pub use jiceng_nlp::board::{Message, duplicate_pairs};

/// `../shared/data/gov-messages`, where CI and every developer have it.
pub fn messages_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/gov-messages")
}

/// Every message of messages-with-replies.csv and messages-with-votes.csv.
pub fn board_messages() -> Vec<Message> {
    jiceng_nlp::board::read_board(&messages_dir()).unwrap()
}
