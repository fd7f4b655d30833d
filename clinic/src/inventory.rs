//! Vaccine inventory, as a VFC vaccine coordinator works it: receiving stock
//! (by scanning the package's GS1 barcode, or typing NDC, lot and expiry),
//! on-hand by lot, funding source and storage unit, doses taken from stock by
//! the dose form, physical counts and the monthly reconciliation, non-viable
//! vaccine, transfers, returns and borrowing between funding sources, data
//! logger files and excursions, orders, and the reports.
//!
//! Every action is one store transaction (ledger row + outbox change + audit).
//! The rules are `salal-inventory`'s; the tables are `assets/inventory/`.

use crate::error::{RecordEventError, StockError};
use crate::{Clinic, Session};
use chrono::NaiveDate;
use salal_core::event::NewEvent;
use salal_core::i18n::{Lang, UserMessage, format_date};
use salal_core::ids::{EventId, PatientId, generate_v7};
use salal_core::user::Permission;
use salal_inventory::reconcile::{self, LotCountState};
use salal_inventory::suggest::{self, Usage};
use salal_inventory::temperature::{self, Excursion, Reading};
use salal_inventory::{
    FundingProgram, InventoryError, LotKey, Order, OrderLine, OrderState, ReasonUse, StockTxn,
    Tables, TxnKind, WasteAction,
};
use salal_store::StockBalance;
use salal_sync::inventory_fields::{StorageUnit, storage_unit_id};
use serde::Serialize;
use uuid::Uuid;

/// The namespace of ids derived from what a transaction belongs to.
const TXN_NAMESPACE: Uuid = Uuid::from_u128(0x5a1a_0717_0000_4000_8000_0000_0000_0003);

/// The storage unit a clinic starts with when it names none.
pub const DEFAULT_UNIT: &str = "Refrigerator";

/// Days of use a suggested order covers, and the days of history it looks at.
pub const ORDER_COVER_DAYS: u32 = 30;
/// See [`ORDER_COVER_DAYS`].
pub const ORDER_HISTORY_DAYS: u32 = 90;

/// One lot's stock in one storage unit, as screens and the CLI show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StockLine {
    /// The lot's id (the same on every device).
    pub lot_id: Uuid,
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
    /// Expiry.
    pub expires: NaiveDate,
    /// Funding source code.
    pub funding: String,
    /// Its program (`vfc`, `state`, `private`, ...).
    pub program: String,
    /// Storage unit.
    pub unit: String,
    /// Doses on hand (negative: flagged, never clamped).
    pub quantity: i64,
    /// The day of its latest count.
    pub last_count: Option<NaiveDate>,
    /// Days until it expires (negative once expired).
    pub expires_in_days: i64,
}

impl StockLine {
    /// `NDC LOT EXPIRES FUNDING UNIT QUANTITY`, as `salal stock on-hand` prints it.
    #[must_use]
    pub fn on_hand_line(&self) -> String {
        format!(
            "{} {} {} {} {} {}",
            self.ndc, self.lot, self.expires, self.funding, self.unit, self.quantity
        )
    }

    /// Whether more doses left than arrived.
    #[must_use]
    pub fn is_negative(&self) -> bool {
        self.quantity < 0
    }
}

/// Where received doses come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LotSource {
    /// The text a scanner typed from the package's GS1 barcode.
    Scan(String),
    /// Typed from the package.
    Typed {
        /// NDC (any hyphenation of the 11 digits).
        ndc: String,
        /// Lot number.
        lot: String,
        /// Expiry.
        expires: NaiveDate,
    },
}

/// Doses received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Chosen where the receipt was started (a retry records it once).
    pub id: Option<Uuid>,
    /// The lot.
    pub source: LotSource,
    /// Doses.
    pub quantity: i64,
    /// Funding source (CDCPHINVS).
    pub funding: String,
    /// Storage unit (none: the only one, or [`DEFAULT_UNIT`]).
    pub unit: Option<String>,
    /// The day (none: today).
    pub date: Option<NaiveDate>,
    /// The order it fills.
    pub order_id: Option<Uuid>,
    /// When the doses came from another facility: its name (a transfer in).
    pub from_facility: Option<String>,
    /// Free text.
    pub note: String,
}

/// What receiving did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Received {
    /// The transaction.
    pub txn_id: Uuid,
    /// The lot's stock now.
    pub line: StockLine,
    /// Whether it was recorded now (false: the same receipt was already saved).
    pub created: bool,
}

/// A physical count of one lot in one unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountEntry {
    /// Chosen where the count was started.
    pub id: Option<Uuid>,
    /// The lot.
    pub lot_id: Uuid,
    /// The unit.
    pub unit: String,
    /// Doses counted.
    pub counted: i64,
    /// What the counting screen showed as expected (none: this device's on-hand now).
    pub expected: Option<i64>,
    /// Reason for a difference (none: `unexplained` when there is one).
    pub reason: Option<String>,
    /// The day (none: today).
    pub date: Option<NaiveDate>,
}

/// What a count did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counted {
    /// The transaction.
    pub txn_id: Uuid,
    /// What the device expected.
    pub expected: i64,
    /// What was counted.
    pub counted: i64,
    /// counted − expected.
    pub adjustment: i64,
    /// The lot's stock now.
    pub line: StockLine,
}

/// Doses leaving stock: non-viable (reason), returned, transferred or lent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// Chosen where it was started.
    pub id: Option<Uuid>,
    /// The lot.
    pub lot_id: Uuid,
    /// The unit it leaves.
    pub unit: String,
    /// Doses (above zero).
    pub quantity: i64,
    /// The day (none: today).
    pub date: Option<NaiveDate>,
    /// Free text.
    pub note: String,
}

/// Where transferred doses go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferTo {
    /// Another storage unit here (both halves are recorded).
    Unit(String),
    /// Another facility (it records the transfer in when it receives them).
    Facility(String),
}

/// Non-viable vaccine to return or report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NonViable {
    /// The transaction.
    pub txn_id: Uuid,
    /// The day.
    pub date: NaiveDate,
    /// The lot's NDC.
    pub ndc: String,
    /// Vaccine short name.
    pub vaccine: String,
    /// Lot number.
    pub lot: String,
    /// Expiry.
    pub expires: NaiveDate,
    /// Funding source.
    pub funding: String,
    /// Storage unit.
    pub unit: String,
    /// `wasted`, `expired` or `spoiled`.
    pub kind: String,
    /// Reason code.
    pub reason: String,
    /// Reason in the user's language.
    pub reason_label: String,
    /// Doses.
    pub doses: i64,
    /// `return` or `report`.
    pub action: String,
    /// Return or report by.
    pub due: Option<NaiveDate>,
}

/// This month's reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// The first day of the month.
    pub month_start: NaiveDate,
    /// Whether every stocked lot has been counted.
    pub done: bool,
    /// The lots still to count.
    pub uncounted: Vec<StockLine>,
    /// The day of the latest count anywhere.
    pub last_count: Option<NaiveDate>,
}

