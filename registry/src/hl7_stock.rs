//! Vaccine stock taken by the doses HL7 partners report.
//!
//! A partner organization that also runs Salal Clinic has its stock at the
//! registry: the ledger of `stock_txn` records its computers synced. When a
//! VXU from that partner reports a dose given here and now (RXA-9 `00`) that
//! names a lot (RXA-15, with the vaccine RXA-5 and the manufacturer RXA-17),
//! [`Book::take`] finds the lot in the organization's ledger and appends an
//! `administered` transaction of −1 for it, applied through the same
//! `push::apply` as the dose itself, so the organization's computers pull it
//! like one of their own. Its id is derived from the dose's id (itself derived
//! from the partner's order id), so a resend changes nothing; only doses new
//! to the registry take stock.
//!
//! A partner that keeps no stock at the registry (no `stock_txn` at all, as
//! for most EHRs and pharmacies) is left alone. For one that does, a lot that
//! cannot be matched takes nothing and is answered with an ACK
//! warning (ERR-4 `W`, at RXA-15) saying what did not match and what to do:
//! a lot the organization does not hold, a lot held for another vaccine or
//! manufacturer, a lot expired before the dose's date, a lot with no doses
//! left. The warnings go into the message log with the other problems.

use salal_core::event::EventKind;
use salal_core::hlc::Stamp;
use salal_hl7::model::ImmunizationUpdate;
use salal_hl7::{ErrorCode, Location, Problem};
use salal_inventory::{LotKey, StockTxn, TxnKind};
use salal_sync::inventory_fields::stock_txn_fields;
use salal_sync::wire::{Change, ChangeKind, Entity, OpResult, Outcome};
use serde_json::Value;
use sqlx_core::query::query;
use sqlx_core::row::Row;
use sqlx_postgres::PgConnection;
use uuid::Uuid;

use crate::records::derived_id;

/// One lot the organization holds, in one storage unit, with its balance.
#[derive(Debug, Clone)]
struct Held {
    lot: LotKey,
    unit: String,
    cvx: String,
    mvx: String,
    balance: i64,
}

/// Why a dose's lot took no stock.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Unmatched {
    NotHeld,
    OtherVaccine { held: String },
    Expired { on: chrono::NaiveDate },
    NoneLeft { balance: i64 },
}

/// The new doses (of `new_doses`: group index, dose id) that take stock:
/// administered here, dated, naming a lot, not refused or not given.
pub(crate) fn wanted(
    update: &ImmunizationUpdate,
    new_doses: &[(usize, Uuid)],
) -> Vec<(usize, Uuid)> {
    new_doses
        .iter()
        .copied()
        .filter(|(group, _)| {
            update.doses.get(*group).is_some_and(|d| {
                d.event.kind == EventKind::Administered
                    && d.event.date.is_some()
                    && !d.event.lot_number.trim().is_empty()
                    && !matches!(d.completion_status.trim(), "RE" | "NA")
            })
        })
        .collect()
}

/// One organization's stock as a group of messages sees it: the lots they
/// name, with balances kept as each dose takes one, so a later message of
/// the group sees what an earlier one took.
#[derive(Debug)]
pub(crate) struct Book {
    partner: Uuid,
    keeps_stock: bool,
    held: Vec<Held>,
    existing: std::collections::HashSet<Uuid>,
}

impl Book {
    /// Loads the stock the `wanted` doses of these messages could take
    /// (each message's update, with its [`wanted`] doses).
    pub(crate) async fn load(
        conn: &mut PgConnection,
        partner: Uuid,
        wanted: &[(&ImmunizationUpdate, &[(usize, Uuid)])],
    ) -> Result<Book, sqlx_core::Error> {
        let lots: Vec<String> = wanted
            .iter()
            .flat_map(|(update, doses)| {
                doses
                    .iter()
                    .filter_map(|(g, _)| update.doses.get(*g))
                    .map(|d| d.event.lot_number.trim().to_uppercase())
            })
            .collect::<std::collections::HashSet<_>>()
            .into_iter()
            .collect();
        let held = held_lots(conn, partner, &lots).await?;
        // An EHR or pharmacy that keeps no stock at the registry has nothing
        // to take, and nothing to be warned about on every dose.
        let keeps_stock = !held.is_empty() || keeps_stock(conn, partner).await?;
        let existing = if keeps_stock {
            let ids: Vec<Uuid> = wanted
                .iter()
                .flat_map(|(_, doses)| doses.iter().map(|(_, dose)| txn_id(partner, *dose)))
                .collect();
            existing_txns(conn, &ids).await?
        } else {
            std::collections::HashSet::new()
        };
        Ok(Book {
            partner,
            keeps_stock,
            held,
            existing,
        })
    }

