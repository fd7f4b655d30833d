//! The two embedded faces, DejaVu Sans and DejaVu Sans Bold (license in
//! `print/fonts/LICENSE`), parsed once per process, and text measurement from
//! their horizontal glyph advances.
//!
//! Text is cleaned before it is measured or drawn ([`clean`]): composed to NFC
//! (so "é" is one glyph, as the font expects), control characters become
//! spaces, and characters the font has no glyph for become "?".

use crate::PrintError;
use printpdf::ParsedFont;
use std::borrow::Cow;
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

static REGULAR_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// Advances are cached for code points below this (Latin, Latin-1, Latin Extended).
const CACHED: usize = 0x0250;

/// A typeface of the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Face {
    /// DejaVu Sans.
    Regular,
    /// DejaVu Sans Bold.
    Bold,
}

/// One parsed face and its measurements.
pub(crate) struct FontFace {
    /// The parsed font, for embedding.
    pub(crate) font: ParsedFont,
    units_per_em: f32,
    /// Advance in font units per code point below [`CACHED`]; `None` = no glyph.
    cached: Vec<Option<u16>>,
}

impl FontFace {
    fn parse(bytes: &[u8]) -> Option<Self> {
        let mut warnings = Vec::new();
        let font = ParsedFont::from_bytes(bytes, 0, &mut warnings)?;
        let units_per_em = f32::from(font.pdf_font_metrics.units_per_em.max(1));
        let mut face = FontFace {
            font,
            units_per_em,
            cached: Vec::new(),
        };
        face.cached = (0..CACHED)
            .map(|cp| {
                u32::try_from(cp)
                    .ok()
                    .and_then(char::from_u32)
                    .and_then(|c| face.lookup(c))
            })
            .collect();
        Some(face)
    }

    fn lookup(&self, c: char) -> Option<u16> {
        let gid = self.font.lookup_glyph_index(u32::from(c))?;
        (gid != 0).then(|| self.font.get_horizontal_advance(gid))
    }

    /// The advance of `c` in font units, `None` when the font has no glyph for it.
    fn advance(&self, c: char) -> Option<u16> {
        match self.cached.get(c as usize) {
            Some(cached) => *cached,
            None => self.lookup(c),
        }
    }

    /// Whether the face can draw `c`.
    pub(crate) fn has(&self, c: char) -> bool {
        self.advance(c).is_some()
    }

    /// Width of already cleaned text, in points at `size` points.
    fn width_pt(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text
            .chars()
            .map(|c| u32::from(self.advance(c).unwrap_or(0)))
            .sum();
        units as f32 / self.units_per_em * size
    }
}

/// Both faces.
pub(crate) struct Fonts {
    /// DejaVu Sans.
    pub(crate) regular: FontFace,
    /// DejaVu Sans Bold.
    pub(crate) bold: FontFace,
}

impl Fonts {
    /// The face for `face`.
    pub(crate) fn face(&self, face: Face) -> &FontFace {
        match face {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
        }
    }
}

static FONTS: OnceLock<Result<Fonts, &'static str>> = OnceLock::new();

/// The embedded fonts, parsed on first use.
pub(crate) fn fonts() -> Result<&'static Fonts, PrintError> {
    FONTS
        .get_or_init(|| {
            let regular = FontFace::parse(REGULAR_TTF).ok_or("DejaVuSans.ttf")?;
            let bold = FontFace::parse(BOLD_TTF).ok_or("DejaVuSans-Bold.ttf")?;
            Ok(Fonts { regular, bold })
        })
        .as_ref()
        .map_err(|font| PrintError::FontLoad { font })
}

/// Text ready to draw with `face`: NFC, no control characters, "?" for missing glyphs.
pub(crate) fn clean<'a>(fonts: &Fonts, face: Face, text: &'a str) -> Cow<'a, str> {
    let face = fonts.face(face);
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.nfc()
            .map(|c| {
                if c.is_control() {
                    ' '
                } else if face.has(c) {
                    c
                } else {
                    '?'
                }
            })
            .collect(),
    )
}

/// Width of `text` in millimetres when set in `face` at `size` points.
pub(crate) fn width_mm(fonts: &Fonts, face: Face, size: f32, text: &str) -> f32 {
    let text = clean(fonts, face, text);
    fonts.face(face).width_pt(&text, size) * crate::layout::PT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fonts_parse_and_have_the_marks_and_accents() {
        let fonts = fonts().expect("embedded fonts parse");
        for c in ['●', '◆', '—', '–', '…', 'é', 'Ñ', 'ñ', 'Á', '¿', '✂', '•'] {
            assert!(fonts.regular.has(c), "regular lacks {c}");
            assert!(fonts.bold.has(c), "bold lacks {c}");
        }
    }

    #[test]
    fn widths_grow_with_text_and_size() {
        let fonts = fonts().expect("embedded fonts parse");
        let a = width_mm(fonts, Face::Regular, 10.0, "José");
        let b = width_mm(fonts, Face::Regular, 10.0, "José Núñez");
        let c = width_mm(fonts, Face::Regular, 20.0, "José Núñez");
        assert!(a > 0.0 && b > a && (c - 2.0 * b).abs() < 0.01);
        assert!(
            width_mm(fonts, Face::Bold, 10.0, "Mmmm")
                > width_mm(fonts, Face::Regular, 10.0, "Mmmm")
        );
        // Decomposed accents measure as their composed form.
        let decomposed = "Jose\u{301}";
        assert!((width_mm(fonts, Face::Regular, 10.0, decomposed) - a).abs() < 0.001);
    }

    #[test]
    fn clean_replaces_controls_and_missing_glyphs() {
        let fonts = fonts().expect("embedded fonts parse");
        assert_eq!(clean(fonts, Face::Regular, "a\tb\nc"), "a b c");
        assert_eq!(clean(fonts, Face::Regular, "漢"), "?");
    }
}
