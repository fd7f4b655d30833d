//! Page geometry and drawing primitives.
//!
//! Every document is US Letter. Positions are millimetres from the page's
//! top-left corner (y grows downwards) and converted to PDF points when an
//! operation is recorded; text is placed by its baseline. [`Canvas`] records
//! one page, [`Flow`] is a top-to-bottom cursor that opens further pages when
//! a block does not fit, and [`Doc`] turns the pages into PDF bytes. Text
//! helpers measure with the embedded fonts to shrink or wrap text into a box.

use crate::PrintError;
use crate::fonts::{self, Face, Fonts};
use printpdf::{
    Color, FontId, Greyscale, Line, LineDashPattern, LinePoint, Mm, Op, PaintMode, PdfDocument,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect, TextItem, WindingOrder,
};

/// Page width (US Letter), mm.
pub(crate) const PAGE_W: f32 = 215.9;
/// Page height (US Letter), mm.
pub(crate) const PAGE_H: f32 = 279.4;
/// Margin on every side, mm.
pub(crate) const MARGIN: f32 = 14.0;
/// Width between the side margins, mm.
pub(crate) const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// Right edge of the content area, mm.
pub(crate) const RIGHT: f32 = PAGE_W - MARGIN;
/// Millimetres per point.
pub(crate) const PT: f32 = 25.4 / 72.0;
/// Height of DejaVu's capitals, as a fraction of the font size.
const CAP_HEIGHT: f32 = 0.73;
/// Depth of DejaVu's descenders, as a fraction of the font size.
const DESCENT: f32 = 0.24;
/// The ellipsis used when text must be cut.
const ELLIPSIS: &str = "…";

/// A face at a size (points).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Style {
    /// Typeface.
    pub(crate) face: Face,
    /// Size in points.
    pub(crate) size: f32,
}

impl Style {
    /// DejaVu Sans at `size` points.
    pub(crate) const fn regular(size: f32) -> Self {
        Style {
            face: Face::Regular,
            size,
        }
    }

    /// DejaVu Sans Bold at `size` points.
    pub(crate) const fn bold(size: f32) -> Self {
        Style {
            face: Face::Bold,
            size,
        }
    }

    /// The same face at another size.
    pub(crate) const fn sized(self, size: f32) -> Self {
        Style {
            face: self.face,
            size,
        }
    }

    /// Distance between baselines of consecutive lines, mm.
    pub(crate) fn leading(self) -> f32 {
        self.size * PT * 1.22
    }

    /// Height of a capital letter, mm.
    pub(crate) fn cap(self) -> f32 {
        self.size * PT * CAP_HEIGHT
    }

    /// Depth below the baseline, mm.
    pub(crate) fn descent(self) -> f32 {
        self.size * PT * DESCENT
    }
}

/// Measures and fits text with the embedded fonts.
#[derive(Clone, Copy)]
pub(crate) struct Measure {
    fonts: &'static Fonts,
}

impl Measure {
    /// The measurer for the embedded fonts.
    pub(crate) fn new() -> Result<Self, PrintError> {
        Ok(Measure {
            fonts: fonts::fonts()?,
        })
    }

    /// Width of `text` in `style`, mm.
    pub(crate) fn width(self, style: Style, text: &str) -> f32 {
        fonts::width_mm(self.fonts, style.face, style.size, text)
    }

    /// `text` cut to `max_w` with an ellipsis (unchanged when it fits).
    pub(crate) fn truncate(self, style: Style, text: &str, max_w: f32) -> String {
        let text = fonts::clean(self.fonts, style.face, text);
        if self.width(style, &text) <= max_w {
            return text.into_owned();
        }
        let mut out = String::new();
        let room = max_w - self.width(style, ELLIPSIS);
        for c in text.chars() {
            out.push(c);
            if self.width(style, &out) > room {
                out.pop();
                break;
            }
        }
        let kept = out.trim_end().len();
        out.truncate(kept);
        out.push_str(ELLIPSIS);
        out
    }

