//! What can be wrong with a scanned barcode or its product, as typed errors
//! whose messages (translation keys in `assets/i18n/<lang>/gs1.json`) say what
//! is wrong and what to do.

use salal_core::i18n::{Lang, UserMessage, tr, tr_args};

/// Why a barcode's text was not read as a vaccine package.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Gs1Error {
    /// The scanner sent bytes that are not UTF-8 text.
    #[error("the barcode text is not UTF-8 text")]
    NotText,
    /// Nothing but whitespace, separators or a symbology prefix.
    #[error("the barcode text is empty")]
    Empty,
    /// Far longer than any 2D barcode holds.
    #[error("the barcode text is too long ({chars} characters)")]
    TooLong {
        /// Its length.
        chars: usize,
    },
    /// A symbology identifier (`]xn`) of a barcode that is not GS1.
    #[error("the scanner reports a barcode that is not GS1 ({id})")]
    NotGs1Symbology {
        /// The identifier, e.g. `]d1`.
        id: String,
    },
    /// The text does not begin with an Application Identifier.
    #[error("'{start}' is not the text of a GS1 barcode")]
    NotGs1 {
        /// The beginning of the text.
        start: String,
    },
    /// Where a field should begin there is no Application Identifier Salal knows.
    #[error("'{ai}' is not an Application Identifier Salal reads")]
    UnknownAi {
        /// The text found there (up to four characters).
        ai: String,
    },
    /// A fixed-length field is cut short.
    #[error("AI ({ai}) needs {expected} characters, found {found}")]
    Truncated {
        /// The Application Identifier.
        ai: String,
        /// Its length.
        expected: usize,
        /// The characters there were.
        found: usize,
    },
    /// A variable-length field has no characters.
    #[error("AI ({ai}) is empty")]
    EmptyValue {
        /// The Application Identifier.
        ai: String,
    },
    /// A field is longer than GS1 allows.
    #[error("AI ({ai}) is longer than {max} characters")]
    ValueTooLong {
        /// The Application Identifier.
        ai: String,
        /// Its maximum length.
        max: usize,
    },
    /// A numeric field holds something else.
    #[error("AI ({ai}) must be digits: '{value}'")]
    NotDigits {
        /// The Application Identifier.
        ai: String,
        /// The value read.
        value: String,
    },
    /// A character GS1 barcodes cannot hold.
    #[error("AI ({ai}) contains {}, which GS1 does not allow", describe_char(*.character))]
    BadCharacter {
        /// The Application Identifier.
        ai: String,
        /// The character.
        character: char,
    },
    /// A GTIN (or SSCC, GLN) whose check digit does not match.
    #[error("AI ({ai}) {value} has a wrong check digit (expected {expected})")]
    BadCheckDigit {
        /// The Application Identifier.
        ai: String,
        /// The digits read.
        value: String,
        /// The check digit the other digits give.
        expected: u8,
    },
    /// A YYMMDD field that is not a date.
    #[error("AI ({ai}) '{value}' is not a date (YYMMDD)")]
    BadDate {
        /// The Application Identifier.
        ai: String,
        /// The digits read.
        value: String,
    },
    /// The same Application Identifier twice.
    #[error("AI ({ai}) appears twice")]
    Repeated {
        /// The Application Identifier.
        ai: String,
    },
    /// Text without separators that reads in more than one way.
    #[error("the barcode text reads more than one way: AI ({ai}) is {first:?} or {second:?}")]
    Ambiguous {
        /// The first field the readings disagree on.
        ai: String,
        /// Its value in one reading (none: absent).
        first: Option<String>,
        /// Its value in another.
        second: Option<String>,
    },
    /// Text without separators that reads in too many ways to decide.
    #[error("the barcode text reads in too many ways")]
    TooManyReadings,
    /// The parenthesised form is malformed.
    #[error("'{text}' is not an Application Identifier in parentheses")]
    Parenthesis {
        /// The text found.
        text: String,
    },
    /// No GTIN (01).
    #[error("the barcode has no GTIN (01)")]
    MissingGtin,
    /// No lot (10).
    #[error("the barcode has no lot number (10)")]
    MissingLot,
    /// No expiry date (17).
    #[error("the barcode has no expiry date (17)")]
    MissingExpiry,
    /// A GTIN that does not carry an NDC.
    #[error("GTIN {gtin} does not carry an NDC")]
    NotNdcGtin {
        /// The GTIN-14.
        gtin: String,
    },
    /// An NDC the code set does not list.
    #[error("GTIN {gtin} carries NDC {ndc10}, which the code set does not list")]
    UnknownProduct {
        /// The GTIN-14.
        gtin: String,
        /// The 10-digit NDC it carries.
        ndc10: String,
    },
    /// A 10-digit NDC the code set matches to more than one product.
    #[error("GTIN {gtin} (NDC {ndc10}) matches {candidates:?}")]
    AmbiguousNdc {
        /// The GTIN-14.
        gtin: String,
        /// The 10-digit NDC it carries.
        ndc10: String,
        /// The 11-digit NDCs it could be.
        candidates: Vec<String>,
    },
    /// The embedded code set could not be read.
    #[error("the NDC code set could not be read: {details}")]
    CodeSets {
        /// What went wrong.
        details: String,
    },
}

/// A character as a message shows it: `'|'`, or `U+001E` when it is not printable ASCII.
#[must_use]
pub fn describe_char(c: char) -> String {
    if c.is_ascii_graphic() {
        format!("'{c}'")
    } else {
        format!("U+{:04X}", u32::from(c))
    }
}

