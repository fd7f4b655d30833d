//! The batch reader: a file of many messages, wrapped in the HL7 batch
//! envelope (FHS, BHS, ..., BTS, FTS) or simply several MSH messages in a
//! row. Each message is parsed on its own, so one bad message yields its own
//! problems and the good ones still come through. Never panics.

use crate::message::{Delimiters, Segment};
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
    let mut batch = Batch::default();
    let mut current: Vec<&str> = Vec::new();
    let mut messages_in_batch: usize = 0;
    let mut batches_in_file: usize = 0;
    let flush = |current: &mut Vec<&str>, batch: &mut Batch| {
        if !current.is_empty() {
            batch.messages.push(parse::parse_str(&current.join("\r")));
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
    fn messages_in_a_row_without_envelope() {
        let batch = read_batch(b"MSH|^~\\&|A\nPID|1\nMSH|^~\\&|B\nPID|2\n");
        assert_eq!(batch.messages.len(), 2);
        assert!(batch.problems.is_empty());
        assert!(read_batch(b"\xff\xfe garbage").messages.is_empty());
    }
}