    /// The stock transactions one message's `wanted` doses take (to apply
    /// with them), the ORDER group each belongs to, and a warning for every
    /// lot that matched nothing.
    pub(crate) fn take(
        &mut self,
        update: &ImmunizationUpdate,
        wanted: &[(usize, Uuid)],
        hlc: Stamp,
    ) -> (Vec<Change>, Vec<usize>, Vec<Problem>) {
        let mut changes = Vec::new();
        let mut groups = Vec::new();
        let mut problems = Vec::new();
        if !self.keeps_stock {
            return (changes, groups, problems);
        }
        let partner = self.partner;
        for &(group, dose_id) in wanted {
            let Some(dose) = update.doses.get(group) else {
                continue;
            };
            let id = txn_id(partner, dose_id);
            if !self.existing.insert(id) {
                continue;
            }
            let event = &dose.event;
            let lot_number = event.lot_number.trim().to_uppercase();
            let Some(date) = event.date else {
                continue;
            };
            let lot = match choose(&self.held, &lot_number, event, date) {
                Ok(lot) => lot.clone(),
                Err(why) => {
                    problems.push(warning(group, &event.lot_number, event, &why));
                    continue;
                }
            };
            if let Some(held) = self
                .held
                .iter_mut()
                .find(|h| h.lot == lot.lot && h.unit == lot.unit)
            {
                held.balance -= 1;
            }
            let txn = StockTxn {
                id,
                lot: lot.lot,
                cvx: lot.cvx,
                mvx: lot.mvx,
                unit: lot.unit,
                kind: TxnKind::Administered,
                quantity: -1,
                date,
                reason: String::new(),
                expected: None,
                counted: None,
                event_id: Some(dose_id),
                order_id: None,
                pair_id: None,
                counterparty: String::new(),
                note: "reported by HL7 (VXU)".to_owned(),
                recorded_by: format!("hl7:{partner}"),
            };
            let fields = stock_txn_fields(&txn);
            changes.push(Change {
                op_id: derived_id(partner, &format!("op:stock_txn:{id}:create")),
                entity: Entity::StockTxn,
                id,
                hlc,
                kind: ChangeKind::Create,
                fields,
            });
            groups.push(group);
        }
        (changes, groups, problems)
    }
}

/// A warning for a stock transaction the registry refused (the dose stands).
pub(crate) fn refused(result: &OpResult, group: usize, lot: &str) -> Option<Problem> {
    match &result.outcome {
        Outcome::Rejected { message_en, .. } => Some(Problem::warning(
            ErrorCode::ApplicationInternalError,
            Some(Location::segment("RXA", group + 1, 0).with_field(15)),
            format!(
                "the dose was stored, but taking it from lot '{lot}' in your stock was \
                 refused: {message_en}; record the dose's stock in Salal Clinic"
            ),
        )),
        _ => None,
    }
}

/// The administered transaction's id for a dose: derived from the dose's id.
fn txn_id(partner: Uuid, dose: Uuid) -> Uuid {
    derived_id(partner, &format!("stock:administered:{dose}"))
}

fn normalized_cvx(code: &str) -> String {
    salal_core::codes::normalize_cvx(code)
}

fn normalized_ndc(code: &str) -> String {
    salal_core::codes::normalize_ndc(code)
}

