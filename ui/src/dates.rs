//! Reading dates as people type them: in the order their language writes them
//! (MM/DD/YYYY in English, DD/MM/YYYY in Spanish), or ISO `YYYY-MM-DD`.

use chrono::NaiveDate;
use salal_core::i18n::Lang;

/// What was typed, as a date; `None` when it is not one.
pub(crate) fn parse(lang: Lang, text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(date);
    }
    let parts: Vec<&str> = text.split(['/', '-', '.']).map(str::trim).collect();
    let [a, b, year] = parts.as_slice() else {
        return None;
    };
    if year.len() != 4 {
        return None;
    }
    let (month, day) = match lang {
        Lang::En => (a, b),
        Lang::Es => (b, a),
    };
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

/// Today's date from the computer's clock (local time).
pub(crate) fn today() -> NaiveDate {
    let now = js_sys::Date::new_0();
    let (y, m, d) = (now.get_full_year(), now.get_month() + 1, now.get_date());
    i32::try_from(y)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
        .unwrap_or(NaiveDate::MIN)
}

/// Whether the text looks like a date rather than a name (digits and separators only).
pub(crate) fn looks_like_date(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty()
        && text.chars().any(|c| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '/' | '-' | '.'))
}
