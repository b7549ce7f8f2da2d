use super::stored::json_string;
use super::*;
use chrono::DateTime;
use serde_json::json;

fn log(n: u64) -> Vec<AuditEntry> {
    let t = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
    let mut v: Vec<AuditEntry> = Vec::new();
    for i in 0..n {
        let e = AuditEntry::next(
            v.last(),
            &AuditRecord::new(
                Chain::System,
                t,
                "u1",
                "work_order.note",
                format!("work_order:{i}"),
                json!({"text": "进展", "i": i}),
            ),
        );
        v.push(e);
    }
    v
}

fn verify(v: &[AuditEntry], checkpoint: u64) -> Result<u64, Fault> {
    let mut c = ChainVerifier::default();
    for e in v {
        c.push(e)?;
    }
    c.finish(checkpoint)
}

#[test]
fn untouched_log_verifies() {
    assert_eq!(verify(&log(10), 10), Ok(10));
    assert_eq!(verify(&[], 0), Ok(0));
}

#[test]
fn each_tampering_is_named() {
    let mut v = log(10);
    v[4].payload = Payload::from_value(&json!({"text": "改过", "i": 4}));
    assert_eq!(verify(&v, 10), Err(Fault::Changed { seq: 5 }));

    let mut v = log(10);
    v.remove(6);
    assert_eq!(verify(&v, 10), Err(Fault::Missing { from: 7, to: 7 }));

    let mut v = log(10);
    v.swap(2, 3);
    assert_eq!(verify(&v, 10), Err(Fault::Reordered { seq: 3, after: 4 }));

    let mut v = log(10);
    v.truncate(8);
    assert_eq!(
        verify(&v, 8),
        Ok(8),
        "a shorter log is only caught by a checkpoint"
    );

    // A forged entry with a valid hash of its own, slotted in with renumbered successors.
    let v = log(10);
    let mut forged = v[..5].to_vec();
    let fake = AuditEntry::next(
        Some(&v[3]),
        &AuditRecord::new(
            Chain::System,
            v[4].at,
            "intruder",
            "user.grant_role",
            "user:x",
            json!({}),
        ),
    );
    let mut fake = fake;
    fake.seq = 6;
    fake.hash = fake.compute_hash();
    forged.push(fake);
    assert_eq!(verify(&forged, 0), Err(Fault::Inserted { seq: 6 }));

    let v = log(10);
    assert_eq!(
        verify(&v[..8], 10),
        Err(Fault::Truncated {
            have: 8,
            checkpoint_size: 10
        })
    );
}

#[test]
fn encoding_is_stable_and_round_trips() {
    let v = log(3);
    let json = serde_json::to_string(&v[2]).unwrap_or_default();
    let back: AuditEntry = serde_json::from_str(&json).unwrap_or_else(|_| v[0].clone());
    assert_eq!(back, v[2]);
    assert_eq!(back.compute_hash(), v[2].hash);
    assert_eq!(v[1].canonical(), v[1].clone().canonical());
}

#[test]
fn canonical_encoding_is_sorted_json() {
    let r = AuditRecord::new(
        Chain::System,
        DateTime::from_timestamp(1_800_000_000, 123_000).unwrap_or_default(),
        "u\"1",
        "work_order.reply",
        "work_order:é",
        json!({"z": 1, "a": "换行\n和“引号”", "m": [1.5, null, true]}),
    );
    let e = AuditEntry::after(Some((41, [7u8; 32])), &r);
    let by_serde = serde_json::to_vec(&json!({
        "seq": 42,
        "at": r.at.timestamp_micros(),
        "actor": r.actor,
        "action": r.action,
        "object": r.object,
        "payload": r.payload,
        "prev": hex::encode([7u8; 32]),
    }))
    .unwrap();
    assert_eq!(
        String::from_utf8(e.canonical()).unwrap(),
        String::from_utf8(by_serde).unwrap()
    );
    assert_eq!(e.hash, crate::audit::merkle::leaf_hash(&e.canonical()));
}

#[test]
fn strings_are_escaped_as_serde_json_escapes_them() {
    let mut all: String = (0u8..0x80).map(char::from).collect();
    all.push_str("é“引号”\u{2028}\u{10FFFF}\\\"");
    for s in [String::new(), "plain".to_owned(), all] {
        let mut ours = Vec::new();
        json_string(&mut ours, s.as_bytes());
        assert_eq!(ours, serde_json::to_vec(&s).unwrap_or_default(), "{s:?}");
    }
    proptest::proptest!(|(s in ".*")| {
        let mut ours = Vec::new();
        json_string(&mut ours, s.as_bytes());
        proptest::prop_assert_eq!(ours, serde_json::to_vec(&s).unwrap_or_default());
    });
}

#[test]
fn stored_bytes_are_what_is_checked() {
    let v = log(3);
    let mut c = ChainVerifier::default();
    for e in &v {
        assert_eq!(c.push_stored(e.stored()), Ok(()));
    }
    assert_eq!(c.finish(3), Ok(3));
    // A previous hash stored at another length is not read as some other hash.
    let short = &v[0].prev_hash[..31];
    let mut c = ChainVerifier::default();
    let first = StoredEntry {
        prev_hash: short,
        ..v[0].stored()
    };
    assert_eq!(c.push_stored(first), Ok(()));
    assert_eq!(c.finish(0), Err(Fault::Changed { seq: 1 }));
    // Text that is not UTF-8 is hashed as it is, and fails without stopping the walk.
    let mut c = ChainVerifier::default();
    let bad = StoredEntry {
        actor: b"u\xff1",
        ..v[0].stored()
    };
    assert_eq!(c.push_stored(bad), Ok(()));
    assert_eq!(c.push_stored(v[1].stored()), Err(Fault::Changed { seq: 1 }));
}
