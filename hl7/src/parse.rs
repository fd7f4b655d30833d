//! The tolerant parser: any bytes in, a [`Message`] and its located
//! [`Problem`]s out. It never fails and never panics.
//!
//! Segments may end with CR, LF or CRLF; blank lines are skipped. Delimiters
//! come from MSH-1 and MSH-2. Text that is not UTF-8 is read as ISO 8859-1
//! when MSH-18 declares an 8859 character set, and lossily otherwise, with a
//! problem either way. Batch envelopes (FHS/BHS/BTS/FTS) and anything after a
//! second MSH are left to [`crate::read_batch`], with a warning.

use crate::escape;
use crate::message::{Component, Delimiters, Field, Message, Repetition, Segment};
use crate::problem::{ErrorCode, Location, Problem, Rejects};
use std::collections::HashMap;

/// A parsed message and what was wrong with its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Parsed {
    /// The message, as far as it could be read (maybe without segments).
    pub message: Message,
    /// Problems found while reading; [`crate::check`] adds the profile's.
    pub problems: Vec<Problem>,
}

/// Parses one message from raw bytes.
#[must_use]
pub fn parse(bytes: &[u8]) -> Parsed {
    let mut problems = Vec::new();
    let text = decode_bytes(bytes, &mut problems);
    let mut parsed = parse_str(&text);
    problems.append(&mut parsed.problems);
    parsed.problems = problems;
    parsed
}

/// Parses one message from text.
#[must_use]
pub fn parse_str(text: &str) -> Parsed {
    let mut problems = Vec::new();
    let lines = segment_lines(text);
    let Some(header_index) = lines.iter().position(|l| l.starts_with("MSH")) else {
        problems.push(Problem::error(
            ErrorCode::SegmentSequenceError,
            Some(Location::missing_segment("MSH")),
            Rejects::Message,
            "the message has no MSH segment",
        ));
        let delimiters = Delimiters::default();
        let segments = lines
            .iter()
            .map(|line| parse_segment(line, &delimiters))
            .collect();
        return Parsed {
            message: Message {
                delimiters,
                segments,
            },
            problems,
        };
    };
    let (_, from_header) = lines.split_at(header_index);
    let header_line = from_header.first().copied().unwrap_or_default();
    let delimiters = read_delimiters(header_line, &mut problems);

    for line in lines.iter().take(header_index) {
        let name: String = line.chars().take(3).collect();
        let text = if matches!(name.as_str(), "FHS" | "BHS") {
            "batch header before MSH ignored; read batch files with read_batch"
        } else {
            "segment before MSH ignored; a message starts with MSH"
        };
        problems.push(Problem::warning(
            ErrorCode::SegmentSequenceError,
            Some(Location::missing_segment(&name)),
            text,
        ));
    }

    let mut segments = Vec::new();
    let mut occurrences: HashMap<String, usize> = HashMap::new();
    for (index, line) in from_header.iter().enumerate() {
        let segment = parse_segment(line, &delimiters);
        if index > 0 && matches!(segment.name.as_str(), "MSH" | "BTS" | "FTS" | "BHS" | "FHS") {
            let text = if segment.name == "MSH" {
                "a second MSH starts another message; it and what follows are ignored (use read_batch)"
            } else {
                "batch envelope segment ignored; read batch files with read_batch"
            };
            problems.push(Problem::warning(
                ErrorCode::SegmentSequenceError,
                Some(Location::segment(&segment.name, 1, segments.len() + 1)),
                text,
            ));
            if segment.name == "MSH" {
                break;
            }
            continue;
        }
        let occurrence = occurrences.entry(segment.name.clone()).or_insert(0);
        *occurrence += 1;
        if !is_segment_name(&segment.name) {
            problems.push(Problem::warning(
                ErrorCode::SegmentSequenceError,
                Some(Location::segment(&segment.name, *occurrence, segments.len() + 1)),
                "not a valid segment name (three letters or digits, starting with a letter); segment ignored",
            ));
        }
        segments.push(segment);
    }
    Parsed {
        message: Message {
            delimiters,
            segments,
        },
        problems,
    }
}

