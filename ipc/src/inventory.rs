//! Vaccine inventory, for the Inventory screen (F8) and the dose form's lot
//! picker: stock on hand by lot, receiving (a scanned GS1 barcode or a typed
//! NDC, lot and expiry), physical counts and this month's reconciliation,
//! doses leaving stock (non-viable, returned, transferred, lent to another
//! funding source), storage units and their data-logger files, orders, and
//! the reports.
//!
//! Every action that creates something carries an id chosen when its form
//! opened, so a retried save records it once. Quantities are doses.

use serde::{Deserialize, Serialize};

/// One lot's stock in one storage unit.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct StockLineView {
    /// The lot's id (UUID text, the same on every device).
    pub lot_id: String,
    /// NDC, 5-4-2.
    pub ndc: String,
    /// Vaccine (CVX).
    pub cvx: String,
    /// The vaccine's short name.
    pub vaccine: String,
    /// Manufacturer (MVX).
    pub mvx: String,
    /// Lot number.
    pub lot: String,
    /// ISO expiry date.
    pub expires: String,
    /// Funding source code (VXC51…).
    pub funding: String,
    /// Its program: `vfc`, `public`, `state`, `private` or `other`.
    pub program: String,
    /// Storage unit.
    pub unit: String,
    /// Doses on hand (negative: more left than arrived; shown flagged).
    pub quantity: i64,
    /// ISO day of its latest count.
    #[serde(default)]
    pub last_count: Option<String>,
    /// Days until it expires (negative once expired).
    pub expires_in_days: i64,
}

/// This month's physical count.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ReconciliationView {
    /// ISO first day of the month.
    pub month_start: String,
    /// Whether every stocked lot has been counted this month.
    pub done: bool,
    /// The lots still to count.
    pub uncounted: Vec<StockLineView>,
    /// ISO day of the latest count anywhere.
    #[serde(default)]
    pub last_count: Option<String>,
}

/// A storage unit (refrigerator, freezer).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct StorageUnitView {
    /// Its name.
    pub name: String,
    /// Its kind's code (`refrigerator`, `freezer`).
    pub kind: String,
    /// Its kind in the user's language.
    pub kind_label: String,
}

/// What the Inventory screen opens with.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct StockOverview {
    /// Every lot with stock (or a negative balance) in every unit.
    pub on_hand: Vec<StockLineView>,
    /// This month's count.
    pub reconciliation: ReconciliationView,
    /// The storage units.
    pub units: Vec<StorageUnitView>,
    /// Whether the signed-in user may change stock (receive, count, order…).
    pub may_manage: bool,
    /// ISO date of today on this computer's clock, as the clinic sees it.
    pub today: String,
}

/// The pick lists of the Inventory screen, in the user's language.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct StockChoices {
    /// Funding sources stock may have.
    pub funding: Vec<crate::CodeItem>,
    /// Reasons for a count's difference.
    pub adjustment_reasons: Vec<crate::CodeItem>,
    /// Reasons vaccine is non-viable (wasted, expired, spoiled).
    pub waste_reasons: Vec<crate::CodeItem>,
    /// Reasons for borrowing between funding sources.
    pub borrow_reasons: Vec<crate::CodeItem>,
    /// Kinds of storage unit.
    pub unit_kinds: Vec<crate::CodeItem>,
}

/// The lots the dose form offers for a vaccine.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct LotsForDoseRequest {
    /// The vaccine (CVX); empty: every lot with stock.
    pub cvx: String,
}

/// Doses received: a scanned barcode, or a typed NDC, lot and expiry.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReceiveRequest {
    /// The receipt's id (UUID text), chosen when the form was started.
    pub id: String,
    /// What the scanner typed from the package's GS1 barcode (wins when not empty).
    pub scan: String,
    /// Typed NDC (any hyphenation of the 11 digits).
    pub ndc: String,
    /// Typed lot number.
    pub lot: String,
    /// Typed ISO expiry date.
    pub expires: String,
    /// Doses.
    pub quantity: i64,
    /// Funding source code.
    pub funding: String,
    /// Storage unit (empty: the only one, or the default).
    pub unit: String,
}

/// What receiving did.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ReceivedView {
    /// The lot's stock now.
    pub line: StockLineView,
    /// False when the same receipt was already saved (nothing changed).
    pub created: bool,
}

/// A physical count of one lot in one unit.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct CountRequest {
    /// The count's id (UUID text).
    pub id: String,
    /// The lot.
    pub lot_id: String,
    /// The unit.
    pub unit: String,
    /// Doses counted.
    pub counted: i64,
    /// What the screen showed as expected.
    pub expected: i64,
    /// Reason code for a difference (empty: none given).
    #[serde(default)]
    pub reason: String,
}

/// What a count did.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct CountedView {
    /// What was expected.
    pub expected: i64,
    /// What was counted.
    pub counted: i64,
    /// counted − expected.
    pub adjustment: i64,
    /// The lot's stock now.
    pub line: StockLineView,
}

