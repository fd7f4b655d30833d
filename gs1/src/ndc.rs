//! GTIN → NDC through the CDC's NDC code sets.
//!
//! A US drug GTIN carries the 10-digit NDC as the labeler printed it, but the
//! 11-digit 5-4-2 NDC the crosswalk (and HL7, and the registry) uses depends on
//! where the missing zero goes: 4-4-2 (`0006-4109-02` → `00006-4109-02`),
//! 5-3-2 (`49281-425-50` → `49281-0425-50`) or 5-4-1 (`59267-4315-2` →
//! `59267-4315-02`). That layout is a property of the product, so it is read
//! from the code set, never guessed:
//!
//! 1. A GTIN listed in the `gtin` column of `ndc_unit_of_sale.csv` or
//!    `ndc_unit_of_use.csv` is that row's product.
//! 2. Otherwise the 10-digit NDC is matched against each row's labeler,
//!    product and package segments as CDC lists them (`outer_labeler`,
//!    `outer_product`, `outer_package`; `use_*` for units of use), which are
//!    the 10-digit NDC with its layout.
//! 3. A product of the crosswalk with no such row matches any of its possible
//!    10-digit forms (drop the leading zero of one segment).
//!
//! More than one product for a GTIN or 10-digit NDC is refused as ambiguous;
//! none is an unknown product. Product details (trade name, labeler, MVX, CVX)
//! come from `ndc_cvx_crosswalk.csv`.

use crate::error::Gs1Error;
use crate::gtin::Gtin;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

/// A packaged vaccine product, by 11-digit NDC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// NDC in 5-4-2 form with hyphens, e.g. `49281-0425-50`.
    pub ndc11: String,
    /// The proprietary (trade) name.
    pub proprietary_name: String,
    /// The labeler's name.
    pub labeler: String,
    /// The manufacturer's MVX code (may be empty).
    pub mvx: String,
    /// The vaccine's CVX code.
    pub cvx: String,
}

/// A code set file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct CodeSetError {
    /// The file.
    pub file: &'static str,
    /// What is wrong.
    pub message: String,
}

/// The text of the code set files.
#[derive(Debug, Clone, Copy)]
pub struct NdcSources<'a> {
    /// cdc/ndc_cvx_crosswalk.csv
    pub crosswalk: &'a str,
    /// cdc/ndc_unit_of_sale.csv
    pub unit_of_sale: &'a str,
    /// cdc/ndc_unit_of_use.csv
    pub unit_of_use: &'a str,
}

impl NdcSources<'static> {
    /// The files embedded at build time from the shared code sets.
    #[must_use]
    pub fn embedded() -> NdcSources<'static> {
        NdcSources {
            crosswalk: crate::embedded::NDC_CVX,
            unit_of_sale: crate::embedded::NDC_UNIT_OF_SALE,
            unit_of_use: crate::embedded::NDC_UNIT_OF_USE,
        }
    }
}

/// Products by GTIN and by 10-digit NDC.
#[derive(Debug, Clone, Default)]
pub struct NdcIndex {
    products: Vec<Product>,
    by_ndc11: BTreeMap<String, usize>,
    by_gtin: BTreeMap<String, BTreeSet<usize>>,
    by_ndc10: BTreeMap<String, BTreeSet<usize>>,
}

static EMBEDDED: LazyLock<Result<NdcIndex, CodeSetError>> =
    LazyLock::new(|| NdcIndex::from_sources(&NdcSources::embedded()));

/// The columns of a unit-of-sale or unit-of-use file.
struct UnitColumns {
    file: &'static str,
    labeler: &'static str,
    product: &'static str,
    package: &'static str,
    name: &'static str,
    labeler_name: &'static str,
    gtins: &'static [&'static str],
}

