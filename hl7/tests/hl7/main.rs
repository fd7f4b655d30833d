//! Integration tests for salal-hl7, one binary with a module per theme:
//! the shared sample messages, builders, mapping round trips, an independent
//! parse with hl7apy, and robustness against arbitrary bytes.

mod builders;
mod common;
mod fixtures;
mod hl7apy;
mod robustness;
mod round_trip;
mod samples;
