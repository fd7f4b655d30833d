//! Temperature data-logger files and the excursions in them.
//!
//! [`parse_logger_csv`] reads the CSV (or tab-separated) text that vaccine
//! data loggers' software exports (LogTag, Fridge-tag, Berlinger, TempTale and
//! the generic `Date,Time,Temperature` shape) into [`Reading`]s:
//!
//! - Lines before the header (serial numbers, alarm settings, …) are skipped.
//!   The header is the first line naming a date or time column and a
//!   temperature column, in English or Spanish and in any case: `Date`,
//!   `Fecha`, `Time`, `Hora`, `Date/Time`, `Timestamp`; `Temp`,
//!   `Temperature`, `Temperatura`. A temperature heading that also names an
//!   alarm, limit, unit or summary (`Temp alarm`, `Temperature unit`, `Max
//!   temp`) is not the reading, so preamble lines such as `Start time,
//!   Temperature unit` are not taken for the header, and a file of daily
//!   minimum and maximum only (no reading column) is refused rather than read
//!   as one of the two.
//! - The delimiter is a comma, semicolon or tab, whichever splits the header
//!   into those columns. Fields may be quoted (`"…"`, `""` for a quote).
//! - The date and time are one column, or a date column and a time column.
//!   Dates are ISO (`2026-11-02`, `2026/11/02`), US (`11/02/2026`,
//!   `11-02-2026`) or dotted day-first (`02.11.2026`); times are `14:15`,
//!   `14:15:00`, `14:15:00.250` or `2:15 PM`, after a space or a `T`. A date
//!   without a time is midnight. Times are local, as the logger wrote them.
//! - Temperatures are °C unless the temperature column's heading says °F
//!   (`°F`, `(F)`, `Fahrenheit`, `degF`), or a cell carries its own `°F`, or
//!   (when the heading names no unit) a line before the header does; °F is
//!   converted to °C and rounded to 0.0001 °C. With a semicolon or tab
//!   delimiter a decimal comma (`4,5`) is read too.
//! - Blank lines, rows with neither a date nor a temperature, and repeated
//!   header lines are skipped; any other row that cannot be read is an error
//!   naming its line. Readings come back sorted by time (a stable sort, so
//!   readings at the same time keep the file's order).
//!
//! [`excursions`] then finds the runs of readings outside a storage unit's
//! allowed range, taken only from its [`UnitKind`] row of
//! `assets/inventory/temperature.csv`. Nothing here reads a file or a clock.

use crate::tables::UnitKind;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use salal_core::i18n::{Lang, UserMessage};
use serde::{Deserialize, Serialize};

/// The largest file [`parse_logger_csv`] reads, in bytes (20 MB).
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
/// The most readings [`parse_logger_csv`] reads from one file.
pub const MAX_ROWS: usize = 1_000_000;
/// Offending text kept in an error, in characters.
const MAX_ERROR_TEXT: usize = 40;

/// One temperature reading of a data logger.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    /// When it was taken, in the logger's local time.
    pub at: NaiveDateTime,
    /// The temperature, °C.
    pub celsius: f64,
}

/// Why a data-logger file could not be read. Lines count from 1, as an editor shows them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemperatureError {
    /// No line names both a date or time column and a temperature column.
    #[error("no header row names a date or time column and a temperature column")]
    NoHeader,
    /// A row whose date and time cannot be read.
    #[error("line {line}: '{text}' is not a date and time")]
    BadDate {
        /// The line of the file.
        line: usize,
        /// What it says (cut to 40 characters).
        text: String,
    },
    /// A row whose temperature cannot be read.
    #[error("line {line}: '{text}' is not a temperature")]
    BadTemperature {
        /// The line of the file.
        line: usize,
        /// What it says (cut to 40 characters).
        text: String,
    },
    /// A header but not one reading.
    #[error("the file has a header but no readings")]
    NoReadings,
    /// More than [`MAX_BYTES`] bytes or [`MAX_ROWS`] readings.
    #[error("the file is larger than {MAX_BYTES} bytes or {MAX_ROWS} readings")]
    TooLarge,
}

