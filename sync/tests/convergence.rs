//! Convergence of the merge rules under any interleaving: several replicas
//! edit offline (patient fields, new doses, entered in error, restore) with
//! skewed clocks, and push and pull in any order, in any batch size, with
//! answers lost on the way. After everyone syncs, every replica equals the
//! registry, no change is lost and no dose is doubled.
//!
//! The registry here is `merge::apply` over an in-memory map (the real one
//! runs the same function over PostgreSQL); each replica follows the
//! clinic's rule, `merge::accept_pulled`. Failing cases are kept by proptest
//! under `proptest-regressions/` and replayed first on every run.

use proptest::prelude::*;
use salal_core::hlc::{Clock, Stamp};
use salal_sync::merge::{self, Accept, Doc, Merged};
use salal_sync::wire::{Change, ChangeKind, Entity, Fields, Outcome, RecordState};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uuid::Uuid;

type Key = (Entity, Uuid);

#[derive(Default)]
struct Registry {
    docs: BTreeMap<Key, (Doc, i64)>,
    ops: HashMap<Uuid, i64>,
    seq: i64,
}

impl Registry {
    fn push(&mut self, changes: &[Change], now_ms: u64) -> Vec<Outcome> {
        changes
            .iter()
            .map(|c| {
                if let Some(seq) = self.ops.get(&c.op_id) {
                    return Outcome::Duplicate { seq: *seq };
                }
                let key = (c.entity, c.id);
                match merge::apply(self.docs.get(&key).map(|(d, _)| d), c, now_ms) {
                    Merged::Applied { doc, .. } => {
                        self.seq += 1;
                        self.docs.insert(key, (doc, self.seq));
                        self.ops.insert(c.op_id, self.seq);
                        Outcome::Applied { seq: self.seq }
                    }
                    Merged::Unchanged => {
                        let seq = self.docs.get(&key).map_or(0, |(_, s)| *s);
                        self.ops.insert(c.op_id, seq);
                        Outcome::Duplicate { seq }
                    }
                    Merged::Rejected { code, detail } => {
                        let (en, es) = code.messages(&detail);
                        Outcome::Rejected {
                            code,
                            message_en: en,
                            message_es: es,
                        }
                    }
                }
            })
            .collect()
    }

    fn state(&self, key: &Key) -> Option<RecordState> {
        self.docs.get(key).map(|(doc, seq)| RecordState {
            entity: key.0,
            id: key.1,
            seq: *seq,
            fields: doc.fields.clone(),
            hlc: doc.newest().unwrap_or(Stamp {
                wall_ms: 0,
                counter: 0,
                replica: 0,
            }),
            confirmed_at: String::new(),
        })
    }

