//! Vaccine inventory as a coordinator runs it from the command line: the real
//! `salal` binary on a real encrypted store. Receiving by scan and by hand,
//! doses taken from stock with their warnings, counts and the monthly
//! reconciliation, non-viable vaccine, a logger file's excursion, the order
//! from draft to received with its ExIS export, and the doses-administered
//! report against a fixture computed by hand.

mod support;

use std::path::Path;
use support::{add, init, ok, run, salal};

/// Fluzone Trivalent 10 syringes (NDC 49281-0425-50), lot UT8021AA, expiry 2027-12 (day 00).
const FLU_SCAN: &str = "]d20100349281425509\u{1d}10UT8021AA\u{1d}17271200";
/// The same product, a second lot, printed form with the identifiers in parentheses.
const FLU_SCAN_2: &str = "(01)00349281425509(17)280630(10)UV1234";

fn dose_from_stock(
    dir: &Path,
    patient: &str,
    lot: &str,
    date: &str,
    vfc: &str,
    confirm: &[&str],
) -> (i32, String, String) {
    let mut args = vec![
        "dose",
        "add",
        "--patient",
        patient,
        "--lot-id",
        lot,
        "--date",
        date,
        "--amount",
        "0.5",
        "--route",
        "C28161",
        "--site",
        "LA",
        "--vfc",
        vfc,
        "--provider",
        "RN Ana",
    ];
    for c in confirm {
        args.extend_from_slice(&["--confirm", c]);
    }
    run(salal(dir).args(&args))
}

