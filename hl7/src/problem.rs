//! Problems found while parsing or checking a message, in the IG's words: an
//! HL7 table 0357 error code, an optional HL7 table 0533 application error
//! code, a table 0516 severity, where it is (an ERR-2 error location), and
//! what the problem rejects (the message, one segment group, one segment, or
//! nothing when it is only a warning).

use std::fmt;

/// HL7 table 0357, message error condition codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 0: message accepted (used with severity I to report counts).
    MessageAccepted,
    /// 100: segments out of order, or a required segment missing.
    SegmentSequenceError,
    /// 101: a required field is missing.
    RequiredFieldMissing,
    /// 102: a field holds data of the wrong type or format.
    DataTypeError,
    /// 103: a coded value is not in its table.
    TableValueNotFound,
    /// 200: the message type (MSH-9) is not supported.
    UnsupportedMessageType,
    /// 201: the trigger event (MSH-9.2) is not supported.
    UnsupportedEventCode,
    /// 202: the processing id (MSH-11) is not supported.
    UnsupportedProcessingId,
    /// 203: the version id (MSH-12) is not supported.
    UnsupportedVersionId,
    /// 204: the record a non-add transaction names is not known.
    UnknownKeyIdentifier,
    /// 205: the record an add transaction names already exists.
    DuplicateKeyIdentifier,
    /// 206: the record is locked.
    ApplicationRecordLocked,
    /// 207: the receiver failed for a reason of its own.
    ApplicationInternalError,
}

impl ErrorCode {
    /// Every code.
    pub const ALL: [ErrorCode; 13] = [
        ErrorCode::MessageAccepted,
        ErrorCode::SegmentSequenceError,
        ErrorCode::RequiredFieldMissing,
        ErrorCode::DataTypeError,
        ErrorCode::TableValueNotFound,
        ErrorCode::UnsupportedMessageType,
        ErrorCode::UnsupportedEventCode,
        ErrorCode::UnsupportedProcessingId,
        ErrorCode::UnsupportedVersionId,
        ErrorCode::UnknownKeyIdentifier,
        ErrorCode::DuplicateKeyIdentifier,
        ErrorCode::ApplicationRecordLocked,
        ErrorCode::ApplicationInternalError,
    ];

    /// The numeric code as HL7 writes it ("101").
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            ErrorCode::MessageAccepted => "0",
            ErrorCode::SegmentSequenceError => "100",
            ErrorCode::RequiredFieldMissing => "101",
            ErrorCode::DataTypeError => "102",
            ErrorCode::TableValueNotFound => "103",
            ErrorCode::UnsupportedMessageType => "200",
            ErrorCode::UnsupportedEventCode => "201",
            ErrorCode::UnsupportedProcessingId => "202",
            ErrorCode::UnsupportedVersionId => "203",
            ErrorCode::UnknownKeyIdentifier => "204",
            ErrorCode::DuplicateKeyIdentifier => "205",
            ErrorCode::ApplicationRecordLocked => "206",
            ErrorCode::ApplicationInternalError => "207",
        }
    }

    /// The table's display text.
    #[must_use]
    pub fn display(self) -> &'static str {
        match self {
            ErrorCode::MessageAccepted => "Message accepted",
            ErrorCode::SegmentSequenceError => "Segment sequence error",
            ErrorCode::RequiredFieldMissing => "Required field missing",
            ErrorCode::DataTypeError => "Data type error",
            ErrorCode::TableValueNotFound => "Table value not found",
            ErrorCode::UnsupportedMessageType => "Unsupported message type",
            ErrorCode::UnsupportedEventCode => "Unsupported event code",
            ErrorCode::UnsupportedProcessingId => "Unsupported processing id",
            ErrorCode::UnsupportedVersionId => "Unsupported version id",
            ErrorCode::UnknownKeyIdentifier => "Unknown key identifier",
            ErrorCode::DuplicateKeyIdentifier => "Duplicate key identifier",
            ErrorCode::ApplicationRecordLocked => "Application record locked",
            ErrorCode::ApplicationInternalError => "Application internal error",
        }
    }

    /// From the numeric code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.code() == code.trim())
    }

    /// Whether the code is about the message envelope (200-203), which the IG
    /// answers with MSA-1 = AR rather than AE.
    #[must_use]
    pub fn is_rejection(self) -> bool {
        matches!(
            self,
            ErrorCode::UnsupportedMessageType
                | ErrorCode::UnsupportedEventCode
                | ErrorCode::UnsupportedProcessingId
                | ErrorCode::UnsupportedVersionId
        )
    }
}