    /// The largest size from `style.size` down to `min_size` (half-point steps)
    /// at which `text` fits `max_w` on one line; cut with an ellipsis at `min_size`.
    pub(crate) fn fit(
        self,
        style: Style,
        min_size: f32,
        text: &str,
        max_w: f32,
    ) -> (Style, String) {
        let mut size = style.size;
        while size > min_size && self.width(style.sized(size), text) > max_w {
            size = (size - 0.5).max(min_size);
        }
        let style = style.sized(size);
        (style, self.truncate(style, text, max_w))
    }

    /// `text` broken into lines no wider than `max_w` (words wider than a line are
    /// broken between characters). Always at least one line.
    pub(crate) fn wrap(self, style: Style, text: &str, max_w: f32) -> Vec<String> {
        let text = fonts::clean(self.fonts, style.face, text);
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if self.width(style, &candidate) <= max_w {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if self.width(style, word) <= max_w {
                line = word.to_owned();
                continue;
            }
            for c in word.chars() {
                line.push(c);
                if self.width(style, &line) > max_w && line.chars().count() > 1 {
                    line.pop();
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                }
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// `text` wrapped into at most `max_lines` lines of `max_w`, shrinking from
    /// `style.size` down to `min_size`; at `min_size` the last line is cut.
    pub(crate) fn fit_lines(
        self,
        style: Style,
        min_size: f32,
        text: &str,
        max_w: f32,
        max_lines: usize,
    ) -> (Style, Vec<String>) {
        let max_lines = max_lines.max(1);
        let mut size = style.size;
        loop {
            let sized = style.sized(size);
            let mut lines = self.wrap(sized, text, max_w);
            if lines.len() <= max_lines {
                return (sized, lines);
            }
            if size <= min_size {
                let rest = lines.split_off(max_lines - 1).join(" ");
                lines.push(self.truncate(sized, &rest, max_w));
                return (sized, lines);
            }
            size = (size - 0.5).max(min_size);
        }
    }
}

/// The document's font handles.
#[derive(Clone, Debug)]
pub(crate) struct DocFonts {
    regular: FontId,
    bold: FontId,
}

impl DocFonts {
    fn handle(&self, face: Face) -> PdfFontHandle {
        PdfFontHandle::External(match face {
            Face::Regular => self.regular.clone(),
            Face::Bold => self.bold.clone(),
        })
    }
}

fn point(x: f32, y: f32) -> Point {
    Point::new(Mm(x), Mm(PAGE_H - y))
}

fn grey(level: f32) -> Color {
    Color::Greyscale(Greyscale::new(level.clamp(0.0, 1.0), None))
}

/// One page being drawn.
pub(crate) struct Canvas {
    fonts: DocFonts,
    measure: Measure,
    ops: Vec<Op>,
}

impl Canvas {
    /// The text measurer.
    pub(crate) fn measure(&self) -> Measure {
        self.measure
    }

    /// Draw `text` with its baseline at (`x`, `baseline`).
    pub(crate) fn text(&mut self, x: f32, baseline: f32, style: Style, text: &str) {
        let text = fonts::clean(self.measure.fonts, style.face, text);
        if text.trim().is_empty() {
            return;
        }
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFont {
                font: self.fonts.handle(style.face),
                size: Pt(style.size),
            },
            Op::SetTextCursor {
                pos: point(x, baseline),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.into_owned())],
            },
            Op::EndTextSection,
        ]);
    }

    /// Draw `text` ending at `right`.
    pub(crate) fn text_right(&mut self, right: f32, baseline: f32, style: Style, text: &str) {
        let w = self.measure.width(style, text);
        self.text(right - w, baseline, style, text);
    }

    /// Draw `text` centred on `center`.
    pub(crate) fn text_center(&mut self, center: f32, baseline: f32, style: Style, text: &str) {
        let w = self.measure.width(style, text);
        self.text(center - w / 2.0, baseline, style, text);
    }

    /// Draw `text` shrunk (down to `min_size`) or cut to fit `max_w`.
    pub(crate) fn text_fit(
        &mut self,
        x: f32,
        baseline: f32,
        style: Style,
        min_size: f32,
        max_w: f32,
        text: &str,
    ) {
        let (style, text) = self.measure.fit(style, min_size, text, max_w);
        self.text(x, baseline, style, &text);
    }

    /// Draw lines of text from `top` (the top of the first line's capitals);
    /// returns the y just below the last line's descenders.
    pub(crate) fn lines(&mut self, x: f32, top: f32, style: Style, lines: &[String]) -> f32 {
        let mut baseline = top + style.cap();
        for line in lines {
            self.text(x, baseline, style, line);
            baseline += style.leading();
        }
        baseline - style.leading() + style.descent()
    }

    /// Draw a straight line `width` points thick.
    pub(crate) fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32) {
        self.ops.extend([
            Op::SetOutlineThickness { pt: Pt(width) },
            Op::DrawLine {
                line: Line {
                    points: vec![
                        LinePoint {
                            p: point(x1, y1),
                            bezier: false,
                        },
                        LinePoint {
                            p: point(x2, y2),
                            bezier: false,
                        },
                    ],
                    is_closed: false,
                },
            },
        ]);
    }

    /// A horizontal line.
    pub(crate) fn hline(&mut self, x1: f32, x2: f32, y: f32, width: f32) {
        self.line(x1, y, x2, y, width);
    }

    /// A vertical line.
    pub(crate) fn vline(&mut self, x: f32, y1: f32, y2: f32, width: f32) {
        self.line(x, y1, x, y2, width);
    }

    fn rectangle(&mut self, x: f32, y: f32, w: f32, h: f32, mode: PaintMode) {
        self.ops.push(Op::DrawRectangle {
            rectangle: Rect {
                x: Mm(x).into(),
                y: Mm(PAGE_H - y - h).into(),
                width: Mm(w).into(),
                height: Mm(h).into(),
                mode: Some(mode),
                winding_order: Some(WindingOrder::NonZero),
            },
        });
    }

    /// The outline of a box whose top-left corner is (`x`, `y`).
    pub(crate) fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32, width: f32) {
        self.ops.push(Op::SetOutlineThickness { pt: Pt(width) });
        self.rectangle(x, y, w, h, PaintMode::Stroke);
    }

    /// A dashed outline (a cut-out line).
    pub(crate) fn dashed_rect(&mut self, x: f32, y: f32, w: f32, h: f32, width: f32) {
        self.ops.extend([
            Op::SaveGraphicsState,
            Op::SetLineDashPattern {
                dash: LineDashPattern::new(0.0, &[4.0, 2.5]),
            },
        ]);
        self.stroke_rect(x, y, w, h, width);
        self.ops.push(Op::RestoreGraphicsState);
    }

    /// A filled box in grey `level` (0 black, 1 white).
    pub(crate) fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, level: f32) {
        self.ops
            .extend([Op::SaveGraphicsState, Op::SetFillColor { col: grey(level) }]);
        self.rectangle(x, y, w, h, PaintMode::Fill);
        self.ops.push(Op::RestoreGraphicsState);
    }

    /// A black filled box (QR modules).
    pub(crate) fn black_rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.rectangle(x, y, w, h, PaintMode::Fill);
    }

    /// A small empty check box with `label` after it; returns the x after the label.
    pub(crate) fn checkbox(&mut self, x: f32, baseline: f32, style: Style, label: &str) -> f32 {
        let side = style.cap() + 0.6;
        self.stroke_rect(x, baseline - side + 0.3, side, side, 0.6);
        let tx = x + side + 1.2;
        self.text(tx, baseline, style, label);
        tx + self.measure.width(style, label)
    }

    /// A line to write on, with a small caption under it.
    pub(crate) fn signature_line(&mut self, x: f32, y: f32, w: f32, caption: &str) {
        self.hline(x, x + w, y, 0.6);
        let (style, lines) = self
            .measure
            .fit_lines(Style::regular(7.0), 5.5, caption, w, 2);
        self.lines(x, y + 1.2, style, &lines);
    }
}

