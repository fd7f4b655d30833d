//! The immunization record: clinic letterhead and verification QR, the child,
//! the registry stamp, a table of every dose given, what is due next, and a
//! cut-out "next doses due" card for the family at the bottom of the last page.

use crate::PrintError;
use crate::common::{
    due_vaccine, due_when, full_name, letterhead, printed_document, sex_label, stamp_text,
    top_right_qr,
};
use crate::layout::{CONTENT_W, Canvas, Flow, MARGIN, RIGHT, Style};
use crate::model::{DueLine, DueWhen, ImmunizationRecord, Letterhead};
use crate::qr::Qr;
use salal_core::i18n::{Lang, format_date, tr, tr_args};

/// Size of the family card, mm.
const CARD_W: f32 = 90.0;
const CARD_H: f32 = 55.0;
/// Due lines shown on the card before "… and N more".
const CARD_DUE_LINES: usize = 4;

/// Lay out the record.
pub(crate) fn render(record: &ImmunizationRecord) -> Result<Vec<u8>, PrintError> {
    let lang = record.lang;
    printed_document(
        lang,
        tr(lang, "print.record.title"),
        &record.qr,
        &record.child,
        record.issued_at,
        &record.clinic,
        |flow, qr| {
            header(flow, record, qr);
            doses(flow, record);
            due(flow, record);
            card(flow, record);
        },
    )
}

/// Letterhead, QR, title, child fields and stamp.
fn header(flow: &mut Flow, record: &ImmunizationRecord, qr: Option<&Qr>) {
    let lang = record.lang;
    let top = flow.y;
    let page = flow.page();
    let measure = page.measure();
    let (left_w, qr_bottom) = top_right_qr(page, top, qr, lang);
    let mut y = letterhead(page, MARGIN, top + 0.5, left_w, &record.clinic) + 4.0;
    let title = Style::bold(16.0);
    let (title, text) = measure.fit(title, 10.0, tr(lang, "print.record.title"), left_w);
    y += title.cap();
    page.text(MARGIN, y, title, &text);
    y += title.descent() + 3.0;

    let child = &record.child;
    let row_h = 10.5;
    let fields = [
        (0.56, tr(lang, "print.child.name"), full_name(&child.name)),
        (
            0.26,
            tr(lang, "print.child.birth_date"),
            format_date(lang, child.birth_date),
        ),
        (0.18, tr(lang, "print.child.sex"), sex_label(lang, child)),
    ];
    let mut x = MARGIN;
    for (fraction, label, value) in &fields {
        let w = left_w * fraction;
        page.stroke_rect(x, y, w, row_h, 0.4);
        let label_style = Style::regular(6.5);
        page.text_fit(
            x + 1.5,
            y + 1.3 + label_style.cap(),
            label_style,
            5.0,
            w - 3.0,
            label,
        );
        page.text_fit(
            x + 1.5,
            y + row_h - 2.0,
            Style::regular(10.5),
            6.5,
            w - 3.0,
            value,
        );
        x += w;
    }
    page.stroke_rect(MARGIN, y, left_w, row_h, 0.8);
    y += row_h + 4.0;
    let stamp = Style::bold(8.5);
    page.text_fit(
        MARGIN,
        y + stamp.cap(),
        stamp,
        6.0,
        left_w,
        &stamp_text(lang, record.stamp),
    );
    y += stamp.cap() + stamp.descent();
    flow.y = y.max(qr_bottom) + 5.0;
}

/// A section heading; returns nothing, moves the flow below it.
fn heading(flow: &mut Flow, text: &str, keep_with: f32) {
    let style = Style::bold(10.5);
    flow.need(style.leading() + 2.0 + keep_with);
    let baseline = flow.y + style.cap();
    let page = flow.page();
    page.text(MARGIN, baseline, style, text);
    flow.y = baseline + style.descent() + 2.0;
}

/// A table column: its share of the width and heading key.
struct Column {
    width: f32,
    key: &'static str,
}

const ROW_PAD: f32 = 1.3;
const TABLE_HEAD_H: f32 = 6.0;

