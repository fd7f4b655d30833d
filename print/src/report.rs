//! A generic tabular report (the inventory's doses administered, stock on
//! hand and expiring, reconciliation history, wastage) on portrait US Letter:
//! the title and its subtitle lines, then the table, one line per row, with
//! the totals row in bold at the end.
//!
//! Columns keep the caller's widths unless together they are wider than the
//! page, when they are scaled down in proportion; a cell too long for its
//! column is cut with an ellipsis. Rows flow onto as many pages as they need,
//! each continuation page repeating the title and the column headings; every
//! page carries the caller's footer and its number as "1 / 3", which needs no
//! translation because the report has no language of its own.

use crate::PrintError;
use crate::common::{BODY_BOTTOM, FOOTER_BASELINE};
use crate::layout::{CONTENT_W, Canvas, Doc, Flow, MARGIN, Measure, RIGHT, Style};
use crate::model::{ReportColumn, TableReport};

/// Width given to a column whose width is zero, negative or not a number, mm.
const DEFAULT_WIDTH: f32 = 25.0;
/// Widths are capped here before scaling, so their sum stays finite, mm.
const MAX_WIDTH: f32 = 10_000.0;
/// Height of the heading row and of each body row, mm.
const HEAD_H: f32 = 6.0;
const ROW_H: f32 = 5.0;
/// Space between a cell's text and its column's edges, mm.
const PAD: f32 = 1.5;
/// Narrowest room for a cell's text; a narrower column prints no text, mm.
const MIN_TEXT_W: f32 = 1.5;

const TITLE: Style = Style::bold(15.0);
const CONTINUED_TITLE: Style = Style::bold(10.5);
const SUBTITLE: Style = Style::regular(9.0);
const HEADING: Style = Style::bold(7.5);
const CELL: Style = Style::regular(8.0);
const TOTAL: Style = Style::bold(8.0);
const FOOTER: Style = Style::regular(7.5);

/// The report as PDF bytes.
///
/// # Errors
/// [`PrintError::FontLoad`] when the embedded fonts cannot be read.
pub fn report_pdf(report: &TableReport) -> Result<Vec<u8>, PrintError> {
    let mut doc = Doc::new(report.title.trim())?;
    let table = Table::new(&report.columns);
    let mut flow = doc.flow(MARGIN, MARGIN, BODY_BOTTOM);
    title(&mut flow, report);
    for line in &report.subtitle {
        let lines = flow.measure().fit_lines(SUBTITLE, 7.0, line, CONTENT_W, 3);
        let h = lines.1.len() as f32 * lines.0.leading();
        if flow.need(h) {
            continued_title(&mut flow, report);
        }
        let y = flow.y;
        flow.y = flow.page().lines(MARGIN, y, lines.0, &lines.1) + 1.0;
    }
    flow.y += 3.0;

    if flow.need(HEAD_H + ROW_H) {
        continued_title(&mut flow, report);
    }
    table.head(&mut flow);
    for (index, row) in report.rows.iter().enumerate() {
        if flow.need(ROW_H) {
            continued_title(&mut flow, report);
            table.head(&mut flow);
        }
        table.row(&mut flow, row, CELL, index % 2 == 1);
    }
    if let Some(totals) = &report.totals {
        if flow.need(ROW_H) {
            continued_title(&mut flow, report);
            table.head(&mut flow);
        }
        let y = flow.y;
        let width = table.width();
        let page = flow.page();
        page.fill_rect(MARGIN, y, width, ROW_H, 0.88);
        page.hline(MARGIN, MARGIN + width, y, 0.9);
        table.row(&mut flow, totals, TOTAL, false);
    }

    let mut pages = flow.into_pages();
    number(&mut pages, &report.footer);
    for page in pages {
        doc.push(page);
    }
    Ok(doc.finish())
}

/// The title on the first page, in up to two lines.
fn title(flow: &mut Flow, report: &TableReport) {
    let (style, lines) = flow
        .measure()
        .fit_lines(TITLE, 10.0, report.title.trim(), CONTENT_W, 2);
    let y = flow.y;
    flow.y = flow.page().lines(MARGIN, y, style, &lines) + 3.0;
}

/// The title again at the top of a continuation page, on one line.
fn continued_title(flow: &mut Flow, report: &TableReport) {
    let y = flow.y;
    let baseline = y + CONTINUED_TITLE.cap();
    let page = flow.page();
    page.text_fit(
        MARGIN,
        baseline,
        CONTINUED_TITLE,
        7.0,
        CONTENT_W,
        report.title.trim(),
    );
    flow.y = baseline + CONTINUED_TITLE.descent() + 3.0;
}

