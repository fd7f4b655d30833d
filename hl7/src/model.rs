//! The plain Rust values messages are built from and read into.
//!
//! Where `salal-core` has a field, the value lives there ([`PatientDetails`],
//! [`NewEvent`]); what the wire carries beyond core (identifier lists, order
//! ids, action codes, VIS details, evaluation and forecast observations) is
//! kept beside it in this crate's structs, so nothing a message says is lost.

use chrono::NaiveDate;
use salal_core::consent::{Consents, Mailings, RegistryParticipation};
use salal_core::event::NewEvent;
use salal_core::patient::PatientDetails;

/// What goes into MSH-3..MSH-11 of an outgoing message. The caller supplies
/// the time and control id: the crate reads no clock.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct MessageHeader {
    /// MSH-3.
    pub sending_application: String,
    /// MSH-4.
    pub sending_facility: String,
    /// MSH-5.
    pub receiving_application: String,
    /// MSH-6.
    pub receiving_facility: String,
    /// MSH-7, a DTM with time-zone offset ("20260314093000-0800").
    pub date_time: String,
    /// MSH-10.
    pub control_id: String,
    /// MSH-11: "P" production, "T" training, "D" debugging.
    pub processing_id: String,
}

/// PID-3 identifier type (HL7 table 0203, the ones an IIS uses).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IdentifierType {
    /// MR: the sender's medical record number.
    MedicalRecord,
    /// SR: the state registry's id.
    StateRegistry,
    /// BC: birth certificate number.
    BirthCertificate,
    /// MA: Medicaid number.
    Medicaid,
    /// PI: patient internal identifier.
    PatientInternal,
    /// Any other code, kept as sent.
    Other(String),
}

impl IdentifierType {
    /// The table 0203 code.
    #[must_use]
    pub fn code(&self) -> &str {
        match self {
            IdentifierType::MedicalRecord => "MR",
            IdentifierType::StateRegistry => "SR",
            IdentifierType::BirthCertificate => "BC",
            IdentifierType::Medicaid => "MA",
            IdentifierType::PatientInternal => "PI",
            IdentifierType::Other(code) => code,
        }
    }

    /// From a table 0203 code.
    #[must_use]
    pub fn from_code(code: &str) -> IdentifierType {
        match code.trim() {
            "MR" => IdentifierType::MedicalRecord,
            "SR" => IdentifierType::StateRegistry,
            "BC" => IdentifierType::BirthCertificate,
            "MA" => IdentifierType::Medicaid,
            "PI" => IdentifierType::PatientInternal,
            other => IdentifierType::Other(other.to_owned()),
        }
    }
}

/// One PID-3 repetition.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PatientIdentifier {
    /// CX-1, the id.
    pub id: String,
    /// CX-4.1, who assigned it.
    pub assigning_authority: String,
    /// CX-5.
    pub kind: IdentifierType,
}

/// PID-24/25.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MultipleBirth {
    /// PID-24 = Y.
    pub multiple: bool,
    /// PID-25, the birth order (1 for the first twin).
    pub order: Option<u32>,
}

/// One NK1 segment: a guardian or other responsible person.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct NextOfKin {
    /// NK1-2.1.
    pub family_name: String,
    /// NK1-2.2.
    pub given_name: String,
    /// NK1-3.1, HL7 table 0063 (MTH, FTH, GRD, ...).
    pub relationship: String,
}

/// PD1: registry participation and reminder choices, as sent.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct RegistryPreferences {
    /// PD1-11.1, publicity code (HL7 table 0215: 01 no reminder/recall, 02 any method ...).
    pub publicity_code: String,
    /// PD1-18, when the publicity code was chosen.
    pub publicity_date: Option<NaiveDate>,
    /// PD1-12: `Some(true)` = Y, the data is protected (the patient opted out of sharing).
    pub protection: Option<bool>,
    /// PD1-13, when the protection choice was made.
    pub protection_date: Option<NaiveDate>,
    /// PD1-16, registry status (HL7 table 0441: A active, I inactive, P permanently inactive ...).
    pub registry_status: String,
    /// PD1-17, when the status took effect.
    pub registry_status_date: Option<NaiveDate>,
}