/// The lot a dose takes from: same lot number, same vaccine (CVX, or NDC
/// when the dose names one) and manufacturer, not expired on the dose's
/// date, with doses left; the dose's funding source first, then the unit
/// holding the most.
fn choose<'h>(
    held: &'h [Held],
    lot_number: &str,
    event: &salal_core::event::NewEvent,
    date: chrono::NaiveDate,
) -> Result<&'h Held, Unmatched> {
    let same_lot: Vec<&Held> = held.iter().filter(|h| h.lot.lot == lot_number).collect();
    if same_lot.is_empty() {
        return Err(Unmatched::NotHeld);
    }
    let vaccine = |h: &Held| {
        let cvx_ok = event.cvx.trim().is_empty()
            || h.cvx.trim().is_empty()
            || normalized_cvx(&h.cvx) == normalized_cvx(&event.cvx);
        let ndc_ok =
            event.ndc.trim().is_empty() || normalized_ndc(&h.lot.ndc) == normalized_ndc(&event.ndc);
        let mvx_ok = event.mvx.trim().is_empty()
            || h.mvx.trim().is_empty()
            || h.mvx.trim().eq_ignore_ascii_case(event.mvx.trim());
        cvx_ok && ndc_ok && mvx_ok
    };
    let same_vaccine: Vec<&Held> = same_lot.iter().copied().filter(|h| vaccine(h)).collect();
    let Some(first) = same_lot.first() else {
        return Err(Unmatched::NotHeld);
    };
    if same_vaccine.is_empty() {
        let held = if first.mvx.is_empty() {
            format!("CVX {} (NDC {})", first.cvx, first.lot.ndc)
        } else {
            format!("CVX {} by {} (NDC {})", first.cvx, first.mvx, first.lot.ndc)
        };
        return Err(Unmatched::OtherVaccine { held });
    }
    let usable: Vec<&Held> = same_vaccine
        .iter()
        .copied()
        .filter(|h| h.lot.expires >= date)
        .collect();
    if usable.is_empty() {
        let on = same_vaccine
            .iter()
            .map(|h| h.lot.expires)
            .max()
            .unwrap_or(date);
        return Err(Unmatched::Expired { on });
    }
    let funding = event.funding_source.trim().to_ascii_uppercase();
    usable
        .iter()
        .copied()
        .filter(|h| h.balance > 0)
        .max_by_key(|h| (!funding.is_empty() && h.lot.funding == funding, h.balance))
        .ok_or_else(|| Unmatched::NoneLeft {
            balance: usable.iter().map(|h| h.balance).sum(),
        })
}

fn warning(
    group: usize,
    lot: &str,
    event: &salal_core::event::NewEvent,
    why: &Unmatched,
) -> Problem {
    let lot = lot.trim();
    let text = match why {
        Unmatched::NotHeld => format!(
            "lot '{lot}' (RXA-15) is not in your organization's stock at the registry, so no \
             dose was taken from inventory; check the lot number, or record the lot's receipt \
             in Salal Clinic and adjust its count"
        ),
        Unmatched::OtherVaccine { held } => format!(
            "lot '{lot}' in your stock is {held}, not the vaccine this dose names (CVX {}{}), so \
             no dose was taken from inventory; check RXA-5, RXA-15 and RXA-17",
            event.cvx.trim(),
            if event.mvx.trim().is_empty() {
                String::new()
            } else {
                format!(" by {}", event.mvx.trim())
            }
        ),
        Unmatched::Expired { on } => format!(
            "lot '{lot}' in your stock expired on {on}, before this dose's date, so no dose was \
             taken from inventory; check the lot and RXA-16, and if an expired vaccine was \
             given follow your program's rules for reporting it"
        ),
        Unmatched::NoneLeft { balance } => format!(
            "lot '{lot}' has no doses left in your organization's stock (balance {balance}), so \
             no dose was taken from inventory; record the lot's receipt or count in Salal Clinic"
        ),
    };
    Problem::warning(
        ErrorCode::UnknownKeyIdentifier,
        Some(Location::segment("RXA", group + 1, 0).with_field(15)),
        text,
    )
}