/// `n` with thousands grouped as the language writes them.
fn grouped(lang: Lang, n: usize) -> String {
    let separator = match lang {
        Lang::En => ',',
        Lang::Es => '.',
    };
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

impl UserMessage for TemperatureError {
    fn message_key(&self) -> &'static str {
        match self {
            TemperatureError::NoHeader => "inventory.temperature.no_header",
            TemperatureError::BadDate { .. } => "inventory.temperature.bad_date",
            TemperatureError::BadTemperature { .. } => "inventory.temperature.bad_temperature",
            TemperatureError::NoReadings => "inventory.temperature.no_readings",
            TemperatureError::TooLarge => "inventory.temperature.too_large",
        }
    }

    fn message_args(&self, lang: Lang) -> Vec<(&'static str, String)> {
        match self {
            TemperatureError::NoHeader | TemperatureError::NoReadings => Vec::new(),
            TemperatureError::BadDate { line, text }
            | TemperatureError::BadTemperature { line, text } => {
                vec![("line", grouped(lang, *line)), ("text", text.clone())]
            }
            TemperatureError::TooLarge => vec![
                ("megabytes", (MAX_BYTES / (1024 * 1024)).to_string()),
                ("rows", grouped(lang, MAX_ROWS)),
            ],
        }
    }
}

/// A run of consecutive readings outside the allowed range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Excursion {
    /// The time of the run's first out-of-range reading.
    pub start: NaiveDateTime,
    /// The time of the first reading back in range; when the readings end out
    /// of range, the time of the last reading (the excursion may go on).
    pub end: NaiveDateTime,
    /// How many readings were out of range.
    pub readings: usize,
    /// The lowest out-of-range reading, °C.
    pub min_c: f64,
    /// The highest out-of-range reading, °C.
    pub max_c: f64,
    /// Some reading was above the unit's maximum.
    pub too_warm: bool,
    /// Some reading was below the unit's minimum.
    pub too_cold: bool,
}

impl Excursion {
    /// How long it lasted, from `start` to `end`.
    #[must_use]
    pub fn duration(&self) -> TimeDelta {
        self.end - self.start
    }
}

/// The excursions in `readings` (taken in the order given: time order, as
/// [`parse_logger_csv`] returns them) for a unit whose limits are `limits`.
/// Consecutive readings that `limits` does not allow form one excursion; the
/// thresholds are only those of `limits`.
#[must_use]
pub fn excursions(readings: &[Reading], limits: &UnitKind) -> Vec<Excursion> {
    let mut found = Vec::new();
    let mut open: Option<Excursion> = None;
    for reading in readings {
        let c = reading.celsius;
        if limits.allows(c) {
            if let Some(mut run) = open.take() {
                run.end = reading.at;
                found.push(run);
            }
            continue;
        }
        let warm = limits.max_c.is_some_and(|max| c > max);
        let cold = limits.min_c.is_some_and(|min| c < min);
        match &mut open {
            Some(run) => {
                run.end = reading.at;
                run.readings += 1;
                run.min_c = run.min_c.min(c);
                run.max_c = run.max_c.max(c);
                run.too_warm |= warm;
                run.too_cold |= cold;
            }
            None => {
                open = Some(Excursion {
                    start: reading.at,
                    end: reading.at,
                    readings: 1,
                    min_c: c,
                    max_c: c,
                    too_warm: warm,
                    too_cold: cold,
                });
            }
        }
    }
    found.extend(open);
    found
}

// ------------------------------------------------------------------ reading

/// Which unit a temperature is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scale {
    Celsius,
    Fahrenheit,
}

/// Where the cells are in a row.
#[derive(Debug, Clone, PartialEq)]
struct Layout {
    delimiter: char,
    /// The date column, or the one date-and-time column.
    date: usize,
    /// A separate time column.
    time: Option<usize>,
    temperature: usize,
    /// What the temperature heading says (none: it names no unit).
    scale: Option<Scale>,
}

