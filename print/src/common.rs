//! Pieces every document shares: names, dates and times as the language writes
//! them, the registry stamp, due-line wording, the letterhead, and the running
//! header and footer ("page N of M") added once all pages are laid out.

use crate::PrintError;
use crate::layout::{CONTENT_W, Canvas, Doc, Flow, MARGIN, Measure, PAGE_H, RIGHT, Style};
use crate::model::{
    Child, ComplianceStatus, DueLine, DueWhen, Letterhead, PersonName, RegistryStamp,
};
use crate::qr::Qr;
use chrono::{NaiveDateTime, Timelike};
use salal_core::i18n::{Lang, format_date, tr, tr_args};

/// Baseline of the footer line, mm from the top.
pub(crate) const FOOTER_BASELINE: f32 = PAGE_H - MARGIN - 1.0;
/// Lowest y the body of a page may reach (above the footer).
pub(crate) const BODY_BOTTOM: f32 = PAGE_H - MARGIN - 7.0;
/// Where the body starts on a page that carries the running header.
pub(crate) const CONTINUED_TOP: f32 = MARGIN + 11.0;

/// "First Middle Last SecondLast", single-spaced.
pub(crate) fn full_name(name: &PersonName) -> String {
    [&name.first, &name.middle, &name.last, &name.second_last]
        .iter()
        .map(|part| part.trim())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Both surnames.
pub(crate) fn surnames(name: &PersonName) -> String {
    [&name.last, &name.second_last]
        .iter()
        .map(|part| part.trim())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The middle name's first letter.
pub(crate) fn middle_initial(name: &PersonName) -> String {
    name.middle
        .trim()
        .chars()
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default()
}

/// A date and time: "03/07/2019 2:05 PM" (en), "07/03/2019 14:05" (es).
pub(crate) fn format_datetime(lang: Lang, at: NaiveDateTime) -> String {
    let date = format_date(lang, at.date());
    match lang {
        Lang::En => {
            let (pm, hour) = at.hour12();
            let half = if pm { "PM" } else { "AM" };
            format!("{date} {hour}:{:02} {half}", at.minute())
        }
        Lang::Es => format!("{date} {:02}:{:02}", at.hour(), at.minute()),
    }
}

/// The translated sex.
pub(crate) fn sex_label(lang: Lang, child: &Child) -> String {
    tr(lang, &format!("sex.{}", child.sex.code())).to_owned()
}

/// The registry stamp sentence.
pub(crate) fn stamp_text(lang: Lang, stamp: RegistryStamp) -> String {
    match stamp {
        RegistryStamp::ConfirmedAt(at) => tr_args(
            lang,
            "print.stamp.confirmed",
            &[("when", format_datetime(lang, at))],
        ),
        RegistryStamp::NotConfirmed => tr(lang, "print.stamp.not_confirmed").to_owned(),
    }
}

/// The translated compliance status.
pub(crate) fn status_text(lang: Lang, status: ComplianceStatus) -> &'static str {
    tr(
        lang,
        match status {
            ComplianceStatus::Complete => "print.status.complete",
            ComplianceStatus::Conditional => "print.status.conditional",
            ComplianceStatus::Exempt => "print.status.exempt",
            ComplianceStatus::OutOfCompliance => "print.status.out_of_compliance",
        },
    )
}

/// "Hep B, dose 3" (or just the vaccine).
pub(crate) fn due_vaccine(lang: Lang, due: &DueLine) -> String {
    match due.dose_number {
        Some(n) => tr_args(
            lang,
            "print.due.vaccine_dose",
            &[
                ("vaccine", due.vaccine.trim().to_owned()),
                ("n", n.to_string()),
            ],
        ),
        None => due.vaccine.trim().to_owned(),
    }
}

/// "Overdue since 01/02/2020" / "Due now" / "Due on 05/06/2021".
pub(crate) fn due_when(lang: Lang, when: DueWhen) -> String {
    match when {
        DueWhen::Overdue(date) => tr_args(
            lang,
            "print.due.overdue",
            &[("date", format_date(lang, date))],
        ),
        DueWhen::Now => tr(lang, "print.due.now").to_owned(),
        DueWhen::On(date) => tr_args(lang, "print.due.on", &[("date", format_date(lang, date))]),
    }
}

/// Draw the clinic's name and lines from `top` within `width`; returns the y below.
pub(crate) fn letterhead(
    canvas: &mut Canvas,
    x: f32,
    top: f32,
    width: f32,
    clinic: &Letterhead,
) -> f32 {
    let measure = canvas.measure();
    let name_style = Style::bold(12.0);
    let (name_style, name) = measure.fit(name_style, 8.0, &clinic.clinic_name, width);
    let mut y = top + name_style.cap();
    canvas.text(x, y, name_style, &name);
    y += name_style.descent();
    let line_style = Style::regular(8.5);
    for line in clinic.lines.iter().take(4) {
        y += line_style.leading();
        canvas.text_fit(x, y, line_style, 6.0, width, line);
    }
    y + line_style.descent()
}

/// What the running header and footer say.
pub(crate) struct PageFrame<'a> {
    /// Language.
    pub(crate) lang: Lang,
    /// The child the document is about (running header on later pages).
    pub(crate) child: Option<&'a Child>,
    /// Left footer text ("Printed … by …"); empty for none.
    pub(crate) footer: String,
    /// Whether to print "Page N of M" even on a one-page document.
    pub(crate) always_number: bool,
}