/// The name of the field an AI holds, in `lang`: "lot number (10)", or "field (240)".
#[must_use]
pub fn field_name(lang: Lang, ai: &str) -> String {
    let key = match ai {
        crate::ai::GTIN => "gs1.field.gtin",
        crate::ai::EXPIRY => "gs1.field.expiry",
        crate::ai::LOT => "gs1.field.lot",
        crate::ai::SERIAL => "gs1.field.serial",
        _ => return tr_args(lang, "gs1.field.other", &[("ai", ai.to_owned())]),
    };
    tr(lang, key).to_owned()
}

impl UserMessage for Gs1Error {
    fn message_key(&self) -> &'static str {
        match self {
            Gs1Error::NotText => "error.gs1.not_text",
            Gs1Error::Empty => "error.gs1.empty",
            Gs1Error::TooLong { .. } => "error.gs1.too_long",
            Gs1Error::NotGs1Symbology { .. } => "error.gs1.not_gs1_symbology",
            Gs1Error::NotGs1 { .. } => "error.gs1.not_gs1",
            Gs1Error::UnknownAi { .. } => "error.gs1.unknown_ai",
            Gs1Error::Truncated { .. } => "error.gs1.truncated",
            Gs1Error::EmptyValue { .. } => "error.gs1.empty_value",
            Gs1Error::ValueTooLong { .. } => "error.gs1.value_too_long",
            Gs1Error::NotDigits { .. } => "error.gs1.not_digits",
            Gs1Error::BadCharacter { .. } => "error.gs1.bad_character",
            Gs1Error::BadCheckDigit { .. } => "error.gs1.bad_check_digit",
            Gs1Error::BadDate { .. } => "error.gs1.bad_date",
            Gs1Error::Repeated { .. } => "error.gs1.repeated",
            Gs1Error::Ambiguous { .. } => "error.gs1.ambiguous",
            Gs1Error::TooManyReadings => "error.gs1.too_many_readings",
            Gs1Error::Parenthesis { .. } => "error.gs1.parenthesis",
            Gs1Error::MissingGtin => "error.gs1.missing_gtin",
            Gs1Error::MissingLot => "error.gs1.missing_lot",
            Gs1Error::MissingExpiry => "error.gs1.missing_expiry",
            Gs1Error::NotNdcGtin { .. } => "error.gs1.not_ndc_gtin",
            Gs1Error::UnknownProduct { .. } => "error.gs1.unknown_product",
            Gs1Error::AmbiguousNdc { .. } => "error.gs1.ambiguous_ndc",
            Gs1Error::CodeSets { .. } => "error.gs1.code_sets",
        }
    }

    fn message_args(&self, lang: Lang) -> Vec<(&'static str, String)> {
        let field = |ai: &str| ("field", field_name(lang, ai));
        let shown = |value: &Option<String>| match value {
            Some(v) => format!("'{v}'"),
            None => tr(lang, "gs1.none").to_owned(),
        };
        match self {
            Gs1Error::NotText
            | Gs1Error::Empty
            | Gs1Error::TooManyReadings
            | Gs1Error::MissingGtin
            | Gs1Error::MissingLot
            | Gs1Error::MissingExpiry => Vec::new(),
            Gs1Error::TooLong { chars } => vec![("chars", chars.to_string())],
            Gs1Error::NotGs1Symbology { id } => vec![("id", id.clone())],
            Gs1Error::NotGs1 { start } => vec![("start", start.clone())],
            Gs1Error::UnknownAi { ai } => vec![("ai", ai.clone())],
            Gs1Error::Truncated {
                ai,
                expected,
                found,
            } => vec![
                field(ai),
                ("expected", expected.to_string()),
                ("found", found.to_string()),
            ],
            Gs1Error::EmptyValue { ai } | Gs1Error::Repeated { ai } => vec![field(ai)],
            Gs1Error::ValueTooLong { ai, max } => vec![field(ai), ("max", max.to_string())],
            Gs1Error::NotDigits { ai, value } | Gs1Error::BadDate { ai, value } => {
                vec![field(ai), ("value", value.clone())]
            }
            Gs1Error::BadCharacter { ai, character } => {
                vec![field(ai), ("character", describe_char(*character))]
            }
            Gs1Error::BadCheckDigit {
                ai,
                value,
                expected,
            } => vec![
                field(ai),
                ("value", value.clone()),
                ("expected", expected.to_string()),
            ],
            Gs1Error::Ambiguous { ai, first, second } => {
                vec![
                    field(ai),
                    ("first", shown(first)),
                    ("second", shown(second)),
                ]
            }
            Gs1Error::Parenthesis { text } => vec![("text", text.clone())],
            Gs1Error::NotNdcGtin { gtin } => vec![("gtin", gtin.clone())],
            Gs1Error::UnknownProduct { gtin, ndc10 } => {
                vec![("gtin", gtin.clone()), ("ndc10", ndc10.clone())]
            }
            Gs1Error::AmbiguousNdc {
                gtin,
                ndc10,
                candidates,
            } => vec![
                ("gtin", gtin.clone()),
                ("ndc10", ndc10.clone()),
                ("candidates", candidates.join(", ")),
            ],
            Gs1Error::CodeSets { details } => vec![("details", details.clone())],
        }
    }
}
