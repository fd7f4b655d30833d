//! Orders: a small state machine that only moves forward (draft → submitted →
//! approved → shipped → received; or cancelled before it ships), so a
//! concurrent change from another device can only move an order on, never
//! back. Lines change only while the order is a draft.

use crate::error::InventoryError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Being written; lines may change.
    Draft,
    /// Sent to the state program.
    Submitted,
    /// Approved by the state program.
    Approved,
    /// Shipped by the distributor.
    Shipped,
    /// Received (its receipts are in the ledger).
    Received,
    /// Cancelled before it shipped.
    Cancelled,
}

/// Every state, in order.
pub const STATES: [OrderState; 6] = [
    OrderState::Draft,
    OrderState::Submitted,
    OrderState::Approved,
    OrderState::Shipped,
    OrderState::Received,
    OrderState::Cancelled,
];

impl OrderState {
    /// The stable text form.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            OrderState::Draft => "draft",
            OrderState::Submitted => "submitted",
            OrderState::Approved => "approved",
            OrderState::Shipped => "shipped",
            OrderState::Received => "received",
            OrderState::Cancelled => "cancelled",
        }
    }

    /// From the text form.
    #[must_use]
    pub fn from_code(code: &str) -> Option<OrderState> {
        STATES.into_iter().find(|s| s.code() == code)
    }

    /// Whether nothing can follow it.
    #[must_use]
    pub fn is_final(self) -> bool {
        matches!(self, OrderState::Received | OrderState::Cancelled)
    }

    /// Whether an order may go from `self` to `to`: forward along the line
    /// (steps may be skipped, e.g. received when the shipment notice never
    /// came), or cancelled before it ships.
    #[must_use]
    pub fn may_become(self, to: OrderState) -> bool {
        if self.is_final() || to == self {
            return false;
        }
        match to {
            OrderState::Cancelled => self < OrderState::Shipped,
            OrderState::Draft => false,
            _ => to > self,
        }
    }

    /// [`OrderState::may_become`] as a typed error.
    ///
    /// # Errors
    /// [`InventoryError::OrderBackward`].
    pub fn check_move(self, to: OrderState) -> Result<(), InventoryError> {
        if self.may_become(to) {
            Ok(())
        } else {
            Err(InventoryError::OrderBackward {
                from: self.code(),
                to: to.code(),
            })
        }
    }
}

/// One line of an order: a product and funding source, and how many doses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// 11-digit NDC, 5-4-2 with hyphens.
    pub ndc: String,
    /// The vaccine (CVX).
    pub cvx: String,
    /// Funding source (CDCPHINVS).
    pub funding: String,
    /// Doses requested.
    pub doses: i64,
    /// What Salal suggested, if it did.
    pub suggested: Option<i64>,
}

/// An order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Chosen where the order was started.
    pub id: Uuid,
    /// Where it stands.
    pub state: OrderState,
    /// What is asked for.
    pub lines: Vec<OrderLine>,
    /// The day it was started.
    pub created_on: NaiveDate,
    /// The day of each state it reached, in order.
    pub history: Vec<(OrderState, NaiveDate)>,
    /// Free text.
    pub note: String,
}

impl Order {
    /// Checks that the order may be submitted: a draft with at least one line
    /// of at least one dose.
    ///
    /// # Errors
    /// [`InventoryError::OrderNotDraft`], [`InventoryError::OrderEmpty`], [`InventoryError::BadQuantity`].
    pub fn check_submit(&self) -> Result<(), InventoryError> {
        if self.state != OrderState::Draft {
            return Err(InventoryError::OrderNotDraft {
                state: self.state.code(),
            });
        }
        if self.lines.is_empty() {
            return Err(InventoryError::OrderEmpty);
        }
        if let Some(line) = self.lines.iter().find(|l| l.doses <= 0) {
            return Err(InventoryError::BadQuantity {
                quantity: line.doses,
            });
        }
        Ok(())
    }

    /// The total doses asked for.
    #[must_use]
    pub fn total_doses(&self) -> i64 {
        self.lines.iter().map(|l| l.doses).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_only_move_forward() {
        use OrderState::*;
        for from in STATES {
            assert_eq!(OrderState::from_code(from.code()), Some(from));
            for to in STATES {
                let expected = match (from, to) {
                    (Received | Cancelled, _) => false,
                    (_, Draft) => false,
                    (f, Cancelled) => f < Shipped,
                    (f, t) => t > f,
                };
                assert_eq!(from.may_become(to), expected, "{from:?} → {to:?}");
            }
        }
        assert!(Draft.may_become(Received), "receiving may skip the notices");
        assert!(!Shipped.may_become(Cancelled));
        assert!(matches!(
            Approved.check_move(Submitted),
            Err(InventoryError::OrderBackward {
                from: "approved",
                to: "submitted"
            })
        ));
    }

    #[test]
    fn only_a_draft_with_lines_is_submitted() {
        let mut order = Order {
            id: Uuid::from_u128(1_000 + 7),
            state: OrderState::Draft,
            lines: Vec::new(),
            created_on: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            history: Vec::new(),
            note: String::new(),
        };
        assert_eq!(order.check_submit(), Err(InventoryError::OrderEmpty));
        order.lines.push(OrderLine {
            ndc: "49281-0425-50".into(),
            cvx: "20".into(),
            funding: "VXC51".into(),
            doses: 0,
            suggested: Some(0),
        });
        assert!(order.check_submit().is_err());
        order.lines[0].doses = 20;
        assert!(order.check_submit().is_ok());
        assert_eq!(order.total_doses(), 20);
        order.state = OrderState::Submitted;
        assert!(matches!(
            order.check_submit(),
            Err(InventoryError::OrderNotDraft { .. })
        ));
    }
}