/// One day's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountSession {
    /// The day.
    pub date: NaiveDate,
    /// Lots counted.
    pub lots: usize,
    /// Doses expected in total.
    pub expected: i64,
    /// Doses counted in total.
    pub counted: i64,
    /// Sum of the adjustments.
    pub adjustment: i64,
    /// Who counted.
    pub counted_by: Vec<String>,
}

/// Doses given from a storage unit during or after an excursion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AffectedDose {
    /// The dose record.
    pub event_id: EventId,
    /// Whose.
    pub patient_id: PatientId,
    /// Their name.
    pub patient_name: String,
    /// The day it was given.
    pub date: NaiveDate,
    /// The lot.
    pub lot: String,
    /// The vaccine.
    pub vaccine: String,
}

/// An excursion and what it may have touched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExcursionImpact {
    /// When and how far out of range.
    #[serde(skip)]
    pub excursion: Excursion,
    /// Lots in the unit when it began (with stock).
    pub lots: Vec<StockLine>,
    /// Doses given from the unit's lots from its start on.
    pub doses: Vec<AffectedDose>,
}

/// What importing a logger file did.
#[derive(Debug, Clone, PartialEq)]
pub struct TemperatureImport {
    /// Readings in the file.
    pub readings: usize,
    /// Readings not seen before.
    pub new_readings: u64,
    /// Every excursion in the file, with what it touched.
    pub excursions: Vec<ExcursionImpact>,
}

/// One row of the doses-administered report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DosesRow {
    /// Vaccine (CVX).
    pub cvx: String,
    /// Its short name.
    pub vaccine: String,
    /// Age group code.
    pub age_group: String,
    /// Age group in the report's language.
    pub age_label: String,
    /// VFC eligibility code.
    pub vfc_eligibility: String,
    /// Whether that code is VFC-eligible.
    pub vfc_eligible: bool,
    /// Doses.
    pub doses: u64,
}

/// Doses administered in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DosesReport {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// By vaccine, age group and eligibility.
    pub rows: Vec<DosesRow>,
    /// All doses.
    pub total: u64,
}

/// A warning the clinician confirms on the dose form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum DoseWarning {
    /// The lot expired before the dose date.
    ExpiredLot {
        /// Lot number.
        lot: String,
        /// Its expiry.
        expired_on: NaiveDate,
    },
    /// Privately funded stock for a VFC-eligible child.
    PrivateStockVfcChild {
        /// Lot number.
        lot: String,
        /// Funding source.
        funding: String,
    },
    /// VFC stock for a patient who is not VFC-eligible.
    VfcStockIneligibleChild {
        /// Lot number.
        lot: String,
        /// Funding source.
        funding: String,
    },
}

impl DoseWarning {
    /// The stable code the form sends back to confirm it.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            DoseWarning::ExpiredLot { .. } => "expired_lot",
            DoseWarning::PrivateStockVfcChild { .. } => "private_stock_vfc_child",
            DoseWarning::VfcStockIneligibleChild { .. } => "vfc_stock_ineligible_child",
        }
    }
}

impl UserMessage for DoseWarning {
    fn message_key(&self) -> &'static str {
        match self {
            DoseWarning::ExpiredLot { .. } => "inventory.warning.expired_lot",
            DoseWarning::PrivateStockVfcChild { .. } => "inventory.warning.private_stock_vfc_child",
            DoseWarning::VfcStockIneligibleChild { .. } => {
                "inventory.warning.vfc_stock_ineligible_child"
            }
        }
    }
    fn message_args(&self, lang: Lang) -> Vec<(&'static str, String)> {
        match self {
            DoseWarning::ExpiredLot { lot, expired_on } => vec![
                ("lot", lot.clone()),
                ("expired_on", format_date(lang, *expired_on)),
            ],
            DoseWarning::PrivateStockVfcChild { lot, funding }
            | DoseWarning::VfcStockIneligibleChild { lot, funding } => {
                vec![("lot", lot.clone()), ("funding", funding.clone())]
            }
        }
    }
}

/// The lot a dose is taken from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromStock {
    /// The lot.
    pub lot_id: Uuid,
    /// The storage unit (none: the unit holding the most of it).
    pub unit: Option<String>,
}

fn program_code(p: Option<FundingProgram>) -> &'static str {
    match p {
        Some(FundingProgram::Vfc) => "vfc",
        Some(FundingProgram::Public) => "public",
        Some(FundingProgram::State) => "state",
        Some(FundingProgram::Private) => "private",
        Some(FundingProgram::Other) | None => "other",
    }
}

