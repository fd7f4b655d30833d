//! A labelled corpus of record pairs, to measure and test the matcher.
//!
//! [`generate`] is deterministic for a seed (`StdRng::seed_from_u64`). It makes families of
//! synthetic people (60% Spanish naming: two surnames, the second being the mother's first;
//! 40% English naming: one surname, 10% of them with a second one),
//! born between 2005-01-01 and 2026-11-30, with a mother (first name and maiden name), an
//! address, a postal code and a phone, and 60% with a birth-certificate number. Each pair is a
//! *registry* record (registry id; birth certificate 80% of the times the person has one; a
//! medical record number of one of 20 organizations) and an *incoming* record (a registry id
//! 5% of the time: the same for true matches, the other person's own for non-matches; birth
//! certificate 50% of the times the person has one; the registry record's MRN 10% of the time
//! for true matches, otherwise an MRN of a random organization). Twins carry their birth order
//! on each record 80% of the time; other children have none. Phones are written in four
//! punctuations. Middle names: 20% of Spanish-named children, 60% of English-named ones.
//!
//! # Proportions
//!
//! | pairs | share | what |
//! |---|---|---|
//! | true matches | 50% | the same person, the incoming record corrupted (below) |
//! | twins | 12% | same family, same birth date, different first name and birth order |
//! | siblings | 12% | same family (mother, address, phone, surnames), birth dates 300–1,500 days apart |
//! | same-name strangers | 14% | a common first name and both surnames shared; another mother (a clearly different first name; a different maiden name, except for the surname Spanish naming makes them share), address and phone; the birth date differs 60% of the time, the same 40% |
//! | random | 12% | two people of different families |
//!
//! First names within a family are always clearly different (never equal, nicknames, a typing
//! error apart, or contained in each other). The incoming record of a non-matching pair gets
//! missing fields 15% of the time and a typing error 10% of the time, like a true match.
//!
//! # Corruptions of true matches
//!
//! Each true match gets one corruption, in these shares, and a second different one 25% of
//! the time (never two of the surname kinds, nor two of the date kinds):
//!
//! | corruption | share | what changes in the incoming record |
//! |---|---|---|
//! | typo | 15% | 1 character edit (insert, delete, substitute, swap neighbours; 2 edits half the time when the name has 8+ letters) in the first name (35%), a surname (35%), the mother's maiden name (10%), her first name (10%) or the address (10%) |
//! | swapped surnames | 10% | "García López" → "López García" (people with two surnames) |
//! | dropped second surname | 10% | "García López" → "García" |
//! | hyphenated surnames | 8% | "García López" → "García-López" in the last name |
//! | nickname | 10% | the first word of the first name → one of its nicknames ("Francisco" → "Paco") |
//! | day/month swapped | 7% | 2019-03-07 → 2019-07-03 (days 1–12) |
//! | one-digit date error | 10% | one digit of the year's last two, the month or the day changed (a valid date) |
//! | moved family | 12% | new address and postal code; new phone 35% of the time (most families keep their mobile number) |
//! | missing fields | 12% | 2–3 of: middle name, mother's maiden name, mother's first name, address and postal code, phone, sex, birth order, birth certificate |
//! | none | 6% | an exact resubmission |

use crate::compare::{Level, given_names};
use crate::nicknames::Nicknames;
use crate::record::{MatchRecord, MedicalRecordNumber};
use chrono::{Datelike, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use salal_core::search::name_tokens;
use serde::{Deserialize, Serialize};

/// What a pair is, the label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairKind {
    /// The same person.
    Match,
    /// Twins: same birth date and mother.
    Twins,
    /// Siblings: same mother, different birth dates.
    Siblings,
    /// Strangers with the same common name.
    SameName,
    /// Two random people.
    Random,
}

impl PairKind {
    /// Every kind, in report order.
    pub const ALL: [PairKind; 5] = [
        PairKind::Match,
        PairKind::Twins,
        PairKind::Siblings,
        PairKind::SameName,
        PairKind::Random,
    ];

    /// A short name for reports.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            PairKind::Match => "true match",
            PairKind::Twins => "twins",
            PairKind::Siblings => "siblings",
            PairKind::SameName => "same-name strangers",
            PairKind::Random => "random",
        }
    }
}

/// What was done to the incoming record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Corruption {
    /// Nothing: an exact resubmission.
    None,
    /// One or two character edits in a name or the address.
    Typo,
    /// The two surnames in the other order.
    SwappedSurnames,
    /// The second surname left out.
    DroppedSecondSurname,
    /// The two surnames hyphenated into the last name.
    HyphenatedSurnames,
    /// A nickname for the first name.
    Nickname,
    /// Day and month of the birth date swapped.
    DayMonthSwapped,
    /// One digit of the birth date wrong.
    OneDigitDate,
    /// A new address, postal code and (usually) phone.
    MovedFamily,
    /// Some optional fields left empty.
    MissingFields,
}

