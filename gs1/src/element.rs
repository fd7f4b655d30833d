//! Reading a GS1 element string (the data of a GS1 DataMatrix, GS1-128 or
//! GS1 QR code) as a keyboard-wedge scanner types it, or as a person types the
//! human-readable form under the barcode.
//!
//! # What the text may look like
//!
//! - An optional symbology identifier first: `]d2` (GS1 DataMatrix), `]C1`
//!   (GS1-128), `]Q3` (GS1 QR), `]e0` (GS1 DataBar), `]J1` (GS1 DotCode), in
//!   either case. Any other `]xn` is a barcode that is not GS1 and is refused.
//! - Fields in any order, each an Application Identifier and its value:
//!   `0100349281425509` `17271231` `10ABC123` `21XYZ789`.
//! - Separators (FNC1) between fields: the ASCII 29 group separator, and the
//!   forms scanners and people type for it: `␝` (U+241D), `↔` (U+2194, what
//!   Windows shows for Alt+029), and, in any case, `<GS>`, `{GS}`, `[GS]`,
//!   `<FNC1>`, `{FNC1}`, `[FNC1]`, `^]` (caret notation) and the escapes
//!   `\x1d` and `\u001d` typed literally. Leading, trailing and repeated
//!   separators are ignored. `<GS>` and `<FNC1>` are always separators, even
//!   though `<`, `>` may appear in a lot number.
//! - Or the human-readable form, `(01)00349281425509(17)271231(10)ABC123`: a
//!   `(` followed by the digits of an AI Salal knows and `)` starts a field.
//! - Whitespace (space, tab, CR, LF) anywhere is dropped: GS1 values cannot
//!   hold it, and scanners often end with Enter.
//!
//! # Where a variable-length field ends
//!
//! Lot (10), serial (21) and the other variable-length fields end at a
//! separator or at the end of the text. Fixed-length fields (GTIN 01, dates
//! 11-17, ...) need none. When the text holds at least one separator, the
//! scanner evidently sends them, and that rule is applied strictly.
//!
//! A scanner that is not set to send separators drops them, so text with no
//! separator at all is searched for every complete reading: a variable-length
//! field may also end where the GTIN (01), expiry (17), lot (10) or serial (21)
//! begins, provided the rest of the text then reads completely, every value
//! valid (lengths, digits, dates, check digits) and no AI appearing twice.
//! Among the complete readings, the one that finds more of the GTIN and the
//! expiry wins: their values are checked (a check digit, a date), which is
//! better evidence than a lot or serial running on over them. So
//! `...10LOT17271231` is lot `LOT` expiring 2027-12-31, and
//! `...21SERIAL17271231 10LOT` is serial `SERIAL`, then expiry and lot. When
//! several readings are equally good (a lot followed directly by a serial, or
//! a last lot with `21` inside, as in `10UT8021AA`: lot `UT8021AA`, or lot
//! `UT80` and serial `AA`?), the text is refused as ambiguous rather than
//! guessed, and the message says to set the scanner to send the separator,
//! type the parenthesised form, or enter the lot by hand.
//!
//! Other AIs of known length (production date 11, best before 15, variant 20,
//! SSCC 00, measures 31nn-36nn, 240, 30, 90-99, ...) are checked and kept in
//! [`ElementString::others`]; an AI Salal does not know is an error. Expiry
//! and the other dates are YYMMDD in the years 2000-2099; day 00 is the last
//! day of the month.

use crate::ai::{self, Ai, Format, Length};
use crate::error::{Gs1Error, describe_char};
use crate::gtin::{Gtin, check_digit, has_valid_check_digit};
use chrono::{Months, NaiveDate};

/// More characters than any 2D barcode on a package holds (GS1 DataMatrix: 2335).
pub const MAX_CHARS: usize = 3000;
/// How many steps the search of a text without separators may take.
const MAX_STEPS: usize = 20_000;
/// How many complete readings the search collects before giving up.
const MAX_READINGS: usize = 64;