/// Lines of non-blank text, split at CR, LF or CRLF, trimmed.
pub(crate) fn segment_lines(text: &str) -> Vec<&str> {
    text.split(['\r', '\n'])
        .map(|line| line.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}'))
        .filter(|line| !line.is_empty())
        .collect()
}

/// Whether `name` can be a segment name: a capital letter then two capital
/// letters or digits.
pub(crate) fn is_segment_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() == 3
        && bytes.first().is_some_and(u8::is_ascii_uppercase)
        && bytes
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// The delimiters an MSH (or FHS/BHS) line declares, or the standard ones
/// with an error when they cannot be read.
pub(crate) fn read_delimiters(header_line: &str, problems: &mut Vec<Problem>) -> Delimiters {
    let mut chars = header_line.chars().skip(3);
    let Some(field) = chars.next() else {
        problems.push(Problem::error(
            ErrorCode::RequiredFieldMissing,
            Some(Location::segment("MSH", 1, 1).with_field(1)),
            Rejects::Message,
            "MSH-1 (field separator) is missing; assuming |^~\\&",
        ));
        return Delimiters::default();
    };
    let encoding: Vec<char> = chars.take_while(|&c| c != field).collect();
    let standard = Delimiters::default();
    let delimiters = match encoding.as_slice() {
        [component, repetition, escape, subcomponent, ..] => Delimiters {
            field,
            component: *component,
            repetition: *repetition,
            escape: Some(*escape),
            subcomponent: *subcomponent,
        },
        // "^~&": the escape character left out.
        [component, repetition, subcomponent] => Delimiters {
            field,
            component: *component,
            repetition: *repetition,
            escape: None,
            subcomponent: *subcomponent,
        },
        _ => {
            problems.push(Problem::error(
                ErrorCode::DataTypeError,
                Some(Location::segment("MSH", 1, 1).with_field(2)),
                Rejects::Message,
                "MSH-2 (encoding characters) must hold four characters; assuming ^~\\&",
            ));
            return Delimiters { field, ..standard };
        }
    };
    let mut all = vec![
        delimiters.field,
        delimiters.component,
        delimiters.repetition,
        delimiters.subcomponent,
    ];
    all.extend(delimiters.escape);
    let distinct = all
        .iter()
        .enumerate()
        .all(|(i, c)| !all.iter().skip(i + 1).any(|other| other == c));
    if !distinct || all.iter().any(|c| c.is_alphanumeric() || c.is_whitespace()) {
        problems.push(Problem::error(
            ErrorCode::DataTypeError,
            Some(Location::segment("MSH", 1, 1).with_field(2)),
            Rejects::Message,
            "MSH-1/MSH-2 delimiters must be distinct punctuation; assuming |^~\\&",
        ));
        return standard;
    }
    delimiters
}

/// One segment line split into fields, repetitions, components and
/// subcomponents, with escapes decoded.
pub(crate) fn parse_segment(line: &str, d: &Delimiters) -> Segment {
    let is_header = ["MSH", "FHS", "BHS"].iter().any(|h| line.starts_with(h))
        && line.chars().nth(3) == Some(d.field);
    let mut parts = line.split(d.field);
    let name = parts.next().unwrap_or_default().to_owned();
    let mut fields = Vec::new();
    if is_header {
        fields.push(Field::text(d.field.to_string()));
        fields.push(Field::text(parts.next().unwrap_or_default()));
    }
    fields.extend(parts.map(|raw| parse_field(raw, d)));
    Segment { name, fields }
}