fn table_head(page: &mut Canvas, y: f32, columns: &[Column], lang: Lang) {
    page.fill_rect(MARGIN, y, CONTENT_W, TABLE_HEAD_H, 0.86);
    let style = Style::bold(7.5);
    let mut x = MARGIN;
    for column in columns {
        page.text_fit(
            x + 1.5,
            y + 4.2,
            style,
            5.5,
            column.width - 3.0,
            tr(lang, column.key),
        );
        x += column.width;
    }
    page.stroke_rect(MARGIN, y, CONTENT_W, TABLE_HEAD_H, 0.6);
}

/// Rows of wrapped cells, heading repeated on each page.
fn table(flow: &mut Flow, lang: Lang, columns: &[Column], rows: &[Vec<(String, Style)>]) {
    let measure = flow.measure();
    let y = flow.y;
    table_head(flow.page(), y, columns, lang);
    flow.y += TABLE_HEAD_H;
    for (index, row) in rows.iter().enumerate() {
        let cells: Vec<(Style, Vec<String>)> = row
            .iter()
            .zip(columns)
            .map(|((text, style), column)| {
                measure.fit_lines(*style, 6.0, text, column.width - 3.0, 4)
            })
            .collect();
        let h = cells
            .iter()
            .map(|(style, lines)| {
                style.cap() + lines.len().saturating_sub(1) as f32 * style.leading()
            })
            .fold(0.0_f32, f32::max)
            + 2.0 * ROW_PAD
            + 1.2;
        if flow.need(h) {
            let y = flow.y;
            table_head(flow.page(), y, columns, lang);
            flow.y += TABLE_HEAD_H;
        }
        let y = flow.y;
        let page = flow.page();
        if index % 2 == 1 {
            page.fill_rect(MARGIN, y, CONTENT_W, h, 0.95);
        }
        let mut x = MARGIN;
        for ((style, lines), column) in cells.iter().zip(columns) {
            page.lines(x + 1.5, y + ROW_PAD + 0.6, *style, lines);
            x += column.width;
        }
        page.hline(MARGIN, RIGHT, y, 0.3);
        page.hline(MARGIN, RIGHT, y + h, 0.3);
        flow.y += h;
    }
    flow.y += 4.0;
}

/// The table of every dose.
fn doses(flow: &mut Flow, record: &ImmunizationRecord) {
    let lang = record.lang;
    heading(flow, tr(lang, "print.record.doses"), TABLE_HEAD_H + 6.0);
    if record.doses.is_empty() {
        note(flow, tr(lang, "print.record.no_doses"));
        return;
    }
    let columns = [
        Column {
            width: 52.0,
            key: "print.record.col.vaccine",
        },
        Column {
            width: 22.0,
            key: "print.record.col.date",
        },
        Column {
            width: 24.0,
            key: "print.record.col.lot",
        },
        Column {
            width: 40.0,
            key: "print.record.col.provider",
        },
        Column {
            width: CONTENT_W - 138.0,
            key: "print.record.col.place",
        },
    ];
    let cell = Style::regular(8.0);
    let rows: Vec<Vec<(String, Style)>> = record
        .doses
        .iter()
        .map(|dose| {
            vec![
                (dose.vaccine.clone(), cell),
                (
                    if dose.month_only {
                        salal_core::i18n::format_month(dose.date)
                    } else {
                        format_date(lang, dose.date)
                    },
                    cell,
                ),
                (dose.lot.clone(), cell),
                (dose.provider.clone(), cell),
                (dose.place.clone(), cell),
            ]
        })
        .collect();
    table(flow, lang, &columns, &rows);
}

/// A line of plain text in the flow.
fn note(flow: &mut Flow, text: &str) {
    let style = Style::regular(9.0);
    let lines = flow.measure().wrap(style, text, CONTENT_W);
    flow.need(lines.len() as f32 * style.leading() + 2.0);
    let y = flow.y;
    let after = flow.page().lines(MARGIN, y, style, &lines);
    flow.y = after + 4.0;
}

