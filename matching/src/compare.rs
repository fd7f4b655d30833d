//! Scoring two records, and choosing the best of several candidates.
//!
//! Each field is compared on its own and given a [`Level`] (agree, nickname, typo, day and
//! month swapped, …); the level's weight from [`Weights`] is the field's contribution, and the
//! contributions add up to the score. A missing field (empty on either side) adds nothing.
//! The score against the two thresholds gives the [`Decision`], then three rules apply, in order:
//!
//! 1. **Identifiers first.** The same registry id, birth-certificate number or medical record
//!    number of the same organization means [`Decision::Merge`], unless the records conflict
//!    hard (different birth-certificate numbers, or birth dates that are not the same, swapped
//!    or one digit apart): then [`Decision::Review`].
//! 2. **Twins are never merged automatically.** When the birth date is the same, the mother is
//!    the same (her maiden or first name, the phone or the address agree) and the multiple-birth
//!    order, the sex or the first name differ, the decision is at most `Review`, and `Distinct`
//!    when the first names differ clearly (not a nickname, not a typing error) and no identifier
//!    agrees.
//! 3. Otherwise the thresholds decide: `Merge` at or above `thresholds.merge`, `Review` at or
//!    above `thresholds.review`, `Distinct` below.
//!
//! Every comparison is symmetric: `compare(a, b)` and `compare(b, a)` give the same score and
//! decision.

use crate::nicknames::{NicknameError, Nicknames};
use crate::prepare::Prepared;
use crate::record::MatchRecord;
use crate::similarity::typo_close;
use crate::weights::{Weights, WeightsError};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use thiserror::Error;

/// Why the embedded matcher could not be built.
#[derive(Debug, Error)]
pub enum MatcherError {
    /// The weights file is invalid.
    #[error(transparent)]
    Weights(#[from] WeightsError),
    /// The nickname table is invalid.
    #[error(transparent)]
    Nicknames(#[from] NicknameError),
}

/// What the registry does with a pair of records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Different people.
    Distinct,
    /// Registry staff decide (the review queue).
    Review,
    /// The same person: merge automatically.
    Merge,
}

/// A compared field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Registry patient id.
    RegistryId,
    /// Birth-certificate number.
    BirthCertificate,
    /// Medical record number (same organization).
    MedicalRecord,
    /// First name.
    FirstName,
    /// Middle name.
    MiddleName,
    /// Last name and second last name.
    Surnames,
    /// Birth date.
    BirthDate,
    /// Sex.
    Sex,
    /// Mother's maiden name.
    MotherMaidenName,
    /// Mother's first name.
    MotherFirstName,
    /// Multiple-birth order.
    MultipleBirth,
    /// Street address.
    Address,
    /// Postal code.
    PostalCode,
    /// Phone number.
    Phone,
}

/// How well a field agrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Empty on one side or both: adds nothing.
    Missing,
    /// Equal after normalising.
    Agree,
    /// Surnames in another order or hyphenated.
    Reordered,
    /// Given names that are nicknames of each other.
    Nickname,
    /// A typing error apart.
    Typo,
    /// The words of one side are among the other's (a dropped second surname).
    Subset,
    /// An initial and a name starting with it.
    Initial,
    /// Some surname in common, others different.
    Overlap,
    /// A mother's maiden name that agrees only in surnames both children carry too.
    Implied,
    /// Birth dates with day and month swapped.
    DayMonthSwapped,
    /// Birth dates a single digit apart.
    OneDigit,
    /// Addresses nearly the same.
    Partial,
    /// Different.
    Disagree,
}

/// One field's part of the score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// The field.
    pub field: Field,
    /// How well it agreed.
    pub level: Level,
    /// What it added to the score (negative when it took away).
    pub weight: f64,
}

/// Which rule made the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The score against the thresholds.
    Score,
    /// An identifier agreed and nothing conflicted hard.
    IdentifierMatch,
    /// An identifier agreed but the birth-certificate number or the birth date conflicts.
    IdentifierConflict,
    /// Same birth date and mother, different birth order, sex or first name.
    Twins,
}