impl RegistryPreferences {
    /// PD1 for core's consent choices: opting out of the registry sets the
    /// protection indicator (PD1-12 = Y, dated by PD1-13); declining mailings
    /// sets publicity code 01 "no reminder/recall". `recorded_on` dates the
    /// choices core keeps no date for.
    #[must_use]
    pub fn from_consents(consents: &Consents, recorded_on: NaiveDate) -> Self {
        let (protection, protection_date) = match &consents.registry {
            RegistryParticipation::OptedOut { date, .. } => (true, *date),
            RegistryParticipation::Participating => (false, recorded_on),
        };
        let (publicity_code, publicity_date) = match consents.mailings {
            Mailings::Declined { date } => ("01", date),
            Mailings::Accepted => ("02", recorded_on),
        };
        RegistryPreferences {
            publicity_code: publicity_code.to_owned(),
            publicity_date: Some(publicity_date),
            protection: Some(protection),
            protection_date: Some(protection_date),
            registry_status: "A".to_owned(),
            registry_status_date: Some(recorded_on),
        }
    }

    /// Core's consent choices, as far as PD1 tells them: `None` for a
    /// choice PD1 leaves unsaid (or an opt-out or decline without its date).
    #[must_use]
    pub fn consents(&self) -> (Option<RegistryParticipation>, Option<Mailings>) {
        let registry = match (self.protection, self.protection_date) {
            (Some(true), Some(date)) => Some(RegistryParticipation::OptedOut {
                date,
                reason: String::new(),
                form_on_file: false,
                requested_by: String::new(),
            }),
            (Some(false), _) => Some(RegistryParticipation::Participating),
            _ => None,
        };
        let mailings = match (self.publicity_code.as_str(), self.publicity_date) {
            ("01", Some(date)) => Some(Mailings::Declined { date }),
            ("02" | "03" | "04" | "05" | "06" | "07" | "08", _) => Some(Mailings::Accepted),
            _ => None,
        };
        (registry, mailings)
    }
}

/// A person named in an XCN (administering or ordering provider).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct PersonName {
    /// XCN-1.
    pub id: String,
    /// XCN-2.
    pub family_name: String,
    /// XCN-3.
    pub given_name: String,
}

impl PersonName {
    /// "Given Family", or the id when no name is given.
    #[must_use]
    pub fn display(&self) -> String {
        let name = [self.given_name.as_str(), self.family_name.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        if name.is_empty() {
            self.id.clone()
        } else {
            name
        }
    }
}

/// The patient part of a message (PID, PD1, NK1).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PatientRecord {
    /// What core knows: names, birth date, sex, MR and birth-certificate
    /// numbers, mother's maiden name, first guardian, phone, address.
    pub details: PatientDetails,
    /// Every PID-3 identifier, in order.
    pub identifiers: Vec<PatientIdentifier>,
    /// PID-6.2, the mother's given name, when sent.
    pub mother_given_name: String,
    /// PID-11.6 country and PID-11.7 address type.
    pub address_country: String,
    /// PID-11.7 address type (L legal, M mailing, H home, P permanent, ...).
    pub address_type: String,
    /// PID-13 e-mail (a NET repetition).
    pub email: String,
    /// PID-24/25.
    pub multiple_birth: Option<MultipleBirth>,
    /// PD1.
    pub preferences: Option<RegistryPreferences>,
    /// Each NK1; the first is core's guardian.
    pub next_of_kin: Vec<NextOfKin>,
}

/// RXA-21, HL7 table 0323.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum ActionCode {
    /// A: a new record.
    #[default]
    Add,
    /// U: replaces the record with the same ORC-3.
    Update,
    /// D: deletes the record with the same ORC-3.
    Delete,
}

