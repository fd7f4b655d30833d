//! Reading dates as people type them: in the order their language writes them
//! (MM/DD/YYYY in English, DD/MM/YYYY in Spanish), or ISO `YYYY-MM-DD`.

use chrono::NaiveDate;
use leptos::prelude::*;
use salal_core::i18n::Lang;

/// Keeps what typed dates mean when the language switches mid-form: each
/// field that reads as a date in the old language is rewritten the way the
/// new one writes that same date ("03/07/2019", March 7, becomes
/// "07/03/2019" in Spanish). Text that is not a date is left as typed.
pub(crate) fn follow_language(lang: RwSignal<Lang>, fields: Vec<RwSignal<String>>) {
    let typed_in = StoredValue::new(lang.get_untracked());
    Effect::new(move |_| {
        let now = lang.get();
        let before = typed_in.get_value();
        if now == before {
            return;
        }
        typed_in.set_value(now);
        for field in &fields {
            if let Some(date) = parse(before, &field.get_untracked()) {
                field.set(crate::i18n::date_text(now, date));
            }
        }
    });
}

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

/// A month and year as a card shows them when it has no day: `MM/YYYY`,
/// `MM-YYYY` or ISO `YYYY-MM`. `None` for anything else (a full date too).
pub(crate) fn parse_month(text: &str) -> Option<(i32, u32)> {
    let parts: Vec<&str> = text.trim().split(['/', '-', '.']).map(str::trim).collect();
    let (year, month) = match parts.as_slice() {
        [m, y] if y.len() == 4 && m.len() <= 2 => (y, m),
        [y, m] if y.len() == 4 && m.len() <= 2 => (y, m),
        _ => return None,
    };
    let (year, month): (i32, u32) = (year.parse().ok()?, month.parse().ok()?);
    (1..=12).contains(&month).then_some((year, month))
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
