//! Wire ↔ domain: the only place that knows both `salal_ipc` and the clinic's
//! types. Text from the UI is parsed here (ids, ISO dates, codes); a value that
//! does not parse becomes a typed, translated error, never a panic.

use crate::errors::{CmdResult, bad_id, ui_error};
use chrono::NaiveDate;
use salal_clinic::inventory::{
    CountSession, DosesReport, LotSource, NonViable, Receipt, Reconciliation, StockLine,
    TemperatureImport,
};
use salal_clinic::{EventView, RecordSync, Session, SyncStatus};
use salal_core::codes::{Code, CodeSets, Table};
use salal_core::consent::{Consents, Mailings, RegistryParticipation};
use salal_core::event::{DatePrecision, EventKind, NewEvent, VisGiven};
use salal_core::i18n::{Lang, tr, tr_args};
use salal_core::ids::{EventId, PatientId, UserId};
use salal_core::patient::{PatientDetails, PatientSummary, Sex};
use salal_core::user::{Permission, Role};
use salal_inventory::{Order, OrderLine, OrderState, ReasonUse, Tables};
use salal_ipc::dose::{EventForm, EventKind as WireKind, EventRow};
use salal_ipc::inventory::{
    AffectedDoseView, CountSessionView, DosesReportView, DosesRowView, ExcursionView,
    NonViableView, OrderLineView, OrderStateView, OrderView, ReceiveRequest, ReconciliationView,
    StockLineView, StorageUnitView, TemperatureImportView,
};
use salal_ipc::patient::{
    ConsentRequest, ConsentView, PatientForm, PatientRecord, PatientRow, VaccineGroupRows,
};
use salal_ipc::session::SessionInfo;
use salal_ipc::sync::{
    Bilingual, EventSyncRow, RecordSyncStates as RecordSyncStatesWire, RecordSyncView,
    SyncStatusView,
};
use salal_ipc::{CodeItem, CodeLists, Lang as WireLang};
use std::str::FromStr;

pub(crate) fn lang_from_wire(lang: WireLang) -> Lang {
    match lang {
        WireLang::En => Lang::En,
        WireLang::Es => Lang::Es,
    }
}

pub(crate) fn lang_to_wire(lang: Lang) -> WireLang {
    match lang {
        Lang::En => WireLang::En,
        Lang::Es => WireLang::Es,
    }
}

pub(crate) fn session_info(session: &Session, idle_limit: std::time::Duration) -> SessionInfo {
    SessionInfo {
        username: session.username().to_owned(),
        display_name: session.display_name().to_owned(),
        roles: session
            .roles()
            .iter()
            .map(|r| r.code().to_owned())
            .collect(),
        is_admin: session.may(Permission::ManageUsers),
        lang: lang_to_wire(session.language()),
        idle_seconds: idle_limit.as_secs().max(1),
    }
}

fn parse_id<T: FromStr>(text: &str, lang: Lang) -> CmdResult<T> {
    text.parse().map_err(|_| bad_id(lang))
}

pub(crate) fn patient_id(text: &str, lang: Lang) -> CmdResult<PatientId> {
    parse_id(text, lang)
}

pub(crate) fn event_id(text: &str, lang: Lang) -> CmdResult<EventId> {
    parse_id(text, lang)
}

pub(crate) fn user_id(text: &str, lang: Lang) -> CmdResult<UserId> {
    parse_id(text, lang)
}

/// The id a form chose for the record it creates; empty when it chose none.
pub(crate) fn new_id<T: FromStr>(text: &str, lang: Lang) -> CmdResult<Option<T>> {
    if text.trim().is_empty() {
        Ok(None)
    } else {
        parse_id(text, lang).map(Some)
    }
}

fn bilingual((en, es): (String, String)) -> Bilingual {
    Bilingual { en, es }
}

/// The status bar's sync state.
pub(crate) fn sync_status_view(status: &SyncStatus, syncing: bool) -> SyncStatusView {
    SyncStatusView {
        enrolled: status.registry_url.is_some(),
        registry_url: status.registry_url.clone().unwrap_or_default(),
        last_success: status.last_success.map(|t| t.to_rfc3339()),
        waiting: status.waiting,
        rejected: status.rejected,
        last_error: status.last_error.clone().map(bilingual),
        syncing,
    }
}

