//! Texts and dates in the user's language, through `salal_core::i18n`.
//!
//! The current language is a signal in [`crate::app::AppState`]; [`t`] gives a
//! closure that re-renders its text node when the language changes, so the
//! language can be switched at any moment without losing what was typed.

use chrono::NaiveDate;
use leptos::prelude::{Get, GetUntracked, RwSignal};
use salal_core::i18n::{self as core_i18n, Lang};
use salal_ipc::Lang as WireLang;
use std::cell::Cell;

thread_local! {
    // The language signal, reachable without the component tree: handlers that
    // run after their screen was replaced have no reactive owner to ask.
    static LANG: Cell<Option<RwSignal<Lang>>> = const { Cell::new(None) };
}

/// Makes `lang` the language every text follows (called once by the app).
pub(crate) fn init(lang: RwSignal<Lang>) {
    LANG.with(|cell| cell.set(Some(lang)));
}

fn lang_signal() -> RwSignal<Lang> {
    LANG.with(Cell::get).unwrap_or_else(|| {
        let lang = RwSignal::new(Lang::default());
        init(lang);
        lang
    })
}

/// A reactive translated text for `key`.
pub(crate) fn t(key: &'static str) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let lang = lang_signal();
    move || core_i18n::tr(lang.get(), key).to_owned()
}

/// The text for `key` in the current language, read once (for messages built in handlers).
pub(crate) fn t_now(key: &str) -> String {
    core_i18n::tr(lang_signal().get_untracked(), key).to_owned()
}

/// The text for `key` with its `{placeholders}` filled, read once.
pub(crate) fn t_args(key: &str, args: &[(&str, String)]) -> String {
    core_i18n::tr_args(lang_signal().get_untracked(), key, args)
}

/// A date as the language writes it.
pub(crate) fn date_text(lang: Lang, date: NaiveDate) -> String {
    core_i18n::format_date(lang, date)
}

/// An ISO date from the wire as the language writes it (unchanged if it is not a date).
/// An ISO date as `lang` writes it; `YYYY-MM` (a date known to its month)
/// as `MM/YYYY`.
pub(crate) fn iso_date_text(lang: Lang, iso: &str) -> String {
    if let Ok(d) = NaiveDate::parse_from_str(iso, "%Y-%m-%d") {
        return date_text(lang, d);
    }
    match iso.split_once('-') {
        Some((y, m)) if y.len() == 4 && m.len() == 2 => format!("{m}/{y}"),
        _ => iso.to_owned(),
    }
}

/// The wire form of a language.
pub(crate) fn to_wire(lang: Lang) -> WireLang {
    match lang {
        Lang::En => WireLang::En,
        Lang::Es => WireLang::Es,
    }
}

/// A language from the wire.
pub(crate) fn from_wire(lang: WireLang) -> Lang {
    match lang {
        WireLang::En => Lang::En,
        WireLang::Es => Lang::Es,
    }
}

/// The text for `key` in the current language, tracked (call inside a reactive closure).
pub(crate) fn t_key(key: &str) -> String {
    core_i18n::tr(lang_signal().get(), key).to_owned()
}

/// The text for `key` with its `{placeholders}` filled, tracked.
pub(crate) fn t_args_tracked(key: &str, args: &[(&str, String)]) -> String {
    core_i18n::tr_args(lang_signal().get(), key, args)
}

/// A moment from the wire (RFC 3339) as the language writes a date, with the
/// local time of day (unchanged if it is not a moment).
pub(crate) fn moment_text(lang: Lang, rfc3339: &str) -> String {
    let at = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if at.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    let (y, m, d) = (at.get_full_year(), at.get_month() + 1, at.get_date());
    let date = i32::try_from(y)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
        .map_or_else(String::new, |d| date_text(lang, d));
    format!("{date} {:02}:{:02}", at.get_hours(), at.get_minutes())
}

/// A message that came in both languages, in the current one (tracked).
pub(crate) fn bilingual_tracked(message: &salal_ipc::sync::Bilingual) -> String {
    message.get(to_wire(lang_signal().get())).to_owned()
}
