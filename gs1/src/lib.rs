//! GS1 barcodes on vaccine packages: the text a keyboard-wedge scanner types
//! when it reads the 2D (DataMatrix) code on a carton, vial or syringe, read
//! into GTIN, expiry, lot and serial ([`parse`]), and the GTIN turned into the
//! package's 11-digit NDC through the CDC's NDC code sets ([`NdcIndex`]).
//!
//! Pure: no files, no clock. The code sets are embedded at build time from
//! `../shared/codesets` (or `$SALAL_CODESETS_DIR`) like core's; messages are
//! translation keys ([`salal_core::i18n::UserMessage`]).
//!
//! ```
//! let package = salal_gs1::read_package("]d20100349281425509\u{1d}10UT8021AA\u{1d}17271200")?;
//! assert_eq!(package.summary_line(), "ndc=49281-0425-50 lot=UT8021AA expires=2027-12-31");
//! # Ok::<(), salal_gs1::Gs1Error>(())
//! ```

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

pub mod ai;
mod element;
mod error;
pub mod gtin;
pub mod ndc;

pub use element::{ElementString, Field, MAX_CHARS, parse, parse_bytes, parse_date};
pub use error::{Gs1Error, describe_char, field_name};
pub use gtin::Gtin;
pub use ndc::{CodeSetError, NdcIndex, NdcSources, Product};

use chrono::NaiveDate;

/// A scanned vaccine package: its product, lot, expiry and serial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaccinePackage {
    /// The GTIN the barcode carries.
    pub gtin: Gtin,
    /// The product, with its 11-digit NDC.
    pub product: Product,
    /// Lot number (10).
    pub lot: String,
    /// Expiry date (17); day 00 in the barcode is the last day of the month.
    pub expires: NaiveDate,
    /// Serial number (21), when the barcode has one.
    pub serial: Option<String>,
}

impl VaccinePackage {
    /// The NDC in 5-4-2 form with hyphens.
    #[must_use]
    pub fn ndc11(&self) -> &str {
        &self.product.ndc11
    }

    /// `ndc=NDC11 lot=LOT expires=YYYY-MM-DD`, then ` serial=SERIAL` when there is one.
    #[must_use]
    pub fn summary_line(&self) -> String {
        let mut line = format!(
            "ndc={} lot={} expires={}",
            self.product.ndc11,
            self.lot,
            self.expires.format("%Y-%m-%d")
        );
        if let Some(serial) = &self.serial {
            line.push_str(" serial=");
            line.push_str(serial);
        }
        line
    }
}

impl NdcIndex {
    /// The package a barcode's fields describe: a known product, a lot and an expiry.
    pub fn package(&self, element: &ElementString) -> Result<VaccinePackage, Gs1Error> {
        let gtin = element.gtin.clone().ok_or(Gs1Error::MissingGtin)?;
        let product = self.lookup(&gtin)?.clone();
        let lot = element.lot.clone().ok_or(Gs1Error::MissingLot)?;
        let expires = element.expiry.ok_or(Gs1Error::MissingExpiry)?;
        Ok(VaccinePackage {
            gtin,
            product,
            lot,
            expires,
            serial: element.serial.clone(),
        })
    }

    /// Reads a scanned barcode's text into a package.
    pub fn read_package(&self, text: &str) -> Result<VaccinePackage, Gs1Error> {
        self.package(&parse(text)?)
    }
}

fn embedded_index() -> Result<&'static NdcIndex, Gs1Error> {
    NdcIndex::embedded().map_err(|e| Gs1Error::CodeSets {
        details: e.to_string(),
    })
}

/// Reads a scanned barcode's text into a package, with the embedded code sets.
pub fn read_package(text: &str) -> Result<VaccinePackage, Gs1Error> {
    let element = parse(text)?;
    embedded_index()?.package(&element)
}

/// [`read_package`] for text sent as bytes; bytes that are not UTF-8 are refused.
pub fn read_package_bytes(bytes: &[u8]) -> Result<VaccinePackage, Gs1Error> {
    let element = parse_bytes(bytes)?;
    embedded_index()?.package(&element)
}
