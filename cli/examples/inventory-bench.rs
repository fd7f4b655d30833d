//! Inventory benchmark through `salal_clinic` on a real encrypted store: a
//! clinic with five years of history (≈ 200,000 stock transactions over 40
//! lots and 3 storage units, and the demo clinic's dose records), then
//! on-hand and the doses-administered report for one year, each timed over
//! repeated runs.
//!
//! `scripts/with-keyring.sh cargo run --release -p salal-cli --example inventory-bench`

use chrono::{Days, NaiveDate};
use salal_clinic::{Clinic, ImportedPatient, SetupRequest};
use salal_core::i18n::Lang;
use salal_demo::DemoClinic;
use salal_inventory::{LotKey, StockTxn, TxnKind};
use std::time::Instant;
use uuid::Uuid;

const PRODUCTS: [(&str, &str, &str); 8] = [
    ("49281-0425-50", "140", "PMC"),
    ("00006-4681-00", "03", "MSD"),
    ("58160-0842-11", "115", "SKB"),
    ("00006-4047-20", "116", "MSD"),
    ("49281-0545-05", "48", "PMC"),
    ("58160-0820-11", "08", "SKB"),
    ("00006-4827-00", "21", "MSD"),
    ("49281-0489-01", "114", "PMC"),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let password = "orchard river demo clinic";
    let request = SetupRequest {
        clinic_name: "Clínica del Valle".to_owned(),
        admin_username: "admin".to_owned(),
        admin_display_name: "Admin".to_owned(),
        admin_password: password.to_owned(),
        language: Lang::En,
    };
    let (clinic, _) = Clinic::setup(dir.path(), &request)?;
    let session = clinic.login("admin", password)?;
    let today = clinic.today();

    let start = Instant::now();
    let patients: Vec<ImportedPatient> = DemoClinic::new(7, today)
        .take(6000)
        .map(|p| ImportedPatient {
            details: p.details,
            events: p.events,
        })
        .collect();
    let doses: usize = patients.iter().map(|p| p.events.len()).sum();
    for chunk in patients.chunks(1000) {
        clinic.import_patients(&session, chunk)?;
    }
    println!(
        "{} patients, {doses} dose records: {:.1} s",
        patients.len(),
        start.elapsed().as_secs_f64()
    );

    // Five years of ledger: every week a receipt per product, doses given
    // every day, a monthly count per lot, some waste.
    let start = Instant::now();
    let first = today - Days::new(5 * 365);
    let units = ["Refrigerator", "Refrigerator 2", "Freezer"];
    let mut txns = Vec::new();
    let mut n: u128 = 0;
    let mut next = |t: &mut Vec<StockTxn>,
                    lot: &LotKey,
                    cvx: &str,
                    mvx: &str,
                    unit: &str,
                    kind: TxnKind,
                    q: i64,
                    date: NaiveDate| {
        n += 1;
        let mut txn = StockTxn {
            id: Uuid::from_u128(0x5a1a_0000_0000_0000_0000_0000_0000_0000 + n),
            lot: lot.clone(),
            cvx: cvx.to_owned(),
            mvx: mvx.to_owned(),
            unit: unit.to_owned(),
            kind,
            quantity: q,
            date,
            reason: String::new(),
            expected: None,
            counted: None,
            event_id: None,
            order_id: None,
            pair_id: None,
            counterparty: String::new(),
            note: String::new(),
            recorded_by: "admin".to_owned(),
        };
        match kind {
            TxnKind::Wasted => txn.reason = "wasted_drawn".to_owned(),
            TxnKind::Adjustment => {
                txn.expected = Some(100);
                txn.counted = Some(100 + q);
                txn.reason = "count_error".to_owned();
            }
            _ => {}
        }
        t.push(txn);
    };
    let mut day = first;
    let mut i = 0u64;
    while day <= today {
        for (p, (ndc, cvx, mvx)) in PRODUCTS.iter().enumerate() {
            // A new lot every quarter, per product and funding source.
            let quarter = (day - first).num_days() / 91;
            for funding in ["VXC51", "PHC70"] {
                let quarter_start = first + Days::new(u64::try_from(quarter * 91).unwrap_or(0));
                let lot = LotKey::new(
                    ndc,
                    &format!("L{p}Q{quarter}"),
                    quarter_start + Days::new(400),
                    funding,
                );
                let unit = units[p % units.len()];
                if day.weekday() == chrono::Weekday::Mon {
                    next(&mut txns, &lot, cvx, mvx, unit, TxnKind::Receipt, 45, day);
                }
                i += 1;
                for _ in 0..7 {
                    next(
                        &mut txns,
                        &lot,
                        cvx,
                        mvx,
                        unit,
                        TxnKind::Administered,
                        -1,
                        day,
                    );
                }
                if day.day0() == 0 {
                    next(
                        &mut txns,
                        &lot,
                        cvx,
                        mvx,
                        unit,
                        TxnKind::Adjustment,
                        -1,
                        day,
                    );
                }
                if i.is_multiple_of(37) {
                    next(&mut txns, &lot, cvx, mvx, unit, TxnKind::Wasted, -1, day);
                }
            }
        }
        day = day + Days::new(1);
    }
    for chunk in txns.chunks(20_000) {
        clinic.import_stock(&session, chunk)?;
    }
    println!(
        "{} stock transactions: {:.1} s",
        txns.len(),
        start.elapsed().as_secs_f64()
    );

    let time = |name: &str, f: &dyn Fn() -> Result<usize, Box<dyn std::error::Error>>| {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..30 {
            let start = Instant::now();
            size = f()?;
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{name}: median {:.2} ms, p95 {:.2} ms, max {:.2} ms ({size} rows)",
            times[times.len() / 2],
            times[times.len() * 95 / 100],
            times[times.len() - 1]
        );
        Ok::<(), Box<dyn std::error::Error>>(())
    };
    time("on-hand", &|| Ok(clinic.on_hand(&session)?.len()))?;
    let year_ago = today - Days::new(365);
    time("doses report, one year", &|| {
        Ok(clinic
            .doses_report(&session, year_ago, today, Lang::En)?
            .rows
            .len())
    })?;
    time("doses report, five years", &|| {
        Ok(clinic
            .doses_report(&session, first, today, Lang::En)?
            .rows
            .len())
    })?;
    time("reconciliation status", &|| {
        Ok(clinic.reconciliation(&session)?.uncounted.len())
    })?;
    time("suggested order", &|| {
        Ok(clinic.suggested_order(&session)?.len())
    })?;
    Ok(())
}

use chrono::Datelike;