const SALE: UnitColumns = UnitColumns {
    file: "ndc_unit_of_sale.csv",
    labeler: "outer_labeler",
    product: "outer_product",
    package: "outer_package",
    name: "outer_proprietary_name",
    labeler_name: "outer_labeler_name",
    gtins: &["gtin"],
};

const USE: UnitColumns = UnitColumns {
    file: "ndc_unit_of_use.csv",
    labeler: "use_labeler",
    product: "use_product",
    package: "use_package",
    name: "use_proprietary_name",
    labeler_name: "use_labeler_name",
    gtins: &["gtin", "use_gtin"],
};

impl NdcIndex {
    /// The index of the code sets embedded at build time.
    pub fn embedded() -> Result<&'static NdcIndex, &'static CodeSetError> {
        EMBEDDED.as_ref()
    }

    /// Builds the index from the code set files.
    pub fn from_sources(src: &NdcSources<'_>) -> Result<NdcIndex, CodeSetError> {
        let mut index = NdcIndex::default();
        let mut has_layout = BTreeSet::new();
        let file = "ndc_cvx_crosswalk.csv";
        let table = Table::read(file, src.crosswalk)?;
        for row in &table.rows {
            let ndc11 = table.ndc11(row)?;
            index.add(Product {
                ndc11,
                proprietary_name: table.get(row, "proprietary_name")?.to_owned(),
                labeler: table.get(row, "labeler_name")?.to_owned(),
                mvx: table.get(row, "mvx_code")?.to_owned(),
                cvx: table.get(row, "cvx_code")?.trim().to_owned(),
            });
        }
        for (columns, text) in [(&SALE, src.unit_of_sale), (&USE, src.unit_of_use)] {
            let table = Table::read(columns.file, text)?;
            for row in &table.rows {
                let ndc11 = table.ndc11(row)?;
                let id = index.add(Product {
                    ndc11: ndc11.clone(),
                    proprietary_name: table.get(row, columns.name)?.to_owned(),
                    labeler: table.get(row, columns.labeler_name)?.to_owned(),
                    mvx: String::new(),
                    cvx: table.get(row, "cvx_code")?.trim().to_owned(),
                });
                let segments = [
                    table.get(row, columns.labeler)?,
                    table.get(row, columns.product)?,
                    table.get(row, columns.package)?,
                ];
                if let Some(ndc10) = layout(segments, &ndc11) {
                    index.by_ndc10.entry(ndc10).or_default().insert(id);
                    has_layout.insert(id);
                }
                for column in columns.gtins {
                    let text = table.get(row, column)?.trim();
                    if let Ok(gtin) = Gtin::parse(text) {
                        index
                            .by_gtin
                            .entry(gtin.as_str().to_owned())
                            .or_default()
                            .insert(id);
                    }
                }
            }
        }
        for id in 0..index.products.len() {
            if !has_layout.contains(&id) {
                for form in ten_digit_forms(&index.products[id].ndc11) {
                    index.by_ndc10.entry(form).or_default().insert(id);
                }
            }
        }
        Ok(index)
    }

    /// Every product, in the order first listed.
    #[must_use]
    pub fn products(&self) -> &[Product] {
        &self.products
    }

    /// The product with this 11-digit NDC (with or without hyphens).
    #[must_use]
    pub fn product(&self, ndc11: &str) -> Option<&Product> {
        let key = normalize_ndc11(ndc11)?;
        self.by_ndc11.get(&key).map(|&id| &self.products[id])
    }

    /// The product a GTIN identifies.
    pub fn lookup(&self, gtin: &Gtin) -> Result<&Product, Gs1Error> {
        if let Some(ids) = self.by_gtin.get(gtin.as_str()) {
            return self.one(gtin, gtin.ndc10().unwrap_or_default(), ids);
        }
        let Some(ndc10) = gtin.ndc10() else {
            return Err(Gs1Error::NotNdcGtin {
                gtin: gtin.as_str().to_owned(),
            });
        };
        match self.by_ndc10.get(ndc10) {
            Some(ids) => self.one(gtin, ndc10, ids),
            None => Err(Gs1Error::UnknownProduct {
                gtin: gtin.as_str().to_owned(),
                ndc10: ndc10.to_owned(),
            }),
        }
    }

