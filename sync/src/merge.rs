//! The merge rules, as one pure function the registry decides with
//! ([`apply`]) and a rule a clinic follows for what it pulls ([`accept_pulled`]).
//!
//! | what | rule |
//! |---|---|
//! | create | once: the same id again with the same content changes nothing; with other content it is a `conflict` |
//! | update | per field, last writer wins by clock stamp; the losing value is returned in `lost` for the history |
//! | entered in error | a tombstone on its own field: edits never clear it, only a later explicit `restore` |
//! | stock transaction | append-only: created once, any update refused; on-hand is the sum, so concurrent decrements never conflict |
//! | order | `state` only moves forward (a backward move loses whatever its stamp); `lines` change only while it is a draft |
//! | clock | a stamp more than [`MAX_CLOCK_AHEAD_MS`] ahead of the registry's clock is refused |
//!
//! The registry is authoritative: a clinic never merges. It applies the
//! registry's state of a record only once the registry has answered for every
//! change of its own to that record, so replicas can never resolve a conflict
//! differently from the registry.

use crate::fields;
use crate::wire::{Change, ChangeKind, Entity, Fields, MAX_CLOCK_AHEAD_MS, RejectCode};
use salal_core::hlc::Stamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// One record as the merge rules keep it: field values and, per field, the
/// stamp of the change that wrote it.
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct Doc {
    /// Current values.
    pub fields: Fields,
    /// The winning stamp of each field.
    pub stamps: BTreeMap<String, Stamp>,
}

impl Doc {
    /// The newest stamp of any field.
    #[must_use]
    pub fn newest(&self) -> Option<Stamp> {
        self.stamps.values().max().copied()
    }
}

/// A value that lost a last-writer-wins race, kept for the record's history.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Lost {
    /// The field.
    pub field: String,
    /// The value that lost.
    pub value: Value,
    /// The stamp it carried.
    pub stamp: Stamp,
}

/// What applying one change does.
#[derive(Clone, PartialEq, Debug)]
pub enum Merged {
    /// The record is now `doc`; `lost` lists the values that lost (old or incoming).
    Applied {
        /// The new state.
        doc: Doc,
        /// Values that lost, for history.
        lost: Vec<Lost>,
    },
    /// Nothing to do: a create of a record that exists with the same content.
    Unchanged,
    /// Refused; the record is as it was.
    Rejected {
        /// Why.
        code: RejectCode,
        /// Details for the messages (which field, how far ahead).
        detail: String,
    },
}

/// Fields only a tombstone or a restore may write.
pub const TOMBSTONE_FIELDS: [&str; 2] = [fields::ENTERED_IN_ERROR, fields::ENTERED_IN_ERROR_REASON];

fn reject(code: RejectCode, detail: impl Into<String>) -> Merged {
    Merged::Rejected {
        code,
        detail: detail.into(),
    }
}