/// Reads a data-logger export; see the module documentation for what it accepts.
///
/// # Errors
/// [`TemperatureError::TooLarge`] above [`MAX_BYTES`] bytes or [`MAX_ROWS`]
/// readings; [`TemperatureError::NoHeader`]; [`TemperatureError::BadDate`] or
/// [`TemperatureError::BadTemperature`] with the first row that cannot be
/// read; [`TemperatureError::NoReadings`] when only the header is there.
pub fn parse_logger_csv(text: &str) -> Result<Vec<Reading>, TemperatureError> {
    if text.len() > MAX_BYTES {
        return Err(TemperatureError::TooLarge);
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate().map(|(i, line)| (i + 1, line));
    let mut preamble_fahrenheit = false;
    let layout = loop {
        let Some((_, line)) = lines.next() else {
            return Err(TemperatureError::NoHeader);
        };
        if let Some(layout) = header(line) {
            break layout;
        }
        preamble_fahrenheit |= says_fahrenheit(line);
    };
    let scale = layout.scale.unwrap_or(if preamble_fahrenheit {
        Scale::Fahrenheit
    } else {
        Scale::Celsius
    });

    let mut readings = Vec::new();
    for (number, line) in lines {
        let cells = split(line, layout.delimiter);
        let cell = |i: usize| cells.get(i).map_or("", |c| c.trim());
        let (date, temperature) = (cell(layout.date), cell(layout.temperature));
        let time = layout.time.map_or("", cell);
        if date.is_empty() && time.is_empty() && temperature.is_empty() {
            continue;
        }
        let stamp = if time.is_empty() {
            date.to_owned()
        } else {
            format!("{date} {time}")
        };
        let Some(at) = parse_datetime(&stamp) else {
            if header(line).is_some() {
                continue;
            }
            return Err(TemperatureError::BadDate {
                line: number,
                text: shorten(&stamp),
            });
        };
        let celsius =
            parse_temperature(temperature, scale, layout.delimiter != ',').ok_or_else(|| {
                TemperatureError::BadTemperature {
                    line: number,
                    text: shorten(temperature),
                }
            })?;
        if readings.len() == MAX_ROWS {
            return Err(TemperatureError::TooLarge);
        }
        readings.push(Reading { at, celsius });
    }
    if readings.is_empty() {
        return Err(TemperatureError::NoReadings);
    }
    readings.sort_by_key(|r| r.at);
    Ok(readings)
}

/// `text` cut to [`MAX_ERROR_TEXT`] characters for a message.
fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_ERROR_TEXT {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(MAX_ERROR_TEXT).collect();
        cut.push('…');
        cut
    }
}

/// The fields of one line, split at `delimiter` outside double quotes.
fn split(line: &str, delimiter: char) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else if c == '"' && field.trim().is_empty() {
            field.clear();
            quoted = true;
        } else if c == delimiter {
            fields.push(std::mem::take(&mut field));
        } else {
            field.push(c);
        }
    }
    fields.push(field);
    fields
}