fn on_hand(dir: &Path) -> Vec<String> {
    ok(salal(dir).args(["stock", "on-hand"]))
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_month_of_stock_from_receipt_to_order_with_the_doses_report() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d, "Clínica del Valle");

    // Receive: one lot by scanning, two typed (one private, one already expired).
    let received = ok(salal(d).args([
        "stock",
        "receive",
        "--scan",
        FLU_SCAN,
        "--quantity",
        "10",
        "--funding",
        "VXC51",
        "--date",
        "2026-11-01",
    ]));
    assert!(
        received.starts_with(
            "received 10: ndc=49281-0425-50 lot=UT8021AA expires=2027-12-31 funding=VXC51 unit=Refrigerator on-hand=10 lot-id="
        ),
        "{received}"
    );
    ok(salal(d).args([
        "stock",
        "receive",
        "--ndc",
        "00006468100",
        "--lot",
        "mmr77",
        "--expires",
        "2027-06-30",
        "--quantity",
        "5",
        "--funding",
        "PHC70",
        "--date",
        "2026-11-01",
    ]));
    ok(salal(d).args([
        "stock",
        "receive",
        "--ndc",
        "58160-0842-11",
        "--lot",
        "TD5",
        "--expires",
        "2026-11-15",
        "--quantity",
        "3",
        "--funding",
        "VXC51",
        "--date",
        "2026-11-01",
    ]));
    // A product the CDC does not list is refused, with what to do.
    let (code, _, err) = run(salal(d).args([
        "stock",
        "receive",
        "--ndc",
        "12345-6789-01",
        "--lot",
        "X",
        "--expires",
        "2027-01-01",
        "--quantity",
        "1",
        "--funding",
        "VXC51",
    ]));
    assert_eq!(code, 2);
    assert!(
        err.contains("12345-6789-01") && err.contains("NDC"),
        "{err}"
    );
    let (code, _, err) = run(salal(d).args([
        "stock",
        "receive",
        "--scan",
        "0100000000000000",
        "--quantity",
        "1",
        "--funding",
        "VXC51",
    ]));
    assert_eq!(code, 2, "an unknown GTIN is an error, never a guess: {err}");

    let p1 = add(
        d,
        &[
            "--first",
            "Ana",
            "--last",
            "Mora",
            "--birth-date",
            "2026-01-15",
        ],
    );
    let p2 = add(
        d,
        &[
            "--first",
            "Luis",
            "--last",
            "Mora",
            "--birth-date",
            "2025-12-01",
        ],
    );
    let p3 = add(
        d,
        &[
            "--first",
            "Rosa",
            "--last",
            "Díaz",
            "--birth-date",
            "2022-05-05",
        ],
    );
    let p4 = add(
        d,
        &[
            "--first",
            "Iván",
            "--last",
            "Paz",
            "--birth-date",
            "2024-06-01",
        ],
    );
    let p5 = add(
        d,
        &[
            "--first",
            "Teo",
            "--last",
            "Ruiz",
            "--birth-date",
            "2010-03-03",
        ],
    );
    let p6 = add(
        d,
        &[
            "--first",
            "Eva",
            "--last",
            "Soto",
            "--birth-date",
            "1980-01-01",
        ],
    );

    // Doses from stock: the lot fills NDC, lot, expiry and funding.
    let (code, _, err) = dose_from_stock(d, &p1, "UT8021AA", "2026-11-20", "V02", &[]);
    assert_eq!(code, 0, "{err}");
    // Scanning the syringe's package fills the dose form the same way.
    let (code, _, err) = run(salal(d).args([
        "dose",
        "add",
        "--patient",
        &p2,
        "--scan",
        FLU_SCAN,
        "--date",
        "2026-11-21",
        "--amount",
        "0.5",
        "--route",
        "C28161",
        "--site",
        "LA",
        "--vfc",
        "V02",
        "--provider",
        "RN Ana",
    ]));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = dose_from_stock(d, &p3, "MMR77", "2026-11-22", "V01", &[]);
    assert_eq!(
        code, 0,
        "private stock for a child who is not VFC-eligible: no warning: {err}"
    );
    // Private stock for a VFC-eligible child: a warning to confirm, nothing saved before.
    let (code, _, err) = dose_from_stock(d, &p4, "MMR77", "2026-11-23", "V02", &[]);
    assert_eq!(code, 2);
    assert!(err.contains("VFC") && err.contains("MMR77"), "{err}");
    assert!(on_hand(d).contains(&"00006-4681-00 MMR77 2027-06-30 PHC70 Refrigerator 4".to_owned()));
    let (code, _, err) = dose_from_stock(
        d,
        &p4,
        "MMR77",
        "2026-11-23",
        "V02",
        &["private_stock_vfc_child"],
    );
    assert_eq!(code, 0, "{err}");
    // An expired lot: a warning too.
    let (code, _, err) = dose_from_stock(d, &p5, "TD5", "2026-11-24", "V04", &[]);
    assert_eq!(code, 2);
    assert!(err.contains("TD5") && err.contains("expired"), "{err}");
    let (code, _, err) = dose_from_stock(d, &p5, "TD5", "2026-11-24", "V04", &["expired_lot"]);
    assert_eq!(code, 0, "{err}");
    // VFC stock for an adult who is not eligible.
    let (code, _, _) = dose_from_stock(d, &p6, "UT8021AA", "2026-11-25", "V01", &[]);
    assert_eq!(code, 2);
    let (code, _, err) = dose_from_stock(
        d,
        &p6,
        "UT8021AA",
        "2026-11-25",
        "V01",
        &["vfc_stock_ineligible_child"],
    );
    assert_eq!(code, 0, "{err}");
    // A second dose for p6 that was a mistake: marked in error, it leaves the report.
    let (code, wrong, err) = dose_from_stock(
        d,
        &p6,
        "UT8021AA",
        "2026-11-27",
        "V01",
        &["vfc_stock_ineligible_child"],
    );
    assert_eq!(code, 0, "{err}");
    ok(salal(d).args(["dose", "error", wrong.trim(), "--reason", "wrong patient"]));
    // A lot typed by hand still works (no stock taken).
    ok(salal(d).args([
        "dose",
        "add",
        "--patient",
        &p3,
        "--cvx",
        "140",
        "--date",
        "2026-11-26",
        "--lot",
        "X9",
        "--amount",
        "0.5",
        "--route",
        "C28161",
        "--site",
        "LA",
        "--vfc",
        "V01",
        "--funding",
        "PHC70",
        "--provider",
        "RN Ana",
    ]));
    // Outside the period, and a historical dose: not in the report.
    ok(salal(d).args([
        "dose",
        "add",
        "--patient",
        &p2,
        "--cvx",
        "140",
        "--date",
        "2026-10-01",
        "--lot",
        "X8",
        "--amount",
        "0.5",
        "--route",
        "C28161",
        "--site",
        "LA",
        "--vfc",
        "V02",
        "--funding",
        "VXC51",
        "--provider",
        "RN Ana",
    ]));
    ok(salal(d).args([
        "dose",
        "add",
        "--patient",
        &p3,
        "--kind",
        "historical",
        "--cvx",
        "03",
        "--date",
        "2023-05-10",
        "--source",
        "01",
    ]));

    assert_eq!(
        on_hand(d),
        [
            "00006-4681-00 MMR77 2027-06-30 PHC70 Refrigerator 3",
            "49281-0425-50 UT8021AA 2027-12-31 VXC51 Refrigerator 6",
            "58160-0842-11 TD5 2026-11-15 VXC51 Refrigerator 2",
        ]
    );

    // The doses-administered report, by hand: 2 flu under 1 (V02), 1 flu 1-6 (V01, typed lot),
    // 1 flu adult (V01), MMR 1-6 once V01 and once V02, Tdap 7-18 (V04). Total 7.
    let csv = ok(salal(d).args([
        "report",
        "doses",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--format",
        "csv",
    ]));
    let mut rows: Vec<(String, String, String, String)> = csv
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with("total"))
        .map(|l| {
            let f: Vec<&str> = l.rsplitn(6, ',').collect();
            (
                f[4].to_owned(),
                f[3].to_owned(),
                f[2].to_owned(),
                f[0].to_owned(),
            )
        })
        .collect();
    rows.sort();
    let expected: Vec<(String, String, String, String)> = [
        ("03", "1_6", "V01", "1"),
        ("03", "1_6", "V02", "1"),
        ("115", "7_18", "V04", "1"),
        ("140", "19_up", "V01", "1"),
        ("140", "1_6", "V01", "1"),
        ("140", "under_1", "V02", "2"),
    ]
    .iter()
    .map(|(a, b, c, e)| {
        (
            (*a).to_owned(),
            (*b).to_owned(),
            (*c).to_owned(),
            (*e).to_owned(),
        )
    })
    .collect();
    assert_eq!(rows, expected, "{csv}");
    assert!(
        csv.starts_with("vaccine,cvx,age_group,vfc_eligibility,vfc_eligible,doses\n"),
        "{csv}"
    );
    assert!(csv.trim_end().ends_with("total,,,,,7"), "{csv}");
    // A corrected birth date moves the doses to their right age group.
    ok(salal(d).args(["patient", "edit", &p6, "--birth-date", "2020-01-01"]));
    let csv = ok(salal(d).args([
        "report",
        "doses",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
    ]));
    assert!(
        csv.contains(",140,1_6,V01,no,2\n") && !csv.contains("19_up"),
        "{csv}"
    );
    let pdf = d.join("doses.pdf");
    ok(salal(d)
        .args([
            "--lang",
            "es",
            "report",
            "doses",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--format",
            "pdf",
            "--out",
        ])
        .arg(&pdf));
    let text = String::from_utf8_lossy(
        &std::process::Command::new("pdftotext")
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap()
            .stdout,
    )
    .into_owned();
    assert!(
        text.contains("Dosis aplicadas") && text.contains("Total") && text.contains("Tdap"),
        "{text}"
    );

    // A logger file: one excursion above 8 °C on 20 November, and the doses given since.
    let log = d.join("fridge.csv");
    std::fs::write(
        &log,
        "Date,Time,Temperature (°C)\n2026-11-20,08:00,5.0\n2026-11-20,09:00,9.5\n2026-11-20,10:00,10.1\n2026-11-20,11:00,6.0\n",
    )
    .unwrap();
    let excursion = ok(salal(d)
        .args(["stock", "temperature", "--unit", "Refrigerator"])
        .arg(&log));
    assert!(
        excursion.starts_with("readings 4 new 4 excursions 1\n"),
        "{excursion}"
    );
    assert!(
        excursion
            .contains("excursion 2026-11-20 09:00 to 2026-11-20 11:00 min=9.5 max=10.1 readings=2"),
        "{excursion}"
    );
    assert_eq!(excursion.matches("\n  dose ").count(), 7, "{excursion}");
    assert!(excursion.contains("Mora, Ana"), "{excursion}");

    // Order: not before this month's count.
    ok(salal(d).args([
        "stock",
        "level",
        "--ndc",
        "49281-0425-50",
        "--funding",
        "VXC51",
        "--min",
        "10",
        "--max",
        "30",
    ]));
    let created = ok(salal(d).args(["order", "create", "--suggested"]));
    let order = created.split_whitespace().next().unwrap().to_owned();
    // Flu up to its max (30 − 6 on hand) and one Tdap (one used in 90 days,
    // a month's worth rounded up, none unexpired on hand).
    assert!(created.trim_end().ends_with("draft 25"), "{created}");
    let shown = ok(salal(d).args(["order", "show", &order]));
    assert!(
        shown.contains("  line 49281-0425-50 VXC51 24 suggested=24"),
        "{shown}"
    );
    assert!(
        shown.contains("  line 58160-0842-11 VXC51 1 suggested=1"),
        "{shown}"
    );
    let (code, _, err) = run(salal(d).args(["order", "submit", &order]));
    assert_eq!(code, 2);
    assert!(err.contains("3 lot(s) have not been counted"), "{err}");
    let counted = ok(salal(d).args([
        "stock",
        "count",
        "--lot",
        "UT8021AA",
        "--counted",
        "5",
        "--reason",
        "lost",
    ]));
    assert!(
        counted.starts_with("counted 5 expected 6 adjustment -1"),
        "{counted}"
    );
    ok(salal(d).args(["stock", "count", "--lot", "MMR77", "--counted", "3"]));
    let wasted = ok(salal(d).args([
        "stock",
        "waste",
        "--lot",
        "TD5",
        "--quantity",
        "2",
        "--reason",
        "expired",
        "--date",
        "2026-11-30",
    ]));
    assert!(wasted.contains("on-hand=0"), "{wasted}");
    let non_viable = ok(salal(d).args(["stock", "non-viable", "--from", "2026-11-01"]));
    assert_eq!(
        non_viable.trim(),
        "2026-11-30 58160-0842-11 TD5 VXC51 Refrigerator expired expired 2 return due=2026-12-30"
    );
    ok(salal(d).args(["stock", "reconciliation"]));
    assert_eq!(
        ok(salal(d).args(["order", "submit", &order])).trim(),
        format!("{order} submitted")
    );
    let (code, _, err) = run(salal(d).args(["order", "cancel", &order]));
    assert_eq!(code, 0, "a submitted order may still be cancelled: {err}");
    // Cancelled is final: a new order goes all the way.
    let created = ok(salal(d).args(["order", "create", "--line", "49281-0425-50:VXC51:20"]));
    let order = created.split_whitespace().next().unwrap().to_owned();
    ok(salal(d).args(["order", "submit", &order]));
    let (code, _, err) = run(salal(d).args(["order", "submit", &order]));
    assert_eq!(code, 2, "orders only move forward: {err}");
    ok(salal(d).args(["order", "approve", &order]));
    ok(salal(d).args(["order", "ship", &order]));
    let exis = ok(salal(d).args(["order", "export", &order, "--pin", "WA1234"]));
    assert!(
        exis.lines().count() == 2
            && exis.contains("WA1234")
            && exis.contains("49281042550")
            && exis.contains("20"),
        "{exis}"
    );
    assert_eq!(
        ok(salal(d).args([
            "order",
            "receive",
            &order,
            "--scan",
            FLU_SCAN_2,
            "--quantity",
            "20",
            "--funding",
            "VXC51"
        ]))
        .trim(),
        format!("{order} received")
    );
    assert!(
        on_hand(d).contains(&"49281-0425-50 UV1234 2028-06-30 VXC51 Refrigerator 20".to_owned())
    );
    let (code, _, _) = run(salal(d).args([
        "order",
        "receive",
        &order,
        "--scan",
        FLU_SCAN_2,
        "--quantity",
        "20",
        "--funding",
        "VXC51",
    ]));
    assert_eq!(code, 2, "a received order is not received twice");

    // Transfers between units and a loan between funding sources keep every dose accounted for.
    ok(salal(d).args(["stock", "unit", "add", "Freezer 1", "--kind", "freezer"]));
    ok(salal(d).args([
        "stock",
        "transfer",
        "--lot",
        "UV1234",
        "--quantity",
        "5",
        "--to-unit",
        "Refrigerator 2",
    ]));
    ok(salal(d).args([
        "stock",
        "borrow",
        "--lot",
        "UV1234",
        "--unit",
        "Refrigerator",
        "--quantity",
        "1",
        "--to-funding",
        "PHC70",
        "--reason",
        "borrow_private_shortage",
    ]));
    let lines = on_hand(d);
    assert!(
        lines.contains(&"49281-0425-50 UV1234 2028-06-30 VXC51 Refrigerator 14".to_owned()),
        "{lines:?}"
    );
    assert!(
        lines.contains(&"49281-0425-50 UV1234 2028-06-30 VXC51 Refrigerator 2 5".to_owned()),
        "{lines:?}"
    );
    assert!(
        lines.contains(&"49281-0425-50 UV1234 2028-06-30 PHC70 Refrigerator 1".to_owned()),
        "{lines:?}"
    );
    let (code, _, err) =
        run(salal(d).args(["stock", "count", "--lot", "UV1234", "--counted", "3"]));
    assert_eq!(code, 2, "the lot is in three places: {err}");
    assert!(err.contains("UV1234"), "{err}");
}

#[test]
fn a_negative_balance_is_shown_and_flagged_never_clamped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d, "Clínica del Valle");
    ok(salal(d).args([
        "stock",
        "receive",
        "--scan",
        FLU_SCAN,
        "--quantity",
        "1",
        "--funding",
        "VXC51",
    ]));
    let p = add(
        d,
        &[
            "--first",
            "Ana",
            "--last",
            "Mora",
            "--birth-date",
            "2026-01-15",
        ],
    );
    let today = chrono::Local::now().date_naive().to_string();
    for _ in 0..3 {
        let (code, _, err) = dose_from_stock(d, &p, "UT8021AA", &today, "V02", &[]);
        assert_eq!(code, 0, "{err}");
    }
    let (code, out, err) = run(salal(d).args(["--lang", "es", "stock", "on-hand"]));
    assert_eq!(code, 0);
    assert_eq!(
        out.trim(),
        "49281-0425-50 UT8021AA 2027-12-31 VXC51 Refrigerator -2"
    );
    assert!(err.contains("bajo cero"), "{err}");
}
