//! The verification QR code: encoded at error correction level M (L when the
//! text is too long for M), drawn as filled squares with a four-module quiet
//! zone kept clear around it, and a caption underneath.

use crate::PrintError;
use crate::layout::{Canvas, Style};
use qrcode::types::QrError;
use qrcode::{Color, EcLevel, QrCode};

/// Modules of clear space on every side of the code.
pub(crate) const QUIET_MODULES: usize = 4;
/// Width of the code's modules (without the quiet zone), mm.
pub(crate) const CODE_MM: f32 = 32.0;

/// An encoded QR code.
pub(crate) struct Qr {
    width: usize,
    dark: Vec<bool>,
}

impl Qr {
    /// Encode `text`.
    pub(crate) fn encode(text: &str) -> Result<Self, PrintError> {
        let code = match QrCode::with_error_correction_level(text, EcLevel::M) {
            Ok(code) => code,
            Err(QrError::DataTooLong) => QrCode::with_error_correction_level(text, EcLevel::L)
                .map_err(|e| qr_error(text, e))?,
            Err(e) => return Err(qr_error(text, e)),
        };
        Ok(Qr {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        })
    }

    /// Size of one module when the code is [`CODE_MM`] wide, mm.
    pub(crate) fn module(&self) -> f32 {
        CODE_MM / self.width.max(1) as f32
    }

    /// Width of the code plus its quiet zone, mm.
    pub(crate) fn outer(&self) -> f32 {
        CODE_MM + 2.0 * QUIET_MODULES as f32 * self.module()
    }

    /// Draw the code with its quiet zone's top-left corner at (`x`, `y`) and
    /// the caption under it; returns the y below the caption.
    pub(crate) fn draw(&self, canvas: &mut Canvas, x: f32, y: f32, caption: &str) -> f32 {
        let m = self.module();
        let quiet = QUIET_MODULES as f32 * m;
        let (x0, y0) = (x + quiet, y + quiet);
        for row in 0..self.width {
            let mut col = 0;
            while col < self.width {
                if !self.is_dark(row, col) {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < self.width && self.is_dark(row, col) {
                    col += 1;
                }
                // A hair of overlap so renderers leave no seams between modules.
                canvas.black_rect(
                    x0 + start as f32 * m,
                    y0 + row as f32 * m,
                    (col - start) as f32 * m + 0.02,
                    m + 0.02,
                );
            }
        }
        let style = Style::regular(7.5);
        let center = x + self.outer() / 2.0;
        let baseline = y + self.outer() + style.cap();
        let (style, caption) = canvas.measure().fit(style, 5.5, caption, self.outer());
        canvas.text_center(center, baseline, style, &caption);
        baseline + style.descent()
    }

    fn is_dark(&self, row: usize, col: usize) -> bool {
        self.dark
            .get(row * self.width + col)
            .copied()
            .unwrap_or(false)
    }
}

fn qr_error(text: &str, error: QrError) -> PrintError {
    match error {
        QrError::DataTooLong => PrintError::QrTooLong { bytes: text.len() },
        other => PrintError::Qr(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_falls_back_then_fails_cleanly() {
        assert!(Qr::encode(&"A".repeat(300)).is_ok());
        // Too long for level M at version 40 (2,331 bytes) but fine at L (2,953).
        assert!(Qr::encode(&"a".repeat(2_500)).is_ok());
        assert!(matches!(
            Qr::encode(&"a".repeat(4_000)),
            Err(PrintError::QrTooLong { bytes: 4_000 })
        ));
    }

    #[test]
    fn module_size_keeps_the_code_at_least_30_mm() {
        let qr = Qr::encode(&"x".repeat(300)).expect("encodes");
        assert!(qr.module() * qr.width as f32 >= 30.0);
        assert!(qr.outer() > CODE_MM);
    }
}
