//! School years and ages.
//!
//! A school year starts on a fixed day (1 September in the settings table) and a date
//! from January to August belongs to the year that started the previous September.
//! Bands are chosen by the child's age in whole years on that start day.
//!
//! Birthdays follow the CDSi date rule (logic specification, CALCDT): adding years to
//! 29 February gives 1 March in a year without one, so a child born on 29 February
//! turns one on 1 March 2021.

use chrono::{Datelike, NaiveDate};

/// A school year, known by the day it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct SchoolYear {
    start: NaiveDate,
}

impl SchoolYear {
    /// The school year that starts on `month`/`day` and contains `as_of`; `None` when
    /// that start day does not exist (outside the calendar chrono supports, or a
    /// 29 February start in a common year).
    #[must_use]
    pub fn containing(as_of: NaiveDate, month: u32, day: u32) -> Option<SchoolYear> {
        let this_year = NaiveDate::from_ymd_opt(as_of.year(), month, day)?;
        let start = if as_of >= this_year {
            this_year
        } else {
            NaiveDate::from_ymd_opt(as_of.year().checked_sub(1)?, month, day)?
        };
        Some(SchoolYear { start })
    }

    /// The school year starting on `start`.
    #[must_use]
    pub fn starting(start: NaiveDate) -> SchoolYear {
        SchoolYear { start }
    }

    /// The first day.
    #[must_use]
    pub fn start(self) -> NaiveDate {
        self.start
    }

    /// The calendar year it starts in (2025 for 2025-26).
    #[must_use]
    pub fn start_year(self) -> i32 {
        self.start.year()
    }

    /// The usual label, e.g. `2025-26`.
    #[must_use]
    pub fn label(self) -> String {
        let year = self.start.year();
        let next = year.checked_add(1).unwrap_or(year).rem_euclid(100);
        format!("{year}-{next:02}")
    }
}

/// The child's `years`-th birthday; `None` past the end of the calendar.
#[must_use]
pub fn birthday(birth: NaiveDate, years: u32) -> Option<NaiveDate> {
    let year = birth.year().checked_add(i32::try_from(years).ok()?)?;
    NaiveDate::from_ymd_opt(year, birth.month(), birth.day()).or_else(|| {
        // Only 29 February can be missing: the CDSi rule moves it to 1 March.
        NaiveDate::from_ymd_opt(year, 3, 1)
    })
}

/// Age in whole years on `on`; `None` when `on` is before `birth`.
#[must_use]
pub fn age_in_years(birth: NaiveDate, on: NaiveDate) -> Option<u32> {
    if on < birth {
        return None;
    }
    let years = u32::try_from(on.year().checked_sub(birth.year())?).ok()?;
    match birthday(birth, years) {
        Some(day) if day <= on => Some(years),
        _ => years.checked_sub(1),
    }
}

/// Whether the child is at least `years` old on `on`.
#[must_use]
pub fn has_reached_age(birth: NaiveDate, on: NaiveDate, years: u32) -> bool {
    birthday(birth, years).is_some_and(|day| day <= on)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn the_year_turns_on_the_start_day() {
        let before = SchoolYear::containing(date(2026, 8, 31), 9, 1).map(SchoolYear::label);
        let on = SchoolYear::containing(date(2026, 9, 1), 9, 1).map(SchoolYear::label);
        assert_eq!(before.as_deref(), Some("2025-26"));
        assert_eq!(on.as_deref(), Some("2026-27"));
        let january = SchoolYear::containing(date(2026, 1, 15), 9, 1).map(SchoolYear::start);
        assert_eq!(january, Some(date(2025, 9, 1)));
    }

    #[test]
    fn ages_count_whole_years_and_leap_day_birthdays_move_to_march() {
        assert_eq!(age_in_years(date(2021, 9, 1), date(2025, 9, 1)), Some(4));
        assert_eq!(age_in_years(date(2021, 9, 2), date(2025, 9, 1)), Some(3));
        assert_eq!(age_in_years(date(2021, 9, 2), date(2021, 9, 1)), None);
        assert_eq!(birthday(date(2020, 2, 29), 1), Some(date(2021, 3, 1)));
        assert_eq!(age_in_years(date(2020, 2, 29), date(2021, 2, 28)), Some(0));
        assert!(has_reached_age(date(2020, 2, 29), date(2024, 2, 29), 4));
    }
}
