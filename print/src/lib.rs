//! Salal's printed documents as PDF: the Certificate of Immunization Status,
//! the immunization record, consent forms, reminder/recall letters and
//! mailing labels, and tabular inventory reports ([`report_pdf`]), in English
//! and Spanish, with no network and no OS fonts.
//!
//! Callers fill a [`model`] struct; each `*_pdf` function returns the PDF bytes.
//! Pages are US Letter with 14 mm margins; content that does not fit one page
//! continues on further pages under a running header (the child's name, birth
//! date and "page N of M"). Text is set in the embedded DejaVu Sans faces,
//! subset into each file, so every accent is drawn and can be copied back out.

mod cis;
mod common;
mod consent;
mod fonts;
mod labels;
mod layout;
mod letters;
pub mod model;
mod qr;
mod record;
mod report;

pub use report::report_pdf;
use salal_core::i18n::{Lang, UserMessage};

/// Why a document could not be laid out.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// One of the embedded fonts could not be parsed.
    #[error("the embedded font {font} could not be read")]
    FontLoad {
        /// The font file.
        font: &'static str,
    },
    /// The verification text does not fit in a QR code, even at the lowest error correction.
    #[error("the verification text is too long for a QR code ({bytes} bytes; at most 2,953 fit)")]
    QrTooLong {
        /// Length of the text in bytes.
        bytes: usize,
    },
    /// The QR encoder refused the text for another reason.
    #[error("the verification text cannot be put in a QR code: {0}")]
    Qr(String),
}

impl UserMessage for PrintError {
    fn message_key(&self) -> &'static str {
        match self {
            PrintError::FontLoad { .. } => "print.error.font_load",
            PrintError::QrTooLong { .. } => "print.error.qr_too_long",
            PrintError::Qr(_) => "print.error.qr",
        }
    }

    fn message_args(&self, lang: Lang) -> Vec<(&'static str, String)> {
        let _ = lang;
        match self {
            PrintError::FontLoad { font } => vec![("font", (*font).to_owned())],
            PrintError::QrTooLong { bytes } => vec![("bytes", bytes.to_string())],
            PrintError::Qr(details) => vec![("details", details.clone())],
        }
    }
}

/// The Certificate of Immunization Status (DOH 348-013 layout).
pub fn cis_pdf(cis: &model::Cis) -> Result<Vec<u8>, PrintError> {
    cis::render(cis)
}

/// The immunization record: every dose, what is due next, and a cut-out family card.
pub fn record_pdf(record: &model::ImmunizationRecord) -> Result<Vec<u8>, PrintError> {
    record::render(record)
}

/// A pre-filled consent (decline) form.
pub fn consent_pdf(form: &model::ConsentForm) -> Result<Vec<u8>, PrintError> {
    consent::render(form)
}

/// One PDF, one page (or more) per letter; calls progress(done, total) as letters are laid out.
pub fn recall_letters_pdf(
    letters: &[model::RecallLetter],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<u8>, PrintError> {
    letters::render(letters, progress)
}

/// Avery 5160 / 8160 layout: US Letter, 3 columns x 10 rows, labels 2.625 in x 1 in, top margin 0.5 in, side margin 0.1875 in, 0.125 in gap between columns.
pub fn mailing_labels_pdf(labels: &[model::MailingLabel]) -> Result<Vec<u8>, PrintError> {
    labels::render(labels)
}