    fn one(&self, gtin: &Gtin, ndc10: &str, ids: &BTreeSet<usize>) -> Result<&Product, Gs1Error> {
        match ids.iter().collect::<Vec<_>>().as_slice() {
            [id] => Ok(&self.products[**id]),
            many => Err(Gs1Error::AmbiguousNdc {
                gtin: gtin.as_str().to_owned(),
                ndc10: ndc10.to_owned(),
                candidates: many
                    .iter()
                    .map(|id| self.products[**id].ndc11.clone())
                    .collect(),
            }),
        }
    }

    /// Adds a product unless its NDC is known; its id either way.
    fn add(&mut self, product: Product) -> usize {
        if let Some(&id) = self.by_ndc11.get(&product.ndc11) {
            return id;
        }
        let id = self.products.len();
        self.by_ndc11.insert(product.ndc11.clone(), id);
        self.products.push(product);
        id
    }
}

/// The 10-digit NDC of labeler, product and package segments, if they are one
/// (4-4-2, 5-3-2 or 5-4-1 digits) and zero-pad to `ndc11`.
fn layout(segments: [&str; 3], ndc11: &str) -> Option<String> {
    let [labeler, product, package] = segments.map(str::trim);
    let lengths = (labeler.len(), product.len(), package.len());
    if !matches!(lengths, (4, 4, 2) | (5, 3, 2) | (5, 4, 1))
        || !segments
            .iter()
            .all(|s| s.trim().bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let padded = format!("{labeler:0>5}-{product:0>4}-{package:0>2}");
    (padded == ndc11).then(|| format!("{labeler}{product}{package}"))
}

/// The 10-digit NDCs an 11-digit one may have been printed as.
fn ten_digit_forms(ndc11: &str) -> Vec<String> {
    let parts: Vec<&str> = ndc11.split('-').collect();
    let [labeler, product, package] = parts.as_slice() else {
        return Vec::new();
    };
    let mut forms = Vec::new();
    if let Some(l) = labeler.strip_prefix('0') {
        forms.push(format!("{l}{product}{package}"));
    }
    if let Some(p) = product.strip_prefix('0') {
        forms.push(format!("{labeler}{p}{package}"));
    }
    if let Some(k) = package.strip_prefix('0') {
        forms.push(format!("{labeler}{product}{k}"));
    }
    forms.sort();
    forms.dedup();
    forms
}

/// `NNNNN-NNNN-NN` from 11 digits with or without hyphens.
fn normalize_ndc11(text: &str) -> Option<String> {
    let text = text.trim();
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let only_digits_and_hyphens = text.chars().all(|c| c.is_ascii_digit() || c == '-');
    (digits.len() == 11 && only_digits_and_hyphens)
        .then(|| format!("{}-{}-{}", &digits[..5], &digits[5..9], &digits[9..]))
}

/// A CSV file with a header row.
struct Table {
    file: &'static str,
    header: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    fn read(file: &'static str, text: &str) -> Result<Table, CodeSetError> {
        let err = |e: csv::Error| CodeSetError {
            file,
            message: e.to_string(),
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map_err(err)?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
            .collect();
        let rows = reader
            .records()
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        Ok(Table { file, header, rows })
    }

    fn get<'r>(&self, row: &'r csv::StringRecord, column: &str) -> Result<&'r str, CodeSetError> {
        let i = self
            .header
            .iter()
            .position(|h| h == column)
            .ok_or_else(|| CodeSetError {
                file: self.file,
                message: format!("missing column '{column}'"),
            })?;
        Ok(row.get(i).unwrap_or_default())
    }

    fn ndc11(&self, row: &csv::StringRecord) -> Result<String, CodeSetError> {
        let text = self.get(row, "ndc11")?;
        normalize_ndc11(text).ok_or_else(|| CodeSetError {
            file: self.file,
            message: format!("'{text}' is not an 11-digit NDC"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CROSSWALK: &str = "ndc11,unit,cvx_code,cvx_short_description,proprietary_name,labeler_name,mvx_code,start_date,end_date\n\
        50632-0001-01,use,206,x,JYNNEOS,Bavarian Nordic A/S,BN,20210317,\n\
        50632-0010-01,sale,176,x,RabAvert,Bavarian Nordic A/S,BN,20210524,\n";
    const SALE: &str = "outer_labeler,outer_product,outer_package,outer_proprietary_name,outer_labeler_name,cvx_code,ndc11,gtin\n\
        50632,010,01,RabAvert,Bavarian Nordic A/S,176,50632-0010-01,\n";
    const USE: &str = "use_labeler,use_product,use_package,use_proprietary_name,use_labeler_name,use_gtin,cvx_code,ndc11,gtin\n\
        50632,001,01,JYNNEOS,Bavarian Nordic A/S,,206,50632-0001-01,\n";

    fn gtin(ndc10: &str) -> Gtin {
        let body = format!("003{ndc10}");
        let check = crate::gtin::check_digit(&body).expect("digits");
        Gtin::parse(&format!("{body}{check}")).expect("valid")
    }

    #[test]
    fn the_segment_layout_decides_where_the_zero_goes() {
        // 5063200101 is JYNNEOS as 5-3-2, and would be RabAvert as 5-4-1: the rows' layouts decide.
        let index = NdcIndex::from_sources(&NdcSources {
            crosswalk: CROSSWALK,
            unit_of_sale: SALE,
            unit_of_use: USE,
        })
        .expect("index");
        let p = index.lookup(&gtin("5063200101")).expect("JYNNEOS");
        assert_eq!(p.ndc11, "50632-0001-01");
        assert_eq!(p.mvx, "BN");
        let p = index.lookup(&gtin("5063201001")).expect("RabAvert");
        assert_eq!(p.ndc11, "50632-0010-01");
    }

    #[test]
    fn without_layouts_a_shared_ten_digit_form_is_ambiguous() {
        let header_sale = SALE.lines().next().expect("header");
        let header_use = USE.lines().next().expect("header");
        let index = NdcIndex::from_sources(&NdcSources {
            crosswalk: CROSSWALK,
            unit_of_sale: header_sale,
            unit_of_use: header_use,
        })
        .expect("index");
        let err = index.lookup(&gtin("5063200101")).expect_err("ambiguous");
        assert!(
            matches!(err, Gs1Error::AmbiguousNdc { ref candidates, .. } if candidates.len() == 2)
        );
        // 5063201001 is only RabAvert's (5-3-2) form.
        assert_eq!(
            index.lookup(&gtin("5063201001")).map(|p| p.ndc11.as_str()),
            Ok("50632-0010-01")
        );
    }

    #[test]
    fn ten_digit_forms_drop_one_leading_zero() {
        assert_eq!(
            ten_digit_forms("00006-4109-02"),
            ["0000641092", "0006410902"]
        );
        assert_eq!(ten_digit_forms("49281-0425-50"), ["4928142550"]);
        assert_eq!(
            normalize_ndc11("49281042550").as_deref(),
            Some("49281-0425-50")
        );
        assert_eq!(normalize_ndc11("4928104255"), None);
    }

    #[test]
    fn a_missing_column_is_reported() {
        let err = NdcIndex::from_sources(&NdcSources {
            crosswalk: "ndc11\n49281-0425-50\n",
            unit_of_sale: SALE,
            unit_of_use: USE,
        })
        .expect_err("no proprietary_name");
        assert_eq!(err.file, "ndc_cvx_crosswalk.csv");
    }
}
