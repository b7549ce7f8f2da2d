//! An entry's fields as stored, and their canonical encoding: the bytes its hash is made of.

use crate::audit::Hash;

/// An entry's fields exactly as stored, borrowed from wherever they were read: what
/// verification hashes. Text is taken as its stored bytes, hashes at their stored length,
/// so that nothing is normalised away before the hash is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredEntry<'a> {
    pub seq: u64,
    /// Microseconds since the Unix epoch.
    pub at: i64,
    pub actor: &'a [u8],
    pub action: &'a [u8],
    pub object: &'a [u8],
    pub payload: &'a [u8],
    pub prev_hash: &'a [u8],
    pub hash: &'a [u8],
}

impl StoredEntry<'_> {
    /// The content of the entry in a stable encoding, as if numbered `seq`: one JSON object
    /// with its keys in sorted order, the instant in microseconds, the payload's stored text
    /// and the previous hash in hex. Strings are escaped as `serde_json` escapes them.
    pub fn canonical_as(&self, buf: &mut Vec<u8>, seq: u64) {
        let mut num = itoa::Buffer::new();
        buf.reserve(
            96 + self.actor.len() + self.action.len() + self.object.len() + self.payload.len(),
        );
        buf.extend_from_slice(b"{\"action\":");
        json_string(buf, self.action);
        buf.extend_from_slice(b",\"actor\":");
        json_string(buf, self.actor);
        buf.extend_from_slice(b",\"at\":");
        buf.extend_from_slice(num.format(self.at).as_bytes());
        buf.extend_from_slice(b",\"object\":");
        json_string(buf, self.object);
        buf.extend_from_slice(b",\"payload\":");
        buf.extend_from_slice(self.payload);
        buf.extend_from_slice(b",\"prev\":\"");
        let mut hex_buf = [0u8; 64];
        match hex::encode_to_slice(self.prev_hash, &mut hex_buf) {
            Ok(()) => buf.extend_from_slice(&hex_buf),
            // A stored hash of the wrong length is hashed as it is, and fails.
            Err(_) => buf.extend_from_slice(hex::encode(self.prev_hash).as_bytes()),
        }
        buf.extend_from_slice(b"\",\"seq\":");
        buf.extend_from_slice(num.format(seq).as_bytes());
        buf.push(b'}');
    }

    /// The Merkle leaf hash of the entry's content as if numbered `seq`, encoded in `buf`.
    pub fn leaf_as(&self, buf: &mut Vec<u8>, seq: u64) -> Hash {
        buf.clear();
        self.canonical_as(buf, seq);
        crate::audit::merkle::leaf_hash(buf)
    }

    pub(super) fn to_owned_entry(self) -> OwnedStored {
        OwnedStored {
            seq: self.seq,
            at: self.at,
            actor: self.actor.to_vec(),
            action: self.action.to_vec(),
            object: self.object.to_vec(),
            payload: self.payload.to_vec(),
            prev_hash: self.prev_hash.to_vec(),
            hash: self.hash.to_vec(),
        }
    }
}

/// A [`StoredEntry`] kept beyond the buffer it was read from.
#[derive(Debug, Clone)]
pub(super) struct OwnedStored {
    pub(super) seq: u64,
    at: i64,
    actor: Vec<u8>,
    action: Vec<u8>,
    object: Vec<u8>,
    payload: Vec<u8>,
    pub(super) prev_hash: Vec<u8>,
    hash: Vec<u8>,
}

impl OwnedStored {
    pub(super) fn get(&self) -> StoredEntry<'_> {
        StoredEntry {
            seq: self.seq,
            at: self.at,
            actor: &self.actor,
            action: &self.action,
            object: &self.object,
            payload: &self.payload,
            prev_hash: &self.prev_hash,
            hash: &self.hash,
        }
    }
}

/// Writes `s` as a JSON string exactly as `serde_json` writes a `str`: `"`, `\` and the
/// control characters below U+0020 escaped (`\b \t \n \f \r`, else `\u00XX` in lower-case
/// hex), every other byte as it is.
pub(super) fn json_string(buf: &mut Vec<u8>, s: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    buf.push(b'"');
    let mut start = 0;
    for (i, &b) in s.iter().enumerate() {
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            b'\t' => b't',
            b'\n' => b'n',
            0x0c => b'f',
            b'\r' => b'r',
            0x00..=0x1f => 0,
            _ => continue,
        };
        buf.extend_from_slice(&s[start..i]);
        if short == 0 {
            buf.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]);
        } else {
            buf.extend_from_slice(&[b'\\', short]);
        }
        start = i + 1;
    }
    buf.extend_from_slice(&s[start..]);
    buf.push(b'"');
}