impl Corruption {
    /// Every corruption, in report order.
    pub const ALL: [Corruption; 10] = [
        Corruption::None,
        Corruption::Typo,
        Corruption::SwappedSurnames,
        Corruption::DroppedSecondSurname,
        Corruption::HyphenatedSurnames,
        Corruption::Nickname,
        Corruption::DayMonthSwapped,
        Corruption::OneDigitDate,
        Corruption::MovedFamily,
        Corruption::MissingFields,
    ];

    /// A short name for reports.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Corruption::None => "none",
            Corruption::Typo => "typo",
            Corruption::SwappedSurnames => "swapped surnames",
            Corruption::DroppedSecondSurname => "dropped second surname",
            Corruption::HyphenatedSurnames => "hyphenated surnames",
            Corruption::Nickname => "nickname",
            Corruption::DayMonthSwapped => "day/month swapped",
            Corruption::OneDigitDate => "one-digit date",
            Corruption::MovedFamily => "moved family",
            Corruption::MissingFields => "missing fields",
        }
    }

    fn group(self) -> u8 {
        match self {
            Corruption::SwappedSurnames
            | Corruption::DroppedSecondSurname
            | Corruption::HyphenatedSurnames => 1,
            Corruption::DayMonthSwapped | Corruption::OneDigitDate => 2,
            _ => 0,
        }
    }
}

/// Shares of the pair kinds, in percent.
pub const KIND_SHARES: [(PairKind, u32); 5] = [
    (PairKind::Match, 50),
    (PairKind::Twins, 12),
    (PairKind::Siblings, 12),
    (PairKind::SameName, 14),
    (PairKind::Random, 12),
];

/// Shares of the first corruption of a true match, in percent.
pub const CORRUPTION_SHARES: [(Corruption, u32); 10] = [
    (Corruption::Typo, 15),
    (Corruption::SwappedSurnames, 10),
    (Corruption::DroppedSecondSurname, 10),
    (Corruption::HyphenatedSurnames, 8),
    (Corruption::Nickname, 10),
    (Corruption::DayMonthSwapped, 7),
    (Corruption::OneDigitDate, 10),
    (Corruption::MovedFamily, 12),
    (Corruption::MissingFields, 12),
    (Corruption::None, 6),
];

/// Chance that a moved family also has a new phone (most keep their mobile number).
pub const MOVED_NEW_PHONE: f64 = 0.35;

/// Chance that a true match gets a second corruption.
pub const SECOND_CORRUPTION: f64 = 0.25;

/// A labelled pair: a registry record and an incoming record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelledPair {
    /// The registry's copy.
    pub a: MatchRecord,
    /// The incoming record.
    pub b: MatchRecord,
    /// What the pair really is.
    pub kind: PairKind,
    /// What was done to the incoming record.
    pub corruptions: Vec<Corruption>,
}

impl LabelledPair {
    /// Whether the two records are the same person.
    #[must_use]
    pub fn is_match(&self) -> bool {
        self.kind == PairKind::Match
    }
}

