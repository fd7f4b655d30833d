//! Code sets: CVX vaccines, MVX manufacturers, the NDC → CVX crosswalk, trade
//! names, VIS documents and the HL7 v2.5.1 tables a dose record uses (route,
//! site, VFC eligibility, funding source, refusal reason, information source,
//! evidence of immunity, contraindications).
//!
//! They are read from the shared CDC/HL7 CSV files at build time and parsed
//! once on first use ([`CodeSets::embedded`]); [`CodeSets::from_sources`] takes
//! newer files without a code change.

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// A vaccine administered, by CVX code.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Vaccine {
    /// CVX code, as CDC writes it (leading zero kept: "08").
    pub cvx: String,
    /// CDC's short description.
    pub short_description: String,
    /// CDC's full vaccine name.
    pub full_name: String,
    /// Active, Inactive, Never Active, Non-US.
    pub status: String,
    /// Vaccine groups the vaccine counts toward (CDC's CVX → vaccine group map).
    pub vaccine_groups: Vec<String>,
    /// Trade names (CDC product names) with their MVX.
    pub trade_names: Vec<TradeName>,
}

impl Vaccine {
    /// Whether the vaccine is currently in use in the US.
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.status.eq_ignore_ascii_case("Active")
    }
}

/// A brand name of a vaccine.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TradeName {
    /// The product name, e.g. "PEDIARIX".
    pub name: String,
    /// Its manufacturer's MVX code.
    pub mvx: String,
}

/// A vaccine manufacturer, by MVX code.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Manufacturer {
    /// MVX code.
    pub mvx: String,
    /// Manufacturer name.
    pub name: String,
    /// Active or Inactive.
    pub status: String,
}

/// A packaged product, by 11-digit NDC.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NdcProduct {
    /// NDC in 5-4-2 form with hyphens.
    pub ndc11: String,
    /// "sale" or "use".
    pub unit: String,
    /// The vaccine.
    pub cvx: String,
    /// The manufacturer.
    pub mvx: String,
    /// The proprietary (trade) name.
    pub proprietary_name: String,
}

/// A Vaccine Information Statement edition.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VisDocument {
    /// The fully encoded GS1 string that identifies the edition (HL7 OBX 69764-9).
    pub encoded: String,
    /// Document name, e.g. "Polio VIS".
    pub name: String,
    /// Edition date as CDC writes it (M/D/YYYY).
    pub edition_date: String,
    /// Current or Historic.
    pub status: String,
}

/// One value of an HL7 or CDC table.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Code {
    /// The code sent in HL7.
    pub code: String,
    /// Its display text.
    pub display: String,
    /// The code system (HL70162, NCIT, CDCPHINVS, ...).
    pub code_system: String,
    /// Valid or Deprecated.
    pub status: String,
}

/// The tables of [`Code`]s a dose record uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Table {
    /// Route of administration (RXR-1).
    Route,
    /// Administration site (RXR-2).
    Site,
    /// VFC eligibility (HL70064, OBX 64994-7).
    VfcEligibility,
    /// Funding source of the dose (OBX 30963-3).
    FundingSource,
    /// Refusal reason (NIP002, RXA-18).
    RefusalReason,
    /// Information source (NIP001, RXA-9).
    InformationSource,
    /// Evidence of immunity (SNOMED, OBX 59784-9).
    EvidenceOfImmunity,
    /// Contraindications and precautions (OBX 30945-0).
    Contraindication,
}

impl Table {
    /// Every table.
    pub const ALL: [Table; 8] = [
        Table::Route,
        Table::Site,
        Table::VfcEligibility,
        Table::FundingSource,
        Table::RefusalReason,
        Table::InformationSource,
        Table::EvidenceOfImmunity,
        Table::Contraindication,
    ];
}

/// A code set file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("code set {file}: {message}")]
pub struct CodeSetError {
    /// Which file.
    pub file: &'static str,
    /// What is wrong with it.
    pub message: String,
}

