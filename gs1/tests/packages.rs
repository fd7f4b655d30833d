//! Real vaccine packages of several manufacturers, taken from the CDC NDC code
//! sets: the GTIN is built here from each package's 10-digit NDC (its labeler,
//! product and package segments as CDC lists them) with a check digit computed
//! here, then written the ways scanners and people type it.

use salal_core::i18n::{Lang, UserMessage};
use salal_gs1::{Gs1Error, NdcIndex, NdcSources, VaccinePackage, read_package};
use std::collections::BTreeMap;

const GS: &str = "\u{1d}";

/// One row of ndc_unit_of_sale.csv or ndc_unit_of_use.csv.
#[derive(Debug, Clone)]
struct Row {
    ndc11: String,
    /// Labeler + product + package, as printed.
    ndc10: String,
    /// The `gtin` column, when filled.
    gtin: Option<String>,
}

fn rows() -> Vec<Row> {
    let src = NdcSources::embedded();
    let mut out = Vec::new();
    for (text, prefix) in [(src.unit_of_sale, "outer_"), (src.unit_of_use, "use_")] {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .expect("header")
            .iter()
            .map(str::to_owned)
            .collect();
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .unwrap_or_else(|| panic!("column {name}"))
        };
        let (lab, prod, pkg) = (
            col(&format!("{prefix}labeler")),
            col(&format!("{prefix}product")),
            col(&format!("{prefix}package")),
        );
        let (ndc11, gtin) = (col("ndc11"), col("gtin"));
        for record in reader.records() {
            let r = record.expect("row");
            out.push(Row {
                ndc11: r[ndc11].to_owned(),
                ndc10: format!("{}{}{}", &r[lab], &r[prod], &r[pkg]),
                gtin: Some(r[gtin].trim())
                    .filter(|g| !g.is_empty())
                    .map(|g| format!("{g:0>14}")),
            });
        }
    }
    out
}

fn row(ndc11: &str) -> Row {
    rows()
        .into_iter()
        .find(|r| r.ndc11 == ndc11)
        .unwrap_or_else(|| panic!("{ndc11} is in the code set"))
}

/// The GS1 check digit, computed independently of the crate.
fn check(body: &str) -> u32 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10
}

/// The GTIN-14 of a 10-digit NDC at a packaging level (0: the package itself).
fn gtin(indicator: u32, ndc10: &str) -> String {
    let body = format!("{indicator}03{ndc10}");
    format!("{body}{}", check(&body))
}

fn read(text: &str) -> VaccinePackage {
    read_package(text).unwrap_or_else(|e| panic!("{text:?}: {e} / {}", e.localized(Lang::En)))
}

/// (11-digit NDC, MVX, layout, lot, serial): real packages of several manufacturers.
const PACKAGES: &[(&str, &str, &str, &str, &str)] = &[
    ("49281-0425-50", "PMC", "5-3-2", "UJ482AA", "5KQ9P3X7"),
    ("00006-4109-02", "MSD", "4-4-2", "Y3K4F", "QX8N2M"),
    ("58160-0819-12", "SKB", "5-3-2", "9G7RC", "H4J8K6L3"),
    ("59267-4438-02", "PFR", "5-4-1", "FP5329", "PZ9983XQ"),
    ("00005-2000-02", "PFR", "4-4-2", "LN4836", "W5R8T3"),
    ("70461-0654-03", "SEQ", "5-3-2", "AB8C", "S9M3N5"),
    ("33332-0024-03", "SEQ", "5-3-2", "P34958", "K8M3Z"),
    ("80631-0107-10", "NVX", "5-3-2", "NVX83A", "ZZ4Y8W"),
];

