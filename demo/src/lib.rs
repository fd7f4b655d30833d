//! A deterministic synthetic clinic for demos, benchmarks and manual testing.
//!
//! The same seed always gives the same families: English and Spanish names
//! (two surnames, accents, hyphens), siblings sharing surnames, guardian and
//! address, birth dates spread over 0–18 years, and dose histories that follow
//! the routine childhood schedule in `assets/demo/childhood-schedule.csv`
//! (with the gaps and delays real records have). Nothing here is clinical
//! logic: the forecast never reads this table.

use chrono::{Datelike, Days, NaiveDate};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use salal_core::event::{EventKind, NewEvent};
use salal_core::i18n::Lang;
use salal_core::patient::{PatientDetails, Sex};

const SCHEDULE: &str = include_str!("../../assets/demo/childhood-schedule.csv");

const FIRST_SPANISH_F: &[&str] = &[
    "María",
    "Sofía",
    "Valentina",
    "Camila",
    "Lucía",
    "Ximena",
    "Guadalupe",
    "Renata",
    "Natalia",
    "Daniela",
    "Fernanda",
    "Ana Paula",
    "Itzel",
    "Yareli",
    "Abril",
    "Regina",
    "Julieta",
    "Mía",
    "Paola",
    "Araceli",
];
const FIRST_SPANISH_M: &[&str] = &[
    "José",
    "Juan",
    "Luis",
    "Santiago",
    "Mateo",
    "Diego",
    "Sebastián",
    "Emiliano",
    "Ángel",
    "Jesús",
    "Miguel Ángel",
    "Iker",
    "Leonardo",
    "Joaquín",
    "Óscar",
    "Rubén",
    "Tomás",
    "Adrián",
    "Julián",
    "Andrés",
];
const FIRST_ENGLISH_F: &[&str] = &[
    "Emma", "Olivia", "Ava", "Harper", "Chloe", "Abigail", "Emily", "Madison", "Grace", "Hannah",
    "Zoe", "Lily",
];
const FIRST_ENGLISH_M: &[&str] = &[
    "Liam", "Noah", "Oliver", "Elijah", "James", "William", "Benjamin", "Lucas", "Henry", "Jack",
    "Owen", "Wyatt",
];
const SURNAMES_SPANISH: &[&str] = &[
    "García",
    "Hernández",
    "López",
    "Martínez",
    "González",
    "Pérez",
    "Rodríguez",
    "Sánchez",
    "Ramírez",
    "Cruz",
    "Flores",
    "Gómez",
    "Díaz",
    "Reyes",
    "Morales",
    "Jiménez",
    "Gutiérrez",
    "Ruiz",
    "Álvarez",
    "Núñez",
    "Muñoz",
    "Castañeda",
    "Ibáñez",
    "Peña",
    "Ortiz",
    "Vázquez",
    "Domínguez",
    "Chávez",
    "Mendoza",
    "Rosales",
];
const SURNAMES_ENGLISH: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "Allen",
    "Smith-Jones",
    "O'Brien",
];
const CITIES: &[&str] = &[
    "Yakima",
    "Wenatchee",
    "Pasco",
    "Sunnyside",
    "Othello",
    "Mount Vernon",
    "Moses Lake",
    "Toppenish",
];
const STREETS: &[&str] = &[
    "Main St",
    "Fruitvale Blvd",
    "Orchard Ave",
    "River Rd",
    "Cherry Ln",
    "Valley Mall Blvd",
];
const PROVIDERS: &[&str] = &[
    "RN Ana Pérez",
    "MA Luis Ortega",
    "RN Karen Smith",
    "NP Rosa Jiménez",
];

/// One scheduled dose of the demo schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ScheduledDose {
    cvx: String,
    age_days: u64,
}

fn schedule() -> Vec<ScheduledDose> {
    SCHEDULE
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut parts = line.split(',');
            let cvx = parts.next()?.trim().to_owned();
            let age_days = parts.next()?.trim().parse().ok()?;
            Some(ScheduledDose { cvx, age_days })
        })
        .collect()
}