/// What is due next.
fn due(flow: &mut Flow, record: &ImmunizationRecord) {
    let lang = record.lang;
    heading(flow, tr(lang, "print.record.due"), TABLE_HEAD_H + 6.0);
    if record.due.is_empty() {
        note(flow, tr(lang, "print.due.none"));
        return;
    }
    let columns = [
        Column {
            width: 100.0,
            key: "print.record.col.vaccine",
        },
        Column {
            width: CONTENT_W - 100.0,
            key: "print.record.col.when",
        },
    ];
    let rows: Vec<Vec<(String, Style)>> = record
        .due
        .iter()
        .map(|line| {
            let when_style = match line.when {
                DueWhen::Overdue(_) | DueWhen::Now => Style::bold(8.5),
                DueWhen::On(_) => Style::regular(8.5),
            };
            vec![
                (due_vaccine(lang, line), Style::regular(8.5)),
                (due_when(lang, line.when), when_style),
            ]
        })
        .collect();
    table(flow, lang, &columns, &rows);
}

/// Phone-like lines of the letterhead (seven or more digits), else its last line.
fn phone_lines(clinic: &Letterhead) -> Vec<&str> {
    let phones: Vec<&str> = clinic
        .lines
        .iter()
        .map(String::as_str)
        .filter(|line| line.chars().filter(char::is_ascii_digit).count() >= 7)
        .take(2)
        .collect();
    if phones.is_empty() {
        clinic
            .lines
            .last()
            .map(String::as_str)
            .into_iter()
            .collect()
    } else {
        phones
    }
}

/// The dashed cut-out card at the bottom of the last page.
fn card(flow: &mut Flow, record: &ImmunizationRecord) {
    let lang = record.lang;
    let caption = Style::regular(7.0);
    if flow.room() < CARD_H + 8.0 {
        flow.new_page();
    }
    let top = flow.bottom() - CARD_H - 2.5;
    let page = flow.page();
    page.text(
        MARGIN,
        top - 1.8,
        caption,
        &format!("✂  {}", tr(lang, "print.card.cut")),
    );
    page.dashed_rect(MARGIN, top, CARD_W, CARD_H, 0.8);

    let x = MARGIN + 4.0;
    let w = CARD_W - 8.0;
    let title = Style::bold(10.0);
    let mut y = top + 4.0 + title.cap();
    page.text_fit(x, y, title, 7.0, w, tr(lang, "print.card.title"));
    y += 5.0;
    page.text_fit(
        x,
        y,
        Style::bold(8.5),
        6.0,
        w,
        &full_name(&record.child.name),
    );
    y += 4.2;
    let line_style = Style::regular(7.5);
    if record.due.is_empty() {
        page.text_fit(x, y, line_style, 6.0, w, tr(lang, "print.due.none"));
        y += line_style.leading();
    }
    for line in record.due.iter().take(CARD_DUE_LINES) {
        card_due_line(page, x, y, w, lang, line);
        y += line_style.leading() + 0.4;
    }
    if record.due.len() > CARD_DUE_LINES {
        let more = tr_args(
            lang,
            "print.card.more",
            &[("n", (record.due.len() - CARD_DUE_LINES).to_string())],
        );
        page.text_fit(x, y, Style::regular(7.0), 5.5, w, &more);
    }

    let clinic_style = Style::bold(7.5);
    let phone_style = Style::regular(7.0);
    let phones = phone_lines(&record.clinic);
    let mut baseline = top + CARD_H - 3.5 - phones.len() as f32 * phone_style.leading();
    page.hline(x, x + w, baseline - clinic_style.cap() - 1.5, 0.3);
    page.text_fit(
        x,
        baseline,
        clinic_style,
        6.0,
        w,
        &record.clinic.clinic_name,
    );
    for phone in phones {
        baseline += phone_style.leading();
        page.text_fit(x, baseline, phone_style, 5.5, w, phone);
    }
    flow.y = flow.bottom();
}

/// "Vaccine, dose n" on the left, when on the right, both fitted to the card.
fn card_due_line(page: &mut Canvas, x: f32, baseline: f32, w: f32, lang: Lang, line: &DueLine) {
    let measure = page.measure();
    let when = due_when(lang, line.when);
    let when_style = Style::bold(7.5);
    let (when_style, when) = measure.fit(when_style, 5.5, &when, w * 0.55);
    let when_w = measure.width(when_style, &when);
    page.text(x + w - when_w, baseline, when_style, &when);
    page.text_fit(
        x,
        baseline,
        Style::regular(7.5),
        5.5,
        w - when_w - 2.0,
        &due_vaccine(lang, line),
    );
}