/// The fields of one barcode.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ElementString {
    /// GTIN (01).
    pub gtin: Option<Gtin>,
    /// Expiry date (17).
    pub expiry: Option<NaiveDate>,
    /// Lot or batch number (10).
    pub lot: Option<String>,
    /// Serial number (21).
    pub serial: Option<String>,
    /// Every other field, in the order read.
    pub others: Vec<Field>,
}

/// A field Salal checks but does not use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The Application Identifier, e.g. "11".
    pub ai: String,
    /// Its value.
    pub value: String,
}

/// One character of the text, or a separator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Char(char),
    Sep,
}

impl Item {
    fn char(self) -> Option<char> {
        match self {
            Item::Char(c) => Some(c),
            Item::Sep => None,
        }
    }
}

/// A field as read: the AI's digits in the text, and the value.
#[derive(Debug, Clone)]
struct Read {
    code: String,
    value: String,
}

/// Symbology identifiers of GS1 barcodes.
const GS1_SYMBOLOGIES: [&str; 5] = ["]d2", "]c1", "]q3", "]e0", "]j1"];

/// How people and scanners type the group separator (compared ignoring ASCII case).
const TYPED_SEPARATORS: [&str; 9] = [
    "<gs>", "{gs}", "[gs]", "<fnc1>", "{fnc1}", "[fnc1]", "^]", "\\x1d", "\\u001d",
];

/// Reads a barcode's text. See the module documentation for the forms accepted.
pub fn parse(text: &str) -> Result<ElementString, Gs1Error> {
    let chars = text.chars().count();
    if chars > MAX_CHARS {
        return Err(Gs1Error::TooLong { chars });
    }
    let items = tokenize(text)?;
    let fields = match items.iter().find_map(|i| i.char()) {
        None => return Err(Gs1Error::Empty),
        Some('(') => parenthesised(&items)?,
        Some(_) => plain(&items)?,
    };
    Ok(assemble(fields))
}

/// Reads a barcode's text sent as bytes (e.g. by a serial-port scanner).
pub fn parse_bytes(bytes: &[u8]) -> Result<ElementString, Gs1Error> {
    let text = std::str::from_utf8(bytes).map_err(|_| Gs1Error::NotText)?;
    parse(text)
}

/// A GS1 date, YYMMDD: years 2000-2099, day 00 the last day of the month.
#[must_use]
pub fn parse_date(yymmdd: &str) -> Option<NaiveDate> {
    if yymmdd.len() != 6 || !yymmdd.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year = 2000 + yymmdd[..2].parse::<i32>().ok()?;
    let month = yymmdd[2..4].parse::<u32>().ok()?;
    let day = yymmdd[4..].parse::<u32>().ok()?;
    if day == 0 {
        NaiveDate::from_ymd_opt(year, month, 1)?
            .checked_add_months(Months::new(1))?
            .pred_opt()
    } else {
        NaiveDate::from_ymd_opt(year, month, day)
    }
}

/// The text as characters and separators, without the symbology identifier and whitespace.
fn tokenize(text: &str) -> Result<Vec<Item>, Gs1Error> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = chars
        .iter()
        .position(|c| !is_dropped(*c))
        .unwrap_or(chars.len());
    if chars.get(i) == Some(&']') {
        let id: String = chars[i..].iter().take(3).collect();
        if !GS1_SYMBOLOGIES.contains(&id.to_ascii_lowercase().as_str()) {
            return Err(Gs1Error::NotGs1Symbology { id: printable(&id) });
        }
        i += 3;
    }
    let mut items = Vec::with_capacity(chars.len() - i);
    while i < chars.len() {
        let c = chars[i];
        if is_dropped(c) {
            i += 1;
        } else if matches!(c, '\u{1d}' | '\u{241d}' | '\u{2194}') {
            items.push(Item::Sep);
            i += 1;
        } else if let Some(len) = typed_separator(&chars[i..]) {
            items.push(Item::Sep);
            i += len;
        } else {
            items.push(Item::Char(c));
            i += 1;
        }
    }
    Ok(items)
}