/// The result of comparing two records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Sum of the contributions.
    pub score: f64,
    /// What to do with the pair.
    pub decision: Decision,
    /// Which rule decided.
    pub rule: Rule,
    /// Every field's contribution, in [`Field`] order (missing fields included, at 0).
    pub contributions: Vec<Contribution>,
}

impl Comparison {
    /// The level a field reached.
    #[must_use]
    pub fn level(&self, field: Field) -> Level {
        self.contributions
            .iter()
            .find(|c| c.field == field)
            .map_or(Level::Missing, |c| c.level)
    }
}

/// The best candidate for a new record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// What to do with the new record.
    pub decision: Decision,
    /// Index of the best candidate (highest decision, then highest score, then first).
    pub best: Option<usize>,
    /// The comparison with the best candidate.
    pub comparison: Option<Comparison>,
    /// Whether the decision was lowered to `Review` because the choice is ambiguous (two
    /// candidates would merge, or the best two tie).
    pub ambiguous: bool,
    /// Candidates at `Review` or `Merge`, best first: what registry staff look at.
    pub reviewable: Vec<usize>,
}

/// Compares records with the given weights and nicknames.
#[derive(Debug, Clone)]
pub struct Matcher {
    weights: Weights,
    nicknames: Nicknames,
}

impl Matcher {
    /// A matcher with these weights and nicknames.
    #[must_use]
    pub fn new(weights: Weights, nicknames: Nicknames) -> Matcher {
        Matcher { weights, nicknames }
    }

    /// A matcher with the weights and nicknames shipped in `assets/matching/`.
    ///
    /// # Errors
    /// If an embedded file is invalid (tests check they are not).
    pub fn embedded() -> Result<Matcher, MatcherError> {
        Ok(Matcher::new(Weights::embedded()?, Nicknames::embedded()?))
    }

    /// The weights in use.
    #[must_use]
    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    /// The nickname table in use.
    #[must_use]
    pub fn nicknames(&self) -> &Nicknames {
        &self.nicknames
    }

    pub(crate) fn prepare(&self, record: &MatchRecord) -> Prepared {
        Prepared::new(record, &self.weights.placeholder_first_names)
    }

    /// Scores two records and decides (see the module doc).
    #[must_use]
    pub fn compare(&self, a: &MatchRecord, b: &MatchRecord) -> Comparison {
        self.compare_prepared(&self.prepare(a), &self.prepare(b))
    }

    /// Whether two first names are clearly different (not equal, not nicknames, not a typing
    /// error apart, neither contained in the other); `false` when either is empty.
    #[must_use]
    pub fn first_names_differ(&self, a: &str, b: &str) -> bool {
        let p = |name: &str| {
            self.prepare(&MatchRecord {
                first_name: name.to_owned(),
                ..MatchRecord::default()
            })
        };
        given_names(&p(a).first, &p(b).first, &self.nicknames) == Level::Disagree
    }

