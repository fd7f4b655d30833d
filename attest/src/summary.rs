//! The signed summary text: building it, signing it, and reading it back.

use crate::keys::{KeyRing, SigningKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{NaiveDate, NaiveDateTime};

const MAGIC: &str = "SALAL1";
const FIELDS: usize = 9;
/// Longest text field kept (names, clinic); longer ones are cut at a character boundary.
const MAX_FIELD_CHARS: usize = 80;

/// The school / child-care status printed on the certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Complete.
    Complete,
    /// Conditional.
    Conditional,
    /// Exempt.
    Exempt,
    /// Out of compliance.
    OutOfCompliance,
    /// No school or child-care rule applies (an adult's record).
    NotApplicable,
}

impl Status {
    /// The one-letter code in the text.
    #[must_use]
    pub fn code(self) -> char {
        match self {
            Status::Complete => 'C',
            Status::Conditional => 'P',
            Status::Exempt => 'E',
            Status::OutOfCompliance => 'O',
            Status::NotApplicable => '-',
        }
    }

    fn from_code(code: &str) -> Option<Status> {
        Some(match code {
            "C" => Status::Complete,
            "P" => Status::Conditional,
            "E" => Status::Exempt,
            "O" => Status::OutOfCompliance,
            "-" => Status::NotApplicable,
            _ => return None,
        })
    }
}

/// One dose in the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dose {
    /// CVX code.
    pub cvx: String,
    /// Date given.
    pub date: NaiveDate,
}

/// What the QR code says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Issuing clinic's name.
    pub clinic: String,
    /// The patient's full name.
    pub name: String,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// Status.
    pub status: Status,
    /// Doses, oldest first.
    pub doses: Vec<Dose>,
    /// When it was issued (UTC, to the minute).
    pub issued_at: NaiveDateTime,
}

/// The text is not a Salal summary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// It does not start with the Salal marker.
    #[error("this is not a Salal verification code")]
    NotSalal,
    /// Wrong number of fields.
    #[error("the code has {0} parts instead of {FIELDS}; it may be cut off")]
    FieldCount(usize),
    /// A field does not read.
    #[error("the {0} in the code is not readable")]
    BadField(&'static str),
}

/// Why a summary is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Malformed text.
    #[error(transparent)]
    Malformed(#[from] ParseError),
    /// Signed with a key this computer does not know.
    #[error(
        "it was signed with a key this computer does not know ({0}); sync with the registry to get the clinics' keys"
    )]
    UnknownKey(String),
    /// The signature does not match: something was changed.
    #[error("the signature does not match: the code was changed after it was issued")]
    BadSignature,
}

/// Text fields travel as printable ASCII: `%`, `|` and every non-ASCII byte are
/// percent-encoded (UTF-8), so any QR reader returns the exact bytes that were
/// signed, whatever character set it guesses.
fn escape(text: &str) -> String {
    let text: String = text
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_FIELD_CHARS)
        .collect();
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_graphic() && b != b'%' && b != b'|' || b == b' ' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn unescape(text: &str, field: &'static str) -> Result<String, ParseError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3).ok_or(ParseError::BadField(field))?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| ParseError::BadField(field))?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| ParseError::BadField(field))
}

const DAY: &str = "%Y%m%d";
const MINUTE: &str = "%Y%m%d%H%M";

/// The signed text for `summary`.
#[must_use]
pub fn sign(summary: &Summary, key: &SigningKey) -> String {
    let doses: Vec<String> = summary
        .doses
        .iter()
        .map(|d| format!("{}:{}", escape(&d.cvx).replace(',', ""), d.date.format(DAY)))
        .collect();
    let body = [
        MAGIC.to_owned(),
        key.key_id(),
        summary.issued_at.format(MINUTE).to_string(),
        escape(&summary.clinic),
        escape(&summary.name),
        summary.birth_date.format(DAY).to_string(),
        summary.status.code().to_string(),
        doses.join(","),
    ]
    .join("|");
    let signature = URL_SAFE_NO_PAD.encode(key.sign(body.as_bytes()));
    format!("{body}|{signature}")
}

struct Parsed<'a> {
    key_id: &'a str,
    body: &'a str,
    signature: Vec<u8>,
    summary: Summary,
}

