//! The Certificate of Immunization Status, laid out after the DOH 348-013
//! paper form: title and form id, the registry stamp and verification QR, the
//! child block, the legend of requirement marks, the vaccine grid (one row per
//! vaccine, one cell per dose date, a status cell), the varicella disease
//! history line, the status per setting, the parent's statements, the office
//! box and the signature lines.

use crate::PrintError;
use crate::common::{
    BODY_BOTTOM, CONTINUED_TOP, middle_initial, printed_document, sex_label, stamp_text,
    status_text, surnames, top_right_qr,
};
use crate::layout::{CONTENT_W, Canvas, Flow, MARGIN, Measure, RIGHT, Style};
use crate::model::{Cis, CisRow, Requirement};
use crate::qr::Qr;
use salal_core::i18n::{Lang, format_date, tr, tr_args};

/// The mark for rows required by school and child care.
const MARK_SCHOOL: &str = "●";
/// The mark for rows required by child care only.
const MARK_CHILD_CARE: &str = "◆";
/// Widest grid: more doses than this continue on extra lines of the row.
const MAX_DOSE_COLUMNS: usize = 6;
/// Height of one line of dose cells, mm.
const DOSE_LINE_H: f32 = 6.1;
/// Height of the grid's heading row, mm.
const GRID_HEAD_H: f32 = 9.0;

/// Lay out the certificate.
pub(crate) fn render(cis: &Cis) -> Result<Vec<u8>, PrintError> {
    let lang = cis.lang;
    printed_document(
        lang,
        tr(lang, "print.cis.title"),
        &cis.qr,
        &cis.child,
        cis.issued_at,
        &cis.clinic,
        |flow, qr| {
            header(flow, cis, qr);
            grid(flow, cis);
            varicella(flow, cis);
            statuses(flow, cis);
            statements_and_office(flow, lang);
            signatures(flow, lang);
        },
    )
}

/// Title, form id, stamp, QR, child block and legend.
fn header(flow: &mut Flow, cis: &Cis, qr: Option<&Qr>) {
    let lang = cis.lang;
    let top = flow.y;
    let page = flow.page();
    let measure = page.measure();
    let (left_w, qr_bottom) = top_right_qr(page, top, qr, lang);

    let title = Style::bold(15.0);
    let (title, title_text) = measure.fit(title, 10.0, tr(lang, "print.cis.title"), left_w);
    let mut y = top + 1.0 + title.cap();
    page.text(MARGIN, y, title, &title_text);

    let form_id = tr_args(
        lang,
        "print.cis.form_id",
        &[("clinic", cis.clinic.clinic_name.trim().to_owned())],
    );
    y += 5.2;
    page.text_fit(MARGIN, y, Style::regular(8.0), 6.0, left_w, &form_id);
    y += 5.0;
    page.text_fit(
        MARGIN,
        y,
        Style::bold(8.5),
        6.0,
        left_w,
        &stamp_text(lang, cis.stamp),
    );

    let block_top = y + 3.5;
    let block_bottom = child_block(page, block_top, left_w, cis);
    flow.y = block_bottom.max(qr_bottom) + 4.0;
    legend(flow, lang);
}

/// The labelled child fields, two rows in a box; returns the y below.
fn child_block(page: &mut Canvas, top: f32, width: f32, cis: &Cis) -> f32 {
    let lang = cis.lang;
    let name = &cis.child.name;
    let row_h = 10.5;
    let x = MARGIN;
    let cols1 = [
        (0.45, tr(lang, "print.cis.last_name"), surnames(name)),
        (
            0.3,
            tr(lang, "print.cis.first_name"),
            name.first.trim().to_owned(),
        ),
        (
            0.25,
            tr(lang, "print.cis.middle_initial"),
            middle_initial(name),
        ),
    ];
    let cols2 = [
        (
            0.5,
            tr(lang, "print.cis.birth_date"),
            format_date(lang, cis.child.birth_date),
        ),
        (0.5, tr(lang, "print.cis.sex"), sex_label(lang, &cis.child)),
    ];
    for (row, cols) in [&cols1[..], &cols2[..]].into_iter().enumerate() {
        let y = top + row as f32 * row_h;
        let mut cx = x;
        for (fraction, label, value) in cols {
            let w = width * fraction;
            field(page, cx, y, w, row_h, label, value);
            cx += w;
        }
    }
    page.stroke_rect(x, top, width, 2.0 * row_h, 0.8);
    top + 2.0 * row_h
}