/// "1 / 3" and the footer on every page.
fn number(pages: &mut [Canvas], footer: &str) {
    let total = pages.len();
    for (index, page) in pages.iter_mut().enumerate() {
        let measure: Measure = page.measure();
        let page_of = format!("{} / {total}", index + 1);
        let rule = FOOTER_BASELINE - FOOTER.cap() - 1.8;
        page.hline(MARGIN, RIGHT, rule, 0.4);
        page.text_right(RIGHT, FOOTER_BASELINE, FOOTER, &page_of);
        let room = CONTENT_W - measure.width(FOOTER, &page_of) - 6.0;
        page.text_fit(MARGIN, FOOTER_BASELINE, FOOTER, 5.5, room, footer.trim());
    }
}

/// The columns as laid out: each one's heading, alignment and width on the page.
struct Table<'a> {
    columns: &'a [ReportColumn],
    widths: Vec<f32>,
}

impl<'a> Table<'a> {
    /// The caller's widths, scaled down in proportion when together they are
    /// wider than the page.
    fn new(columns: &'a [ReportColumn]) -> Self {
        let asked: Vec<f32> = columns
            .iter()
            .map(|c| {
                if c.width_mm.is_finite() && c.width_mm > 0.0 {
                    c.width_mm.min(MAX_WIDTH)
                } else {
                    DEFAULT_WIDTH
                }
            })
            .collect();
        let total: f32 = asked.iter().sum();
        let scale = if total > CONTENT_W {
            CONTENT_W / total
        } else {
            1.0
        };
        Table {
            columns,
            widths: asked.iter().map(|w| w * scale).collect(),
        }
    }

    /// The width of the whole table, mm.
    fn width(&self) -> f32 {
        self.widths.iter().sum::<f32>().min(CONTENT_W)
    }

    /// The shaded heading row.
    fn head(&self, flow: &mut Flow) {
        let y = flow.y;
        let width = self.width();
        let page = flow.page();
        let measure = page.measure();
        if width > 0.0 {
            page.fill_rect(MARGIN, y, width, HEAD_H, 0.86);
            page.stroke_rect(MARGIN, y, width, HEAD_H, 0.6);
        }
        let baseline = y + (HEAD_H + HEADING.cap()) / 2.0;
        let mut x = MARGIN;
        for (column, w) in self.columns.iter().zip(&self.widths) {
            let room = w - 2.0 * PAD;
            if room >= MIN_TEXT_W {
                let (style, text) = measure.fit(HEADING, 5.5, column.heading.trim(), room);
                if column.right_aligned {
                    page.text_right(x + w - PAD, baseline, style, &text);
                } else {
                    page.text(x + PAD, baseline, style, &text);
                }
            }
            x += w;
        }
        flow.y += HEAD_H;
    }

    /// One row of cells in `style`, shaded when `shade`.
    fn row(&self, flow: &mut Flow, cells: &[String], style: Style, shade: bool) {
        let y = flow.y;
        let width = self.width();
        let page = flow.page();
        let measure = page.measure();
        if shade {
            page.fill_rect(MARGIN, y, width, ROW_H, 0.95);
        }
        let baseline = y + (ROW_H + style.cap()) / 2.0;
        let mut x = MARGIN;
        for (index, (column, w)) in self.columns.iter().zip(&self.widths).enumerate() {
            let room = w - 2.0 * PAD;
            let text = cells.get(index).map_or("", |c| c.trim());
            if room >= MIN_TEXT_W && !text.is_empty() {
                let text = measure.truncate(style, text, room);
                if column.right_aligned {
                    page.text_right(x + w - PAD, baseline, style, &text);
                } else {
                    page.text(x + PAD, baseline, style, &text);
                }
            }
            x += w;
        }
        if width > 0.0 {
            page.hline(MARGIN, MARGIN + width, y + ROW_H, 0.3);
        }
        flow.y += ROW_H;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(width_mm: f32) -> ReportColumn {
        ReportColumn {
            heading: "H".to_owned(),
            width_mm,
            right_aligned: false,
        }
    }

    #[test]
    fn columns_wider_than_the_page_are_scaled_in_proportion() {
        let columns = [column(300.0), column(100.0)];
        let table = Table::new(&columns);
        assert!((table.width() - CONTENT_W).abs() < 1e-3);
        assert!((table.widths[0] - 3.0 * table.widths[1]).abs() < 1e-3);

        let columns = [
            column(40.0),
            column(f32::NAN),
            column(-3.0),
            column(f32::INFINITY),
        ];
        let table = Table::new(&columns);
        assert!(table.width() <= CONTENT_W + 1e-3);
        assert!((table.widths[1] - table.widths[2]).abs() < 1e-6);

        let columns = [column(40.0), column(30.0)];
        assert_eq!(Table::new(&columns).widths, [40.0, 30.0]);
        assert!(Table::new(&[]).widths.is_empty());
    }
}
