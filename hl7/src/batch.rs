//! The batch reader: a file of many messages, wrapped in the HL7 batch
//! envelope (FHS, BHS, ..., BTS, FTS) or simply several MSH messages in a
//! row. Each message is parsed on its own, so one bad message yields its own
//! problems and the good ones still come through. Never panics.
//!
//! [`write_batch`] is the other way: encoded messages (the ACKs answering a
//! batch) wrapped in FHS, BHS, ..., BTS, FTS.

use crate::message::{Delimiters, Message, Segment};
use crate::parse::{self, Parsed};
use crate::problem::{ErrorCode, Location, Problem};

/// What a batch file held.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Batch {
    /// FHS, when the file has one.
    pub file_header: Option<Segment>,
    /// Each BHS, in order.
    pub batch_headers: Vec<Segment>,
    /// Each message, parsed separately, with its own problems.
    pub messages: Vec<Parsed>,
    /// Problems with the envelope itself (counts, stray segments).
    pub problems: Vec<Problem>,
}

/// Reads a batch file (or several MSH messages in a row) from raw bytes.
#[must_use]
pub fn read_batch(bytes: &[u8]) -> Batch {
    let mut problems = Vec::new();
    let text = parse::decode_bytes(bytes, &mut problems);
    let mut batch = read_batch_str(&text);
    batch.problems.extend(problems);
    batch
}

/// Reads a batch file from text.
#[must_use]
pub fn read_batch_str(text: &str) -> Batch {
    let split = split_batch_str(text);
    Batch {
        file_header: split.file_header,
        batch_headers: split.batch_headers,
        messages: split
            .messages
            .iter()
            .map(|message| parse::parse_str(message))
            .collect(),
        problems: split.problems,
    }
}

/// A batch file cut into its messages' texts, not parsed yet: for files too
/// large to hold parsed all at once. [`crate::parse_str`] of each text gives
/// what [`read_batch`] gives for that message.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SplitBatch {
    /// FHS, when the file has one.
    pub file_header: Option<Segment>,
    /// Each BHS, in order.
    pub batch_headers: Vec<Segment>,
    /// Each message's text (segments joined by CR), in order.
    pub messages: Vec<String>,
    /// Problems with the envelope itself (counts, stray segments, the bytes).
    pub problems: Vec<Problem>,
}

/// [`read_batch`] without parsing the messages.
#[must_use]
pub fn split_batch(bytes: &[u8]) -> SplitBatch {
    let mut problems = Vec::new();
    let text = parse::decode_bytes(bytes, &mut problems);
    let mut split = split_batch_str(&text);
    split.problems.extend(problems);
    split
}

/// [`read_batch_str`] without parsing the messages.
#[must_use]
pub fn split_batch_str(text: &str) -> SplitBatch {
    let mut batch = SplitBatch::default();
    let mut current: Vec<&str> = Vec::new();
    let mut messages_in_batch: usize = 0;
    let mut batches_in_file: usize = 0;
    let flush = |current: &mut Vec<&str>, batch: &mut SplitBatch| {
        if !current.is_empty() {
            batch.messages.push(current.join("\r"));
            current.clear();
        }
    };
    for line in parse::segment_lines(text) {
        let name: String = line.chars().take(3).collect();
        match name.as_str() {
            "MSH" => {
                flush(&mut current, &mut batch);
                current.push(line);
                messages_in_batch += 1;
            }
            "FHS" => {
                flush(&mut current, &mut batch);
                let delimiters = envelope_delimiters(line, &mut batch.problems);
                batch.file_header = Some(parse::parse_segment(line, &delimiters));
            }
            "BHS" => {
                flush(&mut current, &mut batch);
                let delimiters = envelope_delimiters(line, &mut batch.problems);
                batch
                    .batch_headers
                    .push(parse::parse_segment(line, &delimiters));
                messages_in_batch = 0;
            }
            "BTS" => {
                flush(&mut current, &mut batch);
                batches_in_file += 1;
                let count = declared_count(line);
                if let Some(count) = count.filter(|&c| c != messages_in_batch) {
                    batch.problems.push(Problem::warning(
                        ErrorCode::DataTypeError,
                        Some(Location::missing_segment("BTS").with_field(1)),
                        format!(
                            "BTS-1 says the batch holds {count} messages but it holds {messages_in_batch}"
                        ),
                    ));
                }
                messages_in_batch = 0;
            }
            "FTS" => {
                flush(&mut current, &mut batch);
                let count = declared_count(line);
                if let Some(count) = count.filter(|&c| c != batches_in_file) {
                    batch.problems.push(Problem::warning(
                        ErrorCode::DataTypeError,
                        Some(Location::missing_segment("FTS").with_field(1)),
                        format!(
                            "FTS-1 says the file holds {count} batches but it holds {batches_in_file}"
                        ),
                    ));
                }
            }
            _ if current.is_empty() => batch.problems.push(Problem::warning(
                ErrorCode::SegmentSequenceError,
                Some(Location::missing_segment(&name)),
                "segment outside any message ignored",
            )),
            _ => current.push(line),
        }
    }
    flush(&mut current, &mut batch);
    batch
}

