//! Date arithmetic following the CDSi logic specification, section 3.4 (Table 3-6,
//! rules CALCDT-1 to CALCDT-6): ages and intervals such as `6 weeks - 4 days` are added
//! to dates by adjusting years, then months, then weeks and days; a computed date that
//! does not exist moves to the first day of the next month.

use chrono::{Datelike, Days, NaiveDate};

use crate::error::DataError;

/// An age or interval from the supporting data, e.g. `6 months - 4 days`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Duration {
    /// Whole years.
    pub years: i32,
    /// Whole months.
    pub months: i32,
    /// Days (weeks are stored as 7 days).
    pub days: i32,
}

impl Duration {
    /// A duration of a number of days.
    pub const fn days(days: i32) -> Self {
        Self {
            years: 0,
            months: 0,
            days,
        }
    }

    /// Parses CDC text such as `4 years`, `6 weeks - 4 days`, `3 months + 4 weeks`.
    /// Empty text means "not set" and gives `Ok(None)`.
    pub fn parse(text: &str) -> Result<Option<Self>, DataError> {
        let text = text.trim();
        if text.is_empty() || text.eq_ignore_ascii_case("n/a") {
            return Ok(None);
        }
        let bad = || DataError::BadDuration(text.to_owned());
        let mut out = Self::default();
        let mut sign = 1i32;
        let mut number: Option<i32> = None;
        for token in text.split_whitespace() {
            match token {
                "+" => sign = 1,
                "-" => sign = -1,
                _ => {
                    if let Some(n) = number.take() {
                        let n = n.checked_mul(sign).ok_or_else(bad)?;
                        let unit = token.trim_end_matches(',').to_ascii_lowercase();
                        match unit.trim_end_matches('s') {
                            "year" => out.years = out.years.checked_add(n).ok_or_else(bad)?,
                            "month" => out.months = out.months.checked_add(n).ok_or_else(bad)?,
                            "week" => {
                                let d = n.checked_mul(7).ok_or_else(bad)?;
                                out.days = out.days.checked_add(d).ok_or_else(bad)?;
                            }
                            "day" => out.days = out.days.checked_add(n).ok_or_else(bad)?,
                            _ => return Err(bad()),
                        }
                        sign = 1;
                    } else {
                        number = Some(token.parse::<i32>().map_err(|_| bad())?);
                    }
                }
            }
        }
        if number.is_some() {
            return Err(bad());
        }
        Ok(Some(out))
    }

    /// Adds this duration to `date` (CALCDT-1 to CALCDT-6). `None` only if the result
    /// is outside chrono's calendar range.
    pub fn add_to(&self, date: NaiveDate) -> Option<NaiveDate> {
        if self.years == 0 && self.months == 0 {
            return add_days(date, self.days);
        }
        let total_months = i64::from(date.year()) * 12
            + i64::from(date.month0())
            + i64::from(self.years) * 12
            + i64::from(self.months);
        let year = total_months.div_euclid(12);
        let month = total_months.rem_euclid(12) + 1;
        let day = i64::from(date.day());
        let last = days_in_month(year, month);
        // CALCDT-5: a date that does not exist moves to the first of the next month,
        // i.e. one day after the last day of the month.
        let base = if day <= last {
            days_from_civil(year, month, day)
        } else {
            days_from_civil(year, month, last) + 1
        };
        let total = base
            .checked_add(i64::from(self.days))?
            .checked_add(UNIX_EPOCH_FROM_CE)?;
        NaiveDate::from_num_days_from_ce_opt(i32::try_from(total).ok()?)
    }
}

/// Days from 0001-01-01 (day 1 of the common era) to 1970-01-01, plus one.
const UNIX_EPOCH_FROM_CE: i64 = 719_163;

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Adds (or subtracts, if negative) a number of days.
pub fn add_days(date: NaiveDate, days: i32) -> Option<NaiveDate> {
    if days >= 0 {
        date.checked_add_days(Days::new(u64::from(days.unsigned_abs())))
    } else {
        date.checked_sub_days(Days::new(u64::from(days.unsigned_abs())))
    }
}

/// CALCDTLOTEXP-1: a lot expiration known only by month and year expires on the last
/// day of that month.
pub fn lot_expiration(year: i32, month: u32, day: Option<u32>) -> Option<NaiveDate> {
    match day {
        Some(d) => NaiveDate::from_ymd_opt(year, month, d),
        None => {
            let next = if month == 12 {
                NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(year, month.checked_add(1)?, 1)?
            };
            next.pred_opt()
        }
    }
}

/// `date + duration`, or `None` if the duration is not set or the date overflows.
pub fn add_opt(date: NaiveDate, duration: Option<&Duration>) -> Option<NaiveDate> {
    duration.and_then(|d| d.add_to(date))
}