impl Clinic {
    fn tables(&self) -> &'static Tables {
        Tables::embedded()
    }

    fn line(&self, b: &StockBalance) -> StockLine {
        StockLine {
            lot_id: b.lot_id,
            ndc: b.lot.ndc.clone(),
            cvx: b.cvx.clone(),
            vaccine: self
                .codes
                .vaccine(&b.cvx)
                .map(|v| v.short_description.clone())
                .unwrap_or_default(),
            mvx: b.mvx.clone(),
            lot: b.lot.lot.clone(),
            expires: b.lot.expires,
            funding: b.lot.funding.clone(),
            program: program_code(self.tables().funding_program(&b.lot.funding)).to_owned(),
            unit: b.unit.clone(),
            quantity: b.quantity,
            last_count: b.last_count,
            expires_in_days: (b.lot.expires - self.today()).num_days(),
        }
    }

    fn balances(&self) -> Result<Vec<StockBalance>, StockError> {
        Ok(self.lock().stock_balances()?)
    }

    /// Every lot with stock (or a negative balance) in every unit, by NDC and expiry.
    pub fn on_hand(&self, session: &Session) -> Result<Vec<StockLine>, StockError> {
        self.authorize(session, Permission::ViewPatients)?;
        Ok(self
            .balances()?
            .iter()
            .filter(|b| b.quantity != 0)
            .map(|b| self.line(b))
            .collect())
    }

    /// The lots the dose form offers for a vaccine (any vaccine when `cvx` is
    /// empty): doses on hand, soonest expiry first, funding source shown.
    pub fn lots_for_dose(
        &self,
        session: &Session,
        cvx: &str,
    ) -> Result<Vec<StockLine>, StockError> {
        self.authorize(session, Permission::ViewPatients)?;
        let cvx = salal_core::codes::normalize_cvx(cvx);
        let mut lines: Vec<StockLine> = self
            .balances()?
            .iter()
            .filter(|b| b.quantity > 0 && (cvx.is_empty() || b.cvx == cvx))
            .map(|b| self.line(b))
            .collect();
        lines.sort_by(|a, b| (a.expires, &a.lot, &a.unit).cmp(&(b.expires, &b.lot, &b.unit)));
        Ok(lines)
    }

    /// Finds a lot in stock by its id or its lot number, narrowed by funding
    /// source and unit when given. Lots with stock win over empty ones.
    pub fn find_lot(
        &self,
        session: &Session,
        lot: &str,
        funding: Option<&str>,
        unit: Option<&str>,
    ) -> Result<StockLine, StockError> {
        self.authorize(session, Permission::ViewPatients)?;
        let balances = self.balances()?;
        let wanted_id = Uuid::try_parse(lot.trim()).ok();
        let number = lot.trim().to_uppercase();
        let unit_id = unit.map(storage_unit_id);
        let matches: Vec<&StockBalance> = balances
            .iter()
            .filter(|b| wanted_id.map_or(b.lot.lot == number, |id| b.lot_id == id))
            .filter(|b| funding.is_none_or(|f| b.lot.funding.eq_ignore_ascii_case(f.trim())))
            .filter(|b| unit_id.is_none_or(|u| storage_unit_id(&b.unit) == u))
            .collect();
        let stocked: Vec<&&StockBalance> = matches.iter().filter(|b| b.quantity != 0).collect();
        let pick: Vec<&StockBalance> = if stocked.is_empty() {
            matches.clone()
        } else {
            stocked.into_iter().copied().collect()
        };
        match pick.as_slice() {
            [] => Err(StockError::LotNotFound {
                lot: lot.trim().to_owned(),
            }),
            [one] => Ok(self.line(one)),
            many => Err(StockError::LotAmbiguous {
                lot: lot.trim().to_owned(),
                places: many
                    .iter()
                    .map(|b| format!("{} {}", b.lot.funding, b.unit))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// The lot in stock that a scanned package belongs to (the dose form's
    /// scan): its NDC, lot and expiry, the funding source and unit holding
    /// the most doses. A package Salal does not know is an error, never a guess.
    pub fn lot_for_scan(&self, session: &Session, text: &str) -> Result<StockLine, StockError> {
        self.authorize(session, Permission::ViewPatients)?;
        let package = salal_gs1::read_package(text)?;
        let wanted = LotKey::new(package.ndc11(), &package.lot, package.expires, "");
        self.balances()?
            .iter()
            .filter(|b| {
                b.lot.ndc == wanted.ndc
                    && b.lot.lot == wanted.lot
                    && b.lot.expires == wanted.expires
            })
            .max_by_key(|b| b.quantity)
            .map(|b| self.line(b))
            .ok_or(StockError::LotNotFound { lot: wanted.lot })
    }

    fn balance_of(&self, lot_id: Uuid, unit: &str) -> Result<Option<StockBalance>, StockError> {
        let unit_id = storage_unit_id(unit);
        Ok(self
            .balances()?
            .into_iter()
            .find(|b| b.lot_id == lot_id && storage_unit_id(&b.unit) == unit_id))
    }

    /// The storage units, by name.
    pub fn storage_units(&self, session: &Session) -> Result<Vec<StorageUnit>, StockError> {
        self.authorize(session, Permission::ViewPatients)?;
        Ok(self.lock().storage_units()?)
    }

    /// Adds a storage unit, or changes its kind (`refrigerator`, `freezer`).
    pub fn save_storage_unit(
        &self,
        session: &Session,
        name: &str,
        kind: &str,
    ) -> Result<StorageUnit, StockError> {
        self.authorize(session, Permission::ManageInventory)?;
        salal_inventory::ledger::check_unit(name)?;
        if self.tables().unit_kind(kind).is_none() {
            return Err(StockError::UnknownUnitKind {
                kind: kind.to_owned(),
            });
        }
        let mut store = self.lock();
        let name = store.storage_unit(name)?.map_or_else(
            || name.split_whitespace().collect::<Vec<_>>().join(" "),
            |u| u.name,
        );
        let unit = StorageUnit {
            id: storage_unit_id(&name),
            name,
            kind: kind.to_owned(),
            active: true,
        };
        store.write(&session.actor(), self.now(), |w| w.save_storage_unit(&unit))?;
        Ok(unit)
    }

    /// The unit named, created as a refrigerator if new; with no name, the
    /// only unit, or [`DEFAULT_UNIT`] when there is none.
    fn unit_for_receipt(
        &self,
        session: &Session,
        name: Option<&str>,
    ) -> Result<String, StockError> {
        let units = self.lock().storage_units()?;
        let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => name.to_owned(),
            None => match units
                .iter()
                .filter(|u| u.active)
                .collect::<Vec<_>>()
                .as_slice()
            {
                [] => DEFAULT_UNIT.to_owned(),
                [one] => one.name.clone(),
                many => {
                    return Err(StockError::UnitRequired {
                        units: many
                            .iter()
                            .map(|u| u.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
            },
        };
        if let Some(existing) = units.iter().find(|u| u.id == storage_unit_id(&name)) {
            return Ok(existing.name.clone());
        }
        Ok(self.save_storage_unit(session, &name, "refrigerator")?.name)
    }

    fn product(&self, source: &LotSource) -> Result<(LotKey, String, String), StockError> {
        match source {
            LotSource::Scan(text) => {
                let package = salal_gs1::read_package(text)?;
                Ok((
                    LotKey::new(package.ndc11(), &package.lot, package.expires, ""),
                    package.product.cvx.clone(),
                    package.product.mvx.clone(),
                ))
            }
            LotSource::Typed { ndc, lot, expires } => {
                let product = self.codes.ndc(ndc).ok_or_else(|| StockError::UnknownNdc {
                    ndc: ndc.trim().to_owned(),
                })?;
                Ok((
                    LotKey::new(&product.ndc11, lot, *expires, ""),
                    product.cvx.clone(),
                    product.mvx.clone(),
                ))
            }
        }
    }

    /// Checks every transaction, then saves them (and `order`, when a
    /// receipt fills one) in one store transaction. Returns how many were new
    /// (one already saved under its id changes nothing).
    fn record_txns(
        &self,
        session: &Session,
        txns: &[StockTxn],
        order: Option<&Order>,
    ) -> Result<u64, StockError> {
        for txn in txns {
            txn.validate(self.tables())?;
        }
        self.lock().write(&session.actor(), self.now(), |w| {
            let mut created = 0u64;
            for txn in txns {
                if w.insert_stock_txn(txn)? == salal_store::Saved::Created {
                    created += 1;
                }
            }
            if let Some(order) = order {
                w.update_order(order)?;
            }
            Ok::<_, StockError>(created)
        })
    }

    fn new_txn(
        &self,
        session: &Session,
        id: Option<Uuid>,
        base: &StockBalance,
        kind: TxnKind,
        quantity: i64,
        date: Option<NaiveDate>,
    ) -> StockTxn {
        StockTxn {
            id: id.unwrap_or_else(generate_v7),
            lot: base.lot.clone(),
            cvx: base.cvx.clone(),
            mvx: base.mvx.clone(),
            unit: base.unit.clone(),
            kind,
            quantity,
            date: date.unwrap_or_else(|| self.today()),
            reason: String::new(),
            expected: None,
            counted: None,
            event_id: None,
            order_id: None,
            pair_id: None,
            counterparty: String::new(),
            note: String::new(),
            recorded_by: session.username().to_owned(),
        }
    }

    /// The ledger transaction of a receipt: the product from the scan or the
    /// typed NDC, checked before its storage unit is made (a bad receipt
    /// creates nothing); a transfer in when it names the facility it came from.
    fn receipt_txn(&self, session: &Session, receipt: &Receipt) -> Result<StockTxn, StockError> {
        let (lot, cvx, mvx) = self.product(&receipt.source)?;
        let funding = receipt.funding.trim().to_ascii_uppercase();
        let lot = LotKey::new(&lot.ndc, &lot.lot, lot.expires, &funding);
        if receipt.quantity <= 0 {
            return Err(InventoryError::BadQuantity {
                quantity: receipt.quantity,
            }
            .into());
        }
        salal_inventory::ledger::check_lot(&lot.lot)?;
        if self.tables().funding_program(&funding).is_none() {
            return Err(InventoryError::UnknownFunding { code: funding }.into());
        }
        let unit = self.unit_for_receipt(session, receipt.unit.as_deref())?;
        let from = receipt
            .from_facility
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty());
        let txn = StockTxn {
            id: receipt.id.unwrap_or_else(generate_v7),
            lot,
            cvx,
            mvx,
            unit,
            kind: if from.is_some() {
                TxnKind::TransferIn
            } else {
                TxnKind::Receipt
            },
            quantity: receipt.quantity,
            date: receipt.date.unwrap_or_else(|| self.today()),
            reason: String::new(),
            expected: None,
            counted: None,
            event_id: None,
            order_id: receipt.order_id,
            pair_id: None,
            counterparty: from.unwrap_or_default().to_owned(),
            note: receipt.note.trim().to_owned(),
            recorded_by: session.username().to_owned(),
        };
        Ok(txn)
    }

    /// Receives doses into stock (a shipment, or a transfer from another facility).
    pub fn receive_stock(
        &self,
        session: &Session,
        receipt: &Receipt,
    ) -> Result<Received, StockError> {
        self.authorize(session, Permission::ManageInventory)?;
        let txn = self.receipt_txn(session, receipt)?;
        let unit = txn.unit.clone();
        let created = self.record_txns(session, std::slice::from_ref(&txn), None)? > 0;
        let balance =
            self.balance_of(txn.lot.id(), &unit)?
                .ok_or_else(|| StockError::LotNotFound {
                    lot: txn.lot.lot.clone(),
                })?;
        Ok(Received {
            txn_id: txn.id,
            line: self.line(&balance),
            created,
        })
    }

    /// Imports ledger history (from a clinic's earlier system) in one
    /// transaction; each transaction is checked first, and one already saved
    /// under its id changes nothing. Returns how many were new.
    pub fn import_stock(&self, session: &Session, txns: &[StockTxn]) -> Result<u64, StockError> {
        self.authorize(session, Permission::ManageInventory)?;
        self.record_txns(session, txns, None)
    }

    /// Records a physical count: an adjustment of counted − expected, where
    /// expected is what the counting device showed.
    pub fn count_stock(
        &self,
        session: &Session,
        entry: &CountEntry,
    ) -> Result<Counted, StockError> {
        self.authorize(session, Permission::ManageInventory)?;
        let balance =
            self.balance_of(entry.lot_id, &entry.unit)?
                .ok_or_else(|| StockError::LotNotFound {
                    lot: entry.lot_id.to_string(),
                })?;
        let expected = entry.expected.unwrap_or(balance.quantity);
        let adjustment = entry.counted - expected;
        let mut txn = self.new_txn(
            session,
            entry.id,
            &balance,
            TxnKind::Adjustment,
            adjustment,
            entry.date,
        );
        txn.expected = Some(expected);
        txn.counted = Some(entry.counted);
        txn.reason = match entry
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            Some(reason) => reason.to_owned(),
            None if adjustment != 0 => "unexplained".to_owned(),
            None => String::new(),
        };
        self.record_txns(session, std::slice::from_ref(&txn), None)?;
        let now = self
            .balance_of(entry.lot_id, &entry.unit)?
            .unwrap_or(balance);
        Ok(Counted {
            txn_id: txn.id,
            expected,
            counted: entry.counted,
            adjustment,
            line: self.line(&now),
        })
    }

    /// Records non-viable vaccine (the reason says wasted, expired or spoiled).
    pub fn waste_stock(
        &self,
        session: &Session,
        removal: &Removal,
        reason: &str,
    ) -> Result<StockLine, StockError> {
        self.authorize(session, Permission::ManageInventory)?;
        let reason_row = self
            .tables()
            .reason(reason.trim(), ReasonUse::Waste)
            .ok_or_else(|| InventoryError::UnknownReason {
                code: reason.trim().to_owned(),
                kind: "wasted",
            })?;
        let kind = TxnKind::from_code(&reason_row.kind).unwrap_or(TxnKind::Wasted);
        self.remove(
            session,
            removal,
            kind,
            reason_row.code.clone(),
            String::new(),
            None,
        )
    }

    /// Returns viable doses to the distributor.
    pub fn return_stock(
        &self,
        session: &Session,
        removal: &Removal,
    ) -> Result<StockLine, StockError> {
        self.authorize(session, Permission::ManageInventory)?;
        self.remove(
            session,
            removal,
            TxnKind::Returned,
            String::new(),
            String::new(),
            None,
        )
    }

    fn check_quantity(quantity: i64) -> Result<(), StockError> {
        if quantity <= 0 {
            return Err(InventoryError::BadQuantity { quantity }.into());
        }
        Ok(())
    }

    fn remove(
        &self,
        session: &Session,
        removal: &Removal,
        kind: TxnKind,
        reason: String,
        counterparty: String,
        pair: Option<StockTxn>,
    ) -> Result<StockLine, StockError> {
        Self::check_quantity(removal.quantity)?;
        let balance = self
            .balance_of(removal.lot_id, &removal.unit)?
            .ok_or_else(|| StockError::LotNotFound {
                lot: removal.lot_id.to_string(),
            })?;
        let mut txn = self.new_txn(
            session,
            removal.id,
            &balance,
            kind,
            -removal.quantity,
            removal.date,
        );
        txn.reason = reason;
        txn.counterparty = counterparty;
        txn.note = removal.note.trim().to_owned();
        let mut txns = vec![txn];
        if let Some(mut other) = pair {
            other.pair_id = Some(txns[0].id);
            txns[0].pair_id = Some(other.id);
            txns.push(other);
        }
        self.record_txns(session, &txns, None)?;
        let now = self
            .balance_of(removal.lot_id, &removal.unit)?
            .unwrap_or(balance);
        Ok(self.line(&now))
    }

    /// Moves doses to another unit here (both halves) or to another facility.
    pub fn transfer_stock(
        &self,
        session: &Session,
        removal: &Removal,
        to: &TransferTo,
    ) -> Result<StockLine, StockError> {
        self.authorize(session, Permission::ManageInventory)?;
        Self::check_quantity(removal.quantity)?;
        match to {
            TransferTo::Facility(name) => {
                let name = name.trim();
                if name.is_empty() {
                    return Err(InventoryError::BadUnitName {
                        name: String::new(),
                    }
                    .into());
                }
                self.remove(
                    session,
                    removal,
                    TxnKind::TransferOut,
                    String::new(),
                    name.to_owned(),
                    None,
                )
            }
            TransferTo::Unit(name) => {
                let target = self.unit_for_receipt(session, Some(name))?;
                let balance = self
                    .balance_of(removal.lot_id, &removal.unit)?
                    .ok_or_else(|| StockError::LotNotFound {
                        lot: removal.lot_id.to_string(),
                    })?;
                let id = removal.id.unwrap_or_else(generate_v7);
                let mut incoming = self.new_txn(
                    session,
                    Some(Uuid::new_v5(&TXN_NAMESPACE, format!("{id}|in").as_bytes())),
                    &balance,
                    TxnKind::TransferIn,
                    removal.quantity,
                    removal.date,
                );
                incoming.unit = target;
                incoming.counterparty = balance.unit.clone();
                let removal = Removal {
                    id: Some(id),
                    ..removal.clone()
                };
                let counterparty = incoming.unit.clone();
                self.remove(
                    session,
                    &removal,
                    TxnKind::TransferOut,
                    String::new(),
                    counterparty,
                    Some(incoming),
                )
            }
        }
    }

    /// Lends doses of a lot to another funding source (a borrowing, with a
    /// reason): the lot goes down, the same vaccine under the other funding goes up.
    pub fn borrow_stock(
        &self,
        session: &Session,
        removal: &Removal,
        to_funding: &str,
        reason: &str,
    ) -> Result<StockLine, StockError> {
        self.authorize(session, Permission::ManageInventory)?;
        Self::check_quantity(removal.quantity)?;
        let to_funding = to_funding.trim().to_ascii_uppercase();
        if self.tables().funding_program(&to_funding).is_none() {
            return Err(InventoryError::UnknownFunding { code: to_funding }.into());
        }
        let balance = self
            .balance_of(removal.lot_id, &removal.unit)?
            .ok_or_else(|| StockError::LotNotFound {
                lot: removal.lot_id.to_string(),
            })?;
        if balance.lot.funding == to_funding {
            return Err(InventoryError::BorrowSameFunding.into());
        }
        let id = removal.id.unwrap_or_else(generate_v7);
        let mut incoming = self.new_txn(
            session,
            Some(Uuid::new_v5(&TXN_NAMESPACE, format!("{id}|in").as_bytes())),
            &balance,
            TxnKind::BorrowIn,
            removal.quantity,
            removal.date,
        );
        incoming.lot = balance.lot.with_funding(&to_funding);
        incoming.reason = reason.trim().to_owned();
        incoming.counterparty = balance.lot.funding.clone();
        let removal = Removal {
            id: Some(id),
            ..removal.clone()
        };
        self.remove(
            session,
            &removal,
            TxnKind::BorrowOut,
            reason.trim().to_owned(),
            to_funding,
            Some(incoming),
        )
    }

    /// Non-viable vaccine recorded from `from` to `to`, with what must be done and by when.
    pub fn non_viable(
        &self,
        session: &Session,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<NonViable>, StockError> {
        self.authorize(session, Permission::ViewPatients)?;
        let lang = session.language();
        let txns = self.lock().stock_txns_between(
            &[TxnKind::Wasted, TxnKind::Expired, TxnKind::Spoiled],
            from,
            to,
        )?;
        Ok(txns
            .iter()
            .map(|t| {
                let reason = self.tables().reason(&t.reason, ReasonUse::Waste);
                NonViable {
                    txn_id: t.id,
                    date: t.date,
                    ndc: t.lot.ndc.clone(),
                    vaccine: self.vaccine_name(&t.cvx),
                    lot: t.lot.lot.clone(),
                    expires: t.lot.expires,
                    funding: t.lot.funding.clone(),
                    unit: t.unit.clone(),
                    kind: t.kind.code().to_owned(),
                    reason: t.reason.clone(),
                    reason_label: reason.map(|r| r.label(lang).to_owned()).unwrap_or_default(),
                    doses: -t.quantity,
                    action: match reason.and_then(|r| r.action) {
                        Some(WasteAction::Return) => "return".to_owned(),
                        _ => "report".to_owned(),
                    },
                    due: t.report_by(self.tables()),
                }
            })
            .collect())
    }

    fn vaccine_name(&self, cvx: &str) -> String {
        self.codes
            .vaccine(cvx)
            .map(|v| v.short_description.clone())
            .unwrap_or_default()
    }

    /// Whether this month's physical count is done, and what is left.
    pub fn reconciliation(&self, session: &Session) -> Result<Reconciliation, StockError> {
        self.authorize(session, Permission::ViewPatients)?;
        let balances = self.balances()?;
        let today = self.today();
        let states: Vec<LotCountState> = balances
            .iter()
            .map(|b| LotCountState {
                lot_id: b.lot_id,
                unit: b.unit.clone(),
                on_hand: b.quantity,
                last_count: b.last_count,
                first_seen: b.first_date,
            })
            .collect();
        let missing = reconcile::uncounted(&states, today);
        let uncounted: Vec<StockLine> = balances
            .iter()
            .filter(|b| {
                missing
                    .iter()
                    .any(|m| m.lot_id == b.lot_id && m.unit == b.unit)
            })
            .map(|b| self.line(b))
            .collect();
        Ok(Reconciliation {
            month_start: reconcile::month_start(today),
            done: uncounted.is_empty(),
            uncounted,
            last_count: balances.iter().filter_map(|b| b.last_count).max(),
        })
    }

    /// The counts from `from` to `to`, one entry per day.
    pub fn count_history(
        &self,
        session: &Session,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<CountSession>, StockError> {
        self.authorize(session, Permission::ViewPatients)?;
        let txns = self
            .lock()
            .stock_txns_between(&[TxnKind::Adjustment], from, to)?;
        let mut out: Vec<CountSession> = Vec::new();
        for t in txns {
            if out.last().is_none_or(|s| s.date != t.date) {
                out.push(CountSession {
                    date: t.date,
                    lots: 0,
                    expected: 0,
                    counted: 0,
                    adjustment: 0,
                    counted_by: Vec::new(),
                });
            }
            if let Some(s) = out.last_mut() {
                s.lots += 1;
                s.expected += t.expected.unwrap_or(0);
                s.counted += t.counted.unwrap_or(0);
                s.adjustment += t.quantity;
                if !s.counted_by.contains(&t.recorded_by) {
                    s.counted_by.push(t.recorded_by.clone());
                }
            }
        }
        Ok(out)
    }

    /// Min/max levels of a product and funding source (none for both: cleared).
    pub fn set_stock_level(
        &self,
        session: &Session,
        ndc: &str,
        funding: &str,
        min_doses: Option<i64>,
        max_doses: Option<i64>,
    ) -> Result<(), StockError> {
        self.authorize(session, Permission::ManageInventory)?;
        let product = self.codes.ndc(ndc).ok_or_else(|| StockError::UnknownNdc {
            ndc: ndc.trim().to_owned(),
        })?;
        let funding = funding.trim().to_ascii_uppercase();
        if self.tables().funding_program(&funding).is_none() {
            return Err(InventoryError::UnknownFunding { code: funding }.into());
        }
        for n in [min_doses, max_doses].into_iter().flatten() {
            if n < 0 {
                return Err(InventoryError::BadQuantity { quantity: n }.into());
            }
        }
        let ndc11 = product.ndc11.clone();
        self.lock().write(&session.actor(), self.now(), |w| {
            w.set_stock_level(&ndc11, &funding, min_doses, max_doses)
        })?;
        Ok(())
    }

    /// Imports a data logger's file for a storage unit, and finds its excursions.
    pub fn import_temperatures(
        &self,
        session: &Session,
        unit: &str,
        text: &str,
    ) -> Result<TemperatureImport, StockError> {
        self.authorize(session, Permission::ManageInventory)?;
        let stored = self
            .lock()
            .storage_unit(unit)?
            .ok_or_else(|| StockError::UnitNotFound {
                name: unit.trim().to_owned(),
            })?;
        let readings = temperature::parse_logger_csv(text)?;
        let pairs: Vec<_> = readings.iter().map(|r| (r.at, r.celsius)).collect();
        let new_readings = self.lock().write(&session.actor(), self.now(), |w| {
            w.insert_temperature_readings(&stored.name, &pairs)
        })?;
        let excursions = self.impacts(&stored, &readings)?;
        Ok(TemperatureImport {
            readings: readings.len(),
            new_readings,
            excursions,
        })
    }

    /// The excursions of a unit's stored readings from `from` to `to`, with what they touched.
    pub fn excursions(
        &self,
        session: &Session,
        unit: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<ExcursionImpact>, StockError> {
        self.authorize(session, Permission::ViewPatients)?;
        let stored = self
            .lock()
            .storage_unit(unit)?
            .ok_or_else(|| StockError::UnitNotFound {
                name: unit.trim().to_owned(),
            })?;
        let (Some(start), Some(end)) = (from.and_hms_opt(0, 0, 0), to.and_hms_opt(23, 59, 59))
        else {
            return Err(StockError::BadPeriod);
        };
        let readings: Vec<Reading> = self
            .lock()
            .temperature_readings(&stored.name, start, end)?
            .into_iter()
            .map(|(at, celsius)| Reading { at, celsius })
            .collect();
        self.impacts(&stored, &readings)
    }

    fn impacts(
        &self,
        unit: &StorageUnit,
        readings: &[Reading],
    ) -> Result<Vec<ExcursionImpact>, StockError> {
        let Some(limits) = self.tables().unit_kind(&unit.kind) else {
            return Err(StockError::UnknownUnitKind {
                kind: unit.kind.clone(),
            });
        };
        let unit_id = storage_unit_id(&unit.name);
        let mut out = Vec::new();
        for excursion in temperature::excursions(readings, limits) {
            let start = excursion.start.date();
            let store = self.lock();
            let given = store.administered_from_unit(&unit.name, start)?;
            let mut doses = Vec::new();
            for (event_id, date) in given {
                let Some(txn) = store.stock_txn_of_event(event_id)? else {
                    continue;
                };
                let Some(patient_id) = store.event_patient(EventId(event_id))? else {
                    continue;
                };
                let name = store
                    .patient(patient_id)?
                    .map(|p| p.details.display_name())
                    .unwrap_or_default();
                doses.push(AffectedDose {
                    event_id: EventId(event_id),
                    patient_id,
                    patient_name: name,
                    date,
                    lot: txn.lot.lot.clone(),
                    vaccine: self.vaccine_name(&txn.cvx),
                });
            }
            let lots = store
                .stock_balances()?
                .iter()
                .filter(|b| storage_unit_id(&b.unit) == unit_id && b.quantity > 0)
                .map(|b| self.line(b))
                .collect();
            drop(store);
            out.push(ExcursionImpact {
                excursion,
                lots,
                doses,
            });
        }
        Ok(out)
    }

    /// What to order: per product and funding source used or stocked here,
    /// from the last [`ORDER_HISTORY_DAYS`] days of use to cover
    /// [`ORDER_COVER_DAYS`] days, or up to the max level when levels are set.
    /// Lines suggesting nothing are left out.
    pub fn suggested_order(&self, session: &Session) -> Result<Vec<OrderLine>, StockError> {
        self.authorize(session, Permission::ViewPatients)?;
        let since = self.today() - chrono::Days::new(u64::from(ORDER_HISTORY_DAYS));
        let store = self.lock();
        let used = store.administered_since(since)?;
        let levels = store.stock_levels()?;
        let balances = store.stock_balances()?;
        drop(store);
        let mut keys: Vec<(String, String, String)> = Vec::new();
        for (ndc, cvx, funding, _) in &used {
            keys.push((ndc.clone(), cvx.clone(), funding.clone()));
        }
        for (ndc, funding, _, _) in &levels {
            let cvx = self
                .codes
                .ndc(ndc)
                .map(|p| p.cvx.clone())
                .unwrap_or_default();
            keys.push((ndc.clone(), cvx, funding.clone()));
        }
        keys.sort();
        keys.dedup_by(|a, b| a.0 == b.0 && a.2 == b.2);
        let today = self.today();
        let mut lines = Vec::new();
        for (ndc, cvx, funding) in keys {
            let on_hand: i64 = balances
                .iter()
                .filter(|b| b.lot.ndc == ndc && b.lot.funding == funding && b.lot.expires >= today)
                .map(|b| b.quantity)
                .sum();
            let level = levels.iter().find(|l| l.0 == ndc && l.1 == funding);
            let usage = Usage {
                ndc: ndc.clone(),
                cvx: cvx.clone(),
                funding: funding.clone(),
                on_hand,
                used: used
                    .iter()
                    .find(|u| u.0 == ndc && u.2 == funding)
                    .map_or(0, |u| u.3),
                days: ORDER_HISTORY_DAYS,
                min_doses: level.and_then(|l| l.2),
                max_doses: level.and_then(|l| l.3),
            };
            let doses = suggest::suggest(&usage, ORDER_COVER_DAYS);
            if doses > 0 {
                lines.push(OrderLine {
                    ndc,
                    cvx,
                    funding,
                    doses,
                    suggested: Some(doses),
                });
            }
        }
        Ok(lines)
    }

    /// Starts an order (a draft) with these lines.
    pub fn create_order(
        &self,
        session: &Session,
        id: Option<Uuid>,
        lines: &[OrderLine],
        note: &str,
    ) -> Result<Order, StockError> {
        self.authorize(session, Permission::ManageInventory)?;
        let lines = self.checked_lines(lines)?;
        let order = Order {
            id: id.unwrap_or_else(generate_v7),
            state: OrderState::Draft,
            lines,
            created_on: self.today(),
            history: Vec::new(),
            note: note.trim().to_owned(),
        };
        self.lock()
            .write(&session.actor(), self.now(), |w| w.insert_order(&order))?;
        Ok(order)
    }

    fn checked_lines(&self, lines: &[OrderLine]) -> Result<Vec<OrderLine>, StockError> {
        lines
            .iter()
            .map(|l| {
                let product = self
                    .codes
                    .ndc(&l.ndc)
                    .ok_or_else(|| StockError::UnknownNdc {
                        ndc: l.ndc.trim().to_owned(),
                    })?;
                let funding = l.funding.trim().to_ascii_uppercase();
                if self.tables().funding_program(&funding).is_none() {
                    return Err(InventoryError::UnknownFunding { code: funding }.into());
                }
                if l.doses <= 0 {
                    return Err(InventoryError::BadQuantity { quantity: l.doses }.into());
                }
                Ok(OrderLine {
                    ndc: product.ndc11.clone(),
                    cvx: product.cvx.clone(),
                    funding,
                    doses: l.doses,
                    suggested: l.suggested,
                })
            })
            .collect()
    }

    /// Every order, newest first.
    pub fn orders(&self, session: &Session) -> Result<Vec<Order>, StockError> {
        self.authorize(session, Permission::ViewPatients)?;
        Ok(self.lock().orders()?.into_iter().map(|o| o.order).collect())
    }

    /// One order by id (or the start of its id, as lists print it).
    pub fn order(&self, session: &Session, id: &str) -> Result<Order, StockError> {
        self.authorize(session, Permission::ViewPatients)?;
        let id = id.trim().to_ascii_lowercase();
        let orders = self.lock().orders()?;
        let found: Vec<_> = orders
            .into_iter()
            .filter(|o| o.order.id.to_string().starts_with(&id) && id.len() >= 8)
            .collect();
        match found.as_slice() {
            [one] => Ok(one.order.clone()),
            _ => Err(StockError::OrderNotFound),
        }
    }

    /// Moves an order forward. Submitting needs this month's count done.
    pub fn advance_order(
        &self,
        session: &Session,
        id: Uuid,
        to: OrderState,
    ) -> Result<Order, StockError> {
        self.authorize(session, Permission::ManageInventory)?;
        let mut order = self
            .lock()
            .order(id)?
            .ok_or(StockError::OrderNotFound)?
            .order;
        if to == OrderState::Submitted {
            order.check_submit()?;
            let status = self.reconciliation(session)?;
            if !status.done {
                return Err(InventoryError::NotReconciled {
                    missing: status.uncounted.len(),
                    since: status.month_start,
                }
                .into());
            }
        }
        order.state.check_move(to)?;
        order.state = to;
        order.history.push((to, self.today()));
        self.lock()
            .write(&session.actor(), self.now(), |w| w.update_order(&order))?;
        Ok(order)
    }

    /// Receives a shipment against an order: its receipts and the order's
    /// move to received, in one transaction.
    pub fn receive_order(
        &self,
        session: &Session,
        id: Uuid,
        receipts: &[Receipt],
    ) -> Result<Order, StockError> {
        self.authorize(session, Permission::ManageInventory)?;
        let mut order = self
            .lock()
            .order(id)?
            .ok_or(StockError::OrderNotFound)?
            .order;
        order.state.check_move(OrderState::Received)?;
        let txns = receipts
            .iter()
            .map(|receipt| {
                self.receipt_txn(
                    session,
                    &Receipt {
                        order_id: Some(id),
                        from_facility: None,
                        ..receipt.clone()
                    },
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        order.state = OrderState::Received;
        order.history.push((OrderState::Received, self.today()));
        self.record_txns(session, &txns, Some(&order))?;
        Ok(order)
    }

    /// The order in the ExIS CSV shape.
    pub fn order_exis_csv(
        &self,
        session: &Session,
        id: Uuid,
        provider_pin: &str,
    ) -> Result<String, StockError> {
        self.authorize(session, Permission::ViewPatients)?;
        let order = self
            .lock()
            .order(id)?
            .ok_or(StockError::OrderNotFound)?
            .order;
        Ok(salal_inventory::exis::order_csv(&order, provider_pin))
    }

    /// On-hand stock in the ExIS inventory CSV shape.
    pub fn inventory_exis_csv(
        &self,
        session: &Session,
        provider_pin: &str,
    ) -> Result<String, StockError> {
        let lines: Vec<salal_inventory::exis::InventoryLine> = self
            .on_hand(session)?
            .iter()
            .map(|l| salal_inventory::exis::InventoryLine {
                ndc: l.ndc.clone(),
                lot: l.lot.clone(),
                expires: l.expires,
                funding: l.funding.clone(),
                doses: l.quantity,
            })
            .collect();
        Ok(salal_inventory::exis::inventory_csv(
            &lines,
            provider_pin,
            self.today(),
        ))
    }

    /// Doses administered from `from` to `to` by vaccine, age group (at the
    /// dose) and VFC eligibility; every administered dose counts, from stock or not.
    pub fn doses_report(
        &self,
        session: &Session,
        from: NaiveDate,
        to: NaiveDate,
        lang: Lang,
    ) -> Result<DosesReport, StockError> {
        self.authorize(session, Permission::ViewPatients)?;
        if to < from {
            return Err(StockError::BadPeriod);
        }
        let counted = self.lock().dose_fact_counts(from, to)?;
        let tables = self.tables();
        let mut counts: std::collections::BTreeMap<(String, usize, String), u64> =
            std::collections::BTreeMap::new();
        for c in counted {
            let months = c.months.unwrap_or(0);
            let group = tables
                .age_groups
                .iter()
                .position(|g| months >= g.from_months && g.to_months.is_none_or(|t| months <= t))
                .unwrap_or(tables.age_groups.len());
            *counts.entry((c.cvx, group, c.vfc)).or_default() += c.doses;
        }
        let rows: Vec<DosesRow> = counts
            .into_iter()
            .map(|((cvx, group, vfc), doses)| {
                let g = tables.age_groups.get(group);
                DosesRow {
                    vaccine: self.vaccine_name(&cvx),
                    cvx,
                    age_group: g.map(|g| g.code.clone()).unwrap_or_default(),
                    age_label: g.map(|g| g.label(lang).to_owned()).unwrap_or_default(),
                    vfc_eligible: tables.vfc_eligible(&vfc),
                    vfc_eligibility: vfc,
                    doses,
                }
            })
            .collect();
        let mut rows = rows;
        rows.sort_by(|a, b| {
            (
                &a.vaccine,
                &a.cvx,
                a.age_group_index(tables),
                &a.vfc_eligibility,
            )
                .cmp(&(
                    &b.vaccine,
                    &b.cvx,
                    b.age_group_index(tables),
                    &b.vfc_eligibility,
                ))
        });
        Ok(DosesReport {
            from,
            to,
            total: rows.iter().map(|r| r.doses).sum(),
            rows,
        })
    }

    /// The doses report as a PDF, in `lang`.
    pub fn doses_report_pdf(
        &self,
        session: &Session,
        report: &DosesReport,
        lang: Lang,
    ) -> Result<Vec<u8>, StockError> {
        self.authorize(session, Permission::ViewPatients)?;
        let t = |key: &str| salal_core::i18n::tr(lang, key).to_owned();
        let column =
            |key: &str, width_mm: f32, right_aligned: bool| salal_print::model::ReportColumn {
                heading: t(key),
                width_mm,
                right_aligned,
            };
        let clinic = self.lock().clinic_name()?.unwrap_or_default();
        let table = salal_print::model::TableReport {
            title: t("inventory.report.doses.title"),
            subtitle: vec![
                clinic,
                salal_core::i18n::tr_args(
                    lang,
                    "inventory.report.period",
                    &[
                        ("from", format_date(lang, report.from)),
                        ("to", format_date(lang, report.to)),
                    ],
                ),
            ],
            columns: vec![
                column("inventory.report.vaccine", 60.0, false),
                column("inventory.report.cvx", 15.0, false),
                column("inventory.report.age_group", 40.0, false),
                column("inventory.report.vfc", 45.0, false),
                column("inventory.report.doses", 20.0, true),
            ],
            rows: report
                .rows
                .iter()
                .map(|r| {
                    let vfc = if r.vfc_eligible {
                        t("inventory.report.vfc_eligible")
                    } else {
                        t("inventory.report.vfc_not_eligible")
                    };
                    vec![
                        r.vaccine.clone(),
                        r.cvx.clone(),
                        r.age_label.clone(),
                        format!("{} ({vfc})", r.vfc_eligibility),
                        r.doses.to_string(),
                    ]
                })
                .collect(),
            totals: Some(vec![
                t("inventory.report.total"),
                String::new(),
                String::new(),
                String::new(),
                report.total.to_string(),
            ]),
            footer: salal_core::i18n::tr_args(
                lang,
                "inventory.report.printed",
                &[
                    ("date", format_date(lang, self.today())),
                    ("user", session.display_name().to_owned()),
                ],
            ),
        };
        Ok(salal_print::report_pdf(&table)?)
    }

    /// Takes a dose from stock (or records it with a typed lot) with the
    /// form's warnings: an expired lot, private stock for a VFC-eligible child,
    /// VFC stock for a child who is not. Unconfirmed warnings come back as
    /// [`RecordEventError::NeedsConfirmation`]; saving decrements the lot in
    /// the same transaction as the dose. Saving the same id again changes nothing.
    pub fn record_dose(
        &self,
        session: &Session,
        patient_id: PatientId,
        new: &NewEvent,
        stock: Option<&FromStock>,
        confirmed: &[String],
    ) -> Result<EventId, RecordEventError> {
        self.authorize(session, Permission::RecordEvents)?;
        let mut new = new.clone();
        let mut take: Option<StockBalance> = None;
        if let Some(stock) = stock {
            let balances = self.balances().map_err(stock_to_event)?;
            let unit_id = stock.unit.as_deref().map(storage_unit_id);
            let balance = balances
                .into_iter()
                .filter(|b| {
                    b.lot_id == stock.lot_id
                        && unit_id.is_none_or(|u| storage_unit_id(&b.unit) == u)
                })
                .max_by_key(|b| b.quantity)
                .ok_or_else(|| {
                    stock_to_event(StockError::LotNotFound {
                        lot: stock.lot_id.to_string(),
                    })
                })?;
            new.ndc = balance.lot.ndc.clone();
            new.lot_number = balance.lot.lot.clone();
            new.lot_expiration = Some(balance.lot.expires);
            new.funding_source = balance.lot.funding.clone();
            if new.mvx.trim().is_empty() {
                new.mvx = balance.mvx.clone();
            }
            if new.cvx.trim().is_empty() {
                new.cvx = balance.cvx.clone();
            }
            take = Some(balance);
        }
        let warnings = self.dose_warnings(&new);
        let missing: Vec<DoseWarning> = warnings
            .into_iter()
            .filter(|w| !confirmed.iter().any(|c| c == w.code()))
            .collect();
        if !missing.is_empty() {
            return Err(RecordEventError::NeedsConfirmation(missing));
        }
        if confirmed.iter().any(|c| c == "expired_lot") {
            new.confirm_expired_lot = true;
        }
        let Some(balance) = take else {
            return self.record_event(session, patient_id, &new);
        };
        let new = new.normalized();
        let event = self.validated_event(session, patient_id, new)?;
        let mut txn = self.new_txn(
            session,
            Some(Uuid::new_v5(
                &TXN_NAMESPACE,
                format!("{}|administered", event.id).as_bytes(),
            )),
            &balance,
            TxnKind::Administered,
            -1,
            event.details.date,
        );
        txn.event_id = Some(event.id.as_uuid());
        txn.validate(self.tables())
            .map_err(|e| stock_to_event(e.into()))?;
        self.lock().write(&session.actor(), self.now(), |w| {
            w.insert_event(&event)?;
            w.insert_stock_txn(&txn)?;
            Ok::<_, RecordEventError>(())
        })?;
        Ok(event.id)
    }

    /// The warnings a dose raises (see [`Clinic::record_dose`]).
    #[must_use]
    pub fn dose_warnings(&self, new: &NewEvent) -> Vec<DoseWarning> {
        let mut out = Vec::new();
        if let (Some(expired_on), Some(date)) = (new.lot_expiration, new.date)
            && expired_on < date
        {
            out.push(DoseWarning::ExpiredLot {
                lot: new.lot_number.trim().to_owned(),
                expired_on,
            });
        }
        let tables = self.tables();
        let program = tables.funding_program(new.funding_source.trim());
        let vfc = new.vfc_eligibility.trim();
        if !vfc.is_empty() {
            let eligible = tables.vfc_eligible(vfc);
            let lot = new.lot_number.trim().to_owned();
            let funding = new.funding_source.trim().to_ascii_uppercase();
            if eligible && program == Some(FundingProgram::Private) {
                out.push(DoseWarning::PrivateStockVfcChild { lot, funding });
            } else if !eligible && program == Some(FundingProgram::Vfc) {
                out.push(DoseWarning::VfcStockIneligibleChild { lot, funding });
            }
        }
        out
    }
}

impl DosesRow {
    fn age_group_index(&self, tables: &Tables) -> usize {
        tables
            .age_groups
            .iter()
            .position(|g| g.code == self.age_group)
            .unwrap_or(usize::MAX)
    }
}

fn stock_to_event(e: StockError) -> RecordEventError {
    match e {
        StockError::Clinic(c) => RecordEventError::Clinic(c),
        other => RecordEventError::Stock(Box::new(other)),
    }
}

/// The doses report as CSV: `vaccine,cvx,age_group,vfc_eligibility,vfc_eligible,doses`,
/// then a total line.
#[must_use]
pub fn doses_report_csv(report: &DosesReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "vaccine",
        "cvx",
        "age_group",
        "vfc_eligibility",
        "vfc_eligible",
        "doses",
    ]);
    for r in &report.rows {
        let _ = w.write_record([
            r.vaccine.as_str(),
            r.cvx.as_str(),
            r.age_group.as_str(),
            r.vfc_eligibility.as_str(),
            if r.vfc_eligible { "yes" } else { "no" },
            &r.doses.to_string(),
        ]);
    }
    let _ = w.write_record(["total", "", "", "", "", &report.total.to_string()]);
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Lines that expire within `days` of `today` (already expired ones too).
#[must_use]
pub fn expiring_within(lines: &[StockLine], days: i64) -> Vec<&StockLine> {
    lines
        .iter()
        .filter(|l| l.quantity > 0 && l.expires_in_days <= days)
        .collect()
}