/// The lower-case words of a heading: `Temperature (°C)` → `temperature`, `c`.
fn words(heading: &str) -> Vec<String> {
    heading
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// What a heading names.
#[derive(Debug, Default, Clone, Copy)]
struct Heading {
    date: bool,
    time: bool,
    temperature: bool,
    /// An alarm, a limit, a unit or a summary (minimum, maximum, average)
    /// rather than the reading.
    secondary: bool,
}

fn heading(text: &str) -> Heading {
    let words = words(text);
    let has = |options: &[&str]| words.iter().any(|w| options.contains(&w.as_str()));
    let both = has(&["timestamp", "datetime", "fechahora"]);
    Heading {
        date: both || has(&["date", "fecha"]),
        time: both || has(&["time", "hora"]),
        temperature: words.iter().any(|w| w.starts_with("temp")),
        secondary: has(&[
            "alarm",
            "alarms",
            "alarma",
            "alarmas",
            "limit",
            "limits",
            "limite",
            "limites",
            "límite",
            "límites",
            "setpoint",
            "set",
            "threshold",
            "umbral",
            "unit",
            "units",
            "unidad",
            "unidades",
            "scale",
            "escala",
            "range",
            "rango",
            "mode",
            "modo",
            "min",
            "max",
            "minimum",
            "maximum",
            "mín",
            "máx",
            "mínima",
            "máxima",
            "minima",
            "maxima",
            "high",
            "low",
            "alta",
            "baja",
            "average",
            "avg",
            "mean",
            "promedio",
            "media",
        ]),
    }
}

/// The scale a heading or cell names, if any.
fn named_scale(text: &str) -> Option<Scale> {
    let lower = text.to_lowercase();
    let words = words(text);
    let has = |options: &[&str]| words.iter().any(|w| options.contains(&w.as_str()));
    if lower.contains("°f")
        || lower.contains("ºf")
        || lower.contains("(f)")
        || lower.contains("[f]")
        || has(&["f", "degf", "fahrenheit", "tempf"])
    {
        Some(Scale::Fahrenheit)
    } else if lower.contains("°c")
        || lower.contains("ºc")
        || lower.contains("(c)")
        || lower.contains("[c]")
        || has(&[
            "c",
            "degc",
            "celsius",
            "centigrade",
            "centígrados",
            "centigrados",
            "tempc",
        ])
    {
        Some(Scale::Celsius)
    } else {
        None
    }
}

/// Whether a preamble line declares Fahrenheit (e.g. `Temperature unit: °F`).
fn says_fahrenheit(line: &str) -> bool {
    let lower = line.to_lowercase();
    lower.contains("°f")
        || lower.contains("ºf")
        || words(line).iter().any(|w| w == "fahrenheit" || w == "degf")
}

/// The layout a line declares, if it is a header row.
fn header(line: &str) -> Option<Layout> {
    let mut best: Option<(usize, Layout)> = None;
    for delimiter in ['\t', ';', ','] {
        if !line.contains(delimiter) {
            continue;
        }
        let fields = split(line, delimiter);
        if fields.len() < 2 || fields.iter().any(|f| f.chars().count() > 60) {
            continue;
        }
        if let Some(layout) = columns(&fields, delimiter)
            && best.as_ref().is_none_or(|(n, _)| fields.len() > *n)
        {
            best = Some((fields.len(), layout));
        }
    }
    best.map(|(_, layout)| layout)
}

/// Finds the date, time and temperature columns among a header's fields.
fn columns(fields: &[String], delimiter: char) -> Option<Layout> {
    let headings: Vec<Heading> = fields.iter().map(|f| heading(f)).collect();
    let is_clock = |h: &Heading| (h.date || h.time) && !h.temperature;
    let temperature = headings
        .iter()
        .position(|h| h.temperature && !h.secondary && !h.date && !h.time)?;
    let combined = headings
        .iter()
        .position(|h| is_clock(h) && h.date && h.time);
    let date_only = headings
        .iter()
        .position(|h| is_clock(h) && h.date && !h.time);
    let time_only = headings
        .iter()
        .position(|h| is_clock(h) && h.time && !h.date);
    let (date, time) = match (combined, date_only, time_only) {
        (Some(both), _, _) => (both, None),
        (None, Some(date), time) => (date, time),
        (None, None, Some(time)) => (time, None),
        (None, None, None) => return None,
    };
    Some(Layout {
        delimiter,
        date,
        time,
        temperature,
        scale: named_scale(&fields[temperature]),
    })
}

/// A cell's temperature in °C: a number, perhaps with its own unit after it.
fn parse_temperature(cell: &str, scale: Scale, decimal_comma: bool) -> Option<f64> {
    let mut number = cell.trim();
    let mut scale = scale;
    let lower = number.to_lowercase();
    for (suffix, named) in [
        ("°c", Scale::Celsius),
        ("ºc", Scale::Celsius),
        ("°f", Scale::Fahrenheit),
        ("ºf", Scale::Fahrenheit),
        ("c", Scale::Celsius),
        ("f", Scale::Fahrenheit),
        ("°", scale),
        ("º", scale),
    ] {
        if lower.ends_with(suffix) {
            number = number
                .get(..number.len() - suffix.len())
                .unwrap_or(number)
                .trim_end();
            scale = named;
            break;
        }
    }
    let mut text = number.replace('\u{2212}', "-");
    if decimal_comma && !text.contains('.') {
        text = text.replacen(',', ".", 1);
    }
    let valid = !text.is_empty()
        && text
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && (c == '-' || c == '+')));
    if !valid {
        return None;
    }
    let value: f64 = text.parse().ok()?;
    let celsius = match scale {
        Scale::Celsius => value,
        Scale::Fahrenheit => ((value - 32.0) * 5.0 / 9.0 * 10_000.0).round() / 10_000.0,
    };
    (celsius.is_finite() && (-273.15..=1000.0).contains(&celsius)).then_some(celsius)
}

/// A date and time in one of the accepted forms.
fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    let date_len = text
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | '/' | '.')))
        .unwrap_or(text.len());
    let date = parse_date(text.get(..date_len)?)?;
    let rest = text.get(date_len..)?;
    let rest = rest.strip_prefix('T').unwrap_or(rest);
    let rest = rest.trim_start_matches([',', ' ']).trim();
    let time = if rest.is_empty() {
        NaiveTime::MIN
    } else {
        parse_time(rest)?
    };
    Some(date.and_time(time))
}