fn parse_field(raw: &str, d: &Delimiters) -> Field {
    if raw.is_empty() {
        return Field::default();
    }
    Field {
        repetitions: raw
            .split(d.repetition)
            .map(|repetition| Repetition {
                components: repetition
                    .split(d.component)
                    .map(|component| Component {
                        subcomponents: component
                            .split(d.subcomponent)
                            .map(|sub| escape::decode(sub, d))
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Bytes as text: UTF-8 if they are, else per MSH-18, else lossy.
pub(crate) fn decode_bytes(bytes: &[u8], problems: &mut Vec<Problem>) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => {
            let charset = declared_charset(bytes);
            if charset.contains("8859") {
                problems.push(Problem::info(
                    ErrorCode::DataTypeError,
                    Some(Location::segment("MSH", 1, 1).with_field(18)),
                    format!("text is not UTF-8; read as ISO 8859-1 as MSH-18 ({charset}) declares"),
                ));
                bytes.iter().copied().map(char::from).collect()
            } else {
                problems.push(Problem::warning(
                    ErrorCode::DataTypeError,
                    Some(Location::segment("MSH", 1, 1).with_field(18)),
                    "text is not valid UTF-8 and MSH-18 declares no other character set; \
                     invalid bytes were replaced with U+FFFD",
                ));
                String::from_utf8_lossy(bytes).into_owned()
            }
        }
    }
}

/// MSH-18 read from the raw bytes of the header line, upper-cased.
fn declared_charset(bytes: &[u8]) -> String {
    let Some(start) = bytes.windows(3).position(|w| w == b"MSH") else {
        return String::new();
    };
    let header = bytes.get(start..).unwrap_or_default();
    let line_end = header
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(header.len());
    let line = header.get(..line_end).unwrap_or_default();
    let Some(&separator) = line.get(3) else {
        return String::new();
    };
    // Split index 0 is "MSH", index 1 is MSH-2, so MSH-18 is index 17.
    line.split(|&b| b == separator)
        .nth(17)
        .map(|field| String::from_utf8_lossy(field).to_ascii_uppercase())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_delimiters_and_nested_values() {
        let parsed = parse_str("MSH|^~\\&|APP\rPID|1||a^b&c~d||\"\"\n\nRXA|0|1\r\n");
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let message = parsed.message;
        assert_eq!(message.segments.len(), 3);
        let header = message.header().expect("MSH");
        assert_eq!(header.text(1), "|");
        assert_eq!(header.text(2), "^~\\&");
        assert_eq!(header.text(3), "APP");
        let pid = message.first("PID").expect("PID");
        let ids = pid.field(3).expect("PID-3");
        assert_eq!(ids.repetitions.len(), 2);
        assert_eq!(ids.component_text(2), "b");
        assert_eq!(
            ids.repetition(1)
                .and_then(|r| r.component(2))
                .map(|c| c.subcomponent(2)),
            Some("c")
        );
        assert!(pid.field(4).is_some_and(Field::is_empty));
        assert!(pid.field(5).is_some_and(Field::is_null));
        assert!(!pid.is_valued(5));
    }

    #[test]
    fn custom_delimiters_are_honoured() {
        let parsed = parse_str("MSH#*@!$#APP#X*Y\rPID#1#a@b");
        let message = parsed.message;
        assert_eq!(message.delimiters.component, '*');
        assert_eq!(message.header().map(|h| h.component_text(4, 2)), Some("Y"));
        assert_eq!(
            message.first("PID").map(|p| p.repetitions(2).len()),
            Some(2)
        );
    }

    #[test]
    fn latin1_is_read_when_declared() {
        let mut bytes = b"MSH|^~\\&||||||||||||||||8859/1\rPID|1||||Pe".to_vec();
        bytes.push(0xF1);
        bytes.extend_from_slice(b"a");
        let parsed = parse(&bytes);
        assert_eq!(parsed.message.first("PID").map(|p| p.text(5)), Some("Peña"));
        assert_eq!(parsed.problems.len(), 1);
    }

    #[test]
    fn missing_header_is_an_error_not_a_panic() {
        let parsed = parse(b"PID|1\xFF\xFE");
        assert!(
            parsed
                .problems
                .iter()
                .any(|p| p.rejects == Rejects::Message)
        );
        assert!(
            parse(b"")
                .problems
                .iter()
                .any(|p| p.rejects == Rejects::Message)
        );
        assert!(!parse(b"MSH").problems.is_empty());
    }
}
