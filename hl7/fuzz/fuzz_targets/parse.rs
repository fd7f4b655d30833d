//! Fuzz target: any bytes through the parser, the conformance check, the
//! readers and the encoder must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let parsed = salal_hl7::parse(bytes);
    let _ = salal_hl7::check_parsed(&parsed);
    let _ = salal_hl7::read_update(&parsed.message);
    let _ = salal_hl7::read_query(&parsed.message);
    let _ = salal_hl7::read_response(&parsed.message);
    let _ = salal_hl7::read_acknowledgement(&parsed.message);
    let encoded = parsed.message.encode();
    let _ = salal_hl7::parse_str(&encoded);
});