/// How doses leave stock.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemovalKind {
    /// Non-viable: wasted, expired or spoiled (needs a reason).
    Waste,
    /// Returned to the distributor.
    Return,
    /// To another storage unit here (`to` names it).
    TransferUnit,
    /// To another facility (`to` names it).
    TransferFacility,
    /// Lent to another funding source (`to` is its code; needs a reason).
    Borrow,
}

impl RemovalKind {
    /// Every kind, in the order the screen offers them.
    pub const ALL: [RemovalKind; 5] = [
        RemovalKind::Waste,
        RemovalKind::Return,
        RemovalKind::TransferUnit,
        RemovalKind::TransferFacility,
        RemovalKind::Borrow,
    ];

    /// The wire code (also the end of its translation keys).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            RemovalKind::Waste => "waste",
            RemovalKind::Return => "return",
            RemovalKind::TransferUnit => "transfer_unit",
            RemovalKind::TransferFacility => "transfer_facility",
            RemovalKind::Borrow => "borrow",
        }
    }
}

/// Doses leaving a lot.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RemoveRequest {
    /// The removal's id (UUID text).
    pub id: String,
    /// How.
    pub kind: RemovalKind,
    /// The lot.
    pub lot_id: String,
    /// The unit it leaves.
    pub unit: String,
    /// Doses (above zero).
    pub quantity: i64,
    /// Reason code (waste, borrow).
    #[serde(default)]
    pub reason: String,
    /// Where to: a unit, a facility or a funding source.
    #[serde(default)]
    pub to: String,
    /// Free text.
    #[serde(default)]
    pub note: String,
}

/// A period, ISO dates, both days included.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct PeriodRequest {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
}

/// Non-viable vaccine to return or report.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct NonViableView {
    /// ISO day it was recorded.
    pub date: String,
    /// NDC.
    pub ndc: String,
    /// Vaccine short name.
    pub vaccine: String,
    /// Lot number.
    pub lot: String,
    /// ISO expiry.
    pub expires: String,
    /// Funding source.
    pub funding: String,
    /// Storage unit.
    pub unit: String,
    /// `wasted`, `expired` or `spoiled`.
    pub kind: String,
    /// The reason in the user's language.
    pub reason: String,
    /// Doses.
    pub doses: i64,
    /// `return` or `report`.
    pub action: String,
    /// ISO day to return or report it by.
    #[serde(default)]
    pub due: Option<String>,
}

/// One day's counts.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct CountSessionView {
    /// ISO day.
    pub date: String,
    /// Lots counted.
    pub lots: u32,
    /// Doses expected.
    pub expected: i64,
    /// Doses counted.
    pub counted: i64,
    /// Sum of the adjustments.
    pub adjustment: i64,
    /// Who counted (user names).
    pub counted_by: Vec<String>,
}

/// Add a storage unit, or change its kind.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SaveUnitRequest {
    /// Its name.
    pub name: String,
    /// Its kind's code.
    pub kind: String,
}

/// A data logger's file for a storage unit.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct TemperatureRequest {
    /// The storage unit.
    pub unit: String,
    /// The file's text (CSV or tab-separated, as the logger's software exports it).
    pub text: String,
}

/// A dose given from the unit during or after an excursion.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct AffectedDoseView {
    /// The patient.
    pub patient_id: String,
    /// Their name.
    pub patient_name: String,
    /// ISO day it was given.
    pub date: String,
    /// Lot number.
    pub lot: String,
    /// Vaccine.
    pub vaccine: String,
}

/// A run of readings out of the unit's range, and what it may have touched.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct ExcursionView {
    /// Its first out-of-range reading (`YYYY-MM-DD HH:MM`, the logger's local time).
    pub start: String,
    /// The first reading back in range (or the last reading).
    pub end: String,
    /// Minutes from start to end.
    pub minutes: i64,
    /// Readings out of range.
    pub readings: u32,
    /// Lowest out-of-range reading, °C.
    pub min_c: f64,
    /// Highest out-of-range reading, °C.
    pub max_c: f64,
    /// Some reading was too warm.
    pub too_warm: bool,
    /// Some reading was too cold.
    pub too_cold: bool,
    /// Lots in the unit with stock.
    pub lots: Vec<StockLineView>,
    /// Doses given from the unit's lots from its start on.
    pub doses: Vec<AffectedDoseView>,
}

/// What importing a logger file did.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct TemperatureImportView {
    /// Readings in the file.
    pub readings: u32,
    /// Readings not seen before.
    pub new_readings: u64,
    /// Every excursion in the file.
    pub excursions: Vec<ExcursionView>,
}

/// One line of an order.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct OrderLineView {
    /// NDC, 5-4-2 (any hyphenation when typed).
    pub ndc: String,
    /// Vaccine (CVX; filled in by the shell).
    #[serde(default)]
    pub cvx: String,
    /// Vaccine short name (filled in by the shell).
    #[serde(default)]
    pub vaccine: String,
    /// Funding source code.
    pub funding: String,
    /// Doses asked for.
    pub doses: i64,
    /// What Salal suggested, if it did.
    #[serde(default)]
    pub suggested: Option<i64>,
}