impl<'a> PageFrame<'a> {
    /// The frame of a document about `child` whose footer says when and by which clinic it was printed.
    pub(crate) fn printed(
        lang: Lang,
        child: &'a Child,
        when: String,
        clinic: &Letterhead,
        always_number: bool,
    ) -> PageFrame<'a> {
        PageFrame {
            lang,
            child: Some(child),
            footer: tr_args(
                lang,
                "print.footer.printed",
                &[
                    ("when", when),
                    ("clinic", clinic.clinic_name.trim().to_owned()),
                ],
            ),
            always_number,
        }
    }

    /// Frames the pages laid out in `flow` and adds them to `doc`.
    pub(crate) fn finish_into(&self, flow: Flow, doc: &mut Doc) {
        let mut pages = flow.into_pages();
        self.apply(&mut pages);
        for page in pages {
            doc.push(page);
        }
    }

    /// Add the running header (pages after the first) and footer to every page.
    pub(crate) fn apply(&self, pages: &mut [Canvas]) {
        let total = pages.len();
        for (index, canvas) in pages.iter_mut().enumerate() {
            let number = index + 1;
            let numbered = total > 1 || self.always_number;
            let page_of = tr_args(
                self.lang,
                "print.page_of",
                &[("n", number.to_string()), ("m", total.to_string())],
            );
            if index > 0 {
                self.running_header(canvas, &page_of);
            }
            self.footer(canvas, numbered.then_some(page_of.as_str()));
        }
    }

    fn running_header(&self, canvas: &mut Canvas, page_of: &str) {
        let measure = canvas.measure();
        let style = Style::regular(8.5);
        let baseline = MARGIN + style.cap() + 1.0;
        let page_w = measure.width(style, page_of);
        canvas.text_right(RIGHT, baseline, style, page_of);
        if let Some(child) = self.child {
            let text = tr_args(
                self.lang,
                "print.running_header",
                &[
                    ("name", full_name(&child.name)),
                    ("date", format_date(self.lang, child.birth_date)),
                ],
            );
            canvas.text_fit(
                MARGIN,
                baseline,
                Style::bold(8.5),
                6.0,
                CONTENT_W - page_w - 6.0,
                &text,
            );
        }
        let rule = baseline + style.descent() + 1.5;
        canvas.hline(MARGIN, RIGHT, rule, 0.5);
    }

    fn footer(&self, canvas: &mut Canvas, page_of: Option<&str>) {
        if self.footer.trim().is_empty() && page_of.is_none() {
            return;
        }
        let measure: Measure = canvas.measure();
        let style = Style::regular(7.5);
        let rule = FOOTER_BASELINE - style.cap() - 1.8;
        canvas.hline(MARGIN, RIGHT, rule, 0.4);
        let mut room = CONTENT_W;
        if let Some(page_of) = page_of {
            canvas.text_right(RIGHT, FOOTER_BASELINE, style, page_of);
            room -= measure.width(style, page_of) + 6.0;
        }
        canvas.text_fit(MARGIN, FOOTER_BASELINE, style, 5.5, room, &self.footer);
    }
}

/// The verifiable QR code of a document; none when its text is empty.
pub(crate) fn optional_qr(text: &str) -> Result<Option<Qr>, PrintError> {
    if text.is_empty() {
        Ok(None)
    } else {
        Qr::encode(text).map(Some)
    }
}

/// A document about `child` titled `title`: `body` lays it out in one flow
/// (given the verification QR made of `qr`, if any), then every page gets the
/// running header and the footer saying when (`issued_at`) and by which
/// clinic it was printed, with "Page N of M" even on a single page.
pub(crate) fn printed_document(
    lang: Lang,
    title: &str,
    qr: &str,
    child: &Child,
    issued_at: NaiveDateTime,
    clinic: &Letterhead,
    body: impl FnOnce(&mut Flow, Option<&Qr>),
) -> Result<Vec<u8>, PrintError> {
    let qr = optional_qr(qr)?;
    let mut doc = Doc::new(title)?;
    let mut flow = doc.flow(MARGIN, CONTINUED_TOP, BODY_BOTTOM);
    body(&mut flow, qr.as_ref());
    PageFrame::printed(lang, child, format_datetime(lang, issued_at), clinic, true)
        .finish_into(flow, &mut doc);
    Ok(doc.finish())
}

/// Draws the QR code (if any) at the top right from `top`; returns the width
/// left for the header beside it and the y below the code and its caption.
pub(crate) fn top_right_qr(page: &mut Canvas, top: f32, qr: Option<&Qr>, lang: Lang) -> (f32, f32) {
    match qr {
        Some(qr) => {
            let x = RIGHT - qr.outer();
            let bottom = qr.draw(page, x, top, tr(lang, "print.qr.caption"));
            (x - MARGIN - 3.0, bottom)
        }
        None => (CONTENT_W, top),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn name() -> PersonName {
        PersonName {
            first: " José ".to_owned(),
            middle: "ángel".to_owned(),
            last: "Núñez".to_owned(),
            second_last: "Peña".to_owned(),
        }
    }

    #[test]
    fn names_join_the_parts_that_are_there() {
        assert_eq!(full_name(&name()), "José ángel Núñez Peña");
        assert_eq!(surnames(&name()), "Núñez Peña");
        assert_eq!(middle_initial(&name()), "Á");
        assert_eq!(full_name(&PersonName::default()), "");
        assert_eq!(middle_initial(&PersonName::default()), "");
    }

    #[test]
    fn times_follow_the_language() {
        let at = NaiveDate::from_ymd_opt(2019, 3, 7)
            .and_then(|d| d.and_hms_opt(14, 5, 0))
            .expect("valid");
        assert_eq!(format_datetime(Lang::En, at), "03/07/2019 2:05 PM");
        assert_eq!(format_datetime(Lang::Es, at), "07/03/2019 14:05");
    }
}