/// One labelled field: small label at the top, value below, outlined.
fn field(page: &mut Canvas, x: f32, y: f32, w: f32, h: f32, label: &str, value: &str) {
    page.stroke_rect(x, y, w, h, 0.4);
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
        y + h - 2.0,
        Style::regular(10.5),
        6.5,
        w - 3.0,
        value,
    );
}

/// The two requirement marks and what they mean.
fn legend(flow: &mut Flow, lang: Lang) {
    let measure = flow.measure();
    let style = Style::regular(8.0);
    let items = [
        (
            MARK_SCHOOL,
            tr(lang, "print.cis.legend.school_and_child_care"),
        ),
        (
            MARK_CHILD_CARE,
            tr(lang, "print.cis.legend.child_care_only"),
        ),
    ];
    let item_w = |(mark, text): &(&str, &str)| {
        measure.width(Style::regular(9.0), mark) + 1.5 + measure.width(style, text)
    };
    let one_line = item_w(&items[0]) + 8.0 + item_w(&items[1]) <= CONTENT_W;
    let lines = if one_line { 1.0 } else { 2.0 };
    flow.need(lines * 4.2 + 2.0);
    let mut x = MARGIN;
    let mut baseline = flow.y + style.cap();
    let page = flow.page();
    for item in &items {
        let (mark, text) = item;
        page.text(x, baseline, Style::regular(9.0), mark);
        let tx = x + measure.width(Style::regular(9.0), mark) + 1.5;
        page.text_fit(tx, baseline, style, 6.0, RIGHT - tx, text);
        if one_line {
            x += item_w(item) + 8.0;
        } else {
            baseline += 4.2;
        }
    }
    flow.y += lines * 4.2 + 1.5;
}

/// Column geometry of the vaccine grid.
struct Grid {
    label_w: f32,
    mark_w: f32,
    dose_w: f32,
    status_w: f32,
    columns: usize,
}

impl Grid {
    fn new(rows: &[CisRow]) -> Self {
        let columns = rows
            .iter()
            .map(|r| r.columns)
            .max()
            .unwrap_or(1)
            .clamp(1, MAX_DOSE_COLUMNS)
            .max(4);
        let (label_w, mark_w, status_w) = (60.0, 7.0, 27.0);
        let dose_w = (CONTENT_W - label_w - mark_w - status_w) / columns as f32;
        Grid {
            label_w,
            mark_w,
            dose_w,
            status_w,
            columns,
        }
    }

    fn mark_x(&self) -> f32 {
        MARGIN + self.label_w
    }

    fn dose_x(&self, column: usize) -> f32 {
        self.mark_x() + self.mark_w + column as f32 * self.dose_w
    }

    fn status_x(&self) -> f32 {
        self.dose_x(self.columns)
    }

    /// The x of every inner column boundary.
    fn boundaries(&self) -> Vec<f32> {
        let mut xs = vec![self.mark_x()];
        xs.extend((0..=self.columns).map(|c| self.dose_x(c)));
        xs
    }
}

/// Top of a block of `lines` lines of `style` centred vertically in `h` from `y`.
fn centered_top(y: f32, h: f32, style: Style, lines: usize) -> f32 {
    let block = style.cap() + lines.saturating_sub(1) as f32 * style.leading();
    y + (h - block) / 2.0
}

fn grid_head(page: &mut Canvas, y: f32, g: &Grid, lang: Lang) {
    let measure = page.measure();
    page.fill_rect(MARGIN, y, CONTENT_W, GRID_HEAD_H, 0.86);
    let head = Style::bold(8.0);
    page.text_fit(
        MARGIN + 1.5,
        y + 4.0,
        head,
        6.0,
        g.label_w - 3.0,
        tr(lang, "print.cis.col.vaccine"),
    );
    page.text_fit(
        MARGIN + 1.5,
        y + 7.4,
        Style::regular(6.5),
        5.0,
        g.label_w - 3.0,
        tr(lang, "print.cis.date_hint"),
    );
    let small = Style::bold(7.5);
    for c in 0..g.columns {
        let label = tr_args(lang, "print.cis.col.dose", &[("n", (c + 1).to_string())]);
        let (style, label) = measure.fit(small, 5.5, &label, g.dose_w - 1.5);
        page.text_center(g.dose_x(c) + g.dose_w / 2.0, y + 5.6, style, &label);
    }
    let (style, label) = measure.fit(
        small,
        5.5,
        tr(lang, "print.cis.col.status"),
        g.status_w - 2.0,
    );
    page.text_center(g.status_x() + g.status_w / 2.0, y + 5.6, style, &label);
    for x in g.boundaries() {
        page.vline(x, y, y + GRID_HEAD_H, 0.3);
    }
    page.stroke_rect(MARGIN, y, CONTENT_W, GRID_HEAD_H, 0.8);
}

