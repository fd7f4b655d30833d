//! What can be wrong with an inventory action, as typed errors whose messages
//! (translation keys in `assets/i18n/<lang>/inventory.json`) say what is wrong
//! and what to do.

use chrono::NaiveDate;
use salal_core::i18n::{Lang, UserMessage, format_date};

/// Why a stock transaction, count or order change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InventoryError {
    /// A quantity of zero or less where doses must move.
    #[error("the quantity must be a whole number of doses above zero (got {quantity})")]
    BadQuantity {
        /// What was given.
        quantity: i64,
    },
    /// The sign of the quantity does not match the kind of transaction.
    #[error("a {kind} cannot change stock by {quantity}")]
    WrongSign {
        /// The kind's code.
        kind: &'static str,
        /// The signed quantity.
        quantity: i64,
    },
    /// A count's adjustment is not counted minus expected.
    #[error("a count of {counted} against {expected} expected cannot adjust by {quantity}")]
    CountMismatch {
        /// What was counted.
        counted: i64,
        /// What the device expected.
        expected: i64,
        /// The adjustment given.
        quantity: i64,
    },
    /// A count below zero.
    #[error("a count cannot be below zero (got {counted})")]
    NegativeCount {
        /// What was given.
        counted: i64,
    },
    /// A reason code this kind of transaction needs is missing.
    #[error("a {kind} needs a reason")]
    ReasonRequired {
        /// The kind's code.
        kind: &'static str,
    },
    /// A reason code that is not in the table, or not for this kind.
    #[error("'{code}' is not a reason for a {kind}")]
    UnknownReason {
        /// What was given.
        code: String,
        /// The kind's code.
        kind: &'static str,
    },
    /// A funding source that is not in the table.
    #[error("'{code}' is not a funding source")]
    UnknownFunding {
        /// What was given.
        code: String,
    },
    /// Borrowing between the same funding source.
    #[error("borrowing needs two different funding sources")]
    BorrowSameFunding,
    /// The lot number is empty or has characters a label cannot carry.
    #[error("'{lot}' is not a lot number")]
    BadLot {
        /// What was given.
        lot: String,
    },
    /// The NDC is not an 11-digit NDC of a known vaccine.
    #[error("'{ndc}' is not the NDC of a vaccine Salal knows")]
    UnknownNdc {
        /// What was given.
        ndc: String,
    },
    /// A storage unit name that is empty or too long.
    #[error("'{name}' is not a storage unit name")]
    BadUnitName {
        /// What was given.
        name: String,
    },
    /// An order may only move forward.
    #[error("an order that is {from} cannot become {to}")]
    OrderBackward {
        /// Its state now.
        from: &'static str,
        /// What was asked.
        to: &'static str,
    },
    /// An order's lines can change only while it is a draft.
    #[error("an order that is {state} can no longer be changed")]
    OrderNotDraft {
        /// Its state now.
        state: &'static str,
    },
    /// An order without lines cannot be submitted.
    #[error("an order needs at least one line")]
    OrderEmpty,
    /// The month's physical count is not done, so no order goes out.
    #[error("{missing} lot(s) have not been counted since {since}")]
    NotReconciled {
        /// How many lots wait for a count.
        missing: usize,
        /// The first day of the month.
        since: NaiveDate,
    },
}

impl InventoryError {
    fn kind_name(lang: Lang, code: &str) -> String {
        salal_core::i18n::tr(lang, &format!("inventory.kind.{code}")).to_owned()
    }
}

impl UserMessage for InventoryError {
    fn message_key(&self) -> &'static str {
        match self {
            InventoryError::BadQuantity { .. } => "inventory.error.bad_quantity",
            InventoryError::WrongSign { .. } => "inventory.error.wrong_sign",
            InventoryError::CountMismatch { .. } => "inventory.error.count_mismatch",
            InventoryError::NegativeCount { .. } => "inventory.error.negative_count",
            InventoryError::ReasonRequired { .. } => "inventory.error.reason_required",
            InventoryError::UnknownReason { .. } => "inventory.error.unknown_reason",
            InventoryError::UnknownFunding { .. } => "inventory.error.unknown_funding",
            InventoryError::BorrowSameFunding => "inventory.error.borrow_same_funding",
            InventoryError::BadLot { .. } => "inventory.error.bad_lot",
            InventoryError::UnknownNdc { .. } => "inventory.error.unknown_ndc",
            InventoryError::BadUnitName { .. } => "inventory.error.bad_unit_name",
            InventoryError::OrderBackward { .. } => "inventory.error.order_backward",
            InventoryError::OrderNotDraft { .. } => "inventory.error.order_not_draft",
            InventoryError::OrderEmpty => "inventory.error.order_empty",
            InventoryError::NotReconciled { .. } => "inventory.error.not_reconciled",
        }
    }

    fn message_args(&self, lang: Lang) -> Vec<(&'static str, String)> {
        match self {
            InventoryError::BadQuantity { quantity } => vec![("quantity", quantity.to_string())],
            InventoryError::WrongSign { kind, quantity } => vec![
                ("kind", Self::kind_name(lang, kind)),
                ("quantity", quantity.to_string()),
            ],
            InventoryError::CountMismatch {
                counted,
                expected,
                quantity,
            } => vec![
                ("counted", counted.to_string()),
                ("expected", expected.to_string()),
                ("quantity", quantity.to_string()),
            ],
            InventoryError::NegativeCount { counted } => vec![("counted", counted.to_string())],
            InventoryError::ReasonRequired { kind } => vec![("kind", Self::kind_name(lang, kind))],
            InventoryError::UnknownReason { code, kind } => vec![
                ("code", code.clone()),
                ("kind", Self::kind_name(lang, kind)),
            ],
            InventoryError::UnknownFunding { code } => vec![("code", code.clone())],
            InventoryError::BorrowSameFunding | InventoryError::OrderEmpty => Vec::new(),
            InventoryError::BadLot { lot } => vec![("lot", lot.clone())],
            InventoryError::UnknownNdc { ndc } => vec![("ndc", ndc.clone())],
            InventoryError::BadUnitName { name } => vec![("name", name.clone())],
            InventoryError::OrderBackward { from, to } => vec![
                (
                    "from",
                    salal_core::i18n::tr(lang, &format!("inventory.order_state.{from}")).to_owned(),
                ),
                (
                    "to",
                    salal_core::i18n::tr(lang, &format!("inventory.order_state.{to}")).to_owned(),
                ),
            ],
            InventoryError::OrderNotDraft { state } => vec![(
                "state",
                salal_core::i18n::tr(lang, &format!("inventory.order_state.{state}")).to_owned(),
            )],
            InventoryError::NotReconciled { missing, since } => vec![
                ("missing", missing.to_string()),
                ("since", format_date(lang, *since)),
            ],
        }
    }
}