    pub(crate) fn compare_prepared(&self, a: &Prepared, b: &Prepared) -> Comparison {
        let w = &self.weights;
        let n = &self.nicknames;
        let levels = [
            (Field::RegistryId, same(&a.registry_id, &b.registry_id)),
            (
                Field::BirthCertificate,
                same(&a.birth_certificate, &b.birth_certificate),
            ),
            (
                Field::MedicalRecord,
                medical_records(&a.medical_records, &b.medical_records),
            ),
            (Field::FirstName, given_names(&a.first, &b.first, n)),
            (Field::MiddleName, given_names(&a.middle, &b.middle, n)),
            (Field::Surnames, surnames(&a.surnames, &b.surnames)),
            (Field::BirthDate, birth_dates(a.birth_date, b.birth_date)),
            (Field::Sex, same(&a.sex, &b.sex)),
            (Field::MotherMaidenName, maiden_names(a, b)),
            (
                Field::MotherFirstName,
                given_names(&a.mother_first, &b.mother_first, n),
            ),
            (
                Field::MultipleBirth,
                same(&a.multiple_birth, &b.multiple_birth),
            ),
            (Field::Address, address(&a.address, &b.address)),
            (Field::PostalCode, same(&a.postal_code, &b.postal_code)),
            (Field::Phone, phone(a.phone.as_deref(), b.phone.as_deref())),
        ];
        let contributions: Vec<Contribution> = levels
            .into_iter()
            .map(|(field, level)| {
                let weight = match field {
                    Field::RegistryId => w.registry_id.weight(level),
                    Field::BirthCertificate => w.birth_certificate.weight(level),
                    Field::MedicalRecord => w.medical_record.weight(level),
                    Field::FirstName => w.first_name.weight(level),
                    Field::MiddleName => w.middle_name.weight(level),
                    Field::Surnames => w.surnames.weight(level),
                    Field::BirthDate => w.birth_date.weight(level),
                    Field::Sex => w.sex.weight(level),
                    Field::MotherMaidenName => w.mother_maiden_name.weight(level),
                    Field::MotherFirstName => w.mother_first_name.weight(level),
                    Field::MultipleBirth => w.multiple_birth.weight(level),
                    Field::Address => w.address.weight(level),
                    Field::PostalCode => w.postal_code.weight(level),
                    Field::Phone => w.phone.weight(level),
                };
                Contribution {
                    field,
                    level,
                    weight,
                }
            })
            .collect();
        let score: f64 = contributions.iter().map(|c| c.weight).sum();
        let (decision, rule) = self.decide(score, &contributions);
        Comparison {
            score,
            decision,
            rule,
            contributions,
        }
    }

    fn decide(&self, score: f64, contributions: &[Contribution]) -> (Decision, Rule) {
        let level = |field: Field| {
            contributions
                .iter()
                .find(|c| c.field == field)
                .map_or(Level::Missing, |c| c.level)
        };
        let t = self.weights.thresholds;
        let by_score = if score >= t.merge {
            Decision::Merge
        } else if score >= t.review {
            Decision::Review
        } else {
            Decision::Distinct
        };
        let identifier = [
            Field::RegistryId,
            Field::BirthCertificate,
            Field::MedicalRecord,
        ]
        .into_iter()
        .any(|f| level(f) == Level::Agree);
        let hard_conflict = level(Field::BirthCertificate) == Level::Disagree
            || level(Field::BirthDate) == Level::Disagree;
        let (decision, rule) = match (identifier, hard_conflict) {
            (true, false) => (Decision::Merge, Rule::IdentifierMatch),
            (true, true) => (Decision::Review, Rule::IdentifierConflict),
            (false, _) => (by_score, Rule::Score),
        };

        let same_mother = matches!(
            level(Field::MotherMaidenName),
            Level::Agree | Level::Reordered | Level::Subset | Level::Typo
        ) || level(Field::MotherMaidenName) == Level::Implied
            || matches!(
                level(Field::MotherFirstName),
                Level::Agree | Level::Nickname | Level::Typo
            )
            || level(Field::Phone) == Level::Agree
            || matches!(level(Field::Address), Level::Agree | Level::Partial);
        let first_names_differ = level(Field::FirstName) == Level::Disagree;
        let twins = level(Field::BirthDate) == Level::Agree
            && same_mother
            && (first_names_differ
                || level(Field::MultipleBirth) == Level::Disagree
                || level(Field::Sex) == Level::Disagree);
        if !twins {
            return (decision, rule);
        }
        if first_names_differ && !identifier {
            (Decision::Distinct, Rule::Twins)
        } else {
            (decision.min(Decision::Review), Rule::Twins)
        }
    }