/// The vaccine grid; repeats its heading on every page it reaches.
fn grid(flow: &mut Flow, cis: &Cis) {
    let lang = cis.lang;
    let g = Grid::new(&cis.rows);
    let measure = flow.measure();
    flow.need(GRID_HEAD_H + DOSE_LINE_H);
    let y = flow.y;
    grid_head(flow.page(), y, &g, lang);
    flow.y += GRID_HEAD_H;
    for row in cis.rows.iter().flat_map(|row| split_row(row, g.columns)) {
        let cells = row.columns.max(row.doses.len()).max(1);
        let lines = cells.div_ceil(g.columns);
        let label = tr(lang, &row.label_key);
        let label_style = Style::regular(7.5);
        let (label_style, label_lines) =
            measure.fit_lines(label_style, 6.0, label, g.label_w - 3.0, 2 * lines);
        let label_h = label_style.cap()
            + label_lines.len().saturating_sub(1) as f32 * label_style.leading()
            + 2.8;
        let h = (lines as f32 * DOSE_LINE_H).max(label_h);
        if flow.need(h) {
            let y = flow.y;
            grid_head(flow.page(), y, &g, lang);
            flow.y += GRID_HEAD_H;
        }
        let shape = RowShape {
            y: flow.y,
            h,
            lines,
            label_style,
            label_lines,
        };
        grid_row(flow.page(), &shape, &g, lang, &row);
        flow.y += h;
    }
    flow.y += 3.0;
}

/// A row cut into pieces that each fit on a page (almost always just the row).
fn split_row(row: &CisRow, columns: usize) -> Vec<CisRow> {
    let page_lines = ((BODY_BOTTOM - CONTINUED_TOP - GRID_HEAD_H) / DOSE_LINE_H) as usize;
    let per_piece = page_lines.saturating_sub(2).max(1) * columns.max(1);
    let cells = row.columns.max(row.doses.len()).max(1);
    (0..cells.div_ceil(per_piece))
        .map(|piece| {
            let start = piece * per_piece;
            let end = (start + per_piece).min(row.doses.len()).max(start);
            CisRow {
                label_key: row.label_key.clone(),
                columns: row.columns.saturating_sub(start).min(per_piece),
                doses: row.doses.get(start..end).unwrap_or_default().to_vec(),
                month_only: row.month_only.clone(),
                requirement: row.requirement,
                status: row.status,
            }
        })
        .collect()
}

/// Where one grid row goes and how its label is set.
struct RowShape {
    y: f32,
    h: f32,
    /// Lines of dose cells.
    lines: usize,
    label_style: Style,
    label_lines: Vec<String>,
}

fn grid_row(page: &mut Canvas, shape: &RowShape, g: &Grid, lang: Lang, row: &CisRow) {
    let RowShape {
        y,
        h,
        lines,
        label_style,
        ref label_lines,
    } = *shape;
    let measure = page.measure();
    let line_h = h / lines as f32;
    let cells = row.columns.max(row.doses.len()).max(1);
    for index in 0..lines * g.columns {
        let (line, column) = (index / g.columns, index % g.columns);
        let (cx, cy) = (g.dose_x(column), y + line as f32 * line_h);
        if index >= cells {
            page.fill_rect(cx, cy, g.dose_w, line_h, 0.9);
        } else if let Some(date) = row.doses.get(index) {
            let (style, text) = measure.fit(
                Style::regular(8.0),
                5.5,
                &if row.month_only.contains(date) {
                    salal_core::i18n::format_month(*date)
                } else {
                    format_date(lang, *date)
                },
                g.dose_w - 1.4,
            );
            page.text_center(
                cx + g.dose_w / 2.0,
                cy + (line_h + style.cap()) / 2.0,
                style,
                &text,
            );
        }
        if line > 0 && column == 0 {
            page.hline(g.dose_x(0), g.status_x(), cy, 0.4);
        }
    }

    let top = centered_top(y, h, label_style, label_lines.len());
    page.lines(MARGIN + 1.5, top, label_style, label_lines);

    let mark = match row.requirement {
        Requirement::SchoolAndChildCare => MARK_SCHOOL,
        Requirement::ChildCareOnly => MARK_CHILD_CARE,
        Requirement::NotRequired => "",
    };
    let mark_style = Style::regular(9.0);
    page.text_center(
        g.mark_x() + g.mark_w / 2.0,
        y + (h + mark_style.cap()) / 2.0,
        mark_style,
        mark,
    );

    if let Some(status) = row.status {
        let (style, status_lines) = measure.fit_lines(
            Style::bold(7.5),
            5.5,
            status_text(lang, status),
            g.status_w - 2.0,
            2,
        );
        let mut baseline = centered_top(y, h, style, status_lines.len()) + style.cap();
        for line in &status_lines {
            page.text_center(g.status_x() + g.status_w / 2.0, baseline, style, line);
            baseline += style.leading();
        }
    }

    for x in g.boundaries() {
        page.vline(x, y, y + h, 0.4);
    }
    page.hline(MARGIN, RIGHT, y, 0.4);
    page.hline(MARGIN, RIGHT, y + h, 0.4);
    page.vline(MARGIN, y, y + h, 0.8);
    page.vline(RIGHT, y, y + h, 0.8);
}

