//! "What is due" on the patient record: per vaccine group, today's state (due
//! now, overdue, due on a date, complete, immune), the next dose's dates, and
//! why a past dose does not count. Computed by the clinic's CDSi forecast.

use crate::app::state;
use crate::i18n::{iso_date_text, t, t_args_tracked, t_key};
use crate::transport::call;
use leptos::prelude::*;
use leptos::task::spawn_local;
use salal_ipc::forecast::{ForecastRequest, ForecastView, GroupForecastRow};
use salal_ipc::{IpcError, cmd};

/// The forecast panel of one patient's record.
#[component]
pub(crate) fn ForecastPanel(
    patient_id: String,
    error: RwSignal<Option<IpcError>>,
) -> impl IntoView {
    let forecast = RwSignal::new(None::<ForecastView>);
    let req = ForecastRequest { id: patient_id };
    spawn_local(async move {
        match call::<_, ForecastView>(cmd::PATIENT_FORECAST, &req).await {
            Ok(f) => {
                forecast.try_set(Some(f));
            }
            Err(e) => {
                error.try_set(Some(e));
            }
        }
    });
    view! {
        <section class="panel" aria-labelledby="forecast-title" id="forecast">
            <h2 id="forecast-title">{t("ui.forecast.title")}</h2>
            {move || match forecast.get() {
                None => view! { <p class="muted">{t("ui.forecast.loading")}</p> }.into_any(),
                Some(f) => view! {
                    <table class="forecast">
                        <thead>
                            <tr>
                                <th scope="col">{t("ui.forecast.group")}</th>
                                <th scope="col">{t("ui.forecast.status")}</th>
                                <th scope="col">{t("ui.forecast.next_dose")}</th>
                                <th scope="col">{t("ui.forecast.earliest")}</th>
                                <th scope="col">{t("ui.forecast.recommended")}</th>
                                <th scope="col">{t("ui.forecast.past_due")}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {f.groups.into_iter().map(group_rows).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
}

fn group_rows(group: GroupForecastRow) -> impl IntoView {
    let lang = state().lang;
    let date = |iso: Option<String>| {
        move || {
            iso.as_deref()
                .map(|d| iso_date_text(lang.get(), d))
                .unwrap_or_default()
        }
    };
    let group_key = format!("forecast.group.{}", group.group);
    let due_key = group.due_key.clone();
    let due_date = group.due_date.clone();
    let due = move || {
        let when = due_date
            .as_deref()
            .map(|d| iso_date_text(lang.get(), d))
            .unwrap_or_default();
        t_args_tracked(&due_key, &[("date", when)])
    };
    let next = group
        .dose_number
        .map(|n| move || t_args_tracked("ui.forecast.dose_n", &[("n", n.to_string())]));
    let reason = group.reason_key.clone().map(|key| move || t_key(&key));
    let tone = format!("due-state {}", group.tone);
    let not_counted = group.not_counted.clone();
    view! {
        <tr class="forecast-group" data-group=group.group.clone()>
            <th scope="row">{move || t_key(&group_key)}</th>
            <td><span class=tone>{due}</span>{reason.map(|r| view! { <span class="muted reason">" · "{r}</span> })}</td>
            <td>{next}</td>
            <td>{date(group.earliest.clone())}</td>
            <td>{date(group.recommended.clone())}</td>
            <td>{date(group.past_due.clone())}</td>
        </tr>
        {not_counted.into_iter().map(|dose| {
            let status_key = dose.status_key.clone();
            let reasons = dose.reason_keys.clone();
            let date = dose.date.clone();
            let cvx = dose.cvx.clone();
            view! {
                <tr class="not-counted">
                    <td></td>
                    <td colspan="5">
                        {move || t_args_tracked("ui.forecast.not_counted", &[
                            ("date", iso_date_text(lang.get(), &date)),
                            ("cvx", cvx.clone()),
                            ("status", t_key(&status_key)),
                            ("reasons", reasons.iter().map(|r| t_key(r)).collect::<Vec<_>>().join("; ")),
                        ])}
                    </td>
                </tr>
            }
        }).collect_view()}
    }
}