/// Parses a supporting-data date: `MM/DD/YYYY` or `YYYYMMDD`; empty means not set.
pub fn parse_date(text: &str) -> Result<Option<NaiveDate>, DataError> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("n/a") {
        return Ok(None);
    }
    let bad = || DataError::BadDate(text.to_owned());
    if text.contains('/') {
        return NaiveDate::parse_from_str(text, "%m/%d/%Y")
            .map(Some)
            .map_err(|_| bad());
    }
    if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(text, "%Y%m%d")
            .map(Some)
            .map_err(|_| bad());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn add(text: &str, date: NaiveDate) -> NaiveDate {
        Duration::parse(text)
            .unwrap()
            .unwrap()
            .add_to(date)
            .unwrap()
    }

    #[test]
    fn spec_examples() {
        assert_eq!(add("3 years", d(2000, 1, 1)), d(2003, 1, 1));
        assert_eq!(add("6 months", d(2000, 1, 1)), d(2000, 7, 1));
        assert_eq!(add("6 months", d(2000, 11, 1)), d(2001, 5, 1));
        assert_eq!(add("3 days", d(2000, 1, 1)), d(2000, 1, 4));
        assert_eq!(add("3 weeks", d(2000, 1, 1)), d(2000, 1, 22));
        assert_eq!(add("5 weeks", d(2000, 2, 1)), d(2000, 3, 7));
        assert_eq!(add("5 weeks", d(2001, 2, 1)), d(2001, 3, 8));
        assert_eq!(add("6 months", d(2000, 3, 31)), d(2000, 10, 1));
        assert_eq!(add("6 months", d(2000, 8, 31)), d(2001, 3, 1));
        assert_eq!(add("6 months - 4 days", d(2000, 1, 31)), d(2000, 7, 27));
        assert_eq!(add("16 years - 4 months", d(2000, 6, 15)), d(2016, 2, 15));
        assert_eq!(add(" 19 years - 4 days", d(2000, 1, 10)), d(2019, 1, 6));
        assert_eq!(add("1 year", d(2000, 2, 29)), d(2001, 3, 1));
        assert_eq!(add("4 years", d(2000, 2, 29)), d(2004, 2, 29));
        assert_eq!(add("1 month", d(1999, 12, 31)), d(2000, 1, 31));
        assert_eq!(add("2 months", d(1999, 12, 31)), d(2000, 3, 1));
    }

    /// Straightforward reference implementation of CALCDT-1 to CALCDT-6.
    fn reference(dur: Duration, date: NaiveDate) -> NaiveDate {
        let months =
            date.year() * 12 + i32::try_from(date.month0()).unwrap() + dur.years * 12 + dur.months;
        let (y, m) = (
            months.div_euclid(12),
            u32::try_from(months.rem_euclid(12)).unwrap() + 1,
        );
        let base = NaiveDate::from_ymd_opt(y, m, date.day()).unwrap_or_else(|| {
            if m == 12 {
                d(y + 1, 1, 1)
            } else {
                d(y, m + 1, 1)
            }
        });
        add_days(base, dur.days).unwrap()
    }

    #[test]
    fn matches_reference_implementation() {
        let durations = [
            "6 months - 4 days",
            "1 year",
            "16 years - 4 months",
            "3 months + 4 weeks",
            "13 months",
            "0 days",
        ];
        let mut date = d(1995, 1, 1);
        while date < d(2006, 1, 1) {
            for t in durations {
                let dur = Duration::parse(t).unwrap().unwrap();
                assert_eq!(dur.add_to(date), Some(reference(dur, date)), "{date} + {t}");
            }
            date = date.succ_opt().unwrap();
        }
    }

    #[test]
    fn lot_expiration_month_only() {
        assert_eq!(lot_expiration(2024, 2, None), Some(d(2024, 2, 29)));
        assert_eq!(lot_expiration(2024, 12, None), Some(d(2024, 12, 31)));
        assert_eq!(lot_expiration(2024, 6, Some(15)), Some(d(2024, 6, 15)));
        assert_eq!(lot_expiration(2024, 13, None), None);
    }

    #[test]
    fn parse_forms() {
        assert_eq!(Duration::parse("").unwrap(), None);
        assert_eq!(
            Duration::parse("3 months + 4 weeks").unwrap(),
            Some(Duration {
                years: 0,
                months: 3,
                days: 28
            })
        );
        assert!(Duration::parse("three weeks").is_err());
        assert!(Duration::parse("3 fortnights").is_err());
        assert_eq!(parse_date("01/01/1957").unwrap(), Some(d(1957, 1, 1)));
        assert_eq!(parse_date("20250827").unwrap(), Some(d(2025, 8, 27)));
        assert!(parse_date("13/45/2000").is_err());
    }
}
