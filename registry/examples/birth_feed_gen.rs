//! Writes a synthetic birth-record feed (`assets/birth-feed/LAYOUT.md`) for
//! benchmarks: `cargo run --release -p salal-registry --example birth_feed_gen
//! -- ROWS > feed.psv`. Deterministic (a fixed-seed generator): the same ROWS
//! always give the same file. Names are drawn from short synthetic lists;
//! births spread over ten years; surnames
//! are synthetic syllable strings; about 3% are twins (same birth date,
//! mother and address, birth order 1 and 2); 70% carry a hepatitis B dose.

#[path = "common/names.rs"]
mod names;

use names::{CITY, FIRST, Rng};
use std::io::Write as _;

fn main() {
    let rows: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let mut rng = Rng(0x5a1a_2025);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let header = "certificate_number|first_name|middle_name|last_name|second_last_name|birth_date|birth_time|sex|plurality|birth_order|mother_first_name|mother_maiden_name|mother_last_name|address_line|city|state|zip|phone|birth_facility|hepb_given|hepb_date|hepb_cvx";
    if writeln!(out, "{header}").is_err() {
        return;
    }
    let start = chrono::NaiveDate::from_ymd_opt(2015, 1, 1).unwrap_or_default();
    let mut n = 0;
    while n < rows {
        let twins = rng.below(100) < 3 && n + 1 < rows;
        let days = rng.below(3650);
        let birth = start
            .checked_add_days(chrono::Days::new(days))
            .unwrap_or(start);
        let (last, maiden) = (rng.surname(), rng.surname());
        let mother = rng.pick(FIRST);
        let city = rng.pick(CITY);
        let street = rng.below(9000) + 100;
        let phone = 5_095_550_000 + rng.below(10_000_000);
        let zip = 98_900 + rng.below(60);
        let plurality = if twins { 2 } else { 1 };
        for order in 1..=plurality {
            n += 1;
            let sex = if rng.below(2) == 0 { "F" } else { "M" };
            let hepb = rng.below(10) < 7;
            let line = format!(
                "WA-{}-{n:08}|{}||{last}|{maiden}|{birth}|{:02}:{:02}|{sex}|{plurality}|{order}|{mother}|{maiden}|{last}|{street} Alder Rd|{city}|WA|{zip}|{phone}|Valley General|{}|{}|",
                birth.format("%Y"),
                rng.pick(FIRST),
                rng.below(24),
                rng.below(60),
                if hepb { "Y" } else { "N" },
                if hepb {
                    birth.to_string()
                } else {
                    String::new()
                },
            );
            if writeln!(out, "{line}").is_err() {
                return;
            }
        }
    }
}