/// The header fields of a batch file [`write_batch`] makes (FHS and BHS carry
/// the same values; empty ones are left out).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct BatchEnvelope {
    /// FHS-3 and BHS-3.
    pub sending_application: String,
    /// FHS-4 and BHS-4.
    pub sending_facility: String,
    /// FHS-5 and BHS-5.
    pub receiving_application: String,
    /// FHS-6 and BHS-6.
    pub receiving_facility: String,
    /// FHS-7 and BHS-7, a DTM ("20261203093000-0800").
    pub date_time: String,
    /// FHS-11 and BHS-11: this file's control id.
    pub control_id: String,
    /// FHS-12 and BHS-12: the control id of the file answered, when there is one.
    pub reference_control_id: String,
    /// BTS-2: the batch comment (a summary, for instance).
    pub comment: String,
}

/// One batch file: FHS, BHS, every message of `messages` (each already
/// encoded, segments ended by CR), BTS with the message count and the
/// comment, FTS with a batch count of 1. Segments are CR-separated and the
/// envelope's text is escaped with the standard delimiters.
#[must_use]
pub fn write_batch<S: AsRef<str>>(envelope: &BatchEnvelope, messages: &[S]) -> String {
    let header = |name: &str| {
        let mut segment = Segment::new(name);
        segment.set_text(1, "|");
        segment.set_text(2, "^~\\&");
        segment.set_text(3, &envelope.sending_application);
        segment.set_text(4, &envelope.sending_facility);
        segment.set_text(5, &envelope.receiving_application);
        segment.set_text(6, &envelope.receiving_facility);
        segment.set_text(7, &envelope.date_time);
        segment.set_text(11, &envelope.control_id);
        segment.set_text(12, &envelope.reference_control_id);
        segment
    };
    let mut bts = Segment::new("BTS");
    bts.set_text(1, &messages.len().to_string());
    bts.set_text(2, &envelope.comment);
    let mut fts = Segment::new("FTS");
    fts.set_text(1, "1");
    let encode = |segments: Vec<Segment>| {
        Message {
            delimiters: Delimiters::default(),
            segments,
        }
        .encode()
    };
    let mut out = encode(vec![header("FHS"), header("BHS")]);
    for message in messages {
        let text = message.as_ref();
        out.push_str(text);
        if !text.is_empty() && !text.ends_with('\r') {
            out.push('\r');
        }
    }
    out.push_str(&encode(vec![bts, fts]));
    out
}

fn envelope_delimiters(line: &str, problems: &mut Vec<Problem>) -> Delimiters {
    let mut envelope_problems = Vec::new();
    let delimiters = parse::read_delimiters(line, &mut envelope_problems);
    for mut problem in envelope_problems {
        problem.rejects = crate::problem::Rejects::Nothing;
        problem.severity = crate::problem::Severity::Warning;
        problems.push(problem);
    }
    delimiters
}

/// The count in field 1 of BTS or FTS, when it is a number.
fn declared_count(line: &str) -> Option<usize> {
    let separator = line.chars().nth(3)?;
    line.split(separator).nth(1)?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_and_counts() {
        let text = "FHS|^~\\&|APP\rBHS|^~\\&|APP\rMSH|^~\\&|A||||||ACK^V04^ACK|1|P|2.5.1\rMSA|AA|9\r\
                    MSH|^~\\&|A||||||ACK^V04^ACK|2|P|2.5.1\rMSA|AA|8\rBTS|3\rFTS|1";
        let batch = read_batch_str(text);
        assert!(batch.file_header.is_some());
        assert_eq!(batch.batch_headers.len(), 1);
        assert_eq!(batch.messages.len(), 2);
        assert_eq!(batch.problems.len(), 1, "{:?}", batch.problems);
        assert_eq!(
            batch.messages.get(1).map(|m| m.message.control_id()),
            Some("2")
        );
    }

    #[test]
    fn a_written_batch_reads_back_with_its_counts() {
        let acks = [
            "MSH|^~\\&|SALAL||||||ACK^V04^ACK|1|P|2.5.1\rMSA|AA|9\r",
            "MSH|^~\\&|SALAL||||||ACK^V04^ACK|2|P|2.5.1\rMSA|AE|8",
        ];
        let envelope = BatchEnvelope {
            sending_application: "SALAL".to_owned(),
            control_id: "F1".to_owned(),
            reference_control_id: "IN-7".to_owned(),
            comment: "2 messages, 1|2 ^odd~".to_owned(),
            ..BatchEnvelope::default()
        };
        let text = write_batch(&envelope, &acks);
        assert!(text.starts_with("FHS|^~\\&|SALAL||||||||F1|IN-7\rBHS|^~\\&|SALAL"));
        assert!(text.ends_with("BTS|2|2 messages, 1\\F\\2 \\S\\odd\\R\\\rFTS|1\r"));
        let batch = read_batch_str(&text);
        assert!(batch.problems.is_empty(), "{:?}", batch.problems);
        assert_eq!(batch.messages.len(), 2);
        assert_eq!(
            batch.messages.get(1).map(|m| m.message.control_id()),
            Some("2")
        );
        assert!(write_batch::<&str>(&BatchEnvelope::default(), &[]).contains("BTS|0\r"));
    }

    #[test]
    fn messages_in_a_row_without_envelope() {
        let batch = read_batch(b"MSH|^~\\&|A\nPID|1\nMSH|^~\\&|B\nPID|2\n");
        assert_eq!(batch.messages.len(), 2);
        assert!(batch.problems.is_empty());
        assert!(read_batch(b"\xff\xfe garbage").messages.is_empty());
    }
}