/// Where an order stands.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStateView {
    /// Being written.
    Draft,
    /// Sent to the state program.
    Submitted,
    /// Approved.
    Approved,
    /// Shipped.
    Shipped,
    /// Received.
    Received,
    /// Cancelled.
    Cancelled,
}

impl OrderStateView {
    /// The wire code (also the end of its translation keys).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            OrderStateView::Draft => "draft",
            OrderStateView::Submitted => "submitted",
            OrderStateView::Approved => "approved",
            OrderStateView::Shipped => "shipped",
            OrderStateView::Received => "received",
            OrderStateView::Cancelled => "cancelled",
        }
    }
}

/// An order.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct OrderView {
    /// Its id (UUID text).
    pub id: String,
    /// Where it stands.
    pub state: OrderStateView,
    /// What is asked for.
    pub lines: Vec<OrderLineView>,
    /// ISO day it was started.
    pub created_on: String,
    /// ISO day of the last state it reached.
    pub updated_on: String,
    /// Free text.
    pub note: String,
}

/// Start an order (a draft).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct CreateOrderRequest {
    /// The order's id (UUID text), chosen when the draft was started.
    pub id: String,
    /// Its lines.
    pub lines: Vec<OrderLineView>,
    /// Free text.
    #[serde(default)]
    pub note: String,
}

/// Move an order forward.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct AdvanceOrderRequest {
    /// The order.
    pub order_id: String,
    /// The state it moves to.
    pub to: OrderStateView,
}

/// Receive a shipment against an order.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ReceiveOrderRequest {
    /// The order.
    pub order_id: String,
    /// What arrived.
    pub receipts: Vec<ReceiveRequest>,
}

/// Save an order in the CDC ExIS CSV shape.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ExportOrderRequest {
    /// The order.
    pub order_id: String,
    /// The clinic's VFC provider PIN.
    #[serde(default)]
    pub pin: String,
}

/// One row of the doses-administered report.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct DosesRowView {
    /// Vaccine (CVX).
    pub cvx: String,
    /// Its short name.
    pub vaccine: String,
    /// Age group in the user's language.
    pub age_group: String,
    /// VFC eligibility code.
    pub vfc_eligibility: String,
    /// Whether that code is VFC-eligible.
    pub vfc_eligible: bool,
    /// Doses.
    pub doses: u64,
}

/// Doses administered in a period.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct DosesReportView {
    /// ISO first day.
    pub from: String,
    /// ISO last day.
    pub to: String,
    /// By vaccine, age group and eligibility.
    pub rows: Vec<DosesRowView>,
    /// All doses.
    pub total: u64,
}

/// Which report to save.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// Doses administered in the period.
    Doses,
    /// Stock on hand that expires within `days`.
    Expiring,
    /// The physical counts in the period.
    Counts,
    /// Non-viable vaccine in the period.
    Wastage,
}

impl ReportKind {
    /// The wire code (also the end of its translation keys).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            ReportKind::Doses => "doses",
            ReportKind::Expiring => "expiring",
            ReportKind::Counts => "counts",
            ReportKind::Wastage => "wastage",
        }
    }
}

/// The file a report is saved as.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    /// A spreadsheet.
    Csv,
    /// A printable table.
    Pdf,
}

/// Save a report in the documents folder.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SaveReportRequest {
    /// Which report.
    pub kind: ReportKind,
    /// CSV or PDF.
    pub format: ReportFormat,
    /// ISO first day (doses, counts, wastage).
    #[serde(default)]
    pub from: String,
    /// ISO last day (doses, counts, wastage).
    #[serde(default)]
    pub to: String,
    /// Expiring within this many days (expiring).
    #[serde(default)]
    pub days: i64,
}

/// A warning the clinician confirms on the dose form before it saves.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct DoseWarningView {
    /// The stable code sent back to confirm it (`expired_lot`,
    /// `private_stock_vfc_child`, `vfc_stock_ineligible_child`).
    pub code: String,
    /// What is wrong and what to do, in the user's language.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_have_a_stable_wire_form() {
        let req: ReceiveRequest =
            serde_json::from_str(r#"{"scan":"0100349281425509","quantity":10,"funding":"VXC51"}"#)
                .unwrap();
        assert_eq!(req.quantity, 10);
        assert!(req.ndc.is_empty() && req.id.is_empty());
        assert_eq!(
            serde_json::to_string(&RemovalKind::TransferUnit).unwrap(),
            r#""transfer_unit""#
        );
        for kind in RemovalKind::ALL {
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.code())
            );
        }
        let advance = AdvanceOrderRequest {
            order_id: "o".to_owned(),
            to: OrderStateView::Submitted,
        };
        assert_eq!(
            serde_json::to_string(&advance).unwrap(),
            r#"{"order_id":"o","to":"submitted"}"#
        );
        let report: SaveReportRequest =
            serde_json::from_str(r#"{"kind":"expiring","format":"pdf","days":60}"#).unwrap();
        assert_eq!(report.kind, ReportKind::Expiring);
        assert_eq!(report.format, ReportFormat::Pdf);
    }
}
