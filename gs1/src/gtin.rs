//! GTINs (Global Trade Item Numbers) and the GS1 check digit, and the 10-digit
//! NDC a US drug GTIN carries.
//!
//! A US pharmaceutical GTIN-14 is: a packaging indicator digit (0 for the
//! package itself, 1-8 for cases and bundles of it), `03` (the GS1 prefix FDA
//! reserves for drug codes), the 10-digit NDC as the labeler printed it
//! (4-4-2, 5-3-2 or 5-4-1), and the check digit; e.g. `00349281425509`. The
//! shorter GTIN-12 (a UPC-A `3` + NDC10 + check) is the same number without the
//! two leading zeros.

use std::fmt;

/// The GS1 mod-10 check digit of `body` (the digits before the check digit), or
/// `None` when `body` is not all ASCII digits.
#[must_use]
pub fn check_digit(body: &str) -> Option<u8> {
    let mut sum = 0u32;
    for (i, c) in body.chars().rev().enumerate() {
        let d = c.to_digit(10)?;
        sum += if i % 2 == 0 { d * 3 } else { d };
    }
    u8::try_from((10 - sum % 10) % 10).ok()
}

/// Whether `digits` (all ASCII digits) ends in its correct check digit.
#[must_use]
pub fn has_valid_check_digit(digits: &str) -> bool {
    match digits.len().checked_sub(1) {
        Some(n) if n > 0 => {
            let (body, last) = digits.split_at(n);
            check_digit(body).is_some_and(|d| last.chars().next() == char::from_digit(d.into(), 10))
        }
        _ => false,
    }
}

/// A GTIN in its 14-digit form with a valid check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin(String);

/// Why text is not a GTIN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GtinError {
    /// Not 8, 12, 13 or 14 digits.
    #[error("a GTIN has 8, 12, 13 or 14 digits")]
    Length,
    /// The last digit is not the check digit of the others.
    #[error("wrong check digit: expected {expected}")]
    CheckDigit {
        /// The correct check digit.
        expected: u8,
    },
}

impl Gtin {
    /// A GTIN-8, -12, -13 or -14 (digits only), padded to 14 digits.
    pub fn parse(digits: &str) -> Result<Gtin, GtinError> {
        if !matches!(digits.len(), 8 | 12 | 13 | 14) || !digits.chars().all(|c| c.is_ascii_digit())
        {
            return Err(GtinError::Length);
        }
        let padded = format!("{digits:0>14}");
        let expected = check_digit(&padded[..13]).ok_or(GtinError::Length)?;
        if padded.as_bytes()[13] - b'0' == expected {
            Ok(Gtin(padded))
        } else {
            Err(GtinError::CheckDigit { expected })
        }
    }

    /// The 14 digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 10-digit NDC of a US drug GTIN (indicator 0-8, then `03`), as printed
    /// by the labeler, without hyphens; `None` for any other GTIN.
    #[must_use]
    pub fn ndc10(&self) -> Option<&str> {
        let indicator = self.0.as_bytes()[0];
        (indicator != b'9' && &self.0[1..3] == "03").then(|| &self.0[3..13])
    }
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_follow_gs1() {
        // GS1's worked example: GTIN-13 629104150021 + 3.
        assert_eq!(check_digit("629104150021"), Some(3));
        assert_eq!(check_digit("0031234567890"), Some(6));
        assert_eq!(check_digit("12a"), None);
        assert!(has_valid_check_digit("00312345678906"));
        assert!(!has_valid_check_digit("00312345678907"));
        assert!(!has_valid_check_digit("0"));
        assert!(!has_valid_check_digit(""));
    }

    #[test]
    fn parses_and_pads_gtins() {
        let g = Gtin::parse("0380631207017").expect("GTIN-13");
        assert_eq!(g.as_str(), "00380631207017");
        assert_eq!(g.ndc10(), Some("8063120701"));
        assert_eq!(
            Gtin::parse("00312345678907"),
            Err(GtinError::CheckDigit { expected: 6 })
        );
        assert_eq!(Gtin::parse("123"), Err(GtinError::Length));
        assert_eq!(Gtin::parse("0031234567890x"), Err(GtinError::Length));
    }

    #[test]
    fn only_drug_gtins_carry_an_ndc() {
        let case = Gtin::parse("10300690332014").expect("valid");
        assert_eq!(case.ndc10(), Some("0069033201"));
        let other = Gtin::parse("09506000134352").expect("valid");
        assert_eq!(other.ndc10(), None);
    }
}