/// Applies `change` to the registry's current state of its record (`None` when
/// the registry has none), with the registry's clock at `now_ms`.
#[must_use]
pub fn apply(existing: Option<&Doc>, change: &Change, now_ms: u64) -> Merged {
    let ahead = change.hlc.wall_ms.saturating_sub(now_ms);
    if ahead > MAX_CLOCK_AHEAD_MS {
        return reject(RejectCode::ClockAhead, format!("{}", ahead / 60_000));
    }
    if let Err(field) = fields::check(change.entity, change.kind, &change.fields) {
        return reject(RejectCode::Invalid, field);
    }
    match (change.kind, existing) {
        (ChangeKind::Create, None) => {
            let mut doc = Doc::default();
            for (key, value) in &change.fields {
                doc.fields.insert(key.clone(), value.clone());
                doc.stamps.insert(key.clone(), change.hlc);
            }
            Merged::Applied {
                doc,
                lost: Vec::new(),
            }
        }
        (ChangeKind::Create, Some(doc)) => {
            let same = change.fields.iter().all(|(key, value)| {
                doc.fields.get(key).unwrap_or(&Value::Null) == value
                    || (fields::is_empty(value) && doc.fields.get(key).is_none_or(fields::is_empty))
            });
            if same {
                Merged::Unchanged
            } else {
                reject(RejectCode::Conflict, "")
            }
        }
        (_, None) => reject(RejectCode::UnknownRecord, ""),
        (ChangeKind::Update, Some(doc)) => {
            if let Some(key) = change
                .fields
                .keys()
                .find(|k| TOMBSTONE_FIELDS.contains(&k.as_str()))
            {
                return reject(RejectCode::Invalid, key.clone());
            }
            if change.entity == Entity::Dose && change.fields.contains_key(fields::PATIENT_ID) {
                return reject(RejectCode::Invalid, fields::PATIENT_ID);
            }
            if change.entity == Entity::Order {
                return order_update(doc, change);
            }
            Merged::Applied {
                doc: doc.clone(),
                lost: Vec::new(),
            }
            .with_fields(change.fields.iter(), change.hlc)
        }
        (ChangeKind::EnteredInError | ChangeKind::Restore, Some(doc)) => {
            let in_error = change.kind == ChangeKind::EnteredInError;
            let reason = if in_error {
                change
                    .fields
                    .get(fields::ENTERED_IN_ERROR_REASON)
                    .cloned()
                    .unwrap_or_else(|| Value::String(String::new()))
            } else {
                Value::String(String::new())
            };
            let status = [
                (fields::ENTERED_IN_ERROR.to_owned(), Value::Bool(in_error)),
                (fields::ENTERED_IN_ERROR_REASON.to_owned(), reason),
            ];
            Merged::Applied {
                doc: doc.clone(),
                lost: Vec::new(),
            }
            .with_fields(status.iter().map(|(k, v)| (k, v)), change.hlc)
        }
    }
}

/// An order's update: its state only moves forward, whatever the stamps say
/// (a move backward loses and is kept in `lost`); its lines change only while
/// it is a draft; other fields are last-writer-wins.
fn order_update(doc: &Doc, change: &Change) -> Merged {
    use crate::inventory_fields::{ORDER_LINES, ORDER_STATE};
    use salal_inventory::OrderState;
    let current = doc
        .fields
        .get(ORDER_STATE)
        .and_then(Value::as_str)
        .and_then(OrderState::from_code)
        .unwrap_or(OrderState::Draft);
    if change.fields.contains_key(ORDER_LINES) && current != OrderState::Draft {
        return reject(RejectCode::Invalid, ORDER_LINES);
    }
    let mut lost = Vec::new();
    let mut rest = Vec::new();
    let mut doc = doc.clone();
    // The day field of a move that is refused goes with it.
    let refused_day = change
        .fields
        .get(ORDER_STATE)
        .and_then(Value::as_str)
        .and_then(OrderState::from_code)
        .filter(|to| *to != current && !current.may_become(*to))
        .map(|to| format!("{}_on", to.code()));
    for (key, value) in &change.fields {
        if refused_day.as_deref() == Some(key.as_str()) {
            lost.push(Lost {
                field: key.clone(),
                value: value.clone(),
                stamp: change.hlc,
            });
            continue;
        }
        if key != ORDER_STATE {
            rest.push((key, value));
            continue;
        }
        let incoming = value.as_str().and_then(OrderState::from_code);
        match incoming {
            Some(to) if current.may_become(to) => {
                if let (Some(old), Some(stamp)) = (doc.fields.get(key), doc.stamps.get(key)) {
                    lost.push(Lost {
                        field: key.clone(),
                        value: old.clone(),
                        stamp: *stamp,
                    });
                }
                doc.fields.insert(key.clone(), value.clone());
                let stamp = doc
                    .stamps
                    .get(key)
                    .map_or(change.hlc, |s| (*s).max(change.hlc));
                doc.stamps.insert(key.clone(), stamp);
            }
            _ if doc.fields.get(key) == Some(value) => {}
            _ => lost.push(Lost {
                field: key.clone(),
                value: value.clone(),
                stamp: change.hlc,
            }),
        }
    }
    Merged::Applied { doc, lost }.with_fields(rest.into_iter(), change.hlc)
}

