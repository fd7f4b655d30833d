//! Complete records for the builder tests: one patient, an administered dose
//! with VFC, funding and VIS, a historical dose, a refusal, and a query.

use salal_core::NaiveDate;
use salal_core::event::{EventKind, NewEvent, VisGiven};
use salal_core::patient::{PatientDetails, Sex};
use salal_hl7::Profile;
use salal_hl7::model::{
    ActionCode, DoseEvaluation, EntityId, EvaluatedDose, IdentifierType, ImmunizationUpdate,
    MessageHeader, MultipleBirth, NextOfKin, PatientIdentifier, PatientRecord, PersonName, Query,
    Recommendation, RegistryPreferences, VaccinationGroup, VisStatement,
};

pub(crate) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

pub(crate) fn header(control_id: &str) -> MessageHeader {
    MessageHeader {
        sending_application: "SALAL".to_owned(),
        sending_facility: "SALALCLINIC".to_owned(),
        receiving_application: "WAIIS".to_owned(),
        receiving_facility: "WADOH".to_owned(),
        date_time: "20260314093000-0800".to_owned(),
        control_id: control_id.to_owned(),
        processing_id: "P".to_owned(),
    }
}

pub(crate) fn patient() -> PatientRecord {
    PatientRecord {
        details: PatientDetails {
            first_name: "José".to_owned(),
            middle_name: "Luis".to_owned(),
            last_name: "García".to_owned(),
            second_last_name: "López".to_owned(),
            birth_date: Some(day(2024, 5, 17)),
            sex: Sex::Male,
            birth_certificate_number: "2024-WA-118822".to_owned(),
            medical_record_number: "MRN-4471".to_owned(),
            mother_maiden_name: "López".to_owned(),
            guardian_name: "María López".to_owned(),
            guardian_relationship: "MTH".to_owned(),
            phone: "2065550143".to_owned(),
            address_line: "1200 Pine St & 3rd Ave".to_owned(),
            city: "Seattle".to_owned(),
            state: "WA".to_owned(),
            postal_code: "98101".to_owned(),
            ..PatientDetails::default()
        },
        identifiers: vec![
            PatientIdentifier {
                id: "MRN-4471".to_owned(),
                assigning_authority: "SALALCLINIC".to_owned(),
                kind: IdentifierType::MedicalRecord,
            },
            PatientIdentifier {
                id: "2024-WA-118822".to_owned(),
                assigning_authority: "WADOH".to_owned(),
                kind: IdentifierType::BirthCertificate,
            },
            PatientIdentifier {
                id: "IIS-77120".to_owned(),
                assigning_authority: "WAIIS".to_owned(),
                kind: IdentifierType::StateRegistry,
            },
        ],
        mother_given_name: "María".to_owned(),
        address_country: "USA".to_owned(),
        address_type: "L".to_owned(),
        email: String::new(),
        multiple_birth: Some(MultipleBirth {
            multiple: true,
            order: Some(2),
        }),
        preferences: Some(RegistryPreferences {
            publicity_code: "02".to_owned(),
            publicity_date: Some(day(2024, 5, 20)),
            protection: Some(false),
            protection_date: Some(day(2024, 5, 20)),
            registry_status: "A".to_owned(),
            registry_status_date: Some(day(2024, 5, 20)),
        }),
        next_of_kin: vec![NextOfKin {
            family_name: "López".to_owned(),
            given_name: "María".to_owned(),
            relationship: "MTH".to_owned(),
        }],
    }
}

pub(crate) fn administered() -> VaccinationGroup {
    VaccinationGroup {
        event: NewEvent {
            kind: EventKind::Administered,
            cvx: "10".to_owned(),
            date: Some(day(2026, 3, 14)),
            mvx: "PMC".to_owned(),
            lot_number: "U7219AA".to_owned(),
            lot_expiration: Some(day(2027, 1, 31)),
            amount_ml: "0.5".to_owned(),
            route: "C28161".to_owned(),
            site: "LT".to_owned(),
            vfc_eligibility: "V02".to_owned(),
            funding_source: "VXC50".to_owned(),
            administering_provider: "Ana Ruiz".to_owned(),
            vis: vec![VisGiven {
                document: "253088698300017211180720".to_owned(),
                presented_on: day(2026, 3, 14),
            }],
            ..NewEvent::default()
        },
        placer_order_id: None,
        filler_order_id: EntityId {
            id: "D-1001".to_owned(),
            namespace: "SALALCLINIC".to_owned(),
        },
        action: ActionCode::Add,
        administering_provider: Some(PersonName {
            id: "RN-17".to_owned(),
            family_name: "Ruiz".to_owned(),
            given_name: "Ana".to_owned(),
        }),
        ordering_provider: None,
        administered_at: "SALALCLINIC".to_owned(),
        amount_unit: "mL".to_owned(),
        completion_status: "CP".to_owned(),
        eligibility_method: "VXC40".to_owned(),
        vis: vec![VisStatement {
            document: "253088698300017211180720".to_owned(),
            vaccine_cvx: String::new(),
            published: None,
            presented: Some(day(2026, 3, 14)),
        }],
        ..VaccinationGroup::default()
    }
}

pub(crate) fn historical() -> VaccinationGroup {
    VaccinationGroup {
        event: NewEvent {
            kind: EventKind::Historical,
            cvx: "08".to_owned(),
            date: Some(day(2024, 5, 17)),
            information_source: "01".to_owned(),
            ..NewEvent::default()
        },
        filler_order_id: EntityId {
            id: "D-1000".to_owned(),
            namespace: "SALALCLINIC".to_owned(),
        },
        completion_status: "CP".to_owned(),
        ..VaccinationGroup::default()
    }
}

pub(crate) fn refusal() -> VaccinationGroup {
    VaccinationGroup {
        event: NewEvent {
            kind: EventKind::Refusal,
            cvx: "03".to_owned(),
            date: Some(day(2026, 3, 14)),
            refusal_reason: "00".to_owned(),
            ..NewEvent::default()
        },
        filler_order_id: EntityId {
            id: "D-1002".to_owned(),
            namespace: "SALALCLINIC".to_owned(),
        },
        completion_status: "RE".to_owned(),
        ..VaccinationGroup::default()
    }
}

pub(crate) fn update() -> ImmunizationUpdate {
    ImmunizationUpdate {
        patient: patient(),
        doses: vec![historical(), administered(), refusal()],
    }
}

pub(crate) fn query(profile: Profile) -> Query {
    Query {
        profile,
        query_tag: "Q-2026-0001".to_owned(),
        patient: patient(),
        quantity_limit: 5,
    }
}

pub(crate) fn evaluated() -> Vec<EvaluatedDose> {
    vec![EvaluatedDose {
        dose: historical(),
        evaluations: vec![DoseEvaluation {
            vaccine_group_cvx: "45".to_owned(),
            vaccine_group_name: "Hep B".to_owned(),
            schedule: "VXC16".to_owned(),
            dose_number: Some(1),
            doses_in_series: Some(3),
            valid: Some(true),
        }],
    }]
}

pub(crate) fn recommendations() -> Vec<Recommendation> {
    vec![Recommendation {
        vaccine_group_cvx: "45".to_owned(),
        vaccine_group_name: "Hep B".to_owned(),
        schedule: "VXC16".to_owned(),
        dose_number: Some(2),
        doses_in_series: Some(3),
        earliest: Some(day(2024, 6, 14)),
        due: Some(day(2024, 6, 17)),
        overdue: Some(day(2024, 9, 17)),
        latest: Some(day(2042, 5, 17)),
        status: "O".to_owned(),
        status_system: "L".to_owned(),
    }]
}
