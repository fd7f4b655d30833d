//! Vaccine inventory as a VFC vaccine coordinator keeps it. Pure: no files, no
//! clock; the store keeps the rows and the clinic crate calls these rules.
//!
//! - [`ledger`]: the append-only stock ledger. Every movement of doses is one
//!   [`StockTxn`] on one lot ([`LotKey`]: NDC, lot number, expiry and funding
//!   source) in one storage unit; on-hand is the sum of the signed quantities,
//!   so two devices decrementing the same lot offline converge once both
//!   ledgers are merged. A negative balance is flagged ([`Balance::is_negative`]),
//!   never clamped.
//! - [`tables`]: the reference tables kept as data in `assets/inventory/`
//!   (reason codes, funding programs, VFC eligibility, age groups, storage
//!   temperature limits).
//! - [`order`]: the order state machine (draft → submitted → approved →
//!   shipped → received, or cancelled; forward only).
//! - [`reconcile`]: whether the month's physical count is done.
//! - [`temperature`]: data-logger files and excursions.
//! - [`exis`]: the CDC VTrckS ExIS CSV shapes of an order and of on-hand stock.
//! - [`suggest`]: suggested order quantities from recent use and min/max levels.
//!
//! Quantities are always doses.

mod error;
pub mod exis;
pub mod ledger;
pub mod order;
pub mod reconcile;
pub mod suggest;
pub mod tables;
pub mod temperature;

pub use error::InventoryError;
pub use ledger::{Balance, LotKey, StockTxn, TxnKind, balances, lot_id};
pub use order::{Order, OrderLine, OrderState};
pub use tables::{AgeGroup, FundingProgram, Reason, ReasonUse, Tables, UnitKind, WasteAction};
