//! What is due: the CDSi forecast on the patient's record.

use crate::convert::patient_id;
use crate::errors::{CmdResult, to_ipc};
use crate::shell::Shell;
use salal_clinic::{DueState, EvaluationStatus, GroupForecast, PatientForecast};
use salal_ipc::forecast::{DoseVerdictRow, ForecastRequest, ForecastView, GroupForecastRow};
use tauri::State;

/// A patient's forecast as of today.
#[tauri::command(async)]
pub(crate) fn patient_forecast(
    shell: State<'_, Shell>,
    req: ForecastRequest,
) -> CmdResult<ForecastView> {
    let (clinic, session) = shell.signed_in()?;
    let lang = shell.lang();
    let id = patient_id(&req.id, lang)?;
    let forecast = clinic
        .patient_forecast(&session, id)
        .map_err(|e| to_ipc(&e, lang))?;
    Ok(forecast_view(&forecast))
}

fn iso(date: Option<chrono::NaiveDate>) -> Option<String> {
    date.map(|d| d.to_string())
}

fn tone(due: DueState) -> &'static str {
    match due {
        DueState::Overdue => "overdue",
        DueState::DueNow => "due",
        DueState::DueOn(_) => "later",
        DueState::Complete | DueState::Immune => "done",
        DueState::AgedOut | DueState::Contraindicated | DueState::NotRecommended => "other",
    }
}

fn group_row(group: &GroupForecast) -> GroupForecastRow {
    GroupForecastRow {
        group: group.group.clone(),
        due_key: group.due.message_key().to_owned(),
        due_date: match group.due {
            DueState::DueOn(date) => Some(date.to_string()),
            _ => None,
        },
        tone: tone(group.due).to_owned(),
        dose_number: group.dose_number,
        earliest: iso(group.earliest),
        recommended: iso(group.recommended),
        past_due: iso(group.past_due),
        reason_key: group.reason_key.map(str::to_owned),
        not_counted: group
            .doses
            .iter()
            .filter(|d| d.status != EvaluationStatus::Valid)
            .map(|d| DoseVerdictRow {
                event_id: d.event_id.to_string(),
                date: d.date.to_string(),
                cvx: d.cvx.clone(),
                status_key: d.status.message_key().to_owned(),
                reason_keys: d
                    .reasons
                    .iter()
                    .filter(|r| r.is_problem())
                    .map(|r| r.message_key().to_owned())
                    .collect(),
            })
            .collect(),
    }
}

/// The wire form of a forecast.
pub(crate) fn forecast_view(forecast: &PatientForecast) -> ForecastView {
    ForecastView {
        as_of: forecast.as_of.to_string(),
        groups: forecast.groups.iter().map(group_row).collect(),
    }
}