/// A synthetic patient and their immunization events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPatient {
    /// Demographics.
    pub details: PatientDetails,
    /// Doses, oldest first.
    pub events: Vec<NewEvent>,
}

/// Makes synthetic patients, family by family.
pub struct DemoClinic {
    rng: ChaCha8Rng,
    as_of: NaiveDate,
    schedule: Vec<ScheduledDose>,
    with_doses: bool,
    family: Vec<DemoPatient>,
    /// Patients made so far (numbers the clinic's charts).
    made: u64,
}

fn pick<'a>(rng: &mut ChaCha8Rng, list: &[&'a str]) -> &'a str {
    list.choose(rng).copied().unwrap_or_default()
}

impl DemoClinic {
    /// A generator with this seed; ages and dose dates are computed as of `as_of`.
    #[must_use]
    pub fn new(seed: u64, as_of: NaiveDate) -> DemoClinic {
        DemoClinic {
            rng: ChaCha8Rng::seed_from_u64(seed),
            as_of,
            schedule: schedule(),
            with_doses: true,
            family: Vec::new(),
            made: 0,
        }
    }

    /// Leaves dose histories out (for very large search benchmarks).
    #[must_use]
    pub fn without_doses(mut self) -> DemoClinic {
        self.with_doses = false;
        self
    }

    fn make_family(&mut self) {
        let rng = &mut self.rng;
        let spanish = rng.random_bool(0.65);
        let (last, second_last) = if spanish {
            let a = pick(rng, SURNAMES_SPANISH);
            let mut b = pick(rng, SURNAMES_SPANISH);
            if b == a {
                b = "Cruz";
            }
            (
                a.to_owned(),
                if rng.random_bool(0.8) {
                    b.to_owned()
                } else {
                    String::new()
                },
            )
        } else {
            (pick(rng, SURNAMES_ENGLISH).to_owned(), String::new())
        };
        let guardian_first = if spanish {
            pick(rng, FIRST_SPANISH_F)
        } else {
            pick(rng, FIRST_ENGLISH_F)
        };
        let mother_maiden = if spanish {
            pick(rng, SURNAMES_SPANISH)
        } else {
            pick(rng, SURNAMES_ENGLISH)
        };
        let guardian_name = format!(
            "{guardian_first} {}",
            if spanish {
                second_last.as_str()
            } else {
                last.as_str()
            }
        );
        let address_line = format!("{} {}", rng.random_range(100..9999), pick(rng, STREETS));
        let city = pick(rng, CITIES).to_owned();
        let phone = format!(
            "509-{:03}-{:04}",
            rng.random_range(200..999),
            rng.random_range(0..10_000)
        );
        let children = rng.random_range(1..=4);
        let mut birth = self.as_of - Days::new(rng.random_range(0..18 * 365));
        for _ in 0..children {
            let rng = &mut self.rng;
            let female = rng.random_bool(0.5);
            let first = match (spanish, female) {
                (true, true) => pick(rng, FIRST_SPANISH_F),
                (true, false) => pick(rng, FIRST_SPANISH_M),
                (false, true) => pick(rng, FIRST_ENGLISH_F),
                (false, false) => pick(rng, FIRST_ENGLISH_M),
            };
            let (first_name, middle_name) = match first.split_once(' ') {
                Some((a, b)) => (a.to_owned(), b.to_owned()),
                None => (first.to_owned(), String::new()),
            };
            self.made += 1;
            let details = PatientDetails {
                medical_record_number: format!("{:06}", self.made),
                first_name,
                middle_name,
                last_name: last.clone(),
                second_last_name: second_last.clone(),
                birth_date: Some(birth),
                sex: if female { Sex::Female } else { Sex::Male },
                birth_certificate_number: format!(
                    "{}-WA-{:07}",
                    birth.year(),
                    rng.random_range(0..10_000_000)
                ),
                mother_maiden_name: mother_maiden.to_owned(),
                guardian_name: guardian_name.clone(),
                guardian_relationship: "mother".to_owned(),
                phone: phone.clone(),
                address_line: address_line.clone(),
                city: city.clone(),
                state: "WA".to_owned(),
                postal_code: format!("98{:03}", rng.random_range(900..999)),
                preferred_language: Some(if spanish { Lang::Es } else { Lang::En }),
            };
            let events = if self.with_doses {
                self.dose_history(birth)
            } else {
                Vec::new()
            };
            self.family.push(DemoPatient { details, events });
            // The next sibling is 1 to 4 years older.
            birth = birth
                .checked_sub_days(Days::new(self.rng.random_range(365..4 * 365)))
                .unwrap_or(birth);
        }
    }

