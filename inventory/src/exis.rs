//! CSV files in the shape of the CDC VTrckS ExIS (External Information
//! System) uploads, through which a state immunization program sends
//! providers' orders and on-hand inventory from its IIS to VTrckS.
//!
//! The ExIS file specification is distributed by CDC to awardees and is not
//! available here, so the columns below are Salal's choice, named as ExIS
//! users know the fields; a state program may need to rename, reorder or map
//! them (and the funding codes) to the layout its VTrckS upload expects.
//!
//! Both files are RFC 4180 CSV with a header row, comma-separated, quoted only
//! where a field needs it, with CRLF line ends. Dates are ISO 8601
//! (`YYYY-MM-DD`). NDCs are the 11-digit form VTrckS uses, digits only with
//! no hyphens (`49281-0425-50` → `49281042550`; a 10-digit 4-4-2, 5-3-2 or
//! 5-4-1 NDC is padded to 5-4-2 first). Funding sources are the CDCPHINVS
//! codes Salal records (`VXC51` for VFC, …).
//!
//! Order file ([`order_csv`]), one row per order line:
//!
//! | column            | what                                              |
//! |-------------------|---------------------------------------------------|
//! | `provider_pin`    | the provider's VTrckS PIN                          |
//! | `order_id`        | Salal's order id (a UUID)                          |
//! | `order_date`      | the day it was submitted, else the day it was started |
//! | `ndc`             | 11-digit NDC                                       |
//! | `funding_source`  | CDCPHINVS funding source code                      |
//! | `doses_requested` | doses asked for                                    |
//! | `suggested_doses` | what Salal suggested (empty: no suggestion)        |
//! | `comments`        | the order's note                                   |
//!
//! Inventory file ([`inventory_csv`]), one row per lot:
//!
//! | column            | what                                              |
//! |-------------------|---------------------------------------------------|
//! | `provider_pin`    | the provider's VTrckS PIN                          |
//! | `count_date`      | the day the doses were on hand                     |
//! | `ndc`             | 11-digit NDC                                       |
//! | `lot_number`      | lot number                                         |
//! | `expiration_date` | the lot's expiry                                   |
//! | `funding_source`  | CDCPHINVS funding source code                      |
//! | `doses_on_hand`   | doses on hand (negative when the ledger is)       |

use crate::order::{Order, OrderState};
use chrono::NaiveDate;

/// The order file's header.
pub const ORDER_COLUMNS: [&str; 8] = [
    "provider_pin",
    "order_id",
    "order_date",
    "ndc",
    "funding_source",
    "doses_requested",
    "suggested_doses",
    "comments",
];

/// The inventory file's header.
pub const INVENTORY_COLUMNS: [&str; 7] = [
    "provider_pin",
    "count_date",
    "ndc",
    "lot_number",
    "expiration_date",
    "funding_source",
    "doses_on_hand",
];

/// One lot on hand, as the inventory file reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryLine {
    /// NDC (11-digit 5-4-2 with hyphens, or digits).
    pub ndc: String,
    /// Lot number.
    pub lot: String,
    /// The lot's expiry.
    pub expires: NaiveDate,
    /// Funding source (CDCPHINVS).
    pub funding: String,
    /// Doses on hand.
    pub doses: i64,
}

/// An NDC as the 11 digits VTrckS uses: hyphens removed, each segment of a
/// hyphenated NDC padded to 5-4-2 (so a 10-digit `0006-4047-41` becomes
/// `00006404741`). Text that is not a hyphenated three-segment NDC keeps its
/// digits as they are.
#[must_use]
pub fn ndc11(ndc: &str) -> String {
    let ndc = ndc.trim();
    let segments: Vec<&str> = ndc.split('-').collect();
    let all_digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    match segments.as_slice() {
        [labeler, product, package]
            if segments.iter().all(|s| all_digits(s))
                && labeler.len() <= 5
                && product.len() <= 4
                && package.len() <= 2 =>
        {
            format!("{labeler:0>5}{product:0>4}{package:0>2}")
        }
        _ => ndc.chars().filter(char::is_ascii_digit).collect(),
    }
}

/// The day an order is dated: its first submission, else the day it was started.
#[must_use]
pub fn order_date(order: &Order) -> NaiveDate {
    order
        .history
        .iter()
        .find(|(state, _)| *state == OrderState::Submitted)
        .map_or(order.created_on, |(_, day)| *day)
}

/// CSV text of `rows` under `header`.
fn csv_text<const N: usize>(header: [&str; N], rows: impl Iterator<Item = [String; N]>) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing to memory cannot fail, and every field is a Rust string (UTF-8).
    writer
        .write_record(header)
        .expect("writing CSV to memory cannot fail");
    for row in rows {
        writer
            .write_record(&row)
            .expect("writing CSV to memory cannot fail");
    }
    let bytes = writer
        .into_inner()
        .expect("flushing CSV to memory cannot fail");
    String::from_utf8(bytes).expect("CSV of UTF-8 fields is UTF-8")
}