/// A document under construction.
pub(crate) struct Doc {
    pdf: PdfDocument,
    fonts: DocFonts,
    measure: Measure,
    pages: Vec<PdfPage>,
}

impl Doc {
    /// A new, empty document with the embedded fonts.
    pub(crate) fn new(title: &str) -> Result<Self, PrintError> {
        let measure = Measure::new()?;
        let mut pdf = PdfDocument::new(title);
        let fonts = DocFonts {
            regular: pdf.add_font(&measure.fonts.regular.font),
            bold: pdf.add_font(&measure.fonts.bold.font),
        };
        Ok(Doc {
            pdf,
            fonts,
            measure,
            pages: Vec::new(),
        })
    }

    /// The text measurer.
    pub(crate) fn measure(&self) -> Measure {
        self.measure
    }

    /// A blank page to draw on (add it with [`Doc::push`]).
    pub(crate) fn canvas(&self) -> Canvas {
        Canvas {
            fonts: self.fonts.clone(),
            measure: self.measure,
            ops: Vec::new(),
        }
    }

    /// A flow whose first page starts at `first_top` and later pages at `next_top`.
    pub(crate) fn flow(&self, first_top: f32, next_top: f32, bottom: f32) -> Flow {
        Flow {
            pages: vec![self.canvas()],
            fonts: self.fonts.clone(),
            measure: self.measure,
            y: first_top,
            page_top: first_top,
            next_top,
            bottom,
        }
    }