/// The text of every code set file (CSV with a header row).
#[derive(Debug, Clone, Copy)]
pub struct CodeSetSources<'a> {
    /// cdc/cvx.csv
    pub cvx: &'a str,
    /// cdc/mvx.csv
    pub mvx: &'a str,
    /// cdc/cvx_vaccine_group.csv
    pub cvx_vaccine_group: &'a str,
    /// cdc/cvx_product_names.csv
    pub product_names: &'a str,
    /// cdc/cvx_vis.csv
    pub cvx_vis: &'a str,
    /// cdc/ndc_cvx_crosswalk.csv
    pub ndc_cvx: &'a str,
    /// The HL7 tables, each `code,display,code_system,status,...`.
    pub tables: [(Table, &'a str); 8],
}

/// All code sets, indexed for lookup.
#[derive(Debug, Clone, Default)]
pub struct CodeSets {
    vaccines: BTreeMap<String, Vaccine>,
    manufacturers: BTreeMap<String, Manufacturer>,
    ndc: BTreeMap<String, NdcProduct>,
    vis: BTreeMap<String, Vec<VisDocument>>,
    tables: BTreeMap<&'static str, Vec<Code>>,
}

static EMBEDDED: LazyLock<Result<CodeSets, CodeSetError>> = LazyLock::new(|| {
    use crate::embedded as e;
    CodeSets::from_sources(&CodeSetSources {
        cvx: e::CVX,
        mvx: e::MVX,
        cvx_vaccine_group: e::CVX_VACCINE_GROUP,
        product_names: e::PRODUCT_NAMES,
        cvx_vis: e::CVX_VIS,
        ndc_cvx: e::NDC_CVX,
        tables: [
            (Table::Route, e::ROUTE),
            (Table::Site, e::SITE),
            (Table::VfcEligibility, e::VFC_ELIGIBILITY),
            (Table::FundingSource, e::FUNDING_SOURCE),
            (Table::RefusalReason, e::REFUSAL_REASON),
            (Table::InformationSource, e::INFORMATION_SOURCE),
            (Table::EvidenceOfImmunity, e::EVIDENCE_OF_IMMUNITY),
            (Table::Contraindication, e::CONTRAINDICATION),
        ],
    })
});

fn table_name(table: Table) -> &'static str {
    match table {
        Table::Route => "route",
        Table::Site => "site",
        Table::VfcEligibility => "vfc_eligibility",
        Table::FundingSource => "funding_source",
        Table::RefusalReason => "refusal_reason",
        Table::InformationSource => "information_source",
        Table::EvidenceOfImmunity => "evidence_of_immunity",
        Table::Contraindication => "contraindication",
    }
}

/// Reads a CSV with a header into maps of column → value.
fn rows(file: &'static str, text: &str) -> Result<Vec<BTreeMap<String, String>>, CodeSetError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| CodeSetError {
            file,
            message: e.to_string(),
        })?
        .clone();
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| CodeSetError {
            file,
            message: e.to_string(),
        })?;
        out.push(
            headers
                .iter()
                .zip(record.iter())
                .map(|(h, v)| (h.trim().to_owned(), v.trim().to_owned()))
                .collect(),
        );
    }
    Ok(out)
}

fn field(
    row: &BTreeMap<String, String>,
    file: &'static str,
    name: &str,
) -> Result<String, CodeSetError> {
    row.get(name).cloned().ok_or_else(|| CodeSetError {
        file,
        message: format!("missing column '{name}'"),
    })
}

/// CVX codes are numbers written with at least two digits ("08"); accept "8" too.
#[must_use]
pub fn normalize_cvx(cvx: &str) -> String {
    let cvx = cvx.trim();
    if cvx.len() == 1 && cvx.chars().all(|c| c.is_ascii_digit()) {
        format!("0{cvx}")
    } else {
        cvx.to_owned()
    }
}

/// An NDC with or without hyphens, in the 11-digit 5-4-2 form used by the crosswalk.
#[must_use]
pub fn normalize_ndc(ndc: &str) -> String {
    let digits: String = ndc.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 11 {
        format!("{}-{}-{}", &digits[..5], &digits[5..9], &digits[9..])
    } else {
        ndc.trim().to_owned()
    }
}

impl CodeSets {
    /// The code sets embedded at build time from the shared folder.
    pub fn embedded() -> Result<&'static CodeSets, &'static CodeSetError> {
        EMBEDDED.as_ref()
    }