/// Varicella disease history: the text given, or a line to write on.
fn varicella(flow: &mut Flow, cis: &Cis) {
    let measure = flow.measure();
    let label_style = Style::bold(8.0);
    let style = Style::regular(8.0);
    let label = tr(cis.lang, "print.cis.varicella");
    let label_w = measure.width(label_style, label).min(CONTENT_W / 2.0);
    let x = MARGIN + label_w + 2.0;
    flow.need(style.leading() + 2.0);
    let baseline = flow.y + 0.5 + style.cap();
    flow.page()
        .text_fit(MARGIN, baseline, label_style, 6.0, CONTENT_W / 2.0, label);
    match &cis.varicella_history {
        None => {
            flow.page().hline(x, RIGHT, baseline + 0.8, 0.4);
            flow.y = baseline + style.descent() + 1.0;
        }
        Some(text) => {
            let mut baseline = baseline;
            for (index, line) in measure.wrap(style, text, RIGHT - x).iter().enumerate() {
                if index > 0 {
                    flow.y = baseline - style.cap() + style.leading() - 0.5;
                    if flow.need(style.leading()) {
                        baseline = flow.y + style.cap();
                    } else {
                        baseline += style.leading();
                    }
                }
                flow.page().text(x, baseline, style, line);
            }
            flow.y = baseline + style.descent() + 1.0;
        }
    }
    flow.y += 3.5;
}

/// Text lines placed one by one, each moving to a new page when it does not fit.
struct LineFlow {
    x: f32,
    style: Style,
}

impl LineFlow {
    /// Draw `lines` from the flow's y; returns nothing, leaves y below the last line.
    fn draw(&self, flow: &mut Flow, lines: &[String], bullet: Option<&str>) {
        for (index, line) in lines.iter().enumerate() {
            flow.need(self.style.leading());
            let baseline = flow.y + self.style.cap();
            let page = flow.page();
            if let (0, Some(bullet)) = (index, bullet) {
                page.text(self.x - 3.0, baseline, self.style, bullet);
            }
            page.text(self.x, baseline, self.style, line);
            flow.y += self.style.leading();
        }
    }
}

/// The status for each setting, with its notes.
fn statuses(flow: &mut Flow, cis: &Cis) {
    if cis.statuses.is_empty() {
        return;
    }
    let lang = cis.lang;
    let measure = flow.measure();
    let heading = Style::bold(9.5);
    let setting_style = Style::regular(8.5);
    let status_style = Style::bold(9.0);
    let note_style = Style::regular(7.0);
    let status_x = MARGIN + 122.0;
    // Keep the heading with the first entry's first line.
    flow.need(heading.leading() + 1.2 + setting_style.leading() + 2.0);
    let y = flow.y + heading.cap();
    flow.page()
        .text(MARGIN, y, heading, tr(lang, "print.cis.statuses"));
    flow.y = y + heading.descent() + 1.2;
    for entry in &cis.statuses {
        let setting = measure.wrap(setting_style, &entry.setting, status_x - MARGIN - 4.0);
        flow.need(1.6 + setting_style.leading());
        let top = flow.y;
        let page = flow.page();
        page.hline(MARGIN, RIGHT, top, 0.3);
        page.text_fit(
            status_x,
            top + 1.6 + status_style.cap(),
            status_style,
            6.5,
            RIGHT - status_x,
            status_text(lang, entry.status),
        );
        flow.y += 1.6;
        let setting_flow = LineFlow {
            x: MARGIN + 1.0,
            style: setting_style,
        };
        setting_flow.draw(flow, &setting, None);
        let note_flow = LineFlow {
            x: MARGIN + 6.0,
            style: note_style,
        };
        for note in &entry.notes {
            let lines = measure.wrap(note_style, note, CONTENT_W - 7.0);
            note_flow.draw(flow, &lines, Some("•"));
        }
        flow.y += 1.4;
    }
    let y = flow.y;
    flow.page().hline(MARGIN, RIGHT, y, 0.3);
    flow.y += 3.0;
}