    /// The best of several candidates for a new record. Two candidates that would both merge,
    /// or a tie between the best two at `Review` or above, give `Review` (never a merge with
    /// an ambiguous choice). No candidates: `Distinct`.
    #[must_use]
    pub fn best(&self, new: &MatchRecord, candidates: &[MatchRecord]) -> Outcome {
        let new = self.prepare(new);
        let mut ranked: Vec<(usize, Comparison)> = candidates
            .iter()
            .enumerate()
            .map(|(i, c)| (i, self.compare_prepared(&new, &self.prepare(c))))
            .collect();
        ranked.sort_by(|(i, x), (j, y)| {
            y.decision
                .cmp(&x.decision)
                .then_with(|| y.score.total_cmp(&x.score))
                .then_with(|| i.cmp(j))
        });
        let reviewable: Vec<usize> = ranked
            .iter()
            .filter(|(_, c)| c.decision >= Decision::Review)
            .map(|(i, _)| *i)
            .collect();
        let merges = ranked
            .iter()
            .filter(|(_, c)| c.decision == Decision::Merge)
            .count();
        let mut ranked = ranked.into_iter();
        let Some((best, comparison)) = ranked.next() else {
            return Outcome {
                decision: Decision::Distinct,
                best: None,
                comparison: None,
                ambiguous: false,
                reviewable,
            };
        };
        let tie = ranked.next().is_some_and(|(_, second)| {
            second.decision == comparison.decision
                && second.score.total_cmp(&comparison.score) == Ordering::Equal
        });
        let ambiguous = comparison.decision >= Decision::Review && (merges > 1 || tie);
        let decision = if ambiguous {
            Decision::Review
        } else {
            comparison.decision
        };
        Outcome {
            decision,
            best: Some(best),
            comparison: Some(comparison),
            ambiguous,
            reviewable,
        }
    }
}

fn same<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> Level {
    match (a, b) {
        (Some(a), Some(b)) if a == b => Level::Agree,
        (Some(_), Some(_)) => Level::Disagree,
        _ => Level::Missing,
    }
}

fn medical_records(a: &[(String, String)], b: &[(String, String)]) -> Level {
    if a.iter().any(|m| b.contains(m)) {
        Level::Agree
    } else if a
        .iter()
        .any(|(org, _)| b.iter().any(|(other, _)| org == other))
    {
        Level::Disagree
    } else {
        Level::Missing
    }
}

/// Whether every word of `short` equals (or, with `nicknames`, is a nickname of) a different
/// word of `long`.
fn words_within(short: &[String], long: &[String], nicknames: Option<&Nicknames>) -> bool {
    let mut used = vec![false; long.len()];
    short.iter().all(|word| {
        let found = long.iter().enumerate().position(|(i, other)| {
            !used[i] && (word == other || nicknames.is_some_and(|n| n.related_folded(word, other)))
        });
        if let Some(i) = found {
            used[i] = true;
        }
        found.is_some()
    })
}

/// Whether the words of `short` can each be paired with a different word of `long` that is
/// equal or a typing error apart (an exhaustive search: names have few words).
fn words_pair_up(short: &[String], long: &[String], used: &mut [bool]) -> bool {
    let Some((word, rest)) = short.split_first() else {
        return true;
    };
    for (i, other) in long.iter().enumerate() {
        if used[i] || !(word == other || typo_close(word, other)) {
            continue;
        }
        used[i] = true;
        let paired = words_pair_up(rest, long, used);
        used[i] = false;
        if paired {
            return true;
        }
    }
    false
}

/// First, middle and mother's first names.
pub(crate) fn given_names(a: &[String], b: &[String], nicknames: &Nicknames) -> Level {
    if a.is_empty() || b.is_empty() {
        return Level::Missing;
    }
    let (ca, cb) = (a.concat(), b.concat());
    if a == b || ca == cb {
        return Level::Agree;
    }
    if a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x == y || nicknames.related_folded(x, y))
    {
        return Level::Nickname;
    }
    if nicknames.related_folded(&a.join(" "), &b.join(" ")) {
        return Level::Nickname;
    }
    if typo_close(&ca, &cb) {
        return Level::Typo;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if words_within(short, long, Some(nicknames))
        || (a.len() == b.len() && words_within(long, short, Some(nicknames)))
    {
        return Level::Subset;
    }
    let is_initial = |x: &[String], y: &[String]| {
        x.len() == 1 && x[0].chars().count() == 1 && y[0].starts_with(x[0].as_str())
    };
    if is_initial(a, b) || is_initial(b, a) {
        return Level::Initial;
    }
    Level::Disagree
}