    /// Parses the code set files.
    pub fn from_sources(src: &CodeSetSources<'_>) -> Result<CodeSets, CodeSetError> {
        let mut sets = CodeSets::default();
        for row in rows("cvx.csv", src.cvx)? {
            let cvx = normalize_cvx(&field(&row, "cvx.csv", "cvx_code")?);
            sets.vaccines.insert(
                cvx.clone(),
                Vaccine {
                    cvx,
                    short_description: field(&row, "cvx.csv", "short_description")?,
                    full_name: field(&row, "cvx.csv", "full_vaccine_name")?,
                    status: field(&row, "cvx.csv", "status")?,
                    vaccine_groups: Vec::new(),
                    trade_names: Vec::new(),
                },
            );
        }
        for row in rows("cvx_vaccine_group.csv", src.cvx_vaccine_group)? {
            let cvx = normalize_cvx(&field(&row, "cvx_vaccine_group.csv", "cvx_code")?);
            let group = field(&row, "cvx_vaccine_group.csv", "vaccine_group_name")?;
            if let Some(v) = sets.vaccines.get_mut(&cvx)
                && !v.vaccine_groups.contains(&group)
            {
                v.vaccine_groups.push(group);
            }
        }
        for row in rows("cvx_product_names.csv", src.product_names)? {
            let cvx = normalize_cvx(&field(&row, "cvx_product_names.csv", "cvx_code")?);
            if let Some(v) = sets.vaccines.get_mut(&cvx) {
                v.trade_names.push(TradeName {
                    name: field(&row, "cvx_product_names.csv", "product_name")?,
                    mvx: field(&row, "cvx_product_names.csv", "mvx_code")?,
                });
            }
        }
        for row in rows("mvx.csv", src.mvx)? {
            let mvx = field(&row, "mvx.csv", "mvx_code")?;
            sets.manufacturers.insert(
                mvx.clone(),
                Manufacturer {
                    mvx,
                    name: field(&row, "mvx.csv", "manufacturer_name")?,
                    status: field(&row, "mvx.csv", "status")?,
                },
            );
        }
        for row in rows("cvx_vis.csv", src.cvx_vis)? {
            let cvx = normalize_cvx(&field(&row, "cvx_vis.csv", "cvx_code")?);
            sets.vis.entry(cvx).or_default().push(VisDocument {
                encoded: field(&row, "cvx_vis.csv", "vis_fully_encoded_string")?,
                name: field(&row, "cvx_vis.csv", "vis_document_name")?,
                edition_date: field(&row, "cvx_vis.csv", "vis_edition_date")?,
                status: field(&row, "cvx_vis.csv", "status")?,
            });
        }
        for row in rows("ndc_cvx_crosswalk.csv", src.ndc_cvx)? {
            let ndc11 = normalize_ndc(&field(&row, "ndc_cvx_crosswalk.csv", "ndc11")?);
            sets.ndc.insert(
                ndc11.clone(),
                NdcProduct {
                    ndc11,
                    unit: field(&row, "ndc_cvx_crosswalk.csv", "unit")?,
                    cvx: normalize_cvx(&field(&row, "ndc_cvx_crosswalk.csv", "cvx_code")?),
                    mvx: field(&row, "ndc_cvx_crosswalk.csv", "mvx_code")?,
                    proprietary_name: field(&row, "ndc_cvx_crosswalk.csv", "proprietary_name")?,
                },
            );
        }
        for (table, text) in src.tables {
            let file = table_name(table);
            let mut codes = Vec::new();
            for row in rows(file, text)? {
                codes.push(Code {
                    code: field(&row, file, "code")?,
                    display: field(&row, file, "display")?,
                    code_system: field(&row, file, "code_system")?,
                    status: field(&row, file, "status")?,
                });
            }
            sets.tables.insert(file, codes);
        }
        if sets.vaccines.is_empty() {
            return Err(CodeSetError {
                file: "cvx.csv",
                message: "no vaccines".to_owned(),
            });
        }
        Ok(sets)
    }

    /// The vaccine with this CVX code.
    #[must_use]
    pub fn vaccine(&self, cvx: &str) -> Option<&Vaccine> {
        self.vaccines.get(&normalize_cvx(cvx))
    }

    /// Every vaccine, by CVX.
    pub fn vaccines(&self) -> impl Iterator<Item = &Vaccine> {
        self.vaccines.values()
    }

    /// The manufacturer with this MVX code.
    #[must_use]
    pub fn manufacturer(&self, mvx: &str) -> Option<&Manufacturer> {
        self.manufacturers.get(mvx.trim())
    }

    /// Every manufacturer.
    pub fn manufacturers(&self) -> impl Iterator<Item = &Manufacturer> {
        self.manufacturers.values()
    }

    /// The product with this NDC (10 or 11 digits, with or without hyphens).
    #[must_use]
    pub fn ndc(&self, ndc: &str) -> Option<&NdcProduct> {
        self.ndc.get(&normalize_ndc(ndc))
    }

    /// The VIS editions for a vaccine, current first.
    #[must_use]
    pub fn vis_for(&self, cvx: &str) -> Vec<&VisDocument> {
        let mut docs: Vec<&VisDocument> = self
            .vis
            .get(&normalize_cvx(cvx))
            .map(|d| d.iter().collect())
            .unwrap_or_default();
        docs.sort_by_key(|d| !d.status.eq_ignore_ascii_case("Current"));
        docs
    }

    /// The values of an HL7 table.
    #[must_use]
    pub fn table(&self, table: Table) -> &[Code] {
        self.tables
            .get(table_name(table))
            .map_or(&[], Vec::as_slice)
    }

