//! Fuzz target: any bytes through the batch reader, then each message
//! through the conformance check, must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let batch = salal_hl7::read_batch(bytes);
    for message in &batch.messages {
        let _ = salal_hl7::check_parsed(message);
    }
});