impl Merged {
    /// Last-writer-wins for each field; both the old and the losing incoming
    /// values go to `lost`.
    fn with_fields<'a>(
        self,
        incoming: impl Iterator<Item = (&'a String, &'a Value)>,
        hlc: Stamp,
    ) -> Merged {
        let Merged::Applied { mut doc, mut lost } = self else {
            return self;
        };
        for (key, value) in incoming {
            let current = doc.stamps.get(key).copied();
            if current.is_none_or(|s| hlc > s) {
                if let (Some(old), Some(stamp)) = (doc.fields.get(key), current)
                    && old != value
                {
                    lost.push(Lost {
                        field: key.clone(),
                        value: old.clone(),
                        stamp,
                    });
                }
                doc.fields.insert(key.clone(), value.clone());
                doc.stamps.insert(key.clone(), hlc);
            } else if doc.fields.get(key) != Some(value) {
                lost.push(Lost {
                    field: key.clone(),
                    value: value.clone(),
                    stamp: hlc,
                });
            }
        }
        Merged::Applied { doc, lost }
    }
}

/// What a clinic does with the registry's state of a record it pulled.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Accept {
    /// Replace the local record with the registry's state.
    Apply,
    /// Keep the local record for now and ask for the record again (by
    /// `refresh`) once the registry has answered for the local changes.
    Defer,
}

/// The clinic's one rule: never overwrite a record that has changes the
/// registry has not answered for yet.
#[must_use]
pub fn accept_pulled(has_unanswered_local_changes: bool) -> Accept {
    if has_unanswered_local_changes {
        Accept::Defer
    } else {
        Accept::Apply
    }
}