/// HL7 table 0533 (CDC IG), application error codes, carried in ERR-5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ApplicationError {
    /// 1: a date conflicts with another (birth after administration).
    IllogicalDate,
    /// 2: not a valid date.
    InvalidDate,
    /// 3: a value conflicts with other data.
    IllogicalValue,
    /// 4: a value is not allowed.
    InvalidValue,
    /// 5: a code is not in its value set.
    TableValueNotFound,
    /// 6: a required observation (OBX) is missing.
    RequiredObservationMissing,
    /// 7: required data is missing (the code the IG's example ACKs use).
    RequiredDataMissing,
}

impl ApplicationError {
    /// The numeric code ("5").
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            ApplicationError::IllogicalDate => "1",
            ApplicationError::InvalidDate => "2",
            ApplicationError::IllogicalValue => "3",
            ApplicationError::InvalidValue => "4",
            ApplicationError::TableValueNotFound => "5",
            ApplicationError::RequiredObservationMissing => "6",
            ApplicationError::RequiredDataMissing => "7",
        }
    }

    /// The table's display text.
    #[must_use]
    pub fn display(self) -> &'static str {
        match self {
            ApplicationError::IllogicalDate => "Illogical Date error",
            ApplicationError::InvalidDate => "Invalid Date",
            ApplicationError::IllogicalValue => "Illogical Value error",
            ApplicationError::InvalidValue => "Invalid value",
            ApplicationError::TableValueNotFound => "Table value not found",
            ApplicationError::RequiredObservationMissing => "Required observation missing",
            ApplicationError::RequiredDataMissing => "Required data missing",
        }
    }

    /// From the numeric code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<ApplicationError> {
        [
            ApplicationError::IllogicalDate,
            ApplicationError::InvalidDate,
            ApplicationError::IllogicalValue,
            ApplicationError::InvalidValue,
            ApplicationError::TableValueNotFound,
            ApplicationError::RequiredObservationMissing,
            ApplicationError::RequiredDataMissing,
        ]
        .into_iter()
        .find(|c| c.code() == code.trim())
    }
}

/// HL7 table 0516, error severity, carried in ERR-4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// I: information only.
    Info,
    /// W: processed; data may have been ignored.
    Warning,
    /// E: the message, a group or a segment was not processed.
    Error,
}

impl Severity {
    /// The table code (E, W, I).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Severity::Error => "E",
            Severity::Warning => "W",
            Severity::Info => "I",
        }
    }

    /// From the table code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Severity> {
        match code.trim() {
            "E" | "F" => Some(Severity::Error),
            "W" => Some(Severity::Warning),
            "I" => Some(Severity::Info),
            _ => None,
        }
    }
}

/// What an error takes down with it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Rejects {
    /// Nothing: a warning or information; the data is kept (the offending
    /// element may be ignored).
    Nothing,
    /// Only this segment (an NK1, an OBX, ...).
    Segment,
    /// The segment group it belongs to, named as the profile names it
    /// ("ORDER" for an ORC/RXA/RXR/OBX dose).
    Group(String),
    /// The whole message.
    Message,
}

/// Where a problem is: an HL7 error location (ERL, ERR-2). Positions are
/// 1-based; `None` means "the whole element above".
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Location {
    /// Segment name ("RXA").
    pub segment: String,
    /// Which occurrence of that segment name (1 for the first RXA), ERL-2.
    pub occurrence: Option<usize>,
    /// The segment's position in the message (1 for MSH).
    pub position: Option<usize>,
    /// Field number, ERL-3.
    pub field: Option<usize>,
    /// Field repetition, ERL-4.
    pub repetition: Option<usize>,
    /// Component, ERL-5.
    pub component: Option<usize>,
    /// Subcomponent, ERL-6.
    pub subcomponent: Option<usize>,
}

impl Location {
    /// A whole segment.
    #[must_use]
    pub fn segment(name: &str, occurrence: usize, position: usize) -> Self {
        Location {
            segment: name.to_owned(),
            occurrence: Some(occurrence),
            position: Some(position),
            ..Location::default()
        }
    }