/// The parent's statements (left) and the office-use box (right).
fn statements_and_office(flow: &mut Flow, lang: Lang) {
    let measure = flow.measure();
    let office_w = 64.0;
    let left_w = CONTENT_W - office_w - 5.0;
    let attest_style = Style::regular(8.0);
    let ack_style = Style::regular(7.5);
    let attest = measure.wrap(attest_style, tr(lang, "print.cis.attest"), left_w);
    let ack = measure.wrap(ack_style, tr(lang, "print.cis.conditional_ack"), left_w);
    let left_h = attest_style.cap()
        + attest.len() as f32 * attest_style.leading()
        + 1.5
        + ack.len() as f32 * ack_style.leading();
    let coe_style = Style::regular(7.0);
    let coe = measure.wrap(coe_style, tr(lang, "print.cis.office.coe"), office_w - 4.0);
    let office_h = 4.5 + 2.0 * 6.5 + coe.len() as f32 * coe_style.leading() + 6.0;
    let h = left_h.max(office_h);
    flow.need(h + 3.0);
    let top = flow.y;
    let page = flow.page();

    let after = page.lines(MARGIN, top + 0.5, attest_style, &attest);
    page.lines(MARGIN, after + 2.0, ack_style, &ack);

    office_box(page, RIGHT - office_w, top, office_w, office_h, lang, &coe);
    flow.y = top + h + 3.0;
}

fn office_box(page: &mut Canvas, x: f32, y: f32, w: f32, h: f32, lang: Lang, coe: &[String]) {
    let measure: Measure = page.measure();
    page.stroke_rect(x, y, w, h, 0.8);
    let title = Style::bold(7.5);
    let inner = x + 2.0;
    let inner_w = w - 4.0;
    page.text_fit(
        inner,
        y + 1.5 + title.cap(),
        title,
        6.0,
        inner_w,
        tr(lang, "print.cis.office.title"),
    );
    let style = Style::regular(7.0);
    let mut baseline = y + 4.5 + 5.0;
    for key in ["print.cis.office.reviewed_by", "print.cis.office.date"] {
        let label = tr(lang, key);
        let (style, label) = measure.fit(style, 5.5, label, inner_w / 2.0);
        page.text(inner, baseline, style, &label);
        let lx = inner + measure.width(style, &label) + 1.5;
        page.hline(lx, inner + inner_w, baseline + 0.6, 0.4);
        baseline += 6.5;
    }
    let top = baseline - 6.5 + 2.5;
    let after = page.lines(inner, top, style, coe);
    let baseline = after + 1.5 + style.cap() + 0.6;
    let next = page.checkbox(inner + 2.0, baseline, style, tr(lang, "print.yes"));
    page.checkbox(next + 5.0, baseline, style, tr(lang, "print.no"));
}

/// Parent/guardian and provider/staff signature lines.
fn signatures(flow: &mut Flow, lang: Lang) {
    let row_h = 10.5;
    let line1_at = 6.5;
    // Two rows of lines, each caption up to two lines under its line.
    let h = line1_at + row_h + 5.0;
    flow.need(h);
    let top = flow.y;
    let page = flow.page();
    let gap = 3.0;
    let sig_w = 64.0;
    let date_w = (CONTENT_W - 2.0 * sig_w - 3.0 * gap - 3.0) / 2.0;
    let x_date1 = MARGIN + sig_w + gap;
    let x_sig2 = x_date1 + date_w + 2.0 * gap + 3.0;
    let x_date2 = x_sig2 + sig_w + gap;
    let line1 = top + line1_at;
    page.signature_line(MARGIN, line1, sig_w, tr(lang, "print.sig.parent"));
    page.signature_line(x_date1, line1, date_w, tr(lang, "print.sig.date"));
    page.signature_line(x_sig2, line1, sig_w, tr(lang, "print.sig.provider"));
    page.signature_line(x_date2, line1, RIGHT - x_date2, tr(lang, "print.sig.date"));
    let line2 = line1 + row_h;
    page.signature_line(
        MARGIN,
        line2,
        sig_w + gap + date_w,
        tr(lang, "print.sig.printed_name"),
    );
    flow.y = top + h;
}