    /// What a user reads for `code` of `table` in `lang`: the project's own
    /// translation (`assets/i18n/<lang>/codes.json`, key `code.<table>.<code>`),
    /// else the table's display text on one line, else the code itself.
    #[must_use]
    pub fn label(&self, table: Table, code: &str, lang: crate::i18n::Lang) -> String {
        let code = code.trim();
        let known = self.lookup(table, code);
        let key = format!(
            "code.{}.{}",
            table_name(table),
            known.map_or(code, |c| c.code.as_str())
        );
        let text = crate::i18n::tr(lang, &key);
        if text != key {
            return text.to_owned();
        }
        known.map_or_else(
            || code.to_owned(),
            |c| c.display.split_whitespace().collect::<Vec<_>>().join(" "),
        )
    }

    /// The value `code` of `table`, if it exists.
    #[must_use]
    pub fn lookup(&self, table: Table, code: &str) -> Option<&Code> {
        let code = code.trim();
        self.table(table)
            .iter()
            .find(|c| c.code.eq_ignore_ascii_case(code))
    }

    /// Vaccines whose CVX, name or trade name contains `query` (case-insensitive), active first.
    #[must_use]
    pub fn find_vaccines(&self, query: &str) -> Vec<&Vaccine> {
        let q = query.trim().to_lowercase();
        let mut found: Vec<&Vaccine> = self
            .vaccines
            .values()
            .filter(|v| {
                q.is_empty()
                    || normalize_cvx(&q) == v.cvx
                    || v.short_description.to_lowercase().contains(&q)
                    || v.full_name.to_lowercase().contains(&q)
                    || v.trade_names
                        .iter()
                        .any(|t| t.name.to_lowercase().contains(&q))
            })
            .collect();
        found.sort_by_key(|v| (!v.is_active(), v.short_description.to_lowercase()));
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_code_sets_load_with_real_content() {
        let sets = CodeSets::embedded().expect("code sets parse");
        let mmr = sets.vaccine("3").expect("CVX 03 is MMR");
        assert_eq!(mmr.cvx, "03");
        assert!(mmr.vaccine_groups.iter().any(|g| g == "MMR"));
        assert!(sets.vaccines().count() > 200);
        assert!(sets.manufacturer("MSD").is_some());
        assert!(
            sets.lookup(Table::Route, "C28161").is_some(),
            "intramuscular (NCIT)"
        );
        assert!(sets.lookup(Table::Site, "LD").is_some());
        assert!(sets.lookup(Table::VfcEligibility, "V02").is_some());
        assert!(sets.lookup(Table::RefusalReason, "00").is_some());
        assert!(sets.vaccine("9999").is_none());
        for table in Table::ALL {
            assert!(!sets.table(table).is_empty(), "{table:?} is empty");
        }
    }

    #[test]
    fn every_code_a_pick_list_offers_has_a_spanish_name() {
        use crate::i18n::Lang;
        let sets = CodeSets::embedded().unwrap();
        let mut missing = Vec::new();
        for table in Table::ALL {
            for code in sets.table(table) {
                // State-specific codes are never offered.
                if code.code_system.starts_with("local") {
                    continue;
                }
                let key = format!("code.{}.{}", table_name(table), code.code);
                for lang in Lang::ALL {
                    if crate::i18n::tr(lang, &key) == key {
                        missing.push(format!("{lang}: {key} ({})", code.display));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "add to assets/i18n/*/codes.json: {missing:#?}"
        );
        assert_eq!(
            sets.label(Table::Site, "LD", Lang::Es),
            "Deltoides izquierdo"
        );
        assert_eq!(sets.label(Table::Site, " ld", Lang::En), "Left deltoid");
        assert_eq!(
            sets.label(Table::Site, "ZZ", Lang::Es),
            "ZZ",
            "an unknown code stays as sent"
        );
    }

    #[test]
    fn ndc_lookup_accepts_hyphens_or_digits() {
        let sets = CodeSets::embedded().unwrap();
        let with = sets.ndc("49281-0425-50").expect("crosswalk row");
        assert_eq!(sets.ndc("49281042550"), Some(with));
        assert!(sets.vaccine(&with.cvx).is_some());
    }

    #[test]
    fn vaccine_picker_finds_by_trade_name_and_cvx() {
        let sets = CodeSets::embedded().unwrap();
        assert!(sets.find_vaccines("abrysvo").iter().any(|v| v.cvx == "305"));
        assert!(sets.find_vaccines("03").iter().any(|v| v.cvx == "03"));
    }

    #[test]
    fn a_broken_file_is_a_clear_error() {
        let err = rows("cvx.csv", "a,b\n1,2\n").and_then(|r| field(&r[0], "cvx.csv", "cvx_code"));
        assert_eq!(err.unwrap_err().message, "missing column 'cvx_code'");
    }
}