    /// A segment that is absent.
    #[must_use]
    pub fn missing_segment(name: &str) -> Self {
        Location {
            segment: name.to_owned(),
            ..Location::default()
        }
    }

    /// The same location narrowed to a field (first repetition).
    #[must_use]
    pub fn with_field(&self, field: usize) -> Self {
        Location {
            field: Some(field),
            repetition: Some(1),
            component: None,
            subcomponent: None,
            ..self.clone()
        }
    }

    /// The same location narrowed to a field repetition.
    #[must_use]
    pub fn with_repetition(&self, repetition: usize) -> Self {
        Location {
            repetition: Some(repetition),
            ..self.clone()
        }
    }

    /// The same location narrowed to a component.
    #[must_use]
    pub fn with_component(&self, component: usize) -> Self {
        Location {
            component: Some(component),
            ..self.clone()
        }
    }

    /// The same location narrowed to a subcomponent.
    #[must_use]
    pub fn with_subcomponent(&self, subcomponent: usize) -> Self {
        Location {
            subcomponent: Some(subcomponent),
            ..self.clone()
        }
    }
}

impl fmt::Display for Location {
    /// `RXA[2]-5.1`, `PID-7`, `NK1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.segment)?;
        if let Some(occurrence) = self.occurrence.filter(|&o| o > 1) {
            write!(f, "[{occurrence}]")?;
        }
        if let Some(field) = self.field {
            write!(f, "-{field}")?;
            if let Some(repetition) = self.repetition.filter(|&r| r > 1) {
                write!(f, "({repetition})")?;
            }
            if let Some(component) = self.component {
                write!(f, ".{component}")?;
                if let Some(subcomponent) = self.subcomponent {
                    write!(f, ".{subcomponent}")?;
                }
            }
        }
        Ok(())
    }
}

/// One problem with a message.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Problem {
    /// Where, when it is about one place.
    pub location: Option<Location>,
    /// HL7 table 0357 code (ERR-3).
    pub code: ErrorCode,
    /// HL7 table 0533 code (ERR-5), when one applies.
    pub application_error: Option<ApplicationError>,
    /// Error, warning or information (ERR-4).
    pub severity: Severity,
    /// What the problem rejects.
    pub rejects: Rejects,
    /// The conformance statement broken, when the profile names one ("IZ-43").
    pub rule: Option<&'static str>,
    /// What is wrong, in English, for ERR-8 and logs. Never holds patient data
    /// beyond the offending code value.
    pub text: String,
}

impl Problem {
    /// A warning: the data is accepted.
    #[must_use]
    pub fn warning(code: ErrorCode, location: Option<Location>, text: impl Into<String>) -> Self {
        Problem {
            location,
            code,
            application_error: None,
            severity: Severity::Warning,
            rejects: Rejects::Nothing,
            rule: None,
            text: text.into(),
        }
    }

    /// Information only.
    #[must_use]
    pub fn info(code: ErrorCode, location: Option<Location>, text: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Info,
            ..Problem::warning(code, location, text)
        }
    }

    /// An error that rejects `rejects`.
    #[must_use]
    pub fn error(
        code: ErrorCode,
        location: Option<Location>,
        rejects: Rejects,
        text: impl Into<String>,
    ) -> Self {
        Problem {
            severity: Severity::Error,
            rejects,
            ..Problem::warning(code, location, text)
        }
    }

    /// The same problem with a table 0533 code.
    #[must_use]
    pub fn with_application_error(mut self, error: ApplicationError) -> Self {
        self.application_error = Some(error);
        self
    }

    /// The same problem naming the conformance statement it breaks.
    #[must_use]
    pub fn with_rule(mut self, rule: &'static str) -> Self {
        self.rule = Some(rule);
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.severity.code(), self.code.code())?;
        if let Some(location) = &self.location {
            write!(f, " at {location}")?;
        }
        if let Some(rule) = self.rule {
            write!(f, " ({rule})")?;
        }
        write!(f, ": {}", self.text)?;
        match &self.rejects {
            Rejects::Nothing => Ok(()),
            Rejects::Segment => f.write_str(" (segment rejected)"),
            Rejects::Group(group) => write!(f, " ({group} group rejected)"),
            Rejects::Message => f.write_str(" (message rejected)"),
        }
    }
}