const ES_MALE: [&str; 42] = [
    "José",
    "Juan",
    "Luis",
    "Carlos",
    "Miguel",
    "Francisco",
    "Jesús",
    "Alejandro",
    "Antonio",
    "Manuel",
    "Jorge",
    "Ricardo",
    "Eduardo",
    "Fernando",
    "Roberto",
    "Javier",
    "Ignacio",
    "Rafael",
    "Santiago",
    "Sebastián",
    "Diego",
    "Mateo",
    "Andrés",
    "Gabriel",
    "Daniel",
    "Emiliano",
    "Guillermo",
    "Rodrigo",
    "Enrique",
    "Pedro",
    "Ramón",
    "Salvador",
    "Héctor",
    "Óscar",
    "Arturo",
    "Joaquín",
    "Tomás",
    "Julián",
    "Leonardo",
    "Adrián",
    "José Luis",
    "Juan Carlos",
];
const ES_FEMALE: [&str; 42] = [
    "María",
    "Guadalupe",
    "Margarita",
    "Ana",
    "Sofía",
    "Valentina",
    "Camila",
    "Ximena",
    "Isabel",
    "Daniela",
    "Gabriela",
    "Fernanda",
    "Lucía",
    "Elena",
    "Carmen",
    "Rosa",
    "Teresa",
    "Patricia",
    "Beatriz",
    "Dolores",
    "Rosario",
    "Josefina",
    "Mercedes",
    "Graciela",
    "Alicia",
    "Verónica",
    "Adriana",
    "Natalia",
    "Paula",
    "Regina",
    "Renata",
    "Andrea",
    "Mariana",
    "Victoria",
    "Luz",
    "Esperanza",
    "Consuelo",
    "Juana",
    "Concepción",
    "Cristina",
    "María José",
    "Ana Sofía",
];
const EN_MALE: [&str; 40] = [
    "William",
    "James",
    "Robert",
    "John",
    "Michael",
    "Thomas",
    "Richard",
    "Charles",
    "Christopher",
    "Daniel",
    "Matthew",
    "Anthony",
    "Andrew",
    "Joseph",
    "Benjamin",
    "Samuel",
    "Alexander",
    "Nicholas",
    "Jonathan",
    "Joshua",
    "Edward",
    "Jacob",
    "Nathan",
    "Timothy",
    "Steven",
    "Gregory",
    "Patrick",
    "Theodore",
    "Henry",
    "Ethan",
    "Noah",
    "Mason",
    "Logan",
    "Lucas",
    "Owen",
    "Caleb",
    "Dylan",
    "Ryan",
    "Tyler",
    "Wyatt",
];
const EN_FEMALE: [&str; 40] = [
    "Elizabeth",
    "Margaret",
    "Katherine",
    "Jennifer",
    "Jessica",
    "Rebecca",
    "Susan",
    "Patricia",
    "Abigail",
    "Victoria",
    "Samantha",
    "Alexandra",
    "Kimberly",
    "Christina",
    "Olivia",
    "Isabella",
    "Madeline",
    "Gabriella",
    "Emma",
    "Ava",
    "Sophia",
    "Mia",
    "Charlotte",
    "Amelia",
    "Harper",
    "Evelyn",
    "Emily",
    "Grace",
    "Chloe",
    "Hannah",
    "Lily",
    "Zoe",
    "Natalie",
    "Sarah",
    "Rachel",
    "Megan",
    "Lauren",
    "Ashley",
    "Brianna",
    "Dorothy",
];
const ES_SURNAMES: [&str; 50] = [
    "García",
    "Rodríguez",
    "Martínez",
    "Hernández",
    "López",
    "González",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Torres",
    "Flores",
    "Rivera",
    "Gómez",
    "Díaz",
    "Cruz",
    "Morales",
    "Reyes",
    "Gutiérrez",
    "Ortiz",
    "Chávez",
    "Ruiz",
    "Jiménez",
    "Mendoza",
    "Álvarez",
    "Castillo",
    "Vásquez",
    "Romero",
    "Herrera",
    "Medina",
    "Aguilar",
    "Vargas",
    "Castro",
    "Guzmán",
    "Fernández",
    "Muñoz",
    "Salazar",
    "Delgado",
    "Ramos",
    "Núñez",
    "Ibarra",
    "Soto",
    "Contreras",
    "Rojas",
    "Navarro",
    "Domínguez",
    "Cervantes",
    "Espinoza",
    "Valdez",
    "Orozco",
    "De la Cruz",
];
const EN_SURNAMES: [&str; 50] = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris",
    "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Green",
    "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips",
    "Evans", "Turner", "Parker", "Collins", "Edwards", "Stewart", "Morris", "Murphy", "Cook",
    "Rogers", "Morgan", "Peterson", "Cooper",
];
const STREETS: [&str; 24] = [
    "Oak",
    "Pine",
    "Maple",
    "Cedar",
    "Elm",
    "Birch",
    "Willow",
    "Chestnut",
    "Walnut",
    "Spruce",
    "Main",
    "Orchard",
    "River",
    "Valley",
    "Hillcrest",
    "Sunset",
    "Franklin",
    "Lincoln",
    "Jefferson",
    "Washington",
    "Yakima",
    "Wenatchee",
    "Columbia",
    "Cascade",
];
const STREET_KINDS: [&str; 6] = ["St", "Ave", "Rd", "Dr", "Ln", "Blvd"];
const AREA_CODES: [&str; 5] = ["509", "206", "253", "360", "425"];

/// How many names at the head of each list count as "common" for same-name strangers.
const COMMON: usize = 8;

#[derive(Debug, Clone)]
struct Family {
    spanish: bool,
    last: String,
    second_last: String,
    mother_first: String,
    mother_maiden: String,
    address: String,
    postal: String,
    phone_digits: String,
}

