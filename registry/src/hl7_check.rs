//! `salal-registry hl7 check FILE...`: the conformance verdict on message
//! files, with no database and nothing stored.
//!
//! A file holds one message, several MSH messages in a row, or an HL7 batch
//! (FHS/BHS ... BTS/FTS); [`salal_hl7::read_batch`] splits it and
//! [`salal_hl7::check_parsed`] judges each message. The output is read by
//! other tools, so its lines are fixed ([`FileCheck::lines`], [`summary`]):
//!
//! ```text
//! FILE: accepted
//! FILE: accepted with N warnings
//! FILE: rejected: FIRST ERROR
//!   SEVERITY CODE at LOCATION (RULE): TEXT (WHAT IS REJECTED)
//! N accepted, M rejected
//! ```
//!
//! Each problem is indented two spaces and printed as `salal_hl7::Problem`
//! displays it (`E 101 at QPD-2: ...`, the location as segment, occurrence
//! in brackets when not the first, field, repetition, component); in a file
//! of several messages each problem starts with `message N: `. A file is
//! rejected when any of its messages is rejected (or when it holds none);
//! N warnings counts every problem that is not information only.

use salal_hl7::{Outcome, Problem, Severity, check_parsed, read_batch};

/// The verdict on one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCheck {
    /// The name the file was given by.
    pub name: String,
    /// Accepted (possibly with warnings) or rejected.
    pub outcome: Outcome,
    /// Problems that are warnings or errors, over every message.
    pub warnings: usize,
    /// The first problem that rejects a message, as printed after `rejected: `.
    pub first_error: String,
    /// Every problem, as printed (without the indentation).
    pub problems: Vec<String>,
}

impl FileCheck {
    /// Whether the file is rejected.
    #[must_use]
    pub fn rejected(&self) -> bool {
        self.outcome == Outcome::Rejected
    }

    /// The lines printed for this file: the verdict, then each problem.
    #[must_use]
    pub fn lines(&self) -> Vec<String> {
        let verdict = match self.outcome {
            Outcome::Rejected => format!("{}: rejected: {}", self.name, self.first_error),
            Outcome::AcceptedWithWarnings if self.warnings > 0 => {
                format!("{}: accepted with {} warnings", self.name, self.warnings)
            }
            Outcome::Accepted | Outcome::AcceptedWithWarnings => {
                format!("{}: accepted", self.name)
            }
        };
        let mut lines = vec![verdict];
        lines.extend(self.problems.iter().map(|p| format!("  {p}")));
        lines
    }
}

/// What a problem rejects, as the first-error text says it.
fn error_text(problem: &Problem) -> String {
    match &problem.location {
        Some(location) => format!("{location}: {}", problem.text),
        None => problem.text.clone(),
    }
}

/// Checks the bytes of one file named `name`. Never panics, whatever the bytes.
#[must_use]
pub fn check_bytes(name: &str, bytes: &[u8]) -> FileCheck {
    let batch = read_batch(bytes);
    let several = batch.messages.len() > 1;
    let mut check = FileCheck {
        name: name.to_owned(),
        outcome: Outcome::Accepted,
        warnings: 0,
        first_error: String::new(),
        problems: Vec::new(),
    };
    let note = |check: &mut FileCheck, problem: &Problem, prefix: &str| {
        if problem.severity != Severity::Info {
            check.warnings += 1;
        }
        check.problems.push(format!("{prefix}{problem}"));
    };
    for problem in &batch.problems {
        note(&mut check, problem, "");
        if problem.severity == Severity::Error && check.first_error.is_empty() {
            check.outcome = Outcome::Rejected;
            check.first_error = error_text(problem);
        }
    }
    if batch.messages.is_empty() {
        check.outcome = Outcome::Rejected;
        if check.first_error.is_empty() {
            check.first_error = "no HL7 message in the file: a message starts with an MSH \
                                 segment (a batch with FHS or BHS)"
                .to_owned();
        }
    }
    for (index, parsed) in batch.messages.iter().enumerate() {
        let report = check_parsed(parsed);
        let prefix = if several {
            format!("message {}: ", index + 1)
        } else {
            String::new()
        };
        for problem in &report.problems {
            note(&mut check, problem, &prefix);
        }
        match report.outcome {
            Outcome::Rejected => {
                if check.first_error.is_empty() {
                    let first = report
                        .problems
                        .iter()
                        .find(|p| {
                            p.severity == Severity::Error
                                && p.rejects == salal_hl7::Rejects::Message
                        })
                        .or_else(|| report.errors().next());
                    check.first_error = first.map_or_else(
                        || "the message is rejected".to_owned(),
                        |p| format!("{prefix}{}", error_text(p)),
                    );
                }
                check.outcome = Outcome::Rejected;
            }
            Outcome::AcceptedWithWarnings if check.outcome == Outcome::Accepted => {
                check.outcome = Outcome::AcceptedWithWarnings;
            }
            Outcome::Accepted | Outcome::AcceptedWithWarnings => {}
        }
    }
    check
}

/// The last line: `N accepted, M rejected`.
#[must_use]
pub fn summary(checks: &[FileCheck]) -> String {
    let rejected = checks.iter().filter(|c| c.rejected()).count();
    format!(
        "{} accepted, {rejected} rejected",
        checks.len().saturating_sub(rejected)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_a_rejected_file_not_a_panic() {
        for bytes in [
            &b""[..],
            b"\x00\xff\xfe garbage\r\n\r",
            b"MSH",
            b"MSH|^~\\&|",
        ] {
            let check = check_bytes("x.hl7", bytes);
            assert!(check.rejected(), "{check:?}");
            let first = &check.lines()[0];
            assert!(first.starts_with("x.hl7: rejected: "), "{first}");
            assert!(first.len() > "x.hl7: rejected: ".len(), "{first}");
        }
    }

    #[test]
    fn summary_counts_files() {
        let ok = check_bytes("a", b"");
        assert_eq!(summary(&[ok]), "0 accepted, 1 rejected");
        assert_eq!(summary(&[]), "0 accepted, 0 rejected");
    }
}