fn is_dropped(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// The length of the typed separator `rest` starts with, if any.
fn typed_separator(rest: &[char]) -> Option<usize> {
    TYPED_SEPARATORS.iter().find_map(|form| {
        let n = form.chars().count();
        let head = rest.get(..n)?;
        head.iter()
            .zip(form.chars())
            .all(|(a, b)| a.to_ascii_lowercase() == b)
            .then_some(n)
    })
}

/// Text for a message: printable ASCII kept, anything else as U+XXXX.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_graphic() {
                c.to_string()
            } else {
                describe_char(c)
            }
        })
        .collect()
}

fn chars_of(items: &[Item]) -> String {
    items.iter().filter_map(|i| i.char()).collect()
}

/// Checks a value against its AI's format and length.
fn validate(ai: &Ai, code: &str, value: &str) -> Result<(), Gs1Error> {
    let n = value.chars().count();
    let err_ai = || code.to_owned();
    if n == 0 {
        return Err(Gs1Error::EmptyValue { ai: err_ai() });
    }
    match ai.format {
        Format::Alphanumeric => {
            if let Some(c) = value.chars().find(|c| !ai::is_cset82(*c)) {
                return Err(Gs1Error::BadCharacter {
                    ai: err_ai(),
                    character: c,
                });
            }
        }
        Format::Numeric | Format::CheckDigit | Format::Date => {
            if !value.chars().all(|c| c.is_ascii_digit()) {
                return Err(Gs1Error::NotDigits {
                    ai: err_ai(),
                    value: printable(value),
                });
            }
        }
    }
    match ai.length {
        Length::Fixed(len) if n < len => {
            return Err(Gs1Error::Truncated {
                ai: err_ai(),
                expected: len,
                found: n,
            });
        }
        Length::Fixed(max) | Length::Variable(max) if n > max => {
            return Err(Gs1Error::ValueTooLong { ai: err_ai(), max });
        }
        _ => {}
    }
    match ai.format {
        Format::CheckDigit if !has_valid_check_digit(value) => Err(Gs1Error::BadCheckDigit {
            ai: err_ai(),
            value: value.to_owned(),
            expected: check_digit(&value[..n - 1]).unwrap_or_default(),
        }),
        Format::Date if parse_date(value).is_none() => Err(Gs1Error::BadDate {
            ai: err_ai(),
            value: value.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// The AI at the start of `items`, if its code is all characters (no separator inside).
fn ai_at(items: &[Item]) -> Option<(Ai, String)> {
    let head: Vec<char> = items.iter().take(4).map_while(|i| i.char()).collect();
    ai::find(&head).map(|(ai, n)| (ai, head[..n].iter().collect()))
}

/// The human-readable form: `(01)...(17)...(10)...`.
fn parenthesised(items: &[Item]) -> Result<Vec<Read>, Gs1Error> {
    let mut fields: Vec<Read> = Vec::new();
    let mut pos = 0;
    loop {
        while items.get(pos) == Some(&Item::Sep) {
            pos += 1;
        }
        if pos >= items.len() {
            return Ok(fields);
        }
        let Some((ai, code, after)) = marker(items, pos) else {
            return Err(match parenthesis(items, pos) {
                Some((digits, _)) if (2..=4).contains(&digits.len()) => {
                    Gs1Error::UnknownAi { ai: digits }
                }
                _ => {
                    let text: String = items[pos..]
                        .iter()
                        .take(8)
                        .filter_map(|i| i.char())
                        .collect();
                    Gs1Error::Parenthesis {
                        text: printable(&text),
                    }
                }
            });
        };
        if fields.iter().any(|f| f.code == code) {
            return Err(Gs1Error::Repeated { ai: code });
        }
        let end = (after..items.len())
            .find(|&p| items[p] == Item::Sep || marker(items, p).is_some())
            .unwrap_or(items.len());
        let value = chars_of(&items[after..end]);
        validate(&ai, &code, &value)?;
        fields.push(Read { code, value });
        pos = end;
    }
}

/// A `(digits)` at `pos`: the digits and where the text after `)` starts.
fn parenthesis(items: &[Item], pos: usize) -> Option<(String, usize)> {
    if items.get(pos) != Some(&Item::Char('(')) {
        return None;
    }
    let digits: String = items[pos + 1..]
        .iter()
        .take(5)
        .map_while(|i| i.char())
        .take_while(char::is_ascii_digit)
        .collect();
    let close = pos + 1 + digits.len();
    (items.get(close) == Some(&Item::Char(')'))).then_some((digits, close + 1))
}

/// A `(AI)` of a known AI at `pos`: the AI, its digits and where its value starts.
fn marker(items: &[Item], pos: usize) -> Option<(Ai, String, usize)> {
    let (digits, after) = parenthesis(items, pos)?;
    let chars: Vec<char> = digits.chars().collect();
    match ai::find(&chars) {
        Some((ai, n)) if n == chars.len() => Some((ai, digits, after)),
        _ => None,
    }
}

/// The plain element string, with or without separators.
fn plain(items: &[Item]) -> Result<Vec<Read>, Gs1Error> {
    let mut search = Search {
        items,
        strict: items.contains(&Item::Sep),
        steps: 0,
        readings: Vec::new(),
        first_error: None,
        gave_up: false,
    };
    search.field(0, &mut Vec::new());
    if search.gave_up {
        return Err(Gs1Error::TooManyReadings);
    }
    // GTIN and expiry values are checked (check digit, date), so a reading that finds
    // more of them is better evidence than one where a lot or serial runs on over them.
    let checked = |r: &Vec<Read>| {
        r.iter()
            .filter(|f| f.code == ai::GTIN || f.code == ai::EXPIRY)
            .count()
    };
    let Some(best) = search.readings.iter().map(checked).max() else {
        return Err(search.first_error.unwrap_or(Gs1Error::Empty));
    };
    let mut winners = search.readings.into_iter().filter(|r| checked(r) == best);
    let first = winners.next().unwrap_or_default();
    match winners.next() {
        None => Ok(first),
        Some(second) => Err(disagreement(&first, &second)),
    }
}

/// The first field two readings disagree on, GTIN, expiry, lot and serial first.
fn disagreement(a: &[Read], b: &[Read]) -> Gs1Error {
    let value = |r: &[Read], code: &str| {
        r.iter()
            .find(|f| f.code == code)
            .map(|f| printable(&f.value))
    };
    let mut codes: Vec<&str> = vec![ai::GTIN, ai::EXPIRY, ai::LOT, ai::SERIAL];
    codes.extend(a.iter().chain(b).map(|f| f.code.as_str()));
    for code in codes {
        let (first, second) = (value(a, code), value(b, code));
        if first != second {
            return Gs1Error::Ambiguous {
                ai: code.to_owned(),
                first,
                second,
            };
        }
    }
    Gs1Error::TooManyReadings
}

/// The search for complete readings of a plain element string.
struct Search<'a> {
    items: &'a [Item],
    /// Separators present: a variable-length field ends only at one.
    strict: bool,
    steps: usize,
    readings: Vec<Vec<Read>>,
    /// The first failure met; the search tries the plain GS1 reading first.
    first_error: Option<Gs1Error>,
    gave_up: bool,
}

impl Search<'_> {
    fn fail(&mut self, err: Gs1Error) {
        if self.first_error.is_none() {
            self.first_error = Some(err);
        }
    }

    /// Reads on from `pos`, where a field (or the end) must begin.
    fn field(&mut self, pos: usize, fields: &mut Vec<Read>) {
        self.steps += 1;
        if self.gave_up || self.steps > MAX_STEPS || self.readings.len() >= MAX_READINGS {
            self.gave_up = true;
            return;
        }
        let items = self.items;
        let mut pos = pos;
        while items.get(pos) == Some(&Item::Sep) {
            pos += 1;
        }
        if pos >= items.len() {
            if fields.is_empty() {
                self.fail(Gs1Error::Empty);
            } else {
                self.readings.push(fields.clone());
            }
            return;
        }
        let Some((ai, code)) = ai_at(&items[pos..]) else {
            let shown: String = items[pos..]
                .iter()
                .take(4)
                .map_while(|i| i.char())
                .collect();
            self.fail(if fields.is_empty() {
                let start: String = items.iter().take(12).map_while(|i| i.char()).collect();
                Gs1Error::NotGs1 {
                    start: printable(&start),
                }
            } else {
                Gs1Error::UnknownAi {
                    ai: printable(&shown),
                }
            });
            return;
        };
        if fields.iter().any(|f| f.code == code) {
            self.fail(Gs1Error::Repeated { ai: code });
            return;
        }
        let start = pos + code.len();
        // Where this field's value must end at the latest: a separator or the end.
        let run_end = items[start..]
            .iter()
            .position(|i| *i == Item::Sep)
            .map_or(items.len(), |p| start + p);
        match ai.length {
            Length::Fixed(n) => {
                let end = (start + n).min(run_end);
                self.try_value(ai, &code, start, end, fields);
            }
            Length::Variable(max) => {
                self.try_value(ai, &code, start, run_end, fields);
                if !self.strict {
                    let latest = (run_end.saturating_sub(1)).min(start + max);
                    for end in (start + 1..=latest).rev() {
                        if ends_here(&items[end..]) {
                            self.try_value(ai, &code, start, end, fields);
                        }
                    }
                }
            }
        }
    }

    /// Takes `items[start..end]` as the value and reads on from `end`.
    fn try_value(&mut self, ai: Ai, code: &str, start: usize, end: usize, fields: &mut Vec<Read>) {
        let value = chars_of(&self.items[start..end]);
        match validate(&ai, code, &value) {
            Ok(()) => {
                fields.push(Read {
                    code: code.to_owned(),
                    value,
                });
                self.field(end, fields);
                fields.pop();
            }
            Err(err) => self.fail(err),
        }
    }
}

/// Whether a variable-length field without a separator may end where `rest` begins:
/// at one of the AIs Salal reads.
fn ends_here(rest: &[Item]) -> bool {
    ai_at(rest).is_some_and(|(_, code)| {
        matches!(code.as_str(), ai::GTIN | ai::EXPIRY | ai::LOT | ai::SERIAL)
    })
}

fn assemble(fields: Vec<Read>) -> ElementString {
    let mut out = ElementString::default();
    for f in fields {
        match f.code.as_str() {
            ai::GTIN => out.gtin = Gtin::parse(&f.value).ok(),
            ai::EXPIRY => out.expiry = parse_date(&f.value),
            ai::LOT => out.lot = Some(f.value),
            ai::SERIAL => out.serial = Some(f.value),
            _ => out.others.push(Field {
                ai: f.code,
                value: f.value,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GTIN: &str = "00312345678906";

    fn read(text: &str) -> ElementString {
        parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn dates_with_day_00_are_the_end_of_the_month() {
        assert_eq!(parse_date("271231"), Some(date(2027, 12, 31)));
        assert_eq!(parse_date("280200"), Some(date(2028, 2, 29)));
        assert_eq!(parse_date("270200"), Some(date(2027, 2, 28)));
        assert_eq!(parse_date("271200"), Some(date(2027, 12, 31)));
        assert_eq!(parse_date("270400"), Some(date(2027, 4, 30)));
        assert_eq!(parse_date("271301"), None);
        assert_eq!(parse_date("270230"), None);
        assert_eq!(parse_date("270001"), None);
        assert_eq!(parse_date("2712"), None);
        assert_eq!(parse_date("27123a"), None);
    }

    #[test]
    fn reads_fields_in_any_order_with_separators() {
        let gs = '\u{1d}';
        let e = read(&format!("]d2010031234567890621S123{gs}17271231 10AB12"));
        assert_eq!(e.gtin.as_ref().map(Gtin::as_str), Some(GTIN));
        assert_eq!(e.serial.as_deref(), Some("S123"));
        assert_eq!(e.expiry, Some(date(2027, 12, 31)));
        assert_eq!(e.lot.as_deref(), Some("AB12"));
    }

    #[test]
    fn typed_separators_are_separators() {
        for sep in [
            "\u{1d}", "<GS>", "<gs>", "{GS}", "[GS]", "<FNC1>", "{fnc1}", "^]", "\\x1d", "\\x1D",
            "\\u001d", "\u{241d}", "\u{2194}",
        ] {
            let e = read(&format!("01{GTIN}10LOT21{sep}17270100"));
            assert_eq!(e.lot.as_deref(), Some("LOT21"), "{sep}");
            assert_eq!(e.expiry, Some(date(2027, 1, 31)), "{sep}");
        }
    }

    #[test]
    fn without_separators_a_lot_ends_before_a_valid_expiry() {
        let e = read(&format!("01{GTIN}10LOT1717270600"));
        assert_eq!(e.lot.as_deref(), Some("LOT17"));
        assert_eq!(e.expiry, Some(date(2027, 6, 30)));
        // The serial runs on, then the expiry and lot follow it.
        let e = read(&format!("01{GTIN}21SER1017271231 10LOT9"));
        assert_eq!(e.serial.as_deref(), Some("SER10"));
        assert_eq!(e.lot.as_deref(), Some("LOT9"));
    }

    #[test]
    fn a_last_lot_with_21_inside_is_ambiguous_without_separators() {
        let err = parse(&format!("01{GTIN}17271231 10UT8021AA")).expect_err("ambiguous");
        assert_eq!(
            err,
            Gs1Error::Ambiguous {
                ai: "10".into(),
                first: Some("UT8021AA".into()),
                second: Some("UT80".into()),
            }
        );
        // With a separator anywhere the scanner sends them, and the lot runs to the end.
        let e = read(&format!("]d2\u{1d}01{GTIN}17271231 10UT8021AA"));
        assert_eq!(e.lot.as_deref(), Some("UT8021AA"));
        assert_eq!(e.serial, None);
        // A serial read elsewhere leaves no second reading.
        let e = read(&format!("01{GTIN}21S117271231 10UT8021AA"));
        assert_eq!(e.lot.as_deref(), Some("UT8021AA"));
    }

    #[test]
    fn a_lot_followed_by_a_serial_without_separator_is_refused() {
        let err = parse(&format!("01{GTIN}17271231 10LOT1 21SER2")).expect_err("ambiguous");
        assert!(matches!(err, Gs1Error::Ambiguous { .. }), "{err:?}");
    }

    #[test]
    fn parenthesised_form() {
        let e = read(&format!("(01){GTIN}(17)271200(10)A(B)1(21)X"));
        assert_eq!(e.gtin.as_ref().map(Gtin::as_str), Some(GTIN));
        assert_eq!(e.expiry, Some(date(2027, 12, 31)));
        assert_eq!(e.lot.as_deref(), Some("A(B)1"));
        assert_eq!(e.serial.as_deref(), Some("X"));
        let e = read(&format!("]d2 (01) {GTIN} (11) 250101 (10) L1"));
        assert_eq!(
            e.others,
            vec![Field {
                ai: "11".into(),
                value: "250101".into()
            }]
        );
        assert!(matches!(parse("(01"), Err(Gs1Error::Parenthesis { .. })));
        assert_eq!(
            parse("(8006)1"),
            Err(Gs1Error::UnknownAi { ai: "8006".into() })
        );
        assert!(matches!(parse("(1)1"), Err(Gs1Error::Parenthesis { .. })));
        assert!(matches!(
            parse(&format!("(01){GTIN}(10)A(10)B")),
            Err(Gs1Error::Repeated { .. })
        ));
    }

    #[test]
    fn other_ais_of_known_length_are_skipped() {
        let e = read(&format!(
            "01{GTIN}11250101 3103000500 7003270101120010L<GS>240X<GS>21S"
        ));
        assert_eq!(e.lot.as_deref(), Some("L"));
        assert_eq!(e.serial.as_deref(), Some("S"));
        let ais: Vec<&str> = e.others.iter().map(|f| f.ai.as_str()).collect();
        assert_eq!(ais, ["11", "3103", "7003", "240"]);
    }

    #[test]
    fn clear_errors() {
        assert_eq!(parse(""), Err(Gs1Error::Empty));
        assert_eq!(parse(" ]d2 \u{1d}\r\n"), Err(Gs1Error::Empty));
        assert!(matches!(
            parse("]d1ABC"),
            Err(Gs1Error::NotGs1Symbology { .. })
        ));
        assert!(matches!(parse("hello"), Err(Gs1Error::NotGs1 { .. })));
        assert_eq!(
            parse("0100312345678907"),
            Err(Gs1Error::BadCheckDigit {
                ai: "01".into(),
                value: "00312345678907".into(),
                expected: 6
            })
        );
        assert!(matches!(parse("01003123"), Err(Gs1Error::Truncated { .. })));
        assert!(matches!(
            parse(&format!("01{GTIN}17271332")),
            Err(Gs1Error::BadDate { .. })
        ));
        assert!(matches!(
            parse(&format!("01{GTIN}8006123")),
            Err(Gs1Error::UnknownAi { .. })
        ));
        assert!(matches!(
            parse(&format!("01{GTIN}10AB|21CD")),
            Err(Gs1Error::BadCharacter { character: '|', .. })
        ));
        assert!(matches!(
            parse(&format!("01{GTIN}10<GS>17271231")),
            Err(Gs1Error::EmptyValue { .. })
        ));
        assert!(matches!(
            parse(&format!("01{GTIN}10ABCDEFGHIJKLMNOPQRSTU")),
            Err(Gs1Error::ValueTooLong { .. })
        ));
        assert!(matches!(
            parse(&format!("01{GTIN}01{GTIN}")),
            Err(Gs1Error::Repeated { .. })
        ));
        assert_eq!(parse_bytes(&[0x30, 0xff]), Err(Gs1Error::NotText));
        assert!(matches!(
            parse(&"1".repeat(MAX_CHARS + 1)),
            Err(Gs1Error::TooLong { .. })
        ));
    }

    #[test]
    fn a_lot_too_long_to_be_one_field_splits_where_it_can() {
        // 25 characters cannot be one lot; the only complete reading ends it at "21".
        let e = read(&format!("01{GTIN}17271231 10ABCDEFGHIJ21KLMNOPQRSTUV"));
        assert_eq!(e.lot.as_deref(), Some("ABCDEFGHIJ"));
        assert_eq!(e.serial.as_deref(), Some("KLMNOPQRSTUV"));
    }

    #[test]
    fn pathological_text_gives_up_instead_of_hanging() {
        let texts = [
            format!("01{GTIN}10{}", "1021".repeat(200)),
            format!("10{}", "A21B10C".repeat(40)),
            format!("01{GTIN}91{}", "A10B21C17270101".repeat(30)),
            format!("10A{}", "17270101".repeat(100)),
            format!(
                "01{GTIN}9{}",
                format!("1A01{GTIN}17270101 10B21C").repeat(20)
            ),
            format!("17270101 91{}", "X10Y21Z0100312345678906".repeat(40)),
        ];
        for text in texts {
            let started = std::time::Instant::now();
            let result = parse(&text);
            let took = started.elapsed();
            assert!(took.as_secs() < 5, "{took:?} for {text}: {result:?}");
            println!("{took:?} {result:?}");
        }
    }
}
