//! HL7 v2.5.1 immunization messaging for Salal, per the CDC IIS
//! Implementation Guide Release 1.5.
//!
//! Pure: no files, no network, no clock. The conformance profiles are turned
//! into Rust tables at build time (see `build.rs`).
//!
//! Start with [`parse`] (any bytes → [`Message`] and [`Problem`]s) and
//! [`read_batch`] (FHS/BHS batch files; [`write_batch`] makes them), then
//! [`check`] (profile conformance → [`Report`]). [`model`] holds the plain
//! values messages are built from ([`build_vxu`], [`build_ack`],
//! [`build_qbp`], [`build_rsp`]) and read into
//! ([`read_update`], [`read_query`], [`read_response`],
//! [`read_acknowledgement`]), next to `salal-core`'s patient and event types.

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    warn(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod batch;
mod builders;
mod conformance;
mod datetime;
mod escape;
mod map;
mod message;
pub mod model;
mod parse;
mod problem;
mod profile;

pub use batch::{
    Batch, BatchEnvelope, SplitBatch, read_batch, read_batch_str, split_batch, split_batch_str,
    write_batch,
};
pub use builders::{ack_code, build_ack, build_qbp, build_rsp, build_vxu};
pub use conformance::{Outcome, Report, check, check_parsed, outcome_of};
pub use datetime::{format_date, parse_date};
pub use escape::{decode as decode_escapes, encode as encode_escapes};
pub use map::{
    AckCode, Acknowledgement, MapError, read_acknowledgement, read_query, read_response,
    read_update,
};
pub use message::{Component, Delimiters, Field, Message, MessageType, NULL, Repetition, Segment};
pub use parse::{Parsed, parse, parse_str};
pub use problem::{ApplicationError, ErrorCode, Location, Problem, Rejects, Severity};
pub use profile::Profile;