#[derive(Debug, Clone)]
struct Person {
    family: Family,
    first: String,
    middle: String,
    birth_date: NaiveDate,
    sex: &'static str,
    birth_order: Option<u8>,
    birth_certificate: String,
    registry_id: String,
}

struct Generator<'a> {
    rng: StdRng,
    nicknames: &'a Nicknames,
    serial: u64,
}

fn pick<'s>(rng: &mut StdRng, list: &'s [&'s str]) -> &'s str {
    list.choose(rng).copied().unwrap_or_default()
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

impl Generator<'_> {
    fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    fn date_between(&mut self, first: NaiveDate, last: NaiveDate) -> NaiveDate {
        let span = (last - first).num_days().max(0);
        let offset = self.rng.random_range(0..=span);
        first + chrono::Duration::days(offset)
    }

    fn birth_date(&mut self) -> NaiveDate {
        let first = NaiveDate::from_ymd_opt(2005, 1, 1).unwrap_or_default();
        let last = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default();
        self.date_between(first, last)
    }

    fn address(&mut self) -> (String, String) {
        let number = self.rng.random_range(10..9999);
        let street = pick(&mut self.rng, &STREETS);
        let kind = pick(&mut self.rng, &STREET_KINDS);
        let mut address = format!("{number} {street} {kind}");
        if self.rng.random_bool(0.2) {
            address.push_str(&format!(" Apt {}", self.rng.random_range(1..40)));
        }
        let postal = format!("98{:03}", self.rng.random_range(0..1000));
        (address, postal)
    }

    fn phone_digits(&mut self) -> String {
        let area = pick(&mut self.rng, &AREA_CODES);
        format!(
            "{area}{:03}{:04}",
            self.rng.random_range(200..1000),
            self.rng.random_range(0..10_000)
        )
    }

    fn written_phone(&mut self, digits: &str) -> String {
        let (area, rest) = digits.split_at(3.min(digits.len()));
        let (exchange, line) = rest.split_at(3.min(rest.len()));
        match self.rng.random_range(0..4) {
            0 => format!("({area}) {exchange}-{line}"),
            1 => format!("{area}-{exchange}-{line}"),
            2 => digits.to_owned(),
            _ => format!("+1 {area} {exchange} {line}"),
        }
    }

    fn family(&mut self, spanish: bool) -> Family {
        let (address, postal) = self.address();
        let phone_digits = self.phone_digits();
        let mother_first =
            pick(&mut self.rng, if spanish { &ES_FEMALE } else { &EN_FEMALE }).to_owned();
        if spanish {
            let father = pick(&mut self.rng, &ES_SURNAMES).to_owned();
            let mut mother1 = pick(&mut self.rng, &ES_SURNAMES).to_owned();
            while mother1 == father {
                mother1 = pick(&mut self.rng, &ES_SURNAMES).to_owned();
            }
            let mother2 = pick(&mut self.rng, &ES_SURNAMES);
            let mother_maiden = if self.rng.random_bool(0.5) {
                mother1.clone()
            } else {
                format!("{mother1} {mother2}")
            };
            Family {
                spanish,
                last: father,
                second_last: mother1,
                mother_first,
                mother_maiden,
                address,
                postal,
                phone_digits,
            }
        } else {
            let last = pick(&mut self.rng, &EN_SURNAMES).to_owned();
            let second_last = if self.rng.random_bool(0.1) {
                pick(&mut self.rng, &EN_SURNAMES).to_owned()
            } else {
                String::new()
            };
            let mother_maiden = pick(&mut self.rng, &EN_SURNAMES).to_owned();
            let second_last = if second_last == last {
                String::new()
            } else {
                second_last
            };
            Family {
                spanish,
                last,
                second_last,
                mother_first,
                mother_maiden,
                address,
                postal,
                phone_digits,
            }
        }
    }

    fn new_family(&mut self) -> Family {
        let spanish = self.rng.random_bool(0.6);
        self.family(spanish)
    }

    fn names_clearly_differ(&self, a: &str, b: &str) -> bool {
        given_names(&name_tokens(a), &name_tokens(b), self.nicknames) == Level::Disagree
    }

    /// A child of `family`, with a first name clearly different from `siblings`' names.
    fn child(&mut self, family: &Family, birth_date: NaiveDate, siblings: &[&str]) -> Person {
        let sex = if self.rng.random_bool(0.5) { "F" } else { "M" };
        let list: &[&str] = match (family.spanish, sex) {
            (true, "F") => &ES_FEMALE,
            (true, _) => &ES_MALE,
            (false, "F") => &EN_FEMALE,
            (false, _) => &EN_MALE,
        };
        let mut first = pick(&mut self.rng, list);
        for _ in 0..100 {
            if siblings.iter().all(|s| self.names_clearly_differ(s, first)) {
                break;
            }
            first = pick(&mut self.rng, list);
        }
        let middle_share = if family.spanish { 0.2 } else { 0.6 };
        let middle = if self.rng.random_bool(middle_share) {
            let mut middle = pick(&mut self.rng, list);
            for _ in 0..20 {
                if self.names_clearly_differ(first, middle) {
                    break;
                }
                middle = pick(&mut self.rng, list);
            }
            middle.to_owned()
        } else {
            String::new()
        };
        self.person(family.clone(), first.to_owned(), middle, birth_date, sex)
    }

    fn person(
        &mut self,
        family: Family,
        first: String,
        middle: String,
        birth_date: NaiveDate,
        sex: &'static str,
    ) -> Person {
        let serial = self.next_serial();
        let birth_certificate = if self.rng.random_bool(0.6) {
            format!("{}-{:06}", birth_date.year(), serial)
        } else {
            String::new()
        };
        Person {
            family,
            first,
            middle,
            birth_date,
            sex,
            birth_order: None,
            birth_certificate,
            registry_id: format!("R{serial:07}"),
        }
    }

    fn any_person(&mut self) -> Person {
        let family = self.new_family();
        let date = self.birth_date();
        self.child(&family, date, &[])
    }

    /// The record as the registry holds it, or as an incoming report (`incoming`) whose
    /// identifiers come with the given chances.
    fn record(&mut self, p: &Person, incoming: bool) -> MatchRecord {
        let birth_certificate = if self.rng.random_bool(if incoming { 0.5 } else { 0.8 }) {
            p.birth_certificate.clone()
        } else {
            String::new()
        };
        let org = format!("org-{:02}", self.rng.random_range(1..=20));
        let mrn = format!("{:07}", self.rng.random_range(0..10_000_000));
        let phone = self.written_phone(&p.family.phone_digits);
        let birth_order = p.birth_order.filter(|_| self.rng.random_bool(0.8));
        MatchRecord {
            registry_id: (!incoming).then(|| p.registry_id.clone()),
            birth_certificate,
            medical_records: vec![MedicalRecordNumber::new(org, mrn)],
            first_name: p.first.clone(),
            middle_name: p.middle.clone(),
            last_name: p.family.last.clone(),
            second_last_name: p.family.second_last.clone(),
            birth_date: Some(p.birth_date),
            sex: p.sex.to_owned(),
            mother_maiden_name: p.family.mother_maiden.clone(),
            mother_first_name: p.family.mother_first.clone(),
            multiple_birth_order: birth_order,
            address: p.family.address.clone(),
            postal_code: p.family.postal.clone(),
            phone,
        }
    }

    fn edited(&mut self, text: &str) -> String {
        let letters = text.chars().filter(|c| c.is_alphabetic()).count();
        let edits = if letters >= 8 && self.rng.random_bool(0.5) {
            2
        } else {
            1
        };
        for _ in 0..50 {
            let mut chars: Vec<char> = text.chars().collect();
            for _ in 0..edits {
                self.edit(&mut chars);
            }
            let result: String = chars.into_iter().collect();
            let (before, after) = (name_tokens(text).concat(), name_tokens(&result).concat());
            if before != after && after.chars().count() >= 2 {
                return result;
            }
        }
        text.to_owned()
    }

    fn edit(&mut self, chars: &mut Vec<char>) {
        let positions: Vec<usize> = (0..chars.len())
            .filter(|&i| chars[i].is_alphabetic())
            .collect();
        let Some(&at) = positions.choose(&mut self.rng) else {
            return;
        };
        let letter = char::from(b'a' + self.rng.random_range(0..26u8));
        match self.rng.random_range(0..4) {
            0 => chars[at] = letter,
            1 => chars.insert(at + usize::from(self.rng.random_bool(0.5)), letter),
            2 if positions.len() > 2 => {
                chars.remove(at);
            }
            _ => {
                if at + 1 < chars.len() && chars[at + 1].is_alphabetic() {
                    chars.swap(at, at + 1);
                } else {
                    chars[at] = letter;
                }
            }
        }
    }

    fn applicable(&self, c: Corruption, p: &Person) -> bool {
        match c {
            Corruption::SwappedSurnames
            | Corruption::DroppedSecondSurname
            | Corruption::HyphenatedSurnames => !p.family.second_last.is_empty(),
            Corruption::Nickname => name_tokens(&p.first)
                .first()
                .is_some_and(|w| self.nicknames.of(w).next().is_some()),
            Corruption::DayMonthSwapped => {
                p.birth_date.day() <= 12 && p.birth_date.day() != p.birth_date.month()
            }
            _ => true,
        }
    }

    fn corrupt(&mut self, c: Corruption, r: &mut MatchRecord) {
        match c {
            Corruption::None => {}
            Corruption::Typo => self.typo(r),
            Corruption::SwappedSurnames => {
                std::mem::swap(&mut r.last_name, &mut r.second_last_name);
            }
            Corruption::DroppedSecondSurname => r.second_last_name.clear(),
            Corruption::HyphenatedSurnames => {
                r.last_name = format!("{}-{}", r.last_name, r.second_last_name);
                r.second_last_name.clear();
            }
            Corruption::Nickname => {
                let mut words: Vec<String> = r.first_name.split(' ').map(str::to_owned).collect();
                if let Some(first) = words.first_mut() {
                    let options: Vec<&str> = self.nicknames.of(first).collect();
                    if let Some(nick) = options.choose(&mut self.rng) {
                        *first = capitalised(nick);
                    }
                }
                r.first_name = words.join(" ");
            }
            Corruption::DayMonthSwapped => {
                r.birth_date = r
                    .birth_date
                    .and_then(|d| NaiveDate::from_ymd_opt(d.year(), d.day(), d.month()));
            }
            Corruption::OneDigitDate => {
                if let Some(d) = r.birth_date {
                    r.birth_date = Some(self.one_digit_off(d));
                }
            }
            Corruption::MovedFamily => {
                let (address, postal) = self.address();
                r.address = address;
                r.postal_code = postal;
                if self.rng.random_bool(MOVED_NEW_PHONE) {
                    let digits = self.phone_digits();
                    r.phone = self.written_phone(&digits);
                }
            }
            Corruption::MissingFields => self.drop_fields(r),
        }
    }

    fn typo(&mut self, r: &mut MatchRecord) {
        let roll = self.rng.random_range(0..100);
        let field = if roll < 35 {
            &mut r.first_name
        } else if roll < 70 {
            if !r.second_last_name.is_empty() && self.rng.random_bool(0.5) {
                &mut r.second_last_name
            } else {
                &mut r.last_name
            }
        } else if roll < 80 && !r.mother_maiden_name.is_empty() {
            &mut r.mother_maiden_name
        } else if roll < 90 && !r.mother_first_name.is_empty() {
            &mut r.mother_first_name
        } else if !r.address.is_empty() {
            &mut r.address
        } else {
            &mut r.first_name
        };
        let text = field.clone();
        *field = self.edited(&text);
    }

    fn one_digit_off(&mut self, date: NaiveDate) -> NaiveDate {
        let text = date.format("%Y%m%d").to_string();
        for _ in 0..200 {
            // Not the first two digits of the year ("20").
            let at = self.rng.random_range(2..8);
            let digit = char::from(b'0' + self.rng.random_range(0..10u8));
            let changed: String = text
                .chars()
                .enumerate()
                .map(|(i, c)| if i == at { digit } else { c })
                .collect();
            if let Ok(d) = NaiveDate::parse_from_str(&changed, "%Y%m%d")
                && d != date
                && d.year() >= 2000
                && d.year() <= 2026
            {
                return d;
            }
        }
        date
    }

    fn drop_fields(&mut self, r: &mut MatchRecord) {
        let mut fields: Vec<u8> = (0..8).collect();
        fields.shuffle(&mut self.rng);
        let count = self.rng.random_range(2..=3);
        for field in fields.into_iter().take(count) {
            match field {
                0 => r.middle_name.clear(),
                1 => r.mother_maiden_name.clear(),
                2 => r.mother_first_name.clear(),
                3 => {
                    r.address.clear();
                    r.postal_code.clear();
                }
                4 => r.phone.clear(),
                5 => r.sex.clear(),
                6 => r.multiple_birth_order = None,
                _ => r.birth_certificate.clear(),
            }
        }
    }

    fn draw_corruption(&mut self) -> Corruption {
        let total: u32 = CORRUPTION_SHARES.iter().map(|(_, s)| s).sum();
        let mut roll = self.rng.random_range(0..total.max(1));
        for (c, share) in CORRUPTION_SHARES {
            if roll < share {
                return c;
            }
            roll -= share;
        }
        Corruption::None
    }

    fn true_match(&mut self) -> LabelledPair {
        let first = self.draw_corruption();
        let mut person = self.any_person();
        for _ in 0..200 {
            if self.applicable(first, &person) {
                break;
            }
            person = self.any_person();
        }
        let mut corruptions = vec![first];
        if self.applicable(first, &person) && self.rng.random_bool(SECOND_CORRUPTION) {
            for _ in 0..20 {
                let second = self.draw_corruption();
                if second != first
                    && second != Corruption::None
                    && (second.group() == 0 || second.group() != first.group())
                    && self.applicable(second, &person)
                {
                    corruptions.push(second);
                    break;
                }
            }
        }
        corruptions.retain(|c| self.applicable(*c, &person));
        if corruptions.is_empty() {
            corruptions.push(Corruption::None);
        }
        let a = self.record(&person, false);
        let mut b = self.record(&person, true);
        if self.rng.random_bool(0.05) {
            b.registry_id = a.registry_id.clone();
        }
        if self.rng.random_bool(0.1) {
            b.medical_records.clone_from(&a.medical_records);
        }
        for c in &corruptions {
            self.corrupt(*c, &mut b);
        }
        LabelledPair {
            a,
            b,
            kind: PairKind::Match,
            corruptions,
        }
    }

    fn non_match(&mut self, kind: PairKind, one: &Person, other: &Person) -> LabelledPair {
        let a = self.record(one, false);
        let mut b = self.record(other, true);
        if self.rng.random_bool(0.05) {
            b.registry_id = Some(other.registry_id.clone());
        }
        let mut corruptions = Vec::new();
        if self.rng.random_bool(0.15) {
            corruptions.push(Corruption::MissingFields);
        }
        if self.rng.random_bool(0.1) {
            corruptions.push(Corruption::Typo);
        }
        for c in &corruptions {
            self.corrupt(*c, &mut b);
        }
        LabelledPair {
            a,
            b,
            kind,
            corruptions,
        }
    }

    fn twins(&mut self) -> LabelledPair {
        let family = self.new_family();
        let date = self.birth_date();
        let mut one = self.child(&family, date, &[]);
        let first = one.first.clone();
        let mut two = self.child(&family, date, &[&first]);
        let (first_order, second_order) = if self.rng.random_bool(0.5) {
            (1, 2)
        } else {
            (2, 1)
        };
        one.birth_order = Some(first_order);
        two.birth_order = Some(second_order);
        self.non_match(PairKind::Twins, &one, &two)
    }

    fn siblings(&mut self) -> LabelledPair {
        let family = self.new_family();
        let date = self.birth_date();
        let one = self.child(&family, date, &[]);
        let earliest = NaiveDate::from_ymd_opt(2005, 1, 1).unwrap_or_default();
        let latest = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default();
        let mut other_date = date;
        for _ in 0..100 {
            let gap = self.rng.random_range(300..=1500);
            let signed = if self.rng.random_bool(0.5) { gap } else { -gap };
            let candidate = date + chrono::Duration::days(signed);
            if candidate >= earliest && candidate <= latest {
                other_date = candidate;
                break;
            }
        }
        let two = self.child(&family, other_date, &[&one.first]);
        self.non_match(PairKind::Siblings, &one, &two)
    }

    fn same_name(&mut self) -> LabelledPair {
        let spanish = self.rng.random_bool(0.6);
        let mut family = self.family(spanish);
        let sex = if self.rng.random_bool(0.5) { "F" } else { "M" };
        let (firsts, surnames): (&[&str], &[&str]) = match (spanish, sex) {
            (true, "F") => (&ES_FEMALE, &ES_SURNAMES),
            (true, _) => (&ES_MALE, &ES_SURNAMES),
            (false, "F") => (&EN_FEMALE, &EN_SURNAMES),
            (false, _) => (&EN_MALE, &EN_SURNAMES),
        };
        let first = pick(&mut self.rng, &firsts[..COMMON.min(firsts.len())]).to_owned();
        family.last = pick(&mut self.rng, &surnames[..COMMON.min(surnames.len())]).to_owned();
        if spanish {
            let mut second = pick(&mut self.rng, &surnames[..COMMON.min(surnames.len())]);
            while second == family.last {
                second = pick(&mut self.rng, surnames);
            }
            family.second_last = second.to_owned();
            family.mother_maiden = second.to_owned();
        }
        let date = self.birth_date();
        let one = self.person(family.clone(), first.clone(), String::new(), date, sex);
        // The stranger: another family with the same surnames and another mother (a clearly
        // different first name, and a different maiden name as far as the naming allows).
        let mut theirs = self.family(spanish);
        for _ in 0..100 {
            if self.names_clearly_differ(&theirs.mother_first, &family.mother_first) {
                break;
            }
            theirs.mother_first =
                pick(&mut self.rng, if spanish { &ES_FEMALE } else { &EN_FEMALE }).to_owned();
        }
        theirs.last.clone_from(&family.last);
        theirs.second_last.clone_from(&family.second_last);
        if spanish {
            let mut other = pick(&mut self.rng, surnames);
            while other == family.second_last || family.mother_maiden.ends_with(other) {
                other = pick(&mut self.rng, surnames);
            }
            theirs.mother_maiden = if self.rng.random_bool(0.5) {
                family.second_last.clone()
            } else {
                format!("{} {other}", family.second_last)
            };
        } else {
            while theirs.mother_maiden == family.mother_maiden {
                theirs.mother_maiden = pick(&mut self.rng, surnames).to_owned();
            }
        }
        let their_date = if self.rng.random_bool(0.4) {
            date
        } else {
            let mut d = self.birth_date();
            while d == date {
                d = self.birth_date();
            }
            d
        };
        let mut one = one;
        if !spanish && self.rng.random_bool(0.6) {
            one.middle = pick(&mut self.rng, firsts).to_owned();
        }
        let mut two = self.person(theirs, first, String::new(), their_date, sex);
        if !spanish && self.rng.random_bool(0.6) {
            two.middle = pick(&mut self.rng, firsts).to_owned();
        }
        self.non_match(PairKind::SameName, &one, &two)
    }

    fn random(&mut self) -> LabelledPair {
        let one = self.any_person();
        let two = self.any_person();
        self.non_match(PairKind::Random, &one, &two)
    }
}

/// How many pairs of each kind `generate(pairs, …)` makes (the shares of [`KIND_SHARES`],
/// rounding left-overs into random pairs).
#[must_use]
pub fn kind_counts(pairs: usize) -> Vec<(PairKind, usize)> {
    let total: u32 = KIND_SHARES.iter().map(|(_, s)| s).sum();
    let total = usize::try_from(total).unwrap_or(100).max(1);
    let mut counts: Vec<(PairKind, usize)> = KIND_SHARES
        .iter()
        .map(|(k, s)| (*k, pairs * usize::try_from(*s).unwrap_or(0) / total))
        .collect();
    let made: usize = counts.iter().map(|(_, n)| n).sum();
    if let Some(last) = counts.last_mut() {
        last.1 += pairs.saturating_sub(made);
    }
    counts
}

/// `pairs` labelled pairs in the documented proportions, shuffled, the same for the same seed.
#[must_use]
pub fn generate(nicknames: &Nicknames, pairs: usize, seed: u64) -> Vec<LabelledPair> {
    let mut generator = Generator {
        rng: StdRng::seed_from_u64(seed),
        nicknames,
        serial: 0,
    };
    let mut corpus = Vec::with_capacity(pairs);
    for (kind, count) in kind_counts(pairs) {
        for _ in 0..count {
            corpus.push(match kind {
                PairKind::Match => generator.true_match(),
                PairKind::Twins => generator.twins(),
                PairKind::Siblings => generator.siblings(),
                PairKind::SameName => generator.same_name(),
                PairKind::Random => generator.random(),
            });
        }
    }
    corpus.shuffle(&mut generator.rng);
    corpus
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_is_deterministic_and_in_proportion() {
        let nicknames = Nicknames::embedded().expect("nicknames");
        let one = generate(&nicknames, 1000, 7);
        let two = generate(&nicknames, 1000, 7);
        assert_eq!(one, two);
        assert_eq!(one.len(), 1000);
        let matches = one.iter().filter(|p| p.is_match()).count();
        assert_eq!(matches, 500);
        assert_eq!(
            kind_counts(10_001).iter().map(|(_, n)| n).sum::<usize>(),
            10_001
        );
        for pair in one.iter().filter(|p| p.kind == PairKind::Twins) {
            assert_eq!(pair.a.birth_date, pair.b.birth_date);
        }
    }

    #[test]
    fn edits_change_the_text() {
        let nicknames = Nicknames::embedded().expect("nicknames");
        let mut generator = Generator {
            rng: StdRng::seed_from_u64(3),
            nicknames: &nicknames,
            serial: 0,
        };
        for name in ["Ana", "Guadalupe", "José Luis", "De la Cruz"] {
            for _ in 0..50 {
                let edited = generator.edited(name);
                assert_ne!(name_tokens(&edited).concat(), name_tokens(name).concat());
            }
        }
        let date = NaiveDate::from_ymd_opt(2019, 3, 7).unwrap_or_default();
        for _ in 0..50 {
            let d = generator.one_digit_off(date);
            assert_eq!(
                crate::compare::birth_dates(Some(date), Some(d)),
                Level::OneDigit
            );
        }
    }
}