    fn pull(
        &self,
        after: i64,
        limit: usize,
        refresh: &[Key],
    ) -> (Vec<RecordState>, Vec<RecordState>, i64, bool) {
        let mut changed: Vec<(i64, Key)> = self
            .docs
            .iter()
            .filter(|(_, (_, seq))| *seq > after)
            .map(|(k, (_, seq))| (*seq, *k))
            .collect();
        changed.sort();
        let more = changed.len() > limit;
        changed.truncate(limit);
        let cursor = changed.last().map_or(after, |(s, _)| *s);
        let records = changed.iter().filter_map(|(_, k)| self.state(k)).collect();
        let refreshed = refresh.iter().filter_map(|k| self.state(k)).collect();
        (records, refreshed, cursor, more)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Status {
    Pending,
    Sent,
    Answered,
}

struct Replica {
    clock: Clock,
    offset_ms: i64,
    docs: BTreeMap<Key, Fields>,
    outbox: Vec<(Change, Status)>,
    refresh: BTreeSet<Key>,
    cursor: i64,
    next_id: u128,
    number: u32,
}

impl Replica {
    fn new(number: u32, offset_ms: i64) -> Replica {
        Replica {
            clock: Clock::new(number, None, 24 * 3600 * 1000),
            offset_ms,
            docs: BTreeMap::new(),
            outbox: Vec::new(),
            refresh: BTreeSet::new(),
            cursor: 0,
            next_id: 0,
            number,
        }
    }

    fn wall(&self, now: u64) -> u64 {
        u64::try_from(i64::try_from(now).unwrap_or(0) + self.offset_ms).unwrap_or(0)
    }

    fn fresh_id(&mut self) -> Uuid {
        self.next_id += 1;
        Uuid::from_u128((u128::from(self.number) << 64) | self.next_id)
    }

    fn write(&mut self, now: u64, entity: Entity, id: Uuid, kind: ChangeKind, fields: Fields) {
        let hlc = self.clock.tick(self.wall(now)).unwrap();
        let doc = self.docs.entry((entity, id)).or_default();
        match kind {
            ChangeKind::Create | ChangeKind::Update => {
                for (k, v) in &fields {
                    doc.insert(k.clone(), v.clone());
                }
            }
            ChangeKind::EnteredInError => {
                doc.insert("entered_in_error".into(), Value::Bool(true));
                doc.insert(
                    "entered_in_error_reason".into(),
                    fields
                        .get("entered_in_error_reason")
                        .cloned()
                        .unwrap_or(json!("")),
                );
            }
            ChangeKind::Restore => {
                doc.insert("entered_in_error".into(), Value::Bool(false));
                doc.insert("entered_in_error_reason".into(), json!(""));
            }
        }
        let op_id = self.fresh_id();
        self.outbox.push((
            Change {
                op_id,
                entity,
                id,
                hlc,
                kind,
                fields,
            },
            Status::Pending,
        ));
    }

    fn unanswered(&self, key: &Key) -> bool {
        self.outbox
            .iter()
            .any(|(c, s)| (c.entity, c.id) == *key && *s != Status::Answered)
    }

    fn push(&mut self, registry: &mut Registry, now: u64, batch: usize, lose_answer: bool) {
        let idx: Vec<usize> = (0..self.outbox.len())
            .filter(|i| self.outbox[*i].1 != Status::Answered)
            .take(batch)
            .collect();
        if idx.is_empty() {
            return;
        }
        for i in &idx {
            self.outbox[*i].1 = Status::Sent;
        }
        let changes: Vec<Change> = idx.iter().map(|i| self.outbox[*i].0.clone()).collect();
        let answers = registry.push(&changes, now);
        if lose_answer {
            return;
        }
        for (i, answer) in idx.iter().zip(answers) {
            self.outbox[*i].1 = Status::Answered;
            if matches!(answer, Outcome::Rejected { .. }) {
                let c = &self.outbox[*i].0;
                self.refresh.insert((c.entity, c.id));
            }
        }
    }

    fn apply(&mut self, record: &RecordState, now: u64) {
        let key = (record.entity, record.id);
        if merge::accept_pulled(self.unanswered(&key)) == Accept::Defer {
            self.refresh.insert(key);
            return;
        }
        self.clock.observe(record.hlc, self.wall(now)).unwrap();
        self.docs.insert(key, record.fields.clone());
        self.refresh.remove(&key);
    }

    /// A pending local change is never overwritten: every field of this
    /// replica's unanswered changes shows the newest unanswered value.
    fn shows_own_unanswered_changes(&self) -> Result<(), TestCaseError> {
        let mut expected: BTreeMap<(Key, String), Value> = BTreeMap::new();
        for (c, status) in &self.outbox {
            if *status == Status::Answered {
                continue;
            }
            let key = (c.entity, c.id);
            match c.kind {
                ChangeKind::Create | ChangeKind::Update => {
                    for (k, v) in &c.fields {
                        expected.insert((key, k.clone()), v.clone());
                    }
                }
                ChangeKind::EnteredInError => {
                    expected.insert((key, "entered_in_error".into()), Value::Bool(true));
                }
                ChangeKind::Restore => {
                    expected.insert((key, "entered_in_error".into()), Value::Bool(false));
                }
            }
        }
        for ((key, field), value) in expected {
            let shown = self.docs.get(&key).and_then(|d| d.get(&field));
            prop_assert_eq!(
                shown,
                Some(&value),
                "a pending change to {} was overwritten",
                field
            );
        }
        Ok(())
    }

    fn pull(&mut self, registry: &Registry, now: u64, limit: usize, lose_answer: bool) -> bool {
        let refresh: Vec<Key> = self.refresh.iter().copied().collect();
        let (records, refreshed, cursor, more) = registry.pull(self.cursor, limit, &refresh);
        if lose_answer {
            return true;
        }
        for r in refreshed.iter().chain(&records) {
            self.apply(r, now);
        }
        self.cursor = cursor;
        more
    }
}

#[derive(Clone, Debug)]
enum Step {
    EditPatient {
        replica: usize,
        field: usize,
        value: u8,
    },
    NewDose {
        replica: usize,
    },
    EnteredInError {
        replica: usize,
        pick: usize,
    },
    Restore {
        replica: usize,
        pick: usize,
    },
    Push {
        replica: usize,
        batch: usize,
        lose: bool,
    },
    Pull {
        replica: usize,
        limit: usize,
        lose: bool,
    },
    Wait {
        ms: u64,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let r = 0usize..3;
    prop_oneof![
        3 => (r.clone(), 0usize..3, any::<u8>()).prop_map(|(replica, field, value)| Step::EditPatient { replica, field, value }),
        2 => r.clone().prop_map(|replica| Step::NewDose { replica }),
        1 => (r.clone(), any::<usize>()).prop_map(|(replica, pick)| Step::EnteredInError { replica, pick }),
        1 => (r.clone(), any::<usize>()).prop_map(|(replica, pick)| Step::Restore { replica, pick }),
        3 => (r.clone(), 1usize..5, prop::bool::weighted(0.2)).prop_map(|(replica, batch, lose)| Step::Push { replica, batch, lose }),
        3 => (r, 1usize..4, prop::bool::weighted(0.2)).prop_map(|(replica, limit, lose)| Step::Pull { replica, limit, lose }),
        1 => (0u64..400).prop_map(|ms| Step::Wait { ms }),
    ]
}

const FIELDS: [&str; 3] = ["first_name", "last_name", "phone"];

fn run(steps: &[Step], offsets: &[i64; 3]) -> Result<(), TestCaseError> {
    let mut registry = Registry::default();
    let mut now: u64 = 1_700_000_000_000;
    let patient = Uuid::from_u128(u128::MAX);
    let mut replicas: Vec<Replica> = (0..3u32)
        .map(|i| Replica::new(i + 1, offsets[i as usize]))
        .collect();
    // One patient everyone has: created by replica 0, synced to all.
    replicas[0].write(
        now,
        Entity::Patient,
        patient,
        ChangeKind::Create,
        json!({"first_name": "Ana", "last_name": "García", "birth_date": "2020-01-02", "phone": ""})
            .as_object()
            .cloned()
            .unwrap(),
    );
    replicas[0].push(&mut registry, now, 10, false);
    for r in &mut replicas {
        while r.pull(&registry, now, 10, false) {}
    }
    let mut created_doses: BTreeSet<Uuid> = BTreeSet::new();
    for s in steps {
        now += 7;
        match *s {
            Step::EditPatient {
                replica,
                field,
                value,
            } => {
                let mut f = Fields::new();
                f.insert(FIELDS[field].into(), json!(format!("v{value}")));
                replicas[replica].write(now, Entity::Patient, patient, ChangeKind::Update, f);
            }
            Step::NewDose { replica } => {
                let r = &mut replicas[replica];
                let id = r.fresh_id();
                created_doses.insert(id);
                let f = json!({"patient_id": patient.to_string(), "kind": "administered", "cvx": "08", "date": "2020-02-02"});
                r.write(
                    now,
                    Entity::Dose,
                    id,
                    ChangeKind::Create,
                    f.as_object().cloned().unwrap(),
                );
            }
            Step::EnteredInError { replica, pick } | Step::Restore { replica, pick } => {
                let r = &mut replicas[replica];
                let doses: Vec<Uuid> = r
                    .docs
                    .keys()
                    .filter(|(e, _)| *e == Entity::Dose)
                    .map(|(_, id)| *id)
                    .collect();
                if doses.is_empty() {
                    continue;
                }
                let id = doses[pick % doses.len()];
                let in_error = r.docs[&(Entity::Dose, id)]
                    .get("entered_in_error")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let wants_error = matches!(s, Step::EnteredInError { .. });
                if in_error == wants_error {
                    continue; // marking twice is one change, as the store does
                }
                let (kind, f) = if wants_error {
                    (
                        ChangeKind::EnteredInError,
                        json!({"entered_in_error_reason": "wrong"}),
                    )
                } else {
                    (ChangeKind::Restore, json!({}))
                };
                r.write(now, Entity::Dose, id, kind, f.as_object().cloned().unwrap());
            }
            Step::Push {
                replica,
                batch,
                lose,
            } => {
                replicas[replica].push(&mut registry, now, batch, lose);
            }
            Step::Pull {
                replica,
                limit,
                lose,
            } => {
                replicas[replica].pull(&registry, now, limit, lose);
            }
            Step::Wait { ms } => now += ms,
        }
        for r in &replicas {
            r.shows_own_unanswered_changes()?;
        }
    }
    // Everyone comes online: push everything, then pull until caught up, twice.
    for _ in 0..2 {
        for r in &mut replicas {
            for _ in 0..1000 {
                if r.outbox.iter().all(|(_, s)| *s == Status::Answered) {
                    break;
                }
                r.push(&mut registry, now, 3, false);
            }
        }
        for r in &mut replicas {
            while r.pull(&registry, now, 3, false) {}
        }
    }
    // Nothing lost, nothing doubled: every dose created anywhere is at the registry once.
    let at_registry: BTreeSet<Uuid> = registry
        .docs
        .keys()
        .filter(|(e, _)| *e == Entity::Dose)
        .map(|(_, id)| *id)
        .collect();
    prop_assert_eq!(&at_registry, &created_doses);
    for (i, r) in replicas.iter().enumerate() {
        prop_assert!(
            r.refresh.is_empty(),
            "replica {} still waits for records",
            i
        );
        let expected: BTreeMap<Key, Fields> = registry
            .docs
            .iter()
            .map(|(k, (d, _))| (*k, d.fields.clone()))
            .collect();
        prop_assert_eq!(
            &r.docs,
            &expected,
            "replica {} differs from the registry",
            i
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn every_interleaving_converges(
        steps in prop::collection::vec(step(), 0..60),
        offsets in [-120_000i64..120_000, -120_000i64..120_000, -120_000i64..120_000],
    ) {
        run(&steps, &offsets)?;
    }
}

#[test]
fn a_lost_push_answer_then_a_retry_is_one_dose() {
    let steps = [
        Step::NewDose { replica: 1 },
        Step::Push {
            replica: 1,
            batch: 5,
            lose: true,
        },
        Step::Push {
            replica: 1,
            batch: 5,
            lose: true,
        },
        Step::Pull {
            replica: 1,
            limit: 5,
            lose: false,
        },
        Step::Push {
            replica: 1,
            batch: 5,
            lose: false,
        },
    ];
    run(&steps, &[0, 0, 0]).unwrap();
}
