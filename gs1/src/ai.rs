//! GS1 Application Identifiers: the ones Salal reads (GTIN, expiry, lot,
//! serial) and the others a healthcare package may carry, whose length and
//! format are known so they can be checked and skipped.
//!
//! From the GS1 General Specifications, section 3. The table is prefix-free
//! (no AI is the beginning of another), so at most one AI matches a position.

/// The AI of the GTIN, the product's trade item number.
pub const GTIN: &str = "01";
/// The AI of the expiry date (use by).
pub const EXPIRY: &str = "17";
/// The AI of the lot (batch) number.
pub const LOT: &str = "10";
/// The AI of the serial number.
pub const SERIAL: &str = "21";

/// How long a field's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    /// Exactly this many characters; no separator is needed after it.
    Fixed(usize),
    /// One to this many characters; a separator (FNC1) ends it unless it is last.
    Variable(usize),
}

/// What characters a value holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Digits.
    Numeric,
    /// Digits whose last one is a GS1 (mod 10) check digit: GTIN, SSCC, GLN.
    CheckDigit,
    /// A date, YYMMDD; day 00 means the last day of the month.
    Date,
    /// GS1 AI encodable character set 82 (letters, digits and `!"%&'()*+,-./:;<=>?_`).
    Alphanumeric,
}

/// One Application Identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ai {
    /// The identifier's digits, e.g. "17".
    pub code: &'static str,
    /// The value's length.
    pub length: Length,
    /// The value's characters.
    pub format: Format,
}

const fn fixed(code: &'static str, n: usize, format: Format) -> Ai {
    Ai {
        code,
        length: Length::Fixed(n),
        format,
    }
}

const fn var(code: &'static str, max: usize, format: Format) -> Ai {
    Ai {
        code,
        length: Length::Variable(max),
        format,
    }
}

use Format::{Alphanumeric as X, CheckDigit as C, Date as D, Numeric as N};

/// The AIs with two or three digits (the 4-digit measures 31nn-36nn and 7003 are in [`find`]).
const TABLE: &[Ai] = &[
    fixed("00", 18, C),
    fixed(GTIN, 14, C),
    fixed("02", 14, C),
    var(LOT, 20, X),
    fixed("11", 6, D),
    fixed("12", 6, D),
    fixed("13", 6, D),
    fixed("15", 6, D),
    fixed("16", 6, D),
    fixed(EXPIRY, 6, D),
    fixed("20", 2, N),
    var(SERIAL, 20, X),
    var("22", 20, X),
    var("235", 28, X),
    var("240", 30, X),
    var("241", 30, X),
    var("242", 6, N),
    var("243", 20, X),
    var("250", 30, X),
    var("251", 30, X),
    var("253", 30, X),
    var("254", 20, X),
    var("255", 25, N),
    var("30", 8, N),
    var("37", 8, N),
    var("400", 30, X),
    var("401", 30, X),
    fixed("402", 17, C),
    var("403", 30, X),
    fixed("410", 13, C),
    fixed("411", 13, C),
    fixed("412", 13, C),
    fixed("413", 13, C),
    fixed("414", 13, C),
    fixed("415", 13, C),
    fixed("416", 13, C),
    fixed("417", 13, C),
    var("420", 20, X),
    var("421", 12, X),
    fixed("422", 3, N),
    var("710", 20, X),
    var("711", 20, X),
    var("712", 20, X),
    var("713", 20, X),
    var("714", 20, X),
    var("715", 20, X),
    var("716", 20, X),
    var("90", 30, X),
    var("91", 90, X),
    var("92", 90, X),
    var("93", 90, X),
    var("94", 90, X),
    var("95", 90, X),
    var("96", 90, X),
    var("97", 90, X),
    var("98", 90, X),
    var("99", 90, X),
];

/// Trade measures (net weight, length, volume...): 4-digit AIs 31nn-36nn, six digits each.
const MEASURE: Ai = fixed("3", 6, N);
/// Expiry date and time, YYMMDDHHMM.
const EXPIRY_TIME: Ai = fixed("7003", 10, N);

/// The AI whose code starts `text`, if any, and how many characters its code takes.
#[must_use]
pub fn find(text: &[char]) -> Option<(Ai, usize)> {
    let digits = |n: usize| -> Option<String> {
        let head = text.get(..n)?;
        head.iter()
            .all(char::is_ascii_digit)
            .then(|| head.iter().collect())
    };
    let two = digits(2)?;
    if let Some(ai) = TABLE.iter().find(|ai| ai.code == two) {
        return Some((*ai, 2));
    }
    if let Some(three) = digits(3)
        && let Some(ai) = TABLE.iter().find(|ai| ai.code == three)
    {
        return Some((*ai, 3));
    }
    let four = digits(4)?;
    let bytes = four.as_bytes();
    // 31n-36n: 310-316, 320-329, 330-337, 340-349, 350-357, 360-369 (n is the decimal point).
    let measure = bytes[0] == b'3'
        && match bytes[1] {
            b'1' => bytes[2] <= b'6',
            b'2' | b'4' | b'6' => true,
            b'3' | b'5' => bytes[2] <= b'7',
            _ => false,
        };
    if measure {
        return Some((MEASURE, 4));
    }
    (four == EXPIRY_TIME.code).then_some((EXPIRY_TIME, 4))
}

/// Whether `c` may appear in an alphanumeric value (GS1 character set 82).
#[must_use]
pub fn is_cset82(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn the_table_is_prefix_free() {
        for a in TABLE {
            for b in TABLE {
                if a.code != b.code {
                    assert!(!b.code.starts_with(a.code), "{} starts {}", a.code, b.code);
                }
            }
            assert!(!a.code.starts_with('3') || a.code.len() == 2, "{}", a.code);
            assert!(!"7003".starts_with(a.code), "{}", a.code);
        }
    }

    #[test]
    fn finds_two_three_and_four_digit_ais() {
        assert_eq!(
            find(&chars("0100")).map(|(a, n)| (a.code, n)),
            Some(("01", 2))
        );
        assert_eq!(
            find(&chars("240X")).map(|(a, n)| (a.code, n)),
            Some(("240", 3))
        );
        assert_eq!(find(&chars("3103000123")).map(|(_, n)| n), Some(4));
        assert_eq!(find(&chars("7003")).map(|(a, _)| a.code), Some("7003"));
        assert_eq!(find(&chars("39")), None);
        assert_eq!(find(&chars("8006")), None);
        assert_eq!(find(&chars("1")), None);
        assert_eq!(find(&chars("AB")), None);
    }
}