fn record_sync_view(state: &RecordSync) -> RecordSyncView {
    match state {
        RecordSync::Pending => RecordSyncView::Pending,
        RecordSync::Confirmed { at } => RecordSyncView::Confirmed {
            at: at.to_rfc3339(),
        },
        RecordSync::Rejected {
            code,
            message_en,
            message_es,
        } => RecordSyncView::Rejected {
            code: code.clone(),
            message: bilingual((message_en.clone(), message_es.clone())),
        },
    }
}

/// A record's sync states for the record screen.
pub(crate) fn record_sync_states(states: &salal_clinic::RecordSyncStates) -> RecordSyncStatesWire {
    RecordSyncStatesWire {
        patient: record_sync_view(&states.patient),
        events: states
            .events
            .iter()
            .map(|(id, state)| EventSyncRow {
                event_id: id.to_string(),
                state: record_sync_view(state),
            })
            .collect(),
    }
}

/// An optional ISO date; the UI sends only ISO text, so anything else is its bug
/// or a hand-made request, reported against the field.
fn iso_date(text: &str, field: &str, lang: Lang) -> CmdResult<Option<NaiveDate>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            ui_error("request.bad_date", "ui.error.bad_event_date", lang).with_field(field)
        })
}

/// An event's date: ISO `YYYY-MM-DD`, or `YYYY-MM` for a card that shows
/// only the month (the first of that month, of month precision).
fn event_date(text: &str, lang: Lang) -> CmdResult<(Option<NaiveDate>, DatePrecision)> {
    if let Some(first) = DatePrecision::parse_iso_month(text) {
        return Ok((Some(first), DatePrecision::Month));
    }
    Ok((iso_date(text, "date", lang)?, DatePrecision::Day))
}

/// An event's date for the wire: ISO, or `YYYY-MM` when only the month is known.
fn event_date_text(date: Option<NaiveDate>, precision: DatePrecision) -> String {
    match (date, precision) {
        (Some(d), DatePrecision::Month) => d.format("%Y-%m").to_string(),
        (Some(d), DatePrecision::Day) => iso(d),
        (None, _) => String::new(),
    }
}