/// The order file: a header, then one row per line of `order` (see the module
/// documentation for the columns).
#[must_use]
pub fn order_csv(order: &Order, provider_pin: &str) -> String {
    let id = order.id.to_string();
    let date = order_date(order).format("%Y-%m-%d").to_string();
    csv_text(
        ORDER_COLUMNS,
        order.lines.iter().map(|line| {
            [
                provider_pin.to_owned(),
                id.clone(),
                date.clone(),
                ndc11(&line.ndc),
                line.funding.clone(),
                line.doses.to_string(),
                line.suggested.map(|n| n.to_string()).unwrap_or_default(),
                order.note.clone(),
            ]
        }),
    )
}

/// The provider inventory file: a header, then one row per lot of `lines` as
/// counted on `as_of` (see the module documentation for the columns).
#[must_use]
pub fn inventory_csv(lines: &[InventoryLine], provider_pin: &str, as_of: NaiveDate) -> String {
    let date = as_of.format("%Y-%m-%d").to_string();
    csv_text(
        INVENTORY_COLUMNS,
        lines.iter().map(|line| {
            [
                provider_pin.to_owned(),
                date.clone(),
                ndc11(&line.ndc),
                line.lot.clone(),
                line.expires.format("%Y-%m-%d").to_string(),
                line.funding.clone(),
                line.doses.to_string(),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::OrderLine;
    use uuid::Uuid;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid")
    }

    fn read(text: &str) -> Vec<Vec<String>> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        reader
            .records()
            .map(|r| r.expect("valid CSV").iter().map(str::to_owned).collect())
            .collect()
    }

    fn order() -> Order {
        Order {
            id: Uuid::from_u128(0x0192_5a7e_1c00_7000_8000_0000_0000_0001),
            state: OrderState::Approved,
            lines: vec![
                OrderLine {
                    ndc: "49281-0425-50".to_owned(),
                    cvx: "20".to_owned(),
                    funding: "VXC51".to_owned(),
                    doses: 50,
                    suggested: Some(40),
                },
                OrderLine {
                    ndc: "0006-4047-41".to_owned(),
                    cvx: "116".to_owned(),
                    funding: "VXC2".to_owned(),
                    doses: 10,
                    suggested: None,
                },
            ],
            created_on: day(2026, 10, 28),
            history: vec![
                (OrderState::Draft, day(2026, 10, 28)),
                (OrderState::Submitted, day(2026, 11, 2)),
                (OrderState::Approved, day(2026, 11, 4)),
            ],
            note: "Flu clinic, \"Saturday\" 11/14, please ship by Thursday".to_owned(),
        }
    }

    #[test]
    fn order_rows_carry_every_field() {
        let order = order();
        let text = order_csv(&order, "WA0042");
        assert!(text.ends_with("\r\n"));
        let rows = read(&text);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0], ORDER_COLUMNS);
        let id = "01925a7e-1c00-7000-8000-000000000001";
        let note = "Flu clinic, \"Saturday\" 11/14, please ship by Thursday";
        assert_eq!(
            rows[1],
            [
                "WA0042",
                id,
                "2026-11-02",
                "49281042550",
                "VXC51",
                "50",
                "40",
                note
            ]
        );
        assert_eq!(
            rows[2],
            [
                "WA0042",
                id,
                "2026-11-02",
                "00006404741",
                "VXC2",
                "10",
                "",
                note
            ]
        );
    }

    #[test]
    fn an_order_never_submitted_is_dated_when_started() {
        let mut order = order();
        order.history.clear();
        order.state = OrderState::Draft;
        order.note.clear();
        assert_eq!(order_date(&order), day(2026, 10, 28));
        let rows = read(&order_csv(&order, "WA0042"));
        assert_eq!(rows[1][2], "2026-10-28");
        assert_eq!(rows[1][7], "");
        order.lines.clear();
        assert_eq!(read(&order_csv(&order, "WA0042")), [ORDER_COLUMNS]);
    }

    #[test]
    fn inventory_rows_carry_every_field() {
        let lines = [
            InventoryLine {
                ndc: "49281-0425-50".to_owned(),
                lot: "UJ123AA".to_owned(),
                expires: day(2027, 6, 30),
                funding: "VXC51".to_owned(),
                doses: 37,
            },
            InventoryLine {
                ndc: "58160082011".to_owned(),
                lot: "LOT,7 \"B\"".to_owned(),
                expires: day(2026, 12, 1),
                funding: "PHC70".to_owned(),
                doses: -2,
            },
        ];
        let rows = read(&inventory_csv(&lines, "WA0042", day(2026, 11, 30)));
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0], INVENTORY_COLUMNS);
        assert_eq!(
            rows[1],
            [
                "WA0042",
                "2026-11-30",
                "49281042550",
                "UJ123AA",
                "2027-06-30",
                "VXC51",
                "37"
            ]
        );
        assert_eq!(
            rows[2],
            [
                "WA0042",
                "2026-11-30",
                "58160082011",
                "LOT,7 \"B\"",
                "2026-12-01",
                "PHC70",
                "-2"
            ]
        );
    }

    #[test]
    fn ndcs_become_eleven_digits() {
        assert_eq!(ndc11("49281-0425-50"), "49281042550");
        assert_eq!(ndc11("0006-4047-41"), "00006404741");
        assert_eq!(ndc11("58160-820-11"), "58160082011");
        assert_eq!(ndc11("33332-0118-1"), "33332011801");
        assert_eq!(ndc11(" 49281042550 "), "49281042550");
        assert_eq!(ndc11("492810-425-50"), "49281042550");
    }
}