/// Every lot (of `lots`, upper case) the organization's ledger names, per
/// storage unit, with its balance.
/// Whether the organization keeps any stock at the registry (its computers
/// synced a ledger), through the index of organization-owned records.
async fn keeps_stock(conn: &mut PgConnection, org: Uuid) -> Result<bool, sqlx_core::Error> {
    let row = query(
        "SELECT EXISTS (SELECT 1 FROM records
                        WHERE owner_org = $1 AND patient_id IS NULL AND entity = 'stock_txn')",
    )
    .bind(org)
    .fetch_one(conn)
    .await?;
    row.try_get(0)
}

async fn held_lots(
    conn: &mut PgConnection,
    org: Uuid,
    lots: &[String],
) -> Result<Vec<Held>, sqlx_core::Error> {
    let rows = query(
        "SELECT fields->>'ndc' AS ndc, upper(btrim(fields->>'lot_number')) AS lot,
                fields->>'lot_expiration' AS expires, fields->>'funding_source' AS funding,
                fields->>'unit' AS unit,
                coalesce(max(fields->>'cvx'), '') AS cvx, coalesce(max(fields->>'mvx'), '') AS mvx,
                coalesce(sum((fields->>'quantity')::bigint), 0)::bigint AS balance
         FROM records
         WHERE entity = 'stock_txn' AND owner_org = $1
           AND upper(btrim(fields->>'lot_number')) = ANY($2)
         GROUP BY 1, 2, 3, 4, 5",
    )
    .bind(org)
    .bind(lots.to_vec())
    .fetch_all(conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let text = |name: &str| -> Result<String, sqlx_core::Error> {
            Ok(row.try_get::<Option<String>, _>(name)?.unwrap_or_default())
        };
        let Ok(expires) = text("expires")?.parse() else {
            continue;
        };
        out.push(Held {
            lot: LotKey::new(&text("ndc")?, &text("lot")?, expires, &text("funding")?),
            unit: text("unit")?,
            cvx: text("cvx")?,
            mvx: text("mvx")?,
            balance: row.try_get("balance")?,
        });
    }
    Ok(out)
}

async fn existing_txns(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<std::collections::HashSet<Uuid>, sqlx_core::Error> {
    let rows = query("SELECT id FROM records WHERE entity = 'stock_txn' AND id = ANY($1)")
        .bind(ids.to_vec())
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| row.try_get::<Uuid, _>("id"))
        .collect()
}

/// The lot number a stock change takes from (for a refusal's warning).
pub(crate) fn lot_of(change: &Change) -> String {
    change
        .fields
        .get("lot_number")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use salal_core::event::NewEvent;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn held(lot: &str, cvx: &str, expires: NaiveDate, balance: i64) -> Held {
        Held {
            lot: LotKey::new("49281-0545-05", lot, expires, "VXC1"),
            unit: "Main fridge".to_owned(),
            cvx: cvx.to_owned(),
            mvx: "PMC".to_owned(),
            balance,
        }
    }

    fn dose(lot: &str, cvx: &str) -> NewEvent {
        NewEvent {
            cvx: cvx.to_owned(),
            lot_number: lot.to_owned(),
            date: Some(day(2026, 3, 1)),
            ..NewEvent::default()
        }
    }

    #[test]
    fn a_dose_takes_from_the_matching_lot_or_says_why_not() {
        let stock = vec![
            held("A1", "20", day(2027, 1, 1), 5),
            held("OLD", "20", day(2026, 1, 1), 5),
            held("EMPTY", "20", day(2027, 1, 1), 0),
        ];
        let date = day(2026, 3, 1);
        assert!(choose(&stock, "A1", &dose("a1", "20"), date).is_ok());
        assert_eq!(
            choose(&stock, "B2", &dose("B2", "20"), date).unwrap_err(),
            Unmatched::NotHeld
        );
        assert!(matches!(
            choose(&stock, "A1", &dose("A1", "08"), date),
            Err(Unmatched::OtherVaccine { .. })
        ));
        assert_eq!(
            choose(&stock, "OLD", &dose("OLD", "20"), date).unwrap_err(),
            Unmatched::Expired {
                on: day(2026, 1, 1)
            }
        );
        assert_eq!(
            choose(&stock, "EMPTY", &dose("EMPTY", "20"), date).unwrap_err(),
            Unmatched::NoneLeft { balance: 0 }
        );
    }
}
