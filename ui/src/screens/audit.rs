//! The audit log, for clinic administrators: who saw or changed what,
//! filtered by user, patient, days and action, newest first; and the same
//! list as a CSV file in the documents folder. Opened from the navigation,
//! or from a patient's record ("Who saw this record") with that patient
//! already chosen.

use crate::app::state;
use crate::dates;
use crate::i18n::{moment_text, t, t_args_tracked, t_now};
use crate::transport::call;
use crate::widgets::{CodeSelect, ErrorBanner, Submit, SubmitRow, TextField, focus_on_mount};
use leptos::html::Input;
use leptos::prelude::*;
use salal_ipc::admin::{AuditPage, AuditRequest};
use salal_ipc::documents::SavedFile;
use salal_ipc::{IpcError, cmd};

/// The audit screen; `patient` preselects a patient (by id).
#[component]
pub(crate) fn Audit(patient: Option<String>) -> impl IntoView {
    let app = state();
    let username = RwSignal::new(String::new());
    let patient_id = RwSignal::new(patient.unwrap_or_default());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    dates::follow_language(app.lang, vec![from, to]);
    let page = RwSignal::new(None::<AuditPage>);
    let saved = RwSignal::new(None::<SavedFile>);
    let find = Submit::new();
    let first = NodeRef::<Input>::new();
    focus_on_mount(first);

    let request = move || -> Result<AuditRequest, IpcError> {
        let lang = app.lang.get_untracked();
        let day = |text: String, field: &str| -> Result<String, IpcError> {
            if text.trim().is_empty() {
                return Ok(String::new());
            }
            dates::parse(lang, &text)
                .map(|d| d.format("%Y-%m-%d").to_string())
                .ok_or_else(|| {
                    IpcError::new("form.bad_date", t_now("ui.error.bad_date")).with_field(field)
                })
        };
        Ok(AuditRequest {
            username: username.get_untracked(),
            patient_id: patient_id.get_untracked(),
            from: day(from.get_untracked(), "from")?,
            to: day(to.get_untracked(), "to")?,
            action: action.get_untracked(),
        })
    };
    let search = move || {
        find.run(move || {
            let req = request()?;
            Ok(async move {
                let found = call::<_, AuditPage>(cmd::AUDIT_LOG, &req).await?;
                page.set(Some(found));
                Ok(())
            })
        });
    };
    search();
    let on_find = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        search();
    };
    let on_export = move |_| {
        find.run(move || {
            let req = request()?;
            Ok(async move {
                let file = call::<_, SavedFile>(cmd::AUDIT_EXPORT, &req).await?;
                saved.set(Some(file));
                Ok(())
            })
        });
    };
    let actions = Signal::derive(move || {
        page.with(|p| p.as_ref().map(|p| p.actions.clone()).unwrap_or_default())
    });

    view! {
        <section class="card" id="audit-screen">
            <h1>{t("ui.audit.title")}</h1>
            <p class="lead">{t("ui.audit.intro")}</p>
            <ErrorBanner error=find.error/>
            <form on:submit=on_find>
                <div class="row">
                    <TextField label="ui.audit.user" id="audit-user" value=username node_ref=first/>
                    <TextField label="ui.audit.patient" id="audit-patient" value=patient_id class="wide"/>
                    <TextField label="ui.audit.from" id="audit-from" value=from hint="ui.date.placeholder" class="narrow"/>
                    <TextField label="ui.audit.to" id="audit-to" value=to hint="ui.date.placeholder" class="narrow"/>
                    <CodeSelect label="ui.audit.action" id="audit-action" value=action items=actions/>
                </div>
                <SubmitRow id="audit-find" label="ui.audit.find" busy=find.busy/>
            </form>
            <div class="actions">
                <button type="button" id="audit-export" on:click=on_export disabled=move || find.busy.get()>
                    {t("ui.audit.export")}
                </button>
            </div>
            <Show when=move || saved.with(Option::is_some)>
                <p class="banner success" role="status" id="audit-saved">
                    {move || saved.get().map(|f| t_args_tracked("ui.print.saved", &[("path", f.path)])).unwrap_or_default()}
                </p>
            </Show>
            {move || page.get().map(|p| {
                let lang = app.lang.get();
                let count = p.rows.len();
                view! {
                    <p class="muted" id="audit-count">
                        {if p.more {
                            t_args_tracked("ui.audit.count_more", &[("count", count.to_string())])
                        } else {
                            t_args_tracked("ui.audit.count", &[("count", count.to_string())])
                        }}
                    </p>
                    <table class="audit" id="audit-rows">
                        <thead>
                            <tr>
                                <th scope="col">{t("ui.audit.col.when")}</th>
                                <th scope="col">{t("ui.audit.col.user")}</th>
                                <th scope="col">{t("ui.audit.col.action")}</th>
                                <th scope="col">{t("ui.audit.col.record")}</th>
                                <th scope="col">{t("ui.audit.col.detail")}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {p.rows.into_iter().map(|row| {
                                let record = if row.patient_name.is_empty() {
                                    format!("{} {}", row.entity, row.entity_id)
                                } else {
                                    row.patient_name.clone()
                                };
                                view! {
                                    <tr class="audit-row">
                                        <td>{moment_text(lang, &row.at)}</td>
                                        <td>{row.username}</td>
                                        <td>{row.action_label}</td>
                                        <td>{record}</td>
                                        <td>{row.detail}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }
            })}
        </section>
    }
}