impl ActionCode {
    /// The table code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            ActionCode::Add => "A",
            ActionCode::Update => "U",
            ActionCode::Delete => "D",
        }
    }

    /// From the table code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<ActionCode> {
        match code.trim() {
            "A" => Some(ActionCode::Add),
            "U" => Some(ActionCode::Update),
            "D" => Some(ActionCode::Delete),
            _ => None,
        }
    }
}

/// An entity identifier (EI): an order id and who assigned it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct EntityId {
    /// EI-1.
    pub id: String,
    /// EI-2.
    pub namespace: String,
}

/// A Vaccine Information Statement given, as the OBX group tells it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct VisStatement {
    /// OBX 69764-9: the VIS document's GS1 barcode string.
    pub document: String,
    /// OBX 30956-7: the vaccine the VIS is for (CVX), for the older form.
    pub vaccine_cvx: String,
    /// OBX 29768-9: the VIS edition date.
    pub published: Option<NaiveDate>,
    /// OBX 29769-7: when it was given.
    pub presented: Option<NaiveDate>,
}

/// An OBX this crate does not map, kept as sent.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Observation {
    /// OBX-2.
    pub value_type: String,
    /// OBX-3.1 (a LOINC code, usually).
    pub code: String,
    /// OBX-4.
    pub sub_id: String,
    /// OBX-5.1.
    pub value: String,
    /// OBX-5.3.
    pub value_system: String,
}

/// One ORC/RXA/RXR/OBX dose group.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct VaccinationGroup {
    /// What core knows of the event (kind, vaccine, date, lot, route, VFC ...).
    pub event: NewEvent,
    /// ORC-2.
    pub placer_order_id: Option<EntityId>,
    /// ORC-3: the id updates and deletes refer to.
    pub filler_order_id: EntityId,
    /// RXA-21.
    pub action: ActionCode,
    /// RXA-10, when named.
    pub administering_provider: Option<PersonName>,
    /// ORC-12, when named.
    pub ordering_provider: Option<PersonName>,
    /// RXA-11.4.1, the facility where it was given.
    pub administered_at: String,
    /// RXA-7.1 (mL unless told otherwise).
    pub amount_unit: String,
    /// RXA-20 (CP complete, RE refused, NA not administered, PA partial).
    pub completion_status: String,
    /// OBX-17 of the VFC eligibility observation (VXC40 per immunization, VXC41 per visit).
    pub eligibility_method: String,
    /// VIS statements with every detail the OBX carried.
    pub vis: Vec<VisStatement>,
    /// OBX 30946-8 / 30944-3: contraindication effective and expiry dates.
    pub contraindication_effective: Option<NaiveDate>,
    /// OBX 30944-3.
    pub contraindication_expires: Option<NaiveDate>,
    /// OBX observations not mapped above.
    pub other_observations: Vec<Observation>,
}

/// The content of a VXU^V04: one patient and their dose groups.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ImmunizationUpdate {
    /// PID, PD1, NK1.
    pub patient: PatientRecord,
    /// Each ORC group.
    pub doses: Vec<VaccinationGroup>,
}

/// An evaluation of one historical dose against one vaccine group (Z42).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct DoseEvaluation {
    /// OBX 30956-7: the vaccine group, as a CVX code ("45" Hep B).
    pub vaccine_group_cvx: String,
    /// The vaccine group's name, for OBX-5.2.
    pub vaccine_group_name: String,
    /// OBX 59779-9: schedule (CDCPHINVS, e.g. VXC16 ACIP).
    pub schedule: String,
    /// OBX 30973-2: dose number in the series.
    pub dose_number: Option<u32>,
    /// OBX 59782-3: doses in the series.
    pub doses_in_series: Option<u32>,
    /// OBX 59781-5: whether the dose counts.
    pub valid: Option<bool>,
}

