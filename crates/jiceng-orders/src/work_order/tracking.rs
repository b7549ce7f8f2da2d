//! The tracking code (查询码): the second factor of the citizens' public lookup. Staff screens
//! show a caller's phone with only four digits hidden, so phone and order number alone are
//! guessable; the code is random, printed on the receipt (or read out), and stored only as a
//! fingerprint.

use sha2::{Digest, Sha256};

/// Digits and capitals without 0/O, 1/I/L, which are misread on a receipt or over the phone.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const CODE_LEN: usize = 8;

/// A code drawn from fresh randomness (a secret token of the injected secrets port).
pub fn code_from(random: &str) -> String {
    let bytes = Sha256::digest(random.as_bytes());
    bytes
        .chunks_exact(2)
        .take(CODE_LEN)
        .map(|b| {
            let v = usize::from(u16::from_be_bytes([b[0], b[1]]));
            char::from(ALPHABET[v % ALPHABET.len()])
        })
        .collect()
}

/// The code as typed: case and spaces do not matter; `None` when it cannot be a code.
pub fn normalize(typed: &str) -> Option<String> {
    let c: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (c.len() == CODE_LEN && c.bytes().all(|b| ALPHABET.contains(&b))).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unambiguous_and_typed_loosely() {
        let a = code_from("one random token");
        assert_eq!(a.len(), CODE_LEN);
        assert_ne!(a, code_from("another random token"));
        assert!(!a.contains(['0', 'O', '1', 'I', 'L']));
        let typed = format!("{} {}", &a[..4], a[4..].to_lowercase());
        assert_eq!(normalize(&typed), Some(a));
        assert_eq!(normalize("ABCD"), None);
        assert_eq!(normalize("ABCD0000"), None);
    }
}