/// The child's surnames, or the mother's maiden name.
pub(crate) fn surnames(a: &[String], b: &[String]) -> Level {
    if a.is_empty() || b.is_empty() {
        return Level::Missing;
    }
    if a == b {
        return Level::Agree;
    }
    let sorted = |x: &[String]| {
        let mut x = x.to_vec();
        x.sort();
        x
    };
    if sorted(a) == sorted(b) || a.concat() == b.concat() {
        return Level::Reordered;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.len() < long.len() && words_within(short, long, None) {
        return Level::Subset;
    }
    if words_pair_up(short, long, &mut vec![false; long.len()])
        || typo_close(&a.concat(), &b.concat())
    {
        return Level::Typo;
    }
    if a.iter()
        .any(|x| b.iter().any(|y| x == y || typo_close(x, y)))
    {
        return Level::Overlap;
    }
    Level::Disagree
}

/// The mother's maiden names: [`surnames`], but [`Level::Implied`] when every word they share
/// (equal or a typing error apart) is also a surname both children carry.
fn maiden_names(a: &Prepared, b: &Prepared) -> Level {
    let level = surnames(&a.mother_maiden, &b.mother_maiden);
    if !matches!(
        level,
        Level::Agree | Level::Reordered | Level::Subset | Level::Typo
    ) {
        return level;
    }
    let near = |x: &String, y: &String| x == y || typo_close(x, y);
    let carried = |word: &String| {
        a.surnames.iter().any(|s| near(word, s)) && b.surnames.iter().any(|s| near(word, s))
    };
    let shared_are_carried = |mine: &[String], theirs: &[String]| {
        mine.iter()
            .filter(|w| theirs.iter().any(|t| near(w, t)))
            .all(carried)
    };
    if shared_are_carried(&a.mother_maiden, &b.mother_maiden)
        && shared_are_carried(&b.mother_maiden, &a.mother_maiden)
    {
        Level::Implied
    } else {
        level
    }
}

fn date_digits(date: NaiveDate) -> [u32; 8] {
    let (y, m, d) = (date.year().unsigned_abs(), date.month(), date.day());
    [
        y / 1000 % 10,
        y / 100 % 10,
        y / 10 % 10,
        y % 10,
        m / 10,
        m % 10,
        d / 10,
        d % 10,
    ]
}

pub(crate) fn birth_dates(a: Option<NaiveDate>, b: Option<NaiveDate>) -> Level {
    let (Some(a), Some(b)) = (a, b) else {
        return Level::Missing;
    };
    if a == b {
        return Level::Agree;
    }
    if a.year() == b.year() && a.month() == b.day() && a.day() == b.month() {
        return Level::DayMonthSwapped;
    }
    let differing = date_digits(a)
        .iter()
        .zip(date_digits(b).iter())
        .filter(|(x, y)| x != y)
        .count();
    let four_digits = |d: NaiveDate| (0..10_000).contains(&d.year());
    if differing == 1 && four_digits(a) && four_digits(b) {
        Level::OneDigit
    } else {
        Level::Disagree
    }
}

fn address(a: &[String], b: &[String]) -> Level {
    if a.is_empty() || b.is_empty() {
        return Level::Missing;
    }
    if a == b {
        return Level::Agree;
    }
    let (ca, cb) = (a.concat(), b.concat());
    if ca == cb {
        return Level::Agree;
    }
    if typo_close(&ca, &cb) {
        return Level::Partial;
    }
    let number = |x: &[String]| {
        x.iter()
            .find(|t| t.chars().all(|c| c.is_ascii_digit()))
            .cloned()
    };
    let street = |x: &[String]| {
        x.iter()
            .find(|t| t.chars().all(char::is_alphabetic))
            .cloned()
    };
    match (number(a), number(b), street(a), street(b)) {
        (Some(n), Some(m), Some(s), Some(t)) if n == m && s == t => Level::Partial,
        _ => Level::Disagree,
    }
}

fn phone(a: Option<&str>, b: Option<&str>) -> Level {
    let (Some(a), Some(b)) = (a, b) else {
        return Level::Missing;
    };
    let tail = |x: &str, n: usize| x.get(x.len() - n..).map(str::to_owned);
    let n = if a.len() >= 10 && b.len() >= 10 {
        10
    } else if a.len() >= 7 && b.len() >= 7 {
        7
    } else {
        return Level::Missing;
    };
    if tail(a, n) == tail(b, n) {
        Level::Agree
    } else {
        Level::Disagree
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str) -> Vec<String> {
        salal_core::search::name_tokens(text)
    }

    #[test]
    fn given_name_levels() {
        let n = Nicknames::embedded().expect("nicknames");
        assert_eq!(given_names(&w("José"), &w("jose"), &n), Level::Agree);
        assert_eq!(given_names(&w("Pepe"), &w("José"), &n), Level::Nickname);
        assert_eq!(
            given_names(&w("Jose Luis"), &w("Pepe Luis"), &n),
            Level::Nickname
        );
        assert_eq!(given_names(&w("Jsoe"), &w("José"), &n), Level::Typo);
        assert_eq!(
            given_names(&w("María"), &w("María José"), &n),
            Level::Subset
        );
        assert_eq!(given_names(&w("J"), &w("James"), &n), Level::Initial);
        assert_eq!(
            given_names(&w("Juan Carlos"), &w("Juan Pablo"), &n),
            Level::Disagree
        );
        assert_eq!(given_names(&w("Ana"), &w(""), &n), Level::Missing);
    }

    #[test]
    fn surname_levels() {
        let s = |a: &str, b: &str| {
            surnames(
                &crate::prepare::surname_words(&[a]),
                &crate::prepare::surname_words(&[b]),
            )
        };
        assert_eq!(s("García López", "garcia lopez"), Level::Agree);
        assert_eq!(s("García-López", "García López"), Level::Agree);
        assert_eq!(s("López García", "García López"), Level::Reordered);
        assert_eq!(s("García", "García López"), Level::Subset);
        assert_eq!(s("Garcia Lopes", "García López"), Level::Typo);
        assert_eq!(s("Garsia", "García López"), Level::Typo);
        assert_eq!(s("García Ruiz", "García López"), Level::Overlap);
        assert_eq!(s("Smith", "García López"), Level::Disagree);
        assert_eq!(s("De la Cruz", "Cruz"), Level::Agree);
    }

    #[test]
    fn date_levels() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(birth_dates(d(2019, 3, 7), d(2019, 3, 7)), Level::Agree);
        assert_eq!(
            birth_dates(d(2019, 3, 7), d(2019, 7, 3)),
            Level::DayMonthSwapped
        );
        assert_eq!(birth_dates(d(2019, 3, 7), d(2018, 3, 7)), Level::OneDigit);
        assert_eq!(birth_dates(d(2019, 3, 7), d(2019, 3, 17)), Level::OneDigit);
        assert_eq!(birth_dates(d(2019, 3, 7), d(2020, 3, 7)), Level::Disagree);
        assert_eq!(birth_dates(d(2019, 3, 7), None), Level::Missing);
    }

    #[test]
    fn phone_and_address_levels() {
        assert_eq!(phone(Some("5095550134"), Some("15095550134")), Level::Agree);
        assert_eq!(phone(Some("5550134"), Some("5095550134")), Level::Agree);
        assert_eq!(phone(Some("5550134"), Some("5095550135")), Level::Disagree);
        assert_eq!(phone(Some("12"), Some("5095550135")), Level::Missing);
        assert_eq!(address(&w("12 oak st"), &w("12 oak st")), Level::Agree);
        assert_eq!(address(&w("12 oak st"), &w("12 oka st")), Level::Partial);
        assert_eq!(
            address(&w("12 oak st apt 4"), &w("12 oak st")),
            Level::Partial
        );
        assert_eq!(
            address(&w("12 oak st"), &w("900 pine ave")),
            Level::Disagree
        );
    }
}