fn parse(text: &str) -> Result<Parsed<'_>, ParseError> {
    let text = text.trim_end_matches(['\r', '\n']);
    if !text.is_ascii() {
        return Err(ParseError::BadField("text"));
    }
    if !text.starts_with(MAGIC) {
        return Err(ParseError::NotSalal);
    }
    let parts: Vec<&str> = text.split('|').collect();
    if parts.first() != Some(&MAGIC) {
        return Err(ParseError::NotSalal);
    }
    if parts.len() != FIELDS {
        return Err(ParseError::FieldCount(parts.len()));
    }
    let key_id = parts[1];
    if key_id.len() != 16 || !key_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ParseError::BadField("key id"));
    }
    let issued_at = NaiveDateTime::parse_from_str(parts[2], MINUTE)
        .map_err(|_| ParseError::BadField("issue time"))?;
    let birth_date =
        NaiveDate::parse_from_str(parts[5], DAY).map_err(|_| ParseError::BadField("birth date"))?;
    let status = Status::from_code(parts[6]).ok_or(ParseError::BadField("status"))?;
    let doses = if parts[7].is_empty() {
        Vec::new()
    } else {
        parts[7]
            .split(',')
            .map(|d| {
                let (cvx, date) = d.split_once(':').ok_or(ParseError::BadField("dose list"))?;
                let date = NaiveDate::parse_from_str(date, DAY)
                    .map_err(|_| ParseError::BadField("dose list"))?;
                Ok(Dose {
                    cvx: unescape(cvx, "dose list")?,
                    date,
                })
            })
            .collect::<Result<Vec<_>, ParseError>>()?
    };
    let signature = URL_SAFE_NO_PAD
        .decode(parts[8])
        .map_err(|_| ParseError::BadField("signature"))?;
    let body_len = text.len() - parts[8].len() - 1;
    Ok(Parsed {
        key_id,
        body: &text[..body_len],
        signature,
        summary: Summary {
            clinic: unescape(parts[3], "clinic")?,
            name: unescape(parts[4], "name")?,
            birth_date,
            status,
            doses,
            issued_at,
        },
    })
}

/// Checks the text against the trusted keys; the summary and its issuer's key id when valid.
pub fn verify(text: &str, keys: &KeyRing) -> Result<(Summary, String), VerifyError> {
    let parsed = parse(text)?;
    let (key, _clinic) = keys
        .get(parsed.key_id)
        .ok_or_else(|| VerifyError::UnknownKey(parsed.key_id.to_owned()))?;
    if !key.verifies(parsed.body.as_bytes(), &parsed.signature) {
        return Err(VerifyError::BadSignature);
    }
    Ok((parsed.summary, parsed.key_id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn sample() -> Summary {
        Summary {
            clinic: "Clínica | Yakima 100%".into(),
            name: "José Ángel Núñez Peña".into(),
            birth_date: day(2019, 3, 7),
            status: Status::Conditional,
            doses: vec![
                Dose {
                    cvx: "08".into(),
                    date: day(2019, 3, 7),
                },
                Dose {
                    cvx: "110".into(),
                    date: day(2019, 5, 9),
                },
            ],
            issued_at: day(2026, 12, 1).and_hms_opt(14, 30, 0).unwrap(),
        }
    }

    fn ring_with(key: &SigningKey) -> KeyRing {
        let mut ring = KeyRing::new();
        ring.add(key.public_key(), "Yakima");
        ring
    }

    #[test]
    fn signed_text_verifies_and_reads_back() {
        let key = SigningKey::generate().unwrap();
        let text = sign(&sample(), &key);
        let (summary, kid) = verify(&text, &ring_with(&key)).unwrap();
        assert_eq!(summary, sample());
        assert_eq!(kid, key.key_id());
    }

    #[test]
    fn every_single_character_edit_is_refused() {
        let key = SigningKey::generate().unwrap();
        let ring = ring_with(&key);
        let text = sign(&sample(), &key);
        for (i, c) in text.char_indices() {
            let replacement = if c == 'A' { 'B' } else { 'A' };
            let mut edited = String::with_capacity(text.len());
            edited.push_str(&text[..i]);
            edited.push(replacement);
            edited.push_str(&text[i + c.len_utf8()..]);
            assert!(
                verify(&edited, &ring).is_err(),
                "edit at {i} accepted: {edited}"
            );
        }
    }

    #[test]
    fn another_clinics_key_is_unknown() {
        let key = SigningKey::generate().unwrap();
        let other = SigningKey::generate().unwrap();
        let text = sign(&sample(), &key);
        assert!(matches!(
            verify(&text, &ring_with(&other)),
            Err(VerifyError::UnknownKey(_))
        ));
    }

    #[test]
    fn a_stored_key_signs_the_same() {
        let key = SigningKey::generate().unwrap();
        let again = SigningKey::from_pkcs8(key.pkcs8()).unwrap();
        assert_eq!(again.key_id(), key.key_id());
        assert!(SigningKey::from_pkcs8(b"not a key").is_err());
    }

    proptest! {
        #[test]
        fn any_text_is_refused_without_panic(text in ".{0,400}") {
            let key = SigningKey::generate().unwrap();
            prop_assert!(verify(&text, &ring_with(&key)).is_err());
        }

        #[test]
        fn any_names_round_trip(clinic in "\\PC{0,60}", name in "\\PC{0,60}") {
            let key = SigningKey::generate().unwrap();
            let mut s = sample();
            s.clinic = clinic.chars().filter(|c| !c.is_control()).collect();
            s.name = name.chars().filter(|c| !c.is_control()).collect();
            let text = sign(&s, &key);
            let (back, _) = verify(&text, &ring_with(&key)).unwrap();
            prop_assert_eq!(back, s);
        }
    }
}