/// `2026-11-02`, `2026/11/02`, `11/02/2026`, `11-02-2026` or `02.11.2026`.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let separator = text.chars().find(|c| matches!(c, '-' | '/' | '.'))?;
    let parts: Vec<&str> = text.split(separator).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let number = |s: &str, max_len: usize| -> Option<u32> {
        (!s.is_empty() && s.len() <= max_len && s.chars().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (year, month, day) = if a.len() == 4 {
        (number(a, 4)?, number(b, 2)?, number(c, 2)?)
    } else if c.len() == 4 && separator == '.' {
        (number(c, 4)?, number(b, 2)?, number(a, 2)?)
    } else if c.len() == 4 {
        (number(c, 4)?, number(a, 2)?, number(b, 2)?)
    } else {
        return None;
    };
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// `14:15`, `14:15:00`, `14:15:00.250`, `2:15 PM`, `2:15:00 p.m.`.
fn parse_time(text: &str) -> Option<NaiveTime> {
    let lower = text.to_lowercase();
    let (clock, half) = if let Some(clock) = lower
        .strip_suffix("am")
        .or_else(|| lower.strip_suffix("a.m."))
        .or_else(|| lower.strip_suffix("a. m."))
    {
        (clock.trim_end(), Some(false))
    } else if let Some(clock) = lower
        .strip_suffix("pm")
        .or_else(|| lower.strip_suffix("p.m."))
        .or_else(|| lower.strip_suffix("p. m."))
    {
        (clock.trim_end(), Some(true))
    } else {
        (lower.as_str(), None)
    };
    let (clock, fraction) = match clock.split_once('.') {
        Some((clock, fraction)) => (clock, Some(fraction)),
        None => (clock, None),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    let field = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.len() <= 2 && s.chars().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (hour, minute, second) = match parts.as_slice() {
        [h, m] => (field(h)?, field(m)?, 0),
        [h, m, s] => (field(h)?, field(m)?, field(s)?),
        _ => return None,
    };
    let nanos = match fraction {
        None => 0,
        Some(f) if !f.is_empty() && f.len() <= 9 && f.chars().all(|c| c.is_ascii_digit()) => {
            let digits: u32 = f.parse().ok()?;
            digits * 10_u32.pow(9 - u32::try_from(f.len()).ok()?)
        }
        Some(_) => return None,
    };
    let hour = match half {
        None => hour,
        Some(_) if !(1..=12).contains(&hour) => return None,
        Some(false) => hour % 12,
        Some(true) => hour % 12 + 12,
    };
    NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::Tables;
    use proptest::prelude::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|date| date.and_hms_opt(h, min, 0))
            .expect("valid")
    }

    fn fridge() -> &'static UnitKind {
        Tables::embedded()
            .unit_kind("refrigerator")
            .expect("refrigerator")
    }

    fn freezer() -> &'static UnitKind {
        Tables::embedded().unit_kind("freezer").expect("freezer")
    }

    fn temps(readings: &[Reading]) -> Vec<f64> {
        readings.iter().map(|r| r.celsius).collect()
    }

    #[test]
    fn generic_date_time_temperature_file() {
        let text = "Date,Time,Temperature\n\
                    2026-11-02,14:15,4.5\n\
                    2026-11-02,14:30:00,8.6\n\
                    \n\
                    2026-11-02,14:45,9.1\n\
                    2026-11-02,15:00,7.9\n";
        let readings = parse_logger_csv(text).unwrap();
        assert_eq!(readings.len(), 4);
        assert_eq!(readings[0].at, at(2026, 11, 2, 14, 15));
        assert_eq!(readings[3].at, at(2026, 11, 2, 15, 0));
        assert_eq!(temps(&readings), [4.5, 8.6, 9.1, 7.9]);

        let found = excursions(&readings, fridge());
        assert_eq!(
            found,
            [Excursion {
                start: at(2026, 11, 2, 14, 30),
                end: at(2026, 11, 2, 15, 0),
                readings: 2,
                min_c: 8.6,
                max_c: 9.1,
                too_warm: true,
                too_cold: false,
            }]
        );
        assert_eq!(found[0].duration(), TimeDelta::minutes(30));
    }

    /// A LogTag-style export: a preamble, one date-time column, °F.
    #[test]
    fn fahrenheit_file_with_preamble_is_converted() {
        let text = "LogTag Analyzer export\r\n\
                    Serial Number,1234567890\r\n\
                    Alarm upper limit,46.4\r\n\
                    Time zone,Pacific Standard Time\r\n\
                    \r\n\
                    \"Date/Time\",\"Temperature (°F)\"\r\n\
                    \"11/02/2026 1:50 PM\",\"41.0\"\r\n\
                    \"11/02/2026 2:00 PM\",\"46.4\"\r\n\
                    \"11/02/2026 2:10 PM\",\"50.0\"\r\n\
                    \"11/02/2026 2:20 PM\",\"33.8\"\r\n\
                    \"11/02/2026 2:30 PM\",\"35.6\"\r\n\
                    \"11/02/2026 12:05 AM\",\"39.2\"\r\n";
        let readings = parse_logger_csv(text).unwrap();
        // 41 °F = 5 °C, 46.4 = 8, 50 = 10, 33.8 = 1, 35.6 = 2, 39.2 = 4; sorted by time.
        assert_eq!(temps(&readings), [4.0, 5.0, 8.0, 10.0, 1.0, 2.0]);
        assert_eq!(readings[0].at, at(2026, 11, 2, 0, 5));
        assert_eq!(readings[1].at, at(2026, 11, 2, 13, 50));
        assert_eq!(readings[5].at, at(2026, 11, 2, 14, 30));

        let found = excursions(&readings, fridge());
        assert_eq!(found.len(), 1, "10 °C then 1 °C is one run: {found:?}");
        let run = found[0];
        assert_eq!(run.start, at(2026, 11, 2, 14, 10));
        assert_eq!(run.end, at(2026, 11, 2, 14, 30));
        assert_eq!((run.readings, run.min_c, run.max_c), (2, 1.0, 10.0));
        assert!(run.too_warm && run.too_cold);
    }

    /// A Fridge-tag / Berlinger-style export: semicolons, decimal commas,
    /// separate date and time columns, Spanish headings.
    #[test]
    fn semicolons_decimal_commas_and_separate_date_and_time() {
        let text = "Berlinger Fridge-tag 2 L\n\
                    Número de serie;FT2-0042\n\
                    Fecha;Hora;Temperatura (°C)\n\
                    02.11.2026;08:00;-16,5\n\
                    02.11.2026;09:00;-14,2\n\
                    02.11.2026;10:00;-13,0\n\
                    02.11.2026;11:00;-15,0\n\
                    02.11.2026;12:00;−20,0\n\
                    02.11.2026;13:00;-9\n";
        let readings = parse_logger_csv(text).unwrap();
        assert_eq!(temps(&readings), [-16.5, -14.2, -13.0, -15.0, -20.0, -9.0]);
        assert_eq!(readings[0].at, at(2026, 11, 2, 8, 0));

        let found = excursions(&readings, freezer());
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0],
            Excursion {
                start: at(2026, 11, 2, 9, 0),
                end: at(2026, 11, 2, 11, 0),
                readings: 2,
                min_c: -14.2,
                max_c: -13.0,
                too_warm: true,
                too_cold: false,
            }
        );
        // The file ends out of range: the excursion ends at the last reading.
        assert_eq!(
            (found[1].start, found[1].end, found[1].readings),
            (at(2026, 11, 2, 13, 0), at(2026, 11, 2, 13, 0), 1)
        );
        assert!(found[1].too_warm && !found[1].too_cold);
    }

    /// A TempTale-style export: tabs, ISO `T` times with seconds, extra columns.
    #[test]
    fn tabs_iso_t_times_and_extra_columns() {
        let text = "Sensitech TempTale 4\n\
                    Trip,SHIP-77\n\
                    No.\tTimestamp\tTemp alarm (°C)\tTemp (°C)\n\
                    1\t2026-11-02T14:15:00\t8\t7.5\n\
                    2\t2026-11-02T14:20:30\t8\t1.5\n\
                    3\t2026-11-02T14:25:00.5\t8\t2\n";
        let readings = parse_logger_csv(text).unwrap();
        assert_eq!(temps(&readings), [7.5, 1.5, 2.0]);
        assert_eq!(
            readings[1].at,
            at(2026, 11, 2, 14, 20) + TimeDelta::seconds(30)
        );
        assert_eq!(
            readings[2].at,
            at(2026, 11, 2, 14, 25) + TimeDelta::milliseconds(500)
        );
        let found = excursions(&readings, fridge());
        assert_eq!(found.len(), 1);
        assert!(found[0].too_cold && !found[0].too_warm);
        assert_eq!(
            (found[0].start, found[0].end),
            (readings[1].at, readings[2].at)
        );
    }

    #[test]
    fn units_in_cells_and_fahrenheit_declared_before_the_header() {
        let text = "Device,XYZ\nTemperature unit,Fahrenheit\nDate,Time,Temperature\n\
                    11/02/2026,14:15,46.4\n11/02/2026,14:30,5 °C\n11/02/2026,14:45,50°F\n";
        let readings = parse_logger_csv(text).unwrap();
        assert_eq!(temps(&readings), [8.0, 5.0, 10.0]);
        let celsius_heading = "Units: °F\nDate,Temp °C\n2026-11-02 14:15,5\n";
        assert_eq!(temps(&parse_logger_csv(celsius_heading).unwrap()), [5.0]);
        let degf = "Date,Temp degF\n2026-11-02 14:15,32\n";
        assert_eq!(temps(&parse_logger_csv(degf).unwrap()), [0.0]);
    }

    #[test]
    fn headings_that_are_not_the_reading_are_not_the_header() {
        let text = "Start time,Temperature unit\n2026-11-02 08:00,C\n\
                    Date,Time,Temp alarm,Temperature\n2026-11-02,14:15,8,3.5\n";
        let readings = parse_logger_csv(text).unwrap();
        assert_eq!(temps(&readings), [3.5]);
        assert_eq!(
            parse_logger_csv("Date,Min temp (°C),Max temp (°C)\n2026-11-02,2.5,9.0\n"),
            Err(TemperatureError::NoHeader)
        );
    }

    #[test]
    fn a_comma_delimited_file_does_not_read_decimal_commas() {
        let text = "Date,Time,Temperature\n2026-11-02,14:15,\"4,5\"\n";
        assert_eq!(
            parse_logger_csv(text),
            Err(TemperatureError::BadTemperature {
                line: 2,
                text: "4,5".to_owned()
            })
        );
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            parse_logger_csv("Serial,123\nnothing here\n"),
            Err(TemperatureError::NoHeader)
        );
        assert_eq!(parse_logger_csv(""), Err(TemperatureError::NoHeader));
        assert_eq!(
            parse_logger_csv("Date,Time,Temperature\n\n"),
            Err(TemperatureError::NoReadings)
        );
        assert_eq!(
            parse_logger_csv("Date,Time,Temperature\n2026-11-02,14:15,4\n2026-13-02,14:15,4\n"),
            Err(TemperatureError::BadDate {
                line: 3,
                text: "2026-13-02 14:15".to_owned()
            })
        );
        assert_eq!(
            parse_logger_csv("x\nDate,Temp\n2026-11-02 25:00,4\n"),
            Err(TemperatureError::BadDate {
                line: 3,
                text: "2026-11-02 25:00".to_owned()
            })
        );
        assert_eq!(
            parse_logger_csv("Date,Temp\n2026-11-02 14:00,warm\n"),
            Err(TemperatureError::BadTemperature {
                line: 2,
                text: "warm".to_owned()
            })
        );
        assert_eq!(
            parse_logger_csv("Date,Temp\n2026-11-02 14:00,NaN\n2026-11-02 14:10,inf\n"),
            Err(TemperatureError::BadTemperature {
                line: 2,
                text: "NaN".to_owned()
            })
        );
        let long = format!("Date,Temp\n{},4\n", "9".repeat(100));
        let Err(TemperatureError::BadDate { text, .. }) = parse_logger_csv(&long) else {
            panic!("a bad date");
        };
        assert_eq!(text.chars().count(), MAX_ERROR_TEXT + 1);
    }

    #[test]
    fn repeated_headers_and_empty_rows_are_skipped() {
        let text = "Date,Time,Temperature\n2026-11-02,14:15,4\n,,\n\
                    Date,Time,Temperature\n2026-11-02,14:30,5\n";
        assert_eq!(temps(&parse_logger_csv(text).unwrap()), [4.0, 5.0]);
    }

    #[test]
    fn too_large_files_are_refused() {
        let big = format!("Date,Temp\n{}", " ".repeat(MAX_BYTES));
        assert_eq!(parse_logger_csv(&big), Err(TemperatureError::TooLarge));
        let mut rows = String::from("Date,Temp\n");
        for _ in 0..=MAX_ROWS {
            rows.push_str("2026-11-02 14:15,4\n");
        }
        assert!(rows.len() <= MAX_BYTES);
        assert_eq!(parse_logger_csv(&rows), Err(TemperatureError::TooLarge));
    }

    #[test]
    fn us_and_iso_date_forms() {
        for (text, expected) in [
            ("2026-11-02 14:15", at(2026, 11, 2, 14, 15)),
            ("2026-11-02 14:15:00", at(2026, 11, 2, 14, 15)),
            ("2026-11-02T14:15:00", at(2026, 11, 2, 14, 15)),
            ("2026/11/02 14:15", at(2026, 11, 2, 14, 15)),
            ("11/02/2026 2:15 PM", at(2026, 11, 2, 14, 15)),
            ("11/2/2026 2:15pm", at(2026, 11, 2, 14, 15)),
            ("11/02/2026 12:15 AM", at(2026, 11, 2, 0, 15)),
            ("11/02/2026 12:15 PM", at(2026, 11, 2, 12, 15)),
            ("11/02/2026, 2:15:00 p.m.", at(2026, 11, 2, 14, 15)),
            ("11/02/2026 14:15", at(2026, 11, 2, 14, 15)),
            ("11-02-2026 14:15", at(2026, 11, 2, 14, 15)),
            ("02.11.2026 14:15", at(2026, 11, 2, 14, 15)),
            ("2026-11-02", at(2026, 11, 2, 0, 0)),
        ] {
            assert_eq!(parse_datetime(text), Some(expected), "{text}");
        }
        for text in [
            "",
            "14:15",
            "2026-11-02 14",
            "13/02/2026 14:15",
            "11/02/26 14:15",
            "11/02/2026 13:15 PM",
            "11/02/2026 0:15 AM",
            "2026-02-30 10:00",
            "2026-11-02 14:15:00.1234567890",
        ] {
            assert_eq!(parse_datetime(text), None, "{text}");
        }
    }

    #[test]
    fn messages_say_what_to_do_in_both_languages() {
        let errors = [
            TemperatureError::NoHeader,
            TemperatureError::BadDate {
                line: 1234,
                text: "32/13/2026".to_owned(),
            },
            TemperatureError::BadTemperature {
                line: 7,
                text: "warm".to_owned(),
            },
            TemperatureError::NoReadings,
            TemperatureError::TooLarge,
        ];
        for lang in Lang::ALL {
            for error in &errors {
                let text = error.localized(lang);
                assert_ne!(text, error.message_key(), "{lang}: {error:?}");
                assert!(!text.contains('{'), "{lang}: {text}");
            }
        }
        let bad_date = &errors[1];
        assert!(bad_date.localized(Lang::En).contains("1,234"));
        assert!(bad_date.localized(Lang::Es).contains("1.234"));
        assert!(bad_date.localized(Lang::Es).contains("32/13/2026"));
        assert!(errors[4].localized(Lang::En).contains("1,000,000"));
    }

    #[test]
    fn limits_come_from_the_unit_kind() {
        let readings = [
            Reading {
                at: at(2026, 11, 2, 8, 0),
                celsius: 12.0,
            },
            Reading {
                at: at(2026, 11, 2, 9, 0),
                celsius: 20.0,
            },
        ];
        let lenient = UnitKind {
            kind: "room".to_owned(),
            min_c: Some(10.0),
            max_c: None,
            en: "Room".to_owned(),
            es: "Sala".to_owned(),
        };
        assert!(excursions(&readings, &lenient).is_empty());
        assert_eq!(excursions(&readings, fridge()).len(), 1);
        assert!(excursions(&[], fridge()).is_empty());
    }

    proptest! {
        #[test]
        fn never_panics_on_any_text(text in "(?s).{0,2000}") {
            let _ = parse_logger_csv(&text);
        }

        #[test]
        fn never_panics_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let _ = parse_logger_csv(&String::from_utf8_lossy(&bytes));
        }

        #[test]
        fn never_panics_on_logger_like_text(
            rows in proptest::collection::vec(
                (
                    prop_oneof![
                        8 => "2026-1[0-2]-(0[1-9]|1[0-9]|2[0-8])[ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?",
                        8 => "(1[0-2]|[1-9])/(0?[1-9]|1[0-9]|2[0-8])/2026 (1[0-2]|[1-9]):[0-5][0-9] ?(AM|PM|am|p[.]m[.])",
                        1 => "[0-9/:. TAPMapm-]{0,22}",
                    ],
                    prop_oneof![
                        9 => "[−-]?[0-9]{1,2}([.][0-9]{1,2})? ?(°C|°F)?",
                        1 => "[0-9,.°CF −+-]{0,8}",
                    ],
                    prop::bool::weighted(0.1),
                ),
                0..20,
            ),
            (heading, delimiter) in prop::sample::select(vec![
                ("Date/Time,Temperature (°F)", ','),
                ("Fecha;Temperatura", ';'),
                ("Timestamp\tTemp", '\t'),
                ("Date,Temp degC", ','),
            ]),
        ) {
            let mut text = format!("{heading}\n");
            for (date, temp, odd_delimiter) in &rows {
                let delimiter = if *odd_delimiter { ';' } else { delimiter };
                text.push_str(&format!("{date}{delimiter}{temp}\n"));
            }
            if let Ok(readings) = parse_logger_csv(&text) {
                prop_assert!(!readings.is_empty());
                prop_assert!(readings.windows(2).all(|w| w[0].at <= w[1].at));
                prop_assert!(readings.iter().all(|r| r.celsius.is_finite()));
                for run in excursions(&readings, fridge()) {
                    prop_assert!(run.start <= run.end && run.readings >= 1);
                    prop_assert!(run.too_warm || run.too_cold);
                }
            }
        }
    }
}
