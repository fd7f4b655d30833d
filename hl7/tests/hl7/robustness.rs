//! Bad input never panics: random bytes, and sample messages with random
//! bytes inserted, deleted or replaced, go through the parser, the batch
//! reader, the conformance check and the readers.

use crate::common;
use proptest::prelude::*;
use salal_hl7::{
    check_parsed, parse, read_acknowledgement, read_batch, read_query, read_response, read_update,
};
use std::sync::OnceLock;

fn samples() -> &'static [(String, Vec<u8>)] {
    static SAMPLES: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    SAMPLES.get_or_init(common::samples)
}

/// Everything a receiver does with bytes.
fn exercise(bytes: &[u8]) {
    let parsed = parse(bytes);
    let report = check_parsed(&parsed);
    let _ = report.outcome;
    let _ = read_update(&parsed.message);
    let _ = read_query(&parsed.message);
    let _ = read_response(&parsed.message);
    let _ = read_acknowledgement(&parsed.message);
    let _ = parsed.message.encode();
    for message in read_batch(bytes).messages {
        let _ = check_parsed(&message);
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Insert(usize, u8),
    Delete(usize),
    Replace(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Delimiters and segment separators are the interesting bytes.
    let byte = prop_oneof![
        Just(b'|'),
        Just(b'^'),
        Just(b'~'),
        Just(b'\\'),
        Just(b'&'),
        Just(b'\r'),
        Just(b'\n'),
        Just(b'"'),
        any::<u8>(),
    ];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), byte).prop_map(|(i, b)| Mutation::Replace(i, b)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for mutation in mutations {
        let len = bytes.len().max(1);
        match *mutation {
            Mutation::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            Mutation::Delete(i) if !bytes.is_empty() => {
                bytes.remove(i % len);
            }
            Mutation::Replace(i, b) if !bytes.is_empty() => {
                if let Some(slot) = bytes.get_mut(i % len) {
                    *slot = b;
                }
            }
            _ => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Any bytes at all.
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        exercise(&bytes);
    }

    /// Bytes that start like a message.
    #[test]
    fn random_messages_never_panic(body in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let mut bytes = b"MSH|^~\\&|".to_vec();
        bytes.extend(body);
        exercise(&bytes);
    }

    /// Real samples, damaged.
    #[test]
    fn mutated_samples_never_panic(
        index in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 1..16),
    ) {
        let samples = samples();
        let (_, bytes) = &samples[index % samples.len()];
        exercise(&mutate(bytes.clone(), &mutations));
    }
}