    /// Append a finished page.
    pub(crate) fn push(&mut self, canvas: Canvas) {
        self.pages
            .push(PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), canvas.ops));
    }

    /// The PDF bytes, fonts subset to the glyphs used.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        let options = PdfSaveOptions {
            subset_fonts: true,
            ..PdfSaveOptions::default()
        };
        let mut warnings = Vec::new();
        self.pdf.with_pages(std::mem::take(&mut self.pages));
        self.pdf.save(&options, &mut warnings)
    }
}

/// A top-to-bottom cursor over as many pages as the content needs.
pub(crate) struct Flow {
    pages: Vec<Canvas>,
    fonts: DocFonts,
    measure: Measure,
    /// Current y, mm from the top.
    pub(crate) y: f32,
    page_top: f32,
    next_top: f32,
    bottom: f32,
}

impl Flow {
    /// The page being drawn.
    pub(crate) fn page(&mut self) -> &mut Canvas {
        if self.pages.is_empty() {
            self.pages.push(Canvas {
                fonts: self.fonts.clone(),
                measure: self.measure,
                ops: Vec::new(),
            });
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// The text measurer.
    pub(crate) fn measure(&self) -> Measure {
        self.measure
    }

    /// The lowest y content may reach.
    pub(crate) fn bottom(&self) -> f32 {
        self.bottom
    }

    /// Room left on this page, mm.
    pub(crate) fn room(&self) -> f32 {
        self.bottom - self.y
    }

    /// Start a new page.
    pub(crate) fn new_page(&mut self) {
        self.pages.push(Canvas {
            fonts: self.fonts.clone(),
            measure: self.measure,
            ops: Vec::new(),
        });
        self.y = self.next_top;
        self.page_top = self.next_top;
    }

    /// Make room for a block `height` mm tall: starts a new page when it does
    /// not fit (unless nothing has been placed on this page yet, when the
    /// block is drawn anyway and the caller cuts it). True when a page was started.
    pub(crate) fn need(&mut self, height: f32) -> bool {
        if self.y + height > self.bottom && self.y > self.page_top + 0.01 {
            self.new_page();
            true
        } else {
            false
        }
    }

    /// The finished pages.
    pub(crate) fn into_pages(self) -> Vec<Canvas> {
        self.pages
    }
}