/// The ways a scanner or a person types one package's barcode.
fn forms(gtin: &str, exp: &str, lot: &str, serial: &str) -> Vec<(String, bool)> {
    // (text, has a serial)
    vec![
        (format!("]d201{gtin}17{exp}10{lot}{GS}21{serial}"), true),
        (format!("01{gtin}21{serial}{GS}17{exp}10{lot}"), true),
        (
            format!("]d2{GS}10{lot}{GS}21{serial}{GS}01{gtin}17{exp}"),
            true,
        ),
        (format!("17{exp}01{gtin}10{lot}"), false),
        (format!("]d201{gtin}17{exp}10{lot}\r\n"), false),
        // A scanner that drops the separators: the expiry ends the serial.
        (format!("01{gtin}21{serial}17{exp}10{lot}"), true),
        (format!("01{gtin}10{lot}17{exp}"), false),
        (format!("(01){gtin}(17){exp}(10){lot}(21){serial}"), true),
        (format!("]d2 (01) {gtin} (10) {lot} (17) {exp}"), false),
        (format!("]C101{gtin}10{lot}<GS>17{exp}<gs>21{serial}"), true),
        (format!("01{gtin}17{exp}10{lot}{{GS}}21{serial}"), true),
        (format!("01{gtin}17{exp}10{lot}^]21{serial}"), true),
        (format!("01{gtin}17{exp}10{lot}\\x1d21{serial}"), true),
        (format!("01{gtin}17{exp}10{lot}\u{2194}21{serial}"), true),
    ]
}

#[test]
fn packages_of_several_manufacturers_read_in_every_form() {
    let index = NdcIndex::embedded().expect("code sets");
    for &(ndc11, mvx, layout, lot, serial) in PACKAGES {
        let row = row(ndc11);
        let parts: Vec<usize> = layout.split('-').map(|p| p.parse().expect("n")).collect();
        assert_eq!(parts.iter().sum::<usize>(), row.ndc10.len(), "{ndc11}");
        let hyphenated = format!(
            "{}-{}-{}",
            &row.ndc10[..parts[0]],
            &row.ndc10[parts[0]..parts[0] + parts[1]],
            &row.ndc10[parts[0] + parts[1]..]
        );
        let padded: Vec<String> = hyphenated
            .split('-')
            .zip([5, 4, 2])
            .map(|(s, n)| format!("{s:0>n$}"))
            .collect();
        assert_eq!(padded.join("-"), ndc11, "{ndc11} is {layout}");

        let gtin = gtin(0, &row.ndc10);
        if let Some(listed) = &row.gtin {
            assert_eq!(&gtin, listed, "{ndc11}: the code set's own GTIN");
        }
        assert_eq!(index.product(ndc11).map(|p| p.mvx.as_str()), Some(mvx));
        for (text, with_serial) in forms(&gtin, "290630", lot, serial) {
            let package = read(&text);
            let expected_serial = with_serial.then_some(serial);
            assert_eq!(package.ndc11(), ndc11, "{text:?}");
            assert_eq!(package.gtin.as_str(), gtin, "{text:?}");
            assert_eq!(package.lot, lot, "{text:?}");
            assert_eq!(package.expires.to_string(), "2029-06-30", "{text:?}");
            assert_eq!(package.serial.as_deref(), expected_serial, "{text:?}");
            assert_eq!(package.product.mvx, mvx);
            let line = match expected_serial {
                Some(s) => format!("ndc={ndc11} lot={lot} expires=2029-06-30 serial={s}"),
                None => format!("ndc={ndc11} lot={lot} expires=2029-06-30"),
            };
            assert_eq!(package.summary_line(), line, "{text:?}");
        }
    }
}

#[test]
fn every_package_in_the_code_set_maps_back_to_its_ndc() {
    let index = NdcIndex::embedded().expect("code sets");
    let mut checked = BTreeMap::new();
    for row in rows() {
        for g in [Some(gtin(0, &row.ndc10)), row.gtin.clone()]
            .into_iter()
            .flatten()
        {
            let parsed = salal_gs1::Gtin::parse(&g).expect("valid GTIN");
            let product = index
                .lookup(&parsed)
                .unwrap_or_else(|e| panic!("{}: {g}: {e}", row.ndc11));
            assert_eq!(product.ndc11, row.ndc11, "{g}");
            checked.insert(g, ());
        }
    }
    assert!(checked.len() > 1000, "{}", checked.len());
}

#[test]
fn a_case_gtin_with_another_indicator_digit_is_the_same_ndc() {
    let row = row("49281-0425-50");
    let package = read(&format!("01{}17290600 10UJ482AA", gtin(1, &row.ndc10)));
    assert_eq!(package.ndc11(), "49281-0425-50");
    assert_eq!(package.expires.to_string(), "2029-06-30");
}

