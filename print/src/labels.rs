//! Mailing labels on Avery 5160 / 8160 sheets: US Letter, 3 columns by 10
//! rows of 2.625 in x 1 in labels, 0.5 in top margin, 0.1875 in side margins
//! and 0.125 in between columns. Each label's lines are inset from its edges
//! and shrunk to fit; the sheets themselves are pre-cut, so nothing but text
//! is printed.

use crate::PrintError;
use crate::layout::{Canvas, Doc, Measure, Style};
use crate::model::MailingLabel;

const INCH: f32 = 25.4;
/// Label width and height, mm.
pub(crate) const LABEL_W: f32 = 2.625 * INCH;
pub(crate) const LABEL_H: f32 = INCH;
/// Sheet margins and the gap between columns, mm.
pub(crate) const TOP: f32 = 0.5 * INCH;
pub(crate) const SIDE: f32 = 0.1875 * INCH;
pub(crate) const GAP: f32 = 0.125 * INCH;
pub(crate) const COLUMNS: usize = 3;
pub(crate) const ROWS: usize = 10;
/// Labels per sheet.
pub(crate) const PER_PAGE: usize = COLUMNS * ROWS;
/// Horizontal inset of the text. Slightly more than the usual 4 mm so the
/// outer columns' text stays 10 mm from the sheet's edges.
const INSET_X: f32 = 5.5;
/// Vertical inset of the text.
const INSET_Y: f32 = 2.8;
/// Largest and smallest type size.
const MAX_SIZE: f32 = 10.0;
const MIN_SIZE: f32 = 5.0;

/// Top-left corner of label `index` (0-based, row by row) on its sheet.
pub(crate) fn label_origin(index: usize) -> (f32, f32) {
    let slot = index % PER_PAGE;
    let (row, column) = (slot / COLUMNS, slot % COLUMNS);
    (
        SIDE + column as f32 * (LABEL_W + GAP),
        TOP + row as f32 * LABEL_H,
    )
}

/// Lay out the sheets.
pub(crate) fn render(labels: &[MailingLabel]) -> Result<Vec<u8>, PrintError> {
    let mut doc = Doc::new("Mailing labels")?;
    let measure = doc.measure();
    for sheet in labels.chunks(PER_PAGE) {
        let mut page = doc.canvas();
        for (slot, label) in sheet.iter().enumerate() {
            draw_label(&mut page, measure, slot, label);
        }
        doc.push(page);
    }
    if labels.is_empty() {
        doc.push(doc.canvas());
    }
    Ok(doc.finish())
}

fn draw_label(page: &mut Canvas, measure: Measure, slot: usize, label: &MailingLabel) {
    let (x, y) = label_origin(slot);
    let inner_w = LABEL_W - 2.0 * INSET_X;
    let inner_h = LABEL_H - 2.0 * INSET_Y;
    let lines: Vec<&str> = label
        .lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() {
        return;
    }
    let block = |style: Style, n: usize| {
        style.cap() + n.saturating_sub(1) as f32 * style.leading() + style.descent()
    };
    let mut style = Style::regular(MAX_SIZE);
    while style.size > MIN_SIZE
        && (block(style, lines.len()) > inner_h
            || lines.iter().any(|l| measure.width(style, l) > inner_w))
    {
        style = style.sized((style.size - 0.25).max(MIN_SIZE));
    }
    let mut shown = lines.len();
    while shown > 1 && block(style, shown) > inner_h {
        shown -= 1;
    }
    let top = y + INSET_Y + (inner_h - block(style, shown)) / 2.0;
    let mut baseline = top + style.cap();
    for line in lines.iter().take(shown) {
        page.text_fit(x + INSET_X, baseline, style, style.size, inner_w, line);
        baseline += style.leading();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avery_5160_positions() {
        let close = |a: f32, b: f32| (a - b).abs() < 1e-3;
        let (x, y) = label_origin(0);
        assert!(close(x, 4.7625) && close(y, 12.7));
        let (x, _) = label_origin(1);
        assert!(close(x, 4.7625 + 66.675 + 3.175));
        let (x, y) = label_origin(29);
        assert!(close(x, 4.7625 + 2.0 * (66.675 + 3.175)) && close(y, 12.7 + 9.0 * 25.4));
        assert!(close(x + LABEL_W + SIDE, 215.9));
        assert!(close(y + LABEL_H + TOP, 279.4));
        assert_eq!(label_origin(30), label_origin(0));
    }
}