impl RejectCode {
    /// What happened and what to do, in English and Spanish. `detail` is the
    /// field name or the minutes ahead, where the code has one.
    #[must_use]
    pub fn messages(self, detail: &str) -> (String, String) {
        match self {
            RejectCode::ClockAhead => (
                format!("This computer's clock is {detail} minutes ahead of the registry. Set the correct date and time, then sync again."),
                format!("El reloj de esta computadora está {detail} minutos adelantado respecto al registro. Ponga la fecha y la hora correctas y vuelva a sincronizar."),
            ),
            RejectCode::Invalid => (
                format!("The registry could not accept this change: the field '{detail}' is missing or not valid. Correct the record and save it again."),
                format!("El registro no pudo aceptar este cambio: el campo '{detail}' falta o no es válido. Corrija el registro y guárdelo de nuevo."),
            ),
            RejectCode::Conflict => (
                "The registry already has a different record with this id. Check the record and enter it again if it is missing.".to_owned(),
                "El registro ya tiene otro registro distinto con este identificador. Revise el registro y vuelva a ingresarlo si falta.".to_owned(),
            ),
            RejectCode::UnknownRecord => (
                "The registry does not have this record (it was never accepted). Check the record's other changes.".to_owned(),
                "El registro no tiene este registro (nunca fue aceptado). Revise los otros cambios del registro.".to_owned(),
            ),
            RejectCode::NotPermitted => (
                "This clinic may not change that record at the registry. Ask the registry staff.".to_owned(),
                "Esta clínica no puede cambiar ese registro en el registro estatal. Consulte al personal del registro.".to_owned(),
            ),
            RejectCode::OptedOut => (
                "The patient declined registry participation: the registry accepts no new data for them. The clinic keeps its own chart.".to_owned(),
                "El paciente rechazó participar en el registro: el registro no acepta datos nuevos suyos. La clínica conserva su propio expediente.".to_owned(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use uuid::Uuid;

    fn stamp(wall_ms: u64, replica: u32) -> Stamp {
        Stamp {
            wall_ms,
            counter: 0,
            replica,
        }
    }

    fn change(kind: ChangeKind, hlc: Stamp, fields: Value) -> Change {
        Change {
            op_id: Uuid::from_u128(hlc.wall_ms.into()),
            entity: Entity::Patient,
            id: Uuid::from_u128(1),
            hlc,
            kind,
            fields: fields.as_object().cloned().unwrap_or_default(),
        }
    }

    fn created() -> Doc {
        let c = change(
            ChangeKind::Create,
            stamp(10, 1),
            json!({"first_name": "Ana", "last_name": "García", "birth_date": "2020-01-02"}),
        );
        match apply(None, &c, 10) {
            Merged::Applied { doc, .. } => doc,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn newer_field_wins_and_older_is_kept_as_lost() {
        let doc = created();
        let older = change(
            ChangeKind::Update,
            stamp(5, 2),
            json!({"first_name": "Anita"}),
        );
        let Merged::Applied { doc: same, lost } = apply(Some(&doc), &older, 20) else {
            panic!()
        };
        assert_eq!(same.fields["first_name"], "Ana");
        assert_eq!(lost[0].value, "Anita");
        let newer = change(
            ChangeKind::Update,
            stamp(30, 2),
            json!({"first_name": "Anita"}),
        );
        let Merged::Applied { doc: next, lost } = apply(Some(&doc), &newer, 30) else {
            panic!()
        };
        assert_eq!(next.fields["first_name"], "Anita");
        assert_eq!(next.fields["last_name"], "García");
        assert_eq!(lost[0].value, "Ana");
    }

    #[test]
    fn clock_far_ahead_is_refused() {
        let doc = created();
        let c = change(
            ChangeKind::Update,
            stamp(10 + MAX_CLOCK_AHEAD_MS + 60_001, 2),
            json!({"first_name": "X"}),
        );
        assert!(matches!(
            apply(Some(&doc), &c, 10),
            Merged::Rejected {
                code: RejectCode::ClockAhead,
                ..
            }
        ));
    }

    #[test]
    fn create_again_is_unchanged_or_conflict() {
        let doc = created();
        let same = change(
            ChangeKind::Create,
            stamp(11, 2),
            json!({"first_name": "Ana", "last_name": "García", "birth_date": "2020-01-02", "phone": ""}),
        );
        assert_eq!(apply(Some(&doc), &same, 20), Merged::Unchanged);
        let other = change(
            ChangeKind::Create,
            stamp(11, 2),
            json!({"first_name": "Eva", "last_name": "García", "birth_date": "2020-01-02"}),
        );
        assert!(matches!(
            apply(Some(&doc), &other, 20),
            Merged::Rejected {
                code: RejectCode::Conflict,
                ..
            }
        ));
    }

    #[test]
    fn tombstone_beats_concurrent_edit_until_restore() {
        let mut doc = created();
        let mut tomb = change(
            ChangeKind::EnteredInError,
            stamp(20, 1),
            json!({"entered_in_error_reason": "wrong patient"}),
        );
        tomb.entity = Entity::Dose;
        let Merged::Applied { doc: d, .. } = apply(Some(&doc), &tomb, 20) else {
            panic!()
        };
        doc = d;
        let mut edit = change(
            ChangeKind::Update,
            stamp(25, 2),
            json!({"lot_number": "L2"}),
        );
        edit.entity = Entity::Dose;
        let Merged::Applied { doc: d, .. } = apply(Some(&doc), &edit, 25) else {
            panic!()
        };
        assert_eq!(d.fields["entered_in_error"], true);
        let mut sneaky = edit.clone();
        sneaky.fields = json!({"entered_in_error": false})
            .as_object()
            .cloned()
            .unwrap();
        assert!(matches!(
            apply(Some(&d), &sneaky, 25),
            Merged::Rejected { .. }
        ));
        let mut restore = change(ChangeKind::Restore, stamp(30, 2), json!({}));
        restore.entity = Entity::Dose;
        let Merged::Applied { doc: d, .. } = apply(Some(&d), &restore, 30) else {
            panic!()
        };
        assert_eq!(d.fields["entered_in_error"], false);
    }

    #[test]
    fn update_of_unknown_record_is_refused() {
        let c = change(ChangeKind::Update, stamp(5, 2), json!({"first_name": "A"}));
        assert!(matches!(
            apply(None, &c, 5),
            Merged::Rejected {
                code: RejectCode::UnknownRecord,
                ..
            }
        ));
    }
}