/// A forecast for one vaccine group (Z42).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Recommendation {
    /// OBX 30956-7: the vaccine group, as a CVX code.
    pub vaccine_group_cvx: String,
    /// The vaccine group's name, for OBX-5.2.
    pub vaccine_group_name: String,
    /// OBX 59779-9: schedule (VXC16 ACIP).
    pub schedule: String,
    /// OBX 30973-2: the number of the dose due next.
    pub dose_number: Option<u32>,
    /// OBX 59782-3: doses in the series.
    pub doses_in_series: Option<u32>,
    /// OBX 30981-5: earliest date to give.
    pub earliest: Option<NaiveDate>,
    /// OBX 30980-7: date due.
    pub due: Option<NaiveDate>,
    /// OBX 59778-1: date overdue.
    pub overdue: Option<NaiveDate>,
    /// OBX 59777-3: latest date to give.
    pub latest: Option<NaiveDate>,
    /// OBX 59783-1: series status code (e.g. "U" up to date, "O" overdue).
    pub status: String,
    /// The status's code system (OBX-5.3).
    pub status_system: String,
}

/// A dose in a Z42 history with its evaluations.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct EvaluatedDose {
    /// The dose.
    pub dose: VaccinationGroup,
    /// One evaluation per vaccine group the dose counts toward.
    pub evaluations: Vec<DoseEvaluation>,
}

/// QBP^Q11 parameters (QPD-3..QPD-11) and the response limit (RCP-2).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Query {
    /// Z34 (history) or Z44 (evaluated history and forecast).
    pub profile: crate::Profile,
    /// QPD-2, echoed in QAK-1 and QPD-2 of the response.
    pub query_tag: String,
    /// The patient searched for (identifiers, names, birth date, sex, address, phone, multiple birth).
    pub patient: PatientRecord,
    /// RCP-2, the most records to return.
    pub quantity_limit: u32,
}

/// What an RSP^K11 answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryResponse {
    /// Z31: several candidates, no history.
    Candidates(Vec<PatientRecord>),
    /// Z32: exactly one match and their history.
    History {
        /// The patient.
        patient: PatientRecord,
        /// Their doses.
        doses: Vec<VaccinationGroup>,
    },
    /// Z42: one match, evaluated history and forecast.
    Forecast {
        /// The patient.
        patient: PatientRecord,
        /// Their doses, evaluated.
        doses: Vec<EvaluatedDose>,
        /// One recommendation per vaccine group.
        recommendations: Vec<Recommendation>,
        /// The date of the forecast (RXA-3 of the forecast groups).
        as_of: NaiveDate,
    },
    /// Z33: no person records.
    NoRecords(NoRecordsReason),
}

/// Why a Z33 returns no person (QAK-2, HL7 table 0208).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoRecordsReason {
    /// NF: nobody matched.
    NotFound,
    /// TM: too many candidates.
    TooMany,
    /// PD: the record exists but may not be released (opted out).
    Protected,
    /// AE / AR: the query was in error; the problems go into ERR.
    QueryError(Vec<crate::Problem>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consents_map_to_pd1_and_back() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap_or_default();
        let consents = Consents {
            registry: RegistryParticipation::OptedOut {
                date: day(2),
                reason: String::new(),
                form_on_file: false,
                requested_by: String::new(),
            },
            mailings: Mailings::Declined { date: day(3) },
        };
        let pd1 = RegistryPreferences::from_consents(&consents, day(14));
        assert_eq!(pd1.protection, Some(true));
        assert_eq!(pd1.publicity_code, "01");
        assert_eq!(
            pd1.consents(),
            (Some(consents.registry), Some(consents.mailings))
        );
        let default = RegistryPreferences::from_consents(&Consents::default(), day(14));
        assert_eq!(
            default.consents(),
            (
                Some(RegistryParticipation::Participating),
                Some(Mailings::Accepted)
            )
        );
    }
}
