//! Properties: no input makes the reader panic or hang, and a barcode written
//! from known fields reads back as exactly those fields (or, without
//! separators, is refused as ambiguous, never misread).

use proptest::prelude::*;
use salal_gs1::{Gs1Error, NdcIndex, parse, parse_bytes, read_package, read_package_bytes};

/// Pieces that make the reader's harder paths likely.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("01".to_owned()),
        Just("17".to_owned()),
        Just("10".to_owned()),
        Just("21".to_owned()),
        Just("00349281425509".to_owned()),
        Just("271200".to_owned()),
        Just("\u{1d}".to_owned()),
        Just("<GS>".to_owned()),
        Just("]d2".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("(01)".to_owned()),
        Just("(10)".to_owned()),
        Just("3103".to_owned()),
        Just("240".to_owned()),
        Just("99".to_owned()),
        "[0-9]{1,6}",
        "[A-Z]{1,3}",
        any::<char>().prop_map(String::from),
    ]
}

fn lot_text() -> impl Strategy<Value = String> {
    // Character set 82 without '<' (so no value spells "<GS>") and '(' (so none spells "(10)").
    proptest::collection::vec(
        prop_oneof![
            "[0-9]",
            "[A-Za-z]",
            proptest::sample::select(
                "!\"%&')*+,-./:;=>?_"
                    .chars()
                    .map(String::from)
                    .collect::<Vec<_>>()
            ),
        ],
        1..=20,
    )
    .prop_map(|v| v.concat())
}

/// A GTIN from the code set, a date, a lot and a serial.
fn package() -> impl Strategy<Value = (String, String, String, Option<String>)> {
    let index = NdcIndex::embedded().expect("code sets");
    let gtins: Vec<String> = index
        .products()
        .iter()
        .filter_map(|p| {
            // The package GTIN of a 5-3-2 NDC, when the code set agrees that is its layout.
            let d: String = p.ndc11.chars().filter(char::is_ascii_digit).collect();
            let body = format!("003{}{}", &d[..5], &d[6..]);
            let check = salal_gs1::gtin::check_digit(&body)?;
            let gtin = salal_gs1::Gtin::parse(&format!("{body}{check}")).ok()?;
            (index.lookup(&gtin).ok()?.ndc11 == p.ndc11).then(|| gtin.as_str().to_owned())
        })
        .collect();
    assert!(gtins.len() > 500, "{}", gtins.len());
    (
        proptest::sample::select(gtins),
        (0u32..100, 1u32..=12, 0u32..=28),
        lot_text(),
        proptest::option::of(lot_text()),
    )
        .prop_map(|(gtin, (y, m, d), lot, serial)| {
            (gtin, format!("{y:02}{m:02}{d:02}"), lot, serial)
        })
}

fn fields(gtin: &str, exp: &str, lot: &str, serial: Option<&str>) -> Vec<(&'static str, String)> {
    let mut f = vec![
        ("01", gtin.to_owned()),
        ("17", exp.to_owned()),
        ("10", lot.to_owned()),
    ];
    if let Some(s) = serial {
        f.push(("21", s.to_owned()));
    }
    f
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = parse(&text);
        let _ = read_package(&text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse_bytes(&bytes);
        let _ = read_package_bytes(&bytes);
    }

    #[test]
    fn barcode_like_text_never_panics(pieces in proptest::collection::vec(piece(), 0..40)) {
        let text = pieces.concat();
        let _ = parse(&text);
        let _ = read_package(&text);
    }

    #[test]
    fn written_with_separators_reads_back_exactly(
        (gtin, exp, lot, serial) in package(),
        order in any::<u64>(),
        prefix in proptest::sample::select(vec!["", "]d2", "]C1", "]d2\u{1d}"]),
        sep in proptest::sample::select(vec!["\u{1d}", "<GS>", "{gs}", "^]", "\\x1d"]),
    ) {
        let mut f = fields(&gtin, &exp, &lot, serial.as_deref());
        shuffle(&mut f, order);
        let mut text = prefix.to_owned();
        for (ai, value) in &f {
            text.push_str(ai);
            text.push_str(value);
            if *ai == "10" || *ai == "21" {
                text.push_str(sep);
            }
        }
        let e = parse(&text).map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        prop_assert_eq!(e.gtin.as_ref().map(|g| g.as_str()), Some(gtin.as_str()));
        prop_assert_eq!(e.expiry, salal_gs1::parse_date(&exp));
        prop_assert_eq!(e.lot.as_deref(), Some(lot.as_str()));
        prop_assert_eq!(e.serial.as_deref(), serial.as_deref());
        let package = read_package(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(package.lot, lot);
    }

    #[test]
    fn written_in_parentheses_reads_back_exactly(
        (gtin, exp, lot, serial) in package(),
        order in any::<u64>(),
    ) {
        let mut f = fields(&gtin, &exp, &lot, serial.as_deref());
        shuffle(&mut f, order);
        let text: String = f.iter().map(|(ai, v)| format!("({ai}){v}")).collect();
        let e = parse(&text).map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        prop_assert_eq!(e.lot.as_deref(), Some(lot.as_str()));
        prop_assert_eq!(e.serial.as_deref(), serial.as_deref());
        prop_assert_eq!(e.expiry, salal_gs1::parse_date(&exp));
    }

    #[test]
    fn without_separators_it_is_exact_or_refused(
        (gtin, exp, lot, serial) in package(),
        order in any::<u64>(),
    ) {
        let mut f = fields(&gtin, &exp, &lot, serial.as_deref());
        shuffle(&mut f, order);
        let text: String = f.iter().map(|(ai, v)| format!("{ai}{v}")).collect();
        match parse(&text) {
            Ok(e) => {
                prop_assert_eq!(e.gtin.as_ref().map(|g| g.as_str()), Some(gtin.as_str()), "{:?}", text);
                prop_assert_eq!(e.expiry, salal_gs1::parse_date(&exp), "{:?}", text);
                prop_assert_eq!(e.lot.as_deref(), Some(lot.as_str()), "{:?}", text);
                prop_assert_eq!(e.serial.as_deref(), serial.as_deref(), "{:?}", text);
            }
            Err(Gs1Error::Ambiguous { .. } | Gs1Error::TooManyReadings) => {}
            Err(other) => prop_assert!(false, "{:?}: {}", text, other),
        }
    }
}

/// A deterministic shuffle from a seed (Fisher-Yates with a small LCG).
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = usize::try_from((seed >> 33) % (i as u64 + 1)).unwrap_or(0);
        items.swap(i, j);
    }
}