#[test]
fn expiry_day_00_is_the_end_of_the_month() {
    let row = row("00006-4109-02");
    let g = gtin(0, &row.ndc10);
    for (exp, date) in [
        ("280200", "2028-02-29"),
        ("270200", "2027-02-28"),
        ("271100", "2027-11-30"),
        ("271200", "2027-12-31"),
        ("271215", "2027-12-15"),
    ] {
        let package = read(&format!("01{g}17{exp}10Y3K4F"));
        assert_eq!(package.expires.to_string(), date, "{exp}");
    }
}

#[test]
fn an_unknown_product_is_named_not_guessed() {
    let unknown = gtin(0, "1234567890");
    let err = read_package(&format!("01{unknown}17290630 10ABC")).expect_err("unknown");
    assert_eq!(
        err,
        Gs1Error::UnknownProduct {
            gtin: unknown.clone(),
            ndc10: "1234567890".into(),
        }
    );
    let en = err.localized(Lang::En);
    assert!(en.contains(&unknown) && en.contains("1234567890"), "{en}");
    assert!(en.contains("enter the NDC by hand"), "{en}");
    let es = err.localized(Lang::Es);
    assert!(
        es.contains(&unknown) && es.contains("ingrese el NDC a mano"),
        "{es}"
    );

    // A GTIN that is not a US drug code at all.
    let err = read_package("0109506000134352 17290630 10ABC").expect_err("not an NDC");
    assert!(matches!(err, Gs1Error::NotNdcGtin { .. }), "{err:?}");
}

#[test]
fn a_wrong_check_digit_is_refused() {
    let row = row("58160-0819-12");
    let good = gtin(0, &row.ndc10);
    let last = good.as_bytes()[13] - b'0';
    let bad = format!("{}{}", &good[..13], (last + 1) % 10);
    let err = read_package(&format!("01{bad}17290630 10ABC")).expect_err("bad check digit");
    assert_eq!(
        err,
        Gs1Error::BadCheckDigit {
            ai: "01".into(),
            value: bad.clone(),
            expected: last,
        }
    );
    let en = err.localized(Lang::En);
    assert!(
        en.contains("GTIN (01)") && en.contains(&format!("end in {last}")),
        "{en}"
    );
    assert!(err.localized(Lang::Es).contains("dígito de control"));
}

#[test]
fn missing_fields_say_what_to_type() {
    let g = gtin(0, &row("70461-0654-03").ndc10);
    assert_eq!(
        read_package(&format!("01{g}17290630")),
        Err(Gs1Error::MissingLot)
    );
    assert_eq!(
        read_package(&format!("01{g}10AB8C")),
        Err(Gs1Error::MissingExpiry)
    );
    assert_eq!(read_package("17290630 10AB8C"), Err(Gs1Error::MissingGtin));
    assert!(
        Gs1Error::MissingLot
            .localized(Lang::En)
            .contains("Type the lot number")
    );
}

#[test]
fn lot_and_serial_run_together_without_separator_is_refused() {
    let g = gtin(0, &row("59267-4438-02").ndc10);
    let err = read_package(&format!("01{g}17290630 10FP5329 21PZ9983XQ")).expect_err("ambiguous");
    assert_eq!(
        err,
        Gs1Error::Ambiguous {
            ai: "10".into(),
            first: Some("FP532921PZ9983XQ".into()),
            second: Some("FP5329".into()),
        }
    );
    let en = err.localized(Lang::En);
    assert!(
        en.contains("'FP532921PZ9983XQ' or 'FP5329'") && en.contains("ASCII 29"),
        "{en}"
    );
    assert!(err.localized(Lang::Es).contains("separador de grupo"));
}

#[test]
fn every_error_has_an_english_and_a_spanish_message() {
    let errors = [
        read_package("").expect_err("empty"),
        read_package("]d1123").expect_err("not GS1"),
        read_package("hello").expect_err("not GS1"),
        read_package("01003").expect_err("short"),
        read_package("(01").expect_err("parenthesis"),
        read_package("0100349281425509 8006").expect_err("unknown AI"),
        read_package("0100349281425509 10A|B").expect_err("bad character"),
        read_package("0100349281425509 17291301").expect_err("bad date"),
        read_package("0100349281425509 10<GS>").expect_err("empty lot"),
    ];
    for err in errors {
        for lang in Lang::ALL {
            let text = err.localized(lang);
            assert!(
                !text.starts_with("error.") && !text.contains('{'),
                "{err:?} in {lang}: {text}"
            );
        }
    }
}
