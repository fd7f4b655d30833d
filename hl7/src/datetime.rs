//! HL7 date and time values: checking the DTM format
//! `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]` and converting dates.
//!
//! A value is *valid* when its digits form a real calendar date and time;
//! each datatype flavour the profiles use then asks for a minimum precision
//! (`TS_NZ`: the day) or a time zone (`TS_Z`).

use chrono::NaiveDate;

/// What a DTM value gives, once checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DateTimeShape {
    /// Number of digits before any fraction or offset (4, 6, 8, 10, 12 or 14).
    pub(crate) digits: usize,
    /// Whether a +/-ZZZZ offset is present.
    pub(crate) has_offset: bool,
}

/// Why a DTM value is not valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DateTimeError {
    /// The characters do not follow the DTM pattern.
    #[error("not in the HL7 date/time format YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]")]
    Format,
    /// The digits are not a real date or time (month 13, 31 February, hour 25).
    #[error("not a real calendar date or time")]
    Calendar,
}

/// Checks a DTM (or DT) value.
pub(crate) fn check_dtm(text: &str) -> Result<DateTimeShape, DateTimeError> {
    let (main, offset) = match text.find(['+', '-']) {
        Some(index) => (text.get(..index).unwrap_or_default(), text.get(index + 1..)),
        None => (text, None),
    };
    let (digits, fraction) = match main.split_once('.') {
        Some((digits, fraction)) => (digits, Some(fraction)),
        None => (main, None),
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) || ![4, 6, 8, 10, 12, 14].contains(&digits.len())
    {
        return Err(DateTimeError::Format);
    }
    if let Some(fraction) = fraction
        && (digits.len() != 14
            || fraction.is_empty()
            || fraction.len() > 4
            || !fraction.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(DateTimeError::Format);
    }
    if let Some(offset) = offset {
        if offset.len() != 4 || !offset.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DateTimeError::Format);
        }
        let hours = number(offset, 0, 2);
        let minutes = number(offset, 2, 4);
        if hours > 14 || minutes > 59 {
            return Err(DateTimeError::Calendar);
        }
    }
    let year = i32::try_from(number(digits, 0, 4)).map_err(|_| DateTimeError::Format)?;
    let month = if digits.len() >= 6 {
        number(digits, 4, 6)
    } else {
        1
    };
    let day = if digits.len() >= 8 {
        number(digits, 6, 8)
    } else {
        1
    };
    if NaiveDate::from_ymd_opt(year, month, day).is_none() {
        return Err(DateTimeError::Calendar);
    }
    let hour = number(digits, 8, 10);
    let minute = number(digits, 10, 12);
    let second = number(digits, 12, 14);
    if hour > 23 || minute > 59 || second > 59 {
        return Err(DateTimeError::Calendar);
    }
    Ok(DateTimeShape {
        digits: digits.len(),
        has_offset: offset.is_some(),
    })
}

/// The digits `from..to` of `text` as a number (0 when absent).
fn number(text: &str, from: usize, to: usize) -> u32 {
    text.get(from..to).and_then(|d| d.parse().ok()).unwrap_or(0)
}

/// The calendar date a DTM value starts with, when it gives at least the day.
#[must_use]
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let shape = check_dtm(text).ok()?;
    if shape.digits < 8 {
        return None;
    }
    let year = i32::try_from(number(text, 0, 4)).ok()?;
    NaiveDate::from_ymd_opt(year, number(text, 4, 6), number(text, 6, 8))
}

/// A date as HL7 writes it: YYYYMMDD.
#[must_use]
pub fn format_date(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_and_invalid_values() {
        for ok in [
            "2015",
            "201506",
            "20150624",
            "20150624084727.655-0500",
            "200906040000-0500",
            "20120814",
            "20240229",
        ] {
            assert!(check_dtm(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "2015062",
            "20091051132511",
            "20150230",
            "20150924162038- 0500",
            "CP",
            "2015.5",
        ] {
            assert!(check_dtm(bad).is_err(), "{bad}");
        }
        assert_eq!(
            check_dtm("20130329094218-0500000"),
            Err(DateTimeError::Format)
        );
    }

    #[test]
    fn dates_convert() {
        let date = NaiveDate::from_ymd_opt(2007, 7, 6);
        assert_eq!(parse_date("20070706"), date);
        assert_eq!(parse_date("200707061230-0500"), date);
        assert_eq!(parse_date("200707"), None);
        assert_eq!(date.map(format_date).as_deref(), Some("20070706"));
    }
}