    fn dose_history(&mut self, birth: NaiveDate) -> Vec<NewEvent> {
        let mut events = Vec::new();
        let moved_here_age = self.rng.random_range(0..3 * 365);
        for dose in &self.schedule {
            let delay = self.rng.random_range(0..45);
            let Some(date) = birth.checked_add_days(Days::new(dose.age_days + delay)) else {
                continue;
            };
            if date > self.as_of || self.rng.random_bool(0.08) {
                continue;
            }
            let here = dose.age_days >= moved_here_age;
            let event = if here {
                let lot = format!(
                    "{}{:05}",
                    (b'A' + self.rng.random_range(0..26u8)) as char,
                    self.rng.random_range(0..100_000)
                );
                NewEvent {
                    kind: EventKind::Administered,
                    cvx: dose.cvx.clone(),
                    date: Some(date),
                    lot_number: lot,
                    lot_expiration: date
                        .checked_add_days(Days::new(self.rng.random_range(60..700))),
                    amount_ml: "0.5".to_owned(),
                    route: if dose.cvx == "116" {
                        "C38288".to_owned()
                    } else {
                        "C28161".to_owned()
                    },
                    site: if dose.cvx == "116" {
                        "MO".to_owned()
                    } else {
                        pick(&mut self.rng, &["LT", "RT", "LD", "RD"]).to_owned()
                    },
                    vfc_eligibility: pick(&mut self.rng, &["V02", "V03", "V04", "V01"]).to_owned(),
                    funding_source: "VXC50".to_owned(),
                    administering_provider: pick(&mut self.rng, PROVIDERS).to_owned(),
                    ..NewEvent::default()
                }
            } else {
                NewEvent {
                    kind: EventKind::Historical,
                    cvx: dose.cvx.clone(),
                    date: Some(date),
                    information_source: "01".to_owned(),
                    ..NewEvent::default()
                }
            };
            events.push(event);
        }
        events
    }
}

impl Iterator for DemoClinic {
    type Item = DemoPatient;

    fn next(&mut self) -> Option<DemoPatient> {
        if self.family.is_empty() {
            self.make_family();
            self.family.reverse();
        }
        self.family.pop()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use salal_core::codes::CodeSets;

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
    }

    #[test]
    fn same_seed_same_clinic() {
        let a: Vec<_> = DemoClinic::new(7, as_of()).take(50).collect();
        let b: Vec<_> = DemoClinic::new(7, as_of()).take(50).collect();
        let c: Vec<_> = DemoClinic::new(8, as_of()).take(50).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn demo_records_pass_validation_and_have_accents_and_two_surnames() {
        let codes = CodeSets::embedded().unwrap();
        let patients: Vec<_> = DemoClinic::new(1, as_of()).take(300).collect();
        assert!(
            patients
                .iter()
                .any(|p| !p.details.second_last_name.is_empty())
        );
        assert!(patients.iter().any(|p| {
            p.details
                .last_name
                .chars()
                .any(|c| "áéíóúñÁÉÍÓÚÑ".contains(c))
        }));
        assert!(patients.iter().any(|p| p.details.last_name.contains('-')));
        let mut n_events = 0;
        for p in &patients {
            assert!(p.details.validate(as_of()).is_empty(), "{:?}", p.details);
            let birth = p.details.birth_date.unwrap();
            for e in &p.events {
                assert_eq!(e.validate(birth, as_of(), codes), vec![], "{e:?}");
                n_events += 1;
            }
        }
        assert!(n_events > 1000, "realistic histories: {n_events}");
    }
}