pub(crate) fn iso(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

pub(crate) fn roles(codes: &[String]) -> Vec<Role> {
    codes.iter().filter_map(|c| c.parse().ok()).collect()
}

pub(crate) fn patient_details(form: &PatientForm, lang: Lang) -> CmdResult<PatientDetails> {
    Ok(PatientDetails {
        first_name: form.first_name.clone(),
        middle_name: form.middle_name.clone(),
        last_name: form.last_name.clone(),
        second_last_name: form.second_last_name.clone(),
        birth_date: iso_date(&form.birth_date, "birth_date", lang)?,
        sex: Sex::from_code(&form.sex).unwrap_or_default(),
        birth_certificate_number: form.birth_certificate_number.clone(),
        medical_record_number: form.medical_record_number.clone(),
        mother_maiden_name: form.mother_maiden_name.clone(),
        guardian_name: form.guardian_name.clone(),
        guardian_relationship: form.guardian_relationship.clone(),
        phone: form.phone.clone(),
        address_line: form.address_line.clone(),
        city: form.city.clone(),
        state: form.state.clone(),
        postal_code: form.postal_code.clone(),
        preferred_language: form.preferred_language.parse().ok(),
    })
}

pub(crate) fn patient_form(details: &PatientDetails) -> PatientForm {
    PatientForm {
        first_name: details.first_name.clone(),
        middle_name: details.middle_name.clone(),
        last_name: details.last_name.clone(),
        second_last_name: details.second_last_name.clone(),
        birth_date: details.birth_date.map(iso).unwrap_or_default(),
        sex: details.sex.code().to_owned(),
        birth_certificate_number: details.birth_certificate_number.clone(),
        medical_record_number: details.medical_record_number.clone(),
        mother_maiden_name: details.mother_maiden_name.clone(),
        guardian_name: details.guardian_name.clone(),
        guardian_relationship: details.guardian_relationship.clone(),
        phone: details.phone.clone(),
        address_line: details.address_line.clone(),
        city: details.city.clone(),
        state: details.state.clone(),
        postal_code: details.postal_code.clone(),
        preferred_language: details
            .preferred_language
            .map(|l| l.code().to_owned())
            .unwrap_or_default(),
    }
}

pub(crate) fn patient_row(summary: &PatientSummary) -> PatientRow {
    PatientRow {
        id: summary.id.to_string(),
        display_name: summary.display_name.clone(),
        birth_date: iso(summary.birth_date),
        sex: summary.sex.code().to_owned(),
        guardian_name: summary.guardian_name.clone(),
    }
}

fn kind_from_wire(kind: WireKind) -> EventKind {
    match kind {
        WireKind::Administered => EventKind::Administered,
        WireKind::Historical => EventKind::Historical,
        WireKind::Refusal => EventKind::Refusal,
        WireKind::Contraindication => EventKind::Contraindication,
        WireKind::Immunity => EventKind::EvidenceOfImmunity,
    }
}

fn kind_to_wire(kind: EventKind) -> WireKind {
    match kind {
        EventKind::Administered => WireKind::Administered,
        EventKind::Historical => WireKind::Historical,
        EventKind::Refusal => WireKind::Refusal,
        EventKind::Contraindication => WireKind::Contraindication,
        EventKind::EvidenceOfImmunity => WireKind::Immunity,
    }
}

/// NIP001: "new immunization record" for a dose given here, "source unspecified" for a historical one.
const SOURCE_NEW_RECORD: &str = "00";
const SOURCE_HISTORICAL_UNSPECIFIED: &str = "01";

pub(crate) fn new_event(
    form: &EventForm,
    codes: &CodeSets,
    lang: Lang,
) -> CmdResult<(PatientId, NewEvent)> {
    let patient = patient_id(&form.patient_id, lang)?;
    let id = new_id(&form.id, lang)?;
    let kind = kind_from_wire(form.kind);
    let (date, date_precision) = event_date(&form.date, lang)?;
    let lot_expiration = iso_date(&form.lot_expiry, "lot_expiry", lang)?;
    let given = kind.is_dose();
    let keep = |value: &str, applies: bool| {
        if applies {
            value.to_owned()
        } else {
            String::new()
        }
    };
    let vis = match (kind, date) {
        (EventKind::Administered, Some(date)) if form.vis_given => codes
            .vis_for(&form.cvx)
            .into_iter()
            .take(1)
            .map(|doc| VisGiven {
                document: doc.encoded.clone(),
                presented_on: date,
            })
            .collect(),
        _ => Vec::new(),
    };
    let administered = kind == EventKind::Administered;
    let observation = match kind {
        EventKind::Contraindication => form.contraindication.clone(),
        EventKind::EvidenceOfImmunity => form.immunity.clone(),
        _ => String::new(),
    };
    let event = NewEvent {
        id,
        kind,
        cvx: keep(&form.cvx, kind != EventKind::EvidenceOfImmunity),
        date,
        date_precision,
        ndc: String::new(),
        mvx: keep(&form.mvx, given),
        lot_number: keep(&form.lot_number, given),
        lot_expiration: if given { lot_expiration } else { None },
        amount_ml: keep(&form.amount_ml, given),
        route: keep(&form.route, administered),
        site: keep(&form.site, administered),
        vfc_eligibility: keep(&form.vfc_eligibility, administered),
        funding_source: keep(&form.funding_source, administered),
        administering_provider: keep(&form.administering_provider, administered),
        information_source: match kind {
            EventKind::Administered => SOURCE_NEW_RECORD.to_owned(),
            EventKind::Historical => SOURCE_HISTORICAL_UNSPECIFIED.to_owned(),
            _ => String::new(),
        },
        refusal_reason: keep(&form.refusal_reason, kind == EventKind::Refusal),
        observation_code: observation,
        vis,
        note: keep(&form.source_note, kind == EventKind::Historical),
        confirm_expired_lot: false,
    };
    Ok((patient, event))
}

fn table_display(codes: &CodeSets, table: Table, code: &str, lang: Lang) -> String {
    codes.label(table, code, lang)
}

fn event_row(view: &EventView, codes: &CodeSets, lang: Lang) -> EventRow {
    let e = &view.event.details;
    let detail = match e.kind {
        EventKind::Administered => [
            table_display(codes, Table::Site, &e.site, lang),
            table_display(codes, Table::Route, &e.route, lang),
            if e.amount_ml.is_empty() {
                String::new()
            } else {
                tr_args(
                    lang,
                    "ui.event.amount_ml",
                    &[("amount", e.amount_ml.clone())],
                )
            },
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · "),
        EventKind::Historical => [
            table_display(codes, Table::InformationSource, &e.information_source, lang),
            e.note.clone(),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · "),
        EventKind::Refusal => table_display(codes, Table::RefusalReason, &e.refusal_reason, lang),
        EventKind::Contraindication => {
            table_display(codes, Table::Contraindication, &e.observation_code, lang)
        }
        EventKind::EvidenceOfImmunity => {
            table_display(codes, Table::EvidenceOfImmunity, &e.observation_code, lang)
        }
    };
    EventRow {
        id: view.event.id.to_string(),
        kind: kind_to_wire(e.kind),
        date: event_date_text(e.date, e.date_precision),
        cvx: e.cvx.clone(),
        vaccine: view.vaccine_name.clone(),
        lot_number: e.lot_number.clone(),
        detail,
        entered_in_error: view.event.entered_in_error,
        entered_in_error_reason: view.event.entered_in_error_reason.clone(),
    }
}

/// A translation, or `fallback` when the catalog has no such key.
fn tr_or(lang: Lang, key: &str, fallback: &str) -> String {
    let text = tr(lang, key);
    if text == key {
        fallback.to_owned()
    } else {
        text.to_owned()
    }
}

pub(crate) fn patient_record(
    record: &salal_clinic::PatientRecord,
    codes: &CodeSets,
    lang: Lang,
) -> PatientRecord {
    let patient = &record.patient;
    let mut groups: Vec<VaccineGroupRows> = record
        .groups
        .iter()
        .map(|g| VaccineGroupRows {
            group: tr_or(lang, &format!("vaccine_group.{}", g.group), &g.group),
            events: g.events.iter().map(|e| event_row(e, codes, lang)).collect(),
        })
        .collect();
    if !record.other.is_empty() {
        groups.push(VaccineGroupRows {
            group: tr(lang, "ui.record.other_events").to_owned(),
            events: record
                .other
                .iter()
                .map(|e| event_row(e, codes, lang))
                .collect(),
        });
    }
    let consents = &patient.consents;
    PatientRecord {
        id: patient.id.to_string(),
        display_name: patient.details.display_name(),
        details: patient_form(&patient.details),
        consents: ConsentView {
            registry_opted_out: consents.opted_out(),
            registry_date: match &consents.registry {
                RegistryParticipation::OptedOut { date, .. } => Some(iso(*date)),
                RegistryParticipation::Participating => None,
            },
            registry_requested_by: match &consents.registry {
                RegistryParticipation::OptedOut { requested_by, .. } => requested_by.clone(),
                RegistryParticipation::Participating => String::new(),
            },
            registry_reason: match &consents.registry {
                RegistryParticipation::OptedOut { reason, .. } => reason.clone(),
                RegistryParticipation::Participating => String::new(),
            },
            registry_form_on_file: matches!(
                consents.registry,
                RegistryParticipation::OptedOut {
                    form_on_file: true,
                    ..
                }
            ),
            mailings_declined: matches!(consents.mailings, Mailings::Declined { .. }),
            mailings_date: match &consents.mailings {
                Mailings::Declined { date } => Some(iso(*date)),
                Mailings::Accepted => None,
            },
        },
        groups,
    }
}

/// The consent choices after a change made today, keeping the dates of
/// unchanged ones; a new decline records who asked, why, and the form.
pub(crate) fn consents(current: &Consents, req: &ConsentRequest, today: NaiveDate) -> Consents {
    let (registry_opted_out, mailings_declined) = (req.registry_opted_out, req.mailings_declined);
    let registry = match (&current.registry, registry_opted_out) {
        (kept @ RegistryParticipation::OptedOut { .. }, true) => kept.clone(),
        (_, true) => RegistryParticipation::OptedOut {
            date: today,
            reason: req.reason.trim().to_owned(),
            form_on_file: req.form_on_file,
            requested_by: req.requested_by.trim().to_owned(),
        },
        (_, false) => RegistryParticipation::Participating,
    };
    let mailings = match (&current.mailings, mailings_declined) {
        (kept @ Mailings::Declined { .. }, true) => kept.clone(),
        (_, true) => Mailings::Declined { date: today },
        (_, false) => Mailings::Accepted,
    };
    Consents { registry, mailings }
}

/// Code-set display texts sometimes wrap lines; show them on one.
fn tidy(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn items(
    codes: &CodeSets,
    table: Table,
    lang: Lang,
    keep: impl Fn(&Code) -> bool,
) -> Vec<CodeItem> {
    let mut items: Vec<CodeItem> = codes
        .table(table)
        .iter()
        .filter(|c| {
            c.status.trim().eq_ignore_ascii_case("valid")
                && !c.code_system.starts_with("local")
                && keep(c)
        })
        .map(|c| CodeItem {
            code: c.code.clone(),
            label: codes.label(table, &c.code, lang),
        })
        .collect();
    // One entry per code (a table may list a code twice under two names).
    items.sort_by(|a, b| a.code.cmp(&b.code));
    items.dedup_by(|a, b| a.code == b.code);
    items.sort_by_key(|item| item.label.to_lowercase());
    items
}

pub(crate) fn code_lists(codes: &CodeSets, lang: Lang) -> CodeLists {
    let mut vaccines: Vec<CodeItem> = codes
        .vaccines()
        .filter(|v| v.is_active())
        .map(|v| CodeItem {
            code: v.cvx.clone(),
            label: tidy(&v.short_description),
        })
        .collect();
    vaccines.sort_by_key(|item| item.label.to_lowercase());
    CodeLists {
        vaccines,
        // The IG prefers NCIT route codes; the HL70162 twins would only double the list.
        routes: items(codes, Table::Route, lang, |c| c.code_system == "NCIT"),
        sites: items(codes, Table::Site, lang, |_| true),
        vfc_eligibility: items(codes, Table::VfcEligibility, lang, |_| true),
        funding_sources: items(codes, Table::FundingSource, lang, |_| true),
        refusal_reasons: items(codes, Table::RefusalReason, lang, |_| true),
        contraindications: items(codes, Table::Contraindication, lang, |_| true),
        immunities: items(codes, Table::EvidenceOfImmunity, lang, |_| true),
        sexes: [Sex::Female, Sex::Male, Sex::Other, Sex::Unknown]
            .into_iter()
            .map(|s| CodeItem {
                code: s.code().to_owned(),
                label: tr(lang, &format!("sex.{}", s.code())).to_owned(),
            })
            .collect(),
        roles: Role::ALL
            .into_iter()
            .map(|r| CodeItem {
                code: r.code().to_owned(),
                label: tr(lang, &format!("role.{}", r.code())).to_owned(),
            })
            .collect(),
    }
}

// ------------------------------------------------------------------ inventory

/// A required ISO date of an inventory request, reported against its field.
pub(crate) fn stock_date(text: &str, field: &str, lang: Lang) -> CmdResult<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| ui_error("request.bad_date", "ui.error.stock_date", lang).with_field(field))
}

/// A lot's or an order's id from the UI.
pub(crate) fn stock_id(text: &str, lang: Lang) -> CmdResult<uuid::Uuid> {
    parse_id(text.trim(), lang)
}

pub(crate) fn stock_line_view(line: &StockLine) -> StockLineView {
    StockLineView {
        lot_id: line.lot_id.to_string(),
        ndc: line.ndc.clone(),
        cvx: line.cvx.clone(),
        vaccine: line.vaccine.clone(),
        mvx: line.mvx.clone(),
        lot: line.lot.clone(),
        expires: iso(line.expires),
        funding: line.funding.clone(),
        program: line.program.clone(),
        unit: line.unit.clone(),
        quantity: line.quantity,
        last_count: line.last_count.map(iso),
        expires_in_days: line.expires_in_days,
    }
}

pub(crate) fn reconciliation_view(r: &Reconciliation) -> ReconciliationView {
    ReconciliationView {
        month_start: iso(r.month_start),
        done: r.done,
        uncounted: r.uncounted.iter().map(stock_line_view).collect(),
        last_count: r.last_count.map(iso),
    }
}

/// A storage unit by its name and kind's code.
pub(crate) fn unit_view(name: &str, kind: &str, lang: Lang) -> StorageUnitView {
    StorageUnitView {
        name: name.to_owned(),
        kind: kind.to_owned(),
        kind_label: Tables::embedded()
            .unit_kind(kind)
            .map_or_else(|| kind.to_owned(), |k| k.label(lang).to_owned()),
    }
}

/// The funding sources stock may have: the inventory table's codes, labelled
/// by the HL7 funding source table.
pub(crate) fn funding_items(codes: &CodeSets, lang: Lang) -> Vec<CodeItem> {
    Tables::embedded()
        .funding_codes()
        .map(|code| {
            let display = if codes.lookup(Table::FundingSource, code).is_some() {
                codes.label(Table::FundingSource, code, lang)
            } else {
                String::new()
            };
            CodeItem {
                code: code.to_owned(),
                label: if display.is_empty() {
                    code.to_owned()
                } else {
                    format!("{code} · {display}")
                },
            }
        })
        .collect()
}

pub(crate) fn reason_items(applies_to: ReasonUse, lang: Lang) -> Vec<CodeItem> {
    Tables::embedded()
        .reasons_for(applies_to)
        .map(|r| CodeItem {
            code: r.code.clone(),
            label: r.label(lang).to_owned(),
        })
        .collect()
}

pub(crate) fn unit_kind_items(lang: Lang) -> Vec<CodeItem> {
    Tables::embedded()
        .unit_kinds
        .iter()
        .map(|k| CodeItem {
            code: k.kind.clone(),
            label: k.label(lang).to_owned(),
        })
        .collect()
}

/// What the receive form sent: the scanned text, or the typed NDC, lot and expiry.
pub(crate) fn receipt(
    req: &ReceiveRequest,
    order_id: Option<uuid::Uuid>,
    lang: Lang,
) -> CmdResult<Receipt> {
    let source = if req.scan.trim().is_empty() {
        if req.ndc.trim().is_empty() {
            return Err(ui_error(
                "stock.nothing_to_receive",
                "ui.error.stock_receive_what",
                lang,
            )
            .with_field("scan"));
        }
        LotSource::Typed {
            ndc: req.ndc.trim().to_owned(),
            lot: req.lot.trim().to_owned(),
            expires: stock_date(&req.expires, "expires", lang)?,
        }
    } else {
        LotSource::Scan(req.scan.clone())
    };
    let unit = req.unit.trim();
    Ok(Receipt {
        id: new_id(&req.id, lang)?,
        source,
        quantity: req.quantity,
        funding: req.funding.trim().to_owned(),
        unit: (!unit.is_empty()).then(|| unit.to_owned()),
        date: None,
        order_id,
        from_facility: None,
        note: String::new(),
    })
}

pub(crate) fn non_viable_view(n: &NonViable) -> NonViableView {
    NonViableView {
        date: iso(n.date),
        ndc: n.ndc.clone(),
        vaccine: n.vaccine.clone(),
        lot: n.lot.clone(),
        expires: iso(n.expires),
        funding: n.funding.clone(),
        unit: n.unit.clone(),
        kind: n.kind.clone(),
        reason: if n.reason_label.is_empty() {
            n.reason.clone()
        } else {
            n.reason_label.clone()
        },
        doses: n.doses,
        action: n.action.clone(),
        due: n.due.map(iso),
    }
}

pub(crate) fn count_session_view(s: &CountSession) -> CountSessionView {
    CountSessionView {
        date: iso(s.date),
        lots: u32::try_from(s.lots).unwrap_or(u32::MAX),
        expected: s.expected,
        counted: s.counted,
        adjustment: s.adjustment,
        counted_by: s.counted_by.clone(),
    }
}

fn moment(at: chrono::NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

pub(crate) fn temperature_view(import: &TemperatureImport) -> TemperatureImportView {
    TemperatureImportView {
        readings: u32::try_from(import.readings).unwrap_or(u32::MAX),
        new_readings: import.new_readings,
        excursions: import
            .excursions
            .iter()
            .map(|impact| {
                let e = &impact.excursion;
                ExcursionView {
                    start: moment(e.start),
                    end: moment(e.end),
                    minutes: e.duration().num_minutes(),
                    readings: u32::try_from(e.readings).unwrap_or(u32::MAX),
                    min_c: e.min_c,
                    max_c: e.max_c,
                    too_warm: e.too_warm,
                    too_cold: e.too_cold,
                    lots: impact.lots.iter().map(stock_line_view).collect(),
                    doses: impact
                        .doses
                        .iter()
                        .map(|d| AffectedDoseView {
                            patient_id: d.patient_id.to_string(),
                            patient_name: d.patient_name.clone(),
                            date: iso(d.date),
                            lot: d.lot.clone(),
                            vaccine: d.vaccine.clone(),
                        })
                        .collect(),
                }
            })
            .collect(),
    }
}

fn vaccine_name(codes: &CodeSets, cvx: &str) -> String {
    codes
        .vaccine(cvx)
        .map(|v| tidy(&v.short_description))
        .unwrap_or_default()
}

pub(crate) fn order_line_view(line: &OrderLine, codes: &CodeSets) -> OrderLineView {
    OrderLineView {
        ndc: line.ndc.clone(),
        cvx: line.cvx.clone(),
        vaccine: vaccine_name(codes, &line.cvx),
        funding: line.funding.clone(),
        doses: line.doses,
        suggested: line.suggested,
    }
}

pub(crate) fn order_line(line: &OrderLineView) -> OrderLine {
    OrderLine {
        ndc: line.ndc.trim().to_owned(),
        cvx: line.cvx.trim().to_owned(),
        funding: line.funding.trim().to_owned(),
        doses: line.doses,
        suggested: line.suggested,
    }
}

pub(crate) fn order_state_view(state: OrderState) -> OrderStateView {
    match state {
        OrderState::Draft => OrderStateView::Draft,
        OrderState::Submitted => OrderStateView::Submitted,
        OrderState::Approved => OrderStateView::Approved,
        OrderState::Shipped => OrderStateView::Shipped,
        OrderState::Received => OrderStateView::Received,
        OrderState::Cancelled => OrderStateView::Cancelled,
    }
}

pub(crate) fn order_state(state: OrderStateView) -> OrderState {
    match state {
        OrderStateView::Draft => OrderState::Draft,
        OrderStateView::Submitted => OrderState::Submitted,
        OrderStateView::Approved => OrderState::Approved,
        OrderStateView::Shipped => OrderState::Shipped,
        OrderStateView::Received => OrderState::Received,
        OrderStateView::Cancelled => OrderState::Cancelled,
    }
}

pub(crate) fn order_view(order: &Order, codes: &CodeSets) -> OrderView {
    OrderView {
        id: order.id.to_string(),
        state: order_state_view(order.state),
        lines: order
            .lines
            .iter()
            .map(|l| order_line_view(l, codes))
            .collect(),
        created_on: iso(order.created_on),
        updated_on: iso(order
            .history
            .last()
            .map_or(order.created_on, |(_, day)| *day)),
        note: order.note.clone(),
    }
}

pub(crate) fn doses_report_view(report: &DosesReport) -> DosesReportView {
    DosesReportView {
        from: iso(report.from),
        to: iso(report.to),
        rows: report
            .rows
            .iter()
            .map(|r| DosesRowView {
                cvx: r.cvx.clone(),
                vaccine: r.vaccine.clone(),
                age_group: r.age_label.clone(),
                vfc_eligibility: r.vfc_eligibility.clone(),
                vfc_eligible: r.vfc_eligible,
                doses: r.doses,
            })
            .collect(),
        total: report.total,
    }
}

// ------------------------------------------------------------------ audit

/// The actions the audit screen filters by, in the order it lists them.
const AUDIT_ACTIONS: &[&str] = &[
    "view",
    "view_forecast",
    "search",
    "duplicate_check",
    "print",
    "export",
    "recall_list",
    "registry_lookup",
    "registry_fetch",
    "create",
    "update",
    "consent_change",
    "sign_in",
    "sign_in_failed",
    "password_change",
    "roles_change",
    "language_change",
    "audit_review",
    "audit_export",
];

/// An action's name in `lang` (its code when it has none).
fn audit_action_label(lang: Lang, action: &str) -> String {
    tr_or(lang, &format!("ui.audit.action.{action}"), action)
}

pub(crate) fn audit_actions(lang: Lang) -> Vec<CodeItem> {
    AUDIT_ACTIONS
        .iter()
        .map(|a| CodeItem {
            code: (*a).to_owned(),
            label: audit_action_label(lang, a),
        })
        .collect()
}

/// The screen's filter, checked: days are ISO, the patient an id.
pub(crate) fn audit_filter(
    req: &salal_ipc::admin::AuditRequest,
    lang: Lang,
) -> CmdResult<salal_clinic::audit::AuditFilter> {
    let text = |t: &str| Some(t.trim().to_owned()).filter(|t| !t.is_empty());
    let day = |t: &str, field: &str| -> CmdResult<Option<NaiveDate>> {
        match text(t) {
            None => Ok(None),
            Some(t) => NaiveDate::parse_from_str(&t, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| {
                    ui_error("request.bad_date", "ui.error.bad_date", lang).with_field(field)
                }),
        }
    };
    Ok(salal_clinic::audit::AuditFilter {
        username: text(&req.username),
        patient: match text(&req.patient_id) {
            None => None,
            Some(id) => Some(patient_id(&id, lang)?),
        },
        from: day(&req.from, "from")?,
        to: day(&req.to, "to")?,
        action: text(&req.action),
    })
}

/// An audit event's detail, for people: a list's question and size, a
/// role change's roles, else the detail as written.
fn audit_detail(lang: Lang, entry: &salal_clinic::audit::AuditEntry) -> String {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str(&entry.detail) else {
        return entry.detail.clone();
    };
    if let (Some(asked), Some(shown)) = (
        map.get("asked").and_then(serde_json::Value::as_str),
        map.get("shown").and_then(serde_json::Value::as_array),
    ) {
        return tr_args(
            lang,
            "ui.audit.detail_listed",
            &[
                ("asked", asked.to_owned()),
                ("count", shown.len().to_string()),
            ],
        );
    }
    if let (Some(roles), Some(active)) = (
        map.get("roles").and_then(serde_json::Value::as_array),
        map.get("active").and_then(serde_json::Value::as_bool),
    ) {
        let roles: Vec<String> = roles
            .iter()
            .filter_map(serde_json::Value::as_str)
            .map(|r| tr(lang, &format!("role.{r}")).to_owned())
            .collect();
        let state = tr(
            lang,
            if active {
                "ui.users.active"
            } else {
                "ui.users.inactive"
            },
        );
        return format!("{} · {state}", roles.join(", "));
    }
    entry.detail.clone()
}

pub(crate) fn audit_rows(
    clinic: &salal_clinic::Clinic,
    session: &salal_clinic::Session,
    entries: &[salal_clinic::audit::AuditEntry],
    lang: Lang,
) -> Vec<salal_ipc::admin::AuditRow> {
    let ids: Vec<PatientId> = entries
        .iter()
        .filter(|e| e.entity == "patient")
        .filter_map(|e| e.entity_id.parse().ok())
        .collect();
    // Names are a convenience: the events show without them.
    let names = clinic
        .audited_patient_names(session, &ids)
        .unwrap_or_default();
    entries
        .iter()
        .map(|e| salal_ipc::admin::AuditRow {
            at: e.at.clone(),
            username: e.username.clone(),
            action: e.action.clone(),
            action_label: audit_action_label(lang, &e.action),
            entity: e.entity.clone(),
            entity_id: e.entity_id.clone(),
            patient_name: e
                .entity_id
                .parse::<PatientId>()
                .ok()
                .filter(|_| e.entity == "patient")
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_default(),
            detail: audit_detail(lang, e),
        })
        .collect()
}
