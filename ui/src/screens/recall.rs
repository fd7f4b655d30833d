//! Reminder/recall (F7): find the families whose children are due or overdue
//! as of a date — by age, vaccine group, overdue only, family language, and
//! leaving out families contacted recently — then make their letters (each in
//! the family's language, with a progress bar for long batches), mailing
//! labels or a CSV, and record the calls made, each with what came of it.
//!
//! Everything is saved in the documents folder and the full path is shown.
//! Letters count as sent only once their file is saved; printing the same
//! day's letters again records nothing twice. Families who declined the
//! registry or mailings never appear (the clinic leaves them out).

use crate::app::state;
use crate::dates;
use crate::i18n::{date_text, iso_date_text, t, t_args, t_args_tracked, t_key, t_now, to_wire};
use crate::transport::call;
use crate::widgets::{Busy, ErrorBanner, Submit, TextField, close_on_escape, focus_on_mount};
use leptos::html::Input;
use leptos::prelude::*;
use salal_core::i18n::Lang;
use salal_ipc::documents::{
    ContactsView, RECALL_GROUPS, RecallExport, RecallExportRequest, RecallList, RecallOutput,
    RecallRequest, RecallRow, RecordCallRequest,
};
use salal_ipc::{IpcError, cmd};

/// The family whose call was just recorded (shown above the form).
#[derive(Clone, Copy)]
struct CallNotice(RwSignal<Option<String>>);

/// Rows shown at first, and added by "Show more" (the files always cover the whole list).
const PAGE: usize = 200;

/// The recall screen.
#[component]
pub(crate) fn Recall() -> impl IntoView {
    let app = state();
    let lang = app.lang.get_untracked();
    let as_of = RwSignal::new(date_text(lang, dates::today()));
    let age_min = RwSignal::new(String::new());
    let age_max = RwSignal::new(String::new());
    let skip_days = RwSignal::new(String::new());
    let overdue_only = RwSignal::new(false);
    let family_lang = RwSignal::new(String::new());
    let groups = RwSignal::new(Vec::<&'static str>::new());
    let list = RwSignal::new(None::<RecallList>);
    let shown = RwSignal::new(PAGE);
    let find = Submit::new();
    let export = Submit::new();
    let exported = RwSignal::new(None::<(RecallOutput, RecallExport)>);
    let called = CallNotice(RwSignal::new(None));
    provide_context(called);
    let first = NodeRef::<Input>::new();
    focus_on_mount(first);
    // The date is typed the way the language writes it: follow a switch of language.
    dates::follow_language(app.lang, vec![as_of]);

    let on_find = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        find.run(move || {
            let req = read_query(
                app.lang.get_untracked(),
                &as_of.get_untracked(),
                &age_min.get_untracked(),
                &age_max.get_untracked(),
                &skip_days.get_untracked(),
                &family_lang.get_untracked(),
                overdue_only.get_untracked(),
                &groups.get_untracked(),
            )?;
            exported.set(None);
            export.error.set(None);
            called.0.set(None);
            Ok(async move {
                let found = call::<_, RecallList>(cmd::RECALL_LIST, &req).await?;
                shown.try_set(PAGE);
                list.try_set(Some(found));
                Ok(())
            })
        });
    };

    let make = move |output: RecallOutput| {
        let Some(list_id) = list.with_untracked(|l| l.as_ref().map(|l| l.list_id.clone())) else {
            return;
        };
        export.run(move || {
            exported.set(None);
            if output == RecallOutput::Letters {
                app.recall_progress.set(None);
            }
            let req = RecallExportRequest { list_id, output };
            Ok(async move {
                let answer = call::<_, RecallExport>(cmd::RECALL_EXPORT, &req).await;
                app.recall_progress.try_set(None);
                let done = answer?;
                if !done.rows.is_empty() {
                    let rows = done.rows.clone();
                    list.try_update(|l| {
                        if let Some(l) = l {
                            l.rows = rows;
                        }
                    });
                }
                exported.try_set(Some((output, done)));
                Ok(())
            })
        });
    };

    let rows_count = move || list.with(|l| l.as_ref().map_or(0, |l| l.rows.len()));
    let summary = move || {
        list.with(|l| {
            l.as_ref().map(|l| {
                if l.rows.is_empty() {
                    t_key("ui.recall.none")
                } else {
                    t_args_tracked(
                        "ui.recall.found",
                        &[
                            ("count", l.rows.len().to_string()),
                            ("date", iso_date_text(app.lang.get(), &l.as_of)),
                        ],
                    )
                }
            })
        })
    };
    let no_rows = move || rows_count() == 0 || export.busy.get();

    view! {
        <section class="recall card wide" id="recall-screen">
            <h1>{t("ui.recall.title")}</h1>
            <p class="lead">{t("ui.recall.lead")}</p>
            <ErrorBanner error=find.error/>
            {move || called.0.get().map(|name| view! {
                <p class="banner success" role="status" id="notice">
                    {t_args_tracked("ui.recall.call_saved", &[("name", name)])}
                </p>
            })}
            <form class="recall-query" on:submit=on_find>
                <div class="row">
                    <TextField label="ui.recall.as_of" id="recall-as-of" value=as_of hint="ui.date.placeholder" node_ref=first class="narrow"/>
                    <TextField label="ui.recall.age_min" id="recall-age-min" value=age_min class="narrow"/>
                    <TextField label="ui.recall.age_max" id="recall-age-max" value=age_max class="narrow"/>
                    <div class="field narrow">
                        <label for="recall-language">{t("ui.recall.language")}</label>
                        <select id="recall-language" prop:value=move || family_lang.get()
                            on:change=move |ev| family_lang.set(event_target_value(&ev))>
                            <option value="">{t("ui.recall.any_language")}</option>
                            {Lang::ALL.into_iter().map(|l| {
                                let key = format!("ui.language.{}", l.code());
                                view! { <option value=l.code()>{move || t_key(&key)}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <TextField label="ui.recall.skip_days" id="recall-skip-days" value=skip_days class="narrow"/>
                </div>
                <fieldset class="groups">
                    <legend>{t("ui.recall.groups")}</legend>
                    {RECALL_GROUPS.iter().enumerate().map(|(index, group)| {
                        let group: &'static str = group;
                        let key = format!("forecast.group.{group}");
                        view! {
                            <label class="check">
                                <input type="checkbox" id=format!("recall-group-{index}") value=group
                                    prop:checked=move || groups.with(|g| g.contains(&group))
                                    on:change=move |_| groups.update(|g| {
                                        if let Some(at) = g.iter().position(|x| *x == group) {
                                            g.remove(at);
                                        } else {
                                            g.push(group);
                                        }
                                    })/>
                                {move || t_key(&key)}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <div class="actions">
                    <label class="check">
                        <input type="checkbox" id="recall-overdue" bind:checked=overdue_only/>
                        {t("ui.recall.overdue_only")}
                    </label>
                    <button type="submit" class="primary" id="recall-find" disabled=move || find.busy.get()>
                        {t("ui.recall.find")}
                    </button>
                    <Busy busy=find.busy/>
                    <span class="hint">{t("ui.recall.keys")}</span>
                </div>
            </form>
            <Show when=move || list.with(Option::is_some)>
                <div class="recall-results">
                    <div class="recall-bar">
                        <p class="recall-summary" id="recall-summary" role="status">{summary}</p>
                        <div class="actions">
                            <button id="recall-letters" disabled=no_rows on:click=move |_| make(RecallOutput::Letters)>
                                {t("ui.recall.letters")}
                            </button>
                            <button id="recall-labels" disabled=no_rows on:click=move |_| make(RecallOutput::Labels)>
                                {t("ui.recall.labels")}
                            </button>
                            <button id="recall-csv" disabled=no_rows on:click=move |_| make(RecallOutput::Csv)>
                                {t("ui.recall.csv")}
                            </button>
                            <LettersProgress busy=export.busy/>
                        </div>
                    </div>
                    <ErrorBanner error=export.error/>
                    {move || exported.get().map(|(output, done)| export_message(output, &done)).map(|(tone, text)| view! {
                        <p class=format!("banner {tone} path-text") role="status" id="recall-result">{text}</p>
                    })}
                    <RecallTable list=list shown=shown/>
                </div>
            </Show>
        </section>
    }
}

/// What the form says, for the wire; a field that is not a number or a date is an error on it.
#[expect(
    clippy::too_many_arguments,
    reason = "one argument per field of the form, read once"
)]
fn read_query(
    lang: Lang,
    as_of: &str,
    age_min: &str,
    age_max: &str,
    skip_days: &str,
    family_lang: &str,
    overdue_only: bool,
    groups: &[&'static str],
) -> Result<RecallRequest, IpcError> {
    let number = |text: &str, field: &str, label: &str| -> Result<Option<u32>, IpcError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse().map(Some).map_err(|_| {
            IpcError::new(
                "form.bad_number",
                t_args("ui.error.recall_number", &[("field", t_now(label))]),
            )
            .with_field(field)
        })
    };
    let as_of = dates::parse(lang, as_of).ok_or_else(|| {
        IpcError::new("form.bad_date", t_now("ui.error.recall_date")).with_field("as_of")
    })?;
    Ok(RecallRequest {
        as_of: as_of.format("%Y-%m-%d").to_string(),
        age_min_months: number(age_min, "age_min", "ui.recall.age_min")?,
        age_max_months: number(age_max, "age_max", "ui.recall.age_max")?,
        groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        overdue_only,
        language: family_lang.parse::<Lang>().ok().map(to_wire),
        skip_contacted_within_days: number(skip_days, "skip_days", "ui.recall.skip_days")?,
    })
}

/// The banner after a file was made (follows the language): where it is, and for letters how many were recorded as sent.
fn export_message(output: RecallOutput, done: &RecallExport) -> (&'static str, String) {
    let path = done.file.path.clone();
    if let Some(details) = &done.contacts_error {
        return (
            "warning",
            t_args_tracked(
                "ui.recall.contacts_failed",
                &[("path", path), ("details", details.clone())],
            ),
        );
    }
    let text = match output {
        RecallOutput::Letters => t_args_tracked(
            "ui.recall.letters_saved",
            &[
                ("count", done.families.to_string()),
                ("path", path),
                ("recorded", done.letters_recorded.to_string()),
            ],
        ),
        RecallOutput::Labels | RecallOutput::Csv => {
            t_args_tracked("ui.print.saved", &[("path", path)])
        }
    };
    ("success", text)
}

/// The letters' progress bar while they are laid out (from the shell's events).
#[component]
fn LettersProgress(busy: RwSignal<bool>) -> impl IntoView {
    let app = state();
    view! {
        {move || {
            let progress = app.recall_progress.get().filter(|_| busy.get())?;
            Some(view! {
                <span class="recall-progress" id="recall-progress" role="status">
                    <progress max=progress.total.max(1).to_string() value=progress.done.to_string()></progress>
                    <span>{t_args_tracked("ui.recall.letters_progress", &[
                        ("done", progress.done.to_string()),
                        ("total", progress.total.to_string()),
                    ])}</span>
                </span>
            })
        }}
    }
}

/// The families found, one row each; "Record call" opens a small form under the row.
#[component]
fn RecallTable(list: RwSignal<Option<RecallList>>, shown: RwSignal<usize>) -> impl IntoView {
    let calling = RwSignal::new(None::<String>);
    let total = move || list.with(|l| l.as_ref().map_or(0, |l| l.rows.len()));
    view! {
        <Show when=move || { total() > 0 }>
            <table class="recall-table" id="recall-table">
                <thead>
                    <tr>
                        <th scope="col">{t("ui.recall.col.name")}</th>
                        <th scope="col">{t("ui.recall.col.birth_date")}</th>
                        <th scope="col">{t("ui.recall.col.age")}</th>
                        <th scope="col">{t("ui.recall.col.language")}</th>
                        <th scope="col">
                            {t("ui.recall.col.due")}" "
                            <span class="due-chip">{t("ui.recall.legend_due")}</span>
                            <span class="due-chip overdue">{t("ui.recall.overdue_tag")}</span>
                        </th>
                        <th scope="col">{t("ui.recall.col.contacts")}</th>
                        <th scope="col">{t("ui.recall.col.suggested")}</th>
                        <th scope="col"><span class="visually-hidden">{t("ui.recall.col.actions")}</span></th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || {
                            list.with(|l| {
                                l.as_ref()
                                    .map(|l| l.rows.iter().take(shown.get()).cloned().enumerate().collect::<Vec<_>>())
                                    .unwrap_or_default()
                            })
                        }
                        key=|(_, row)| (row.patient_id.clone(), row.contacts)
                        children=move |(index, row)| view! { <RecallRowView index=index row=row list=list calling=calling/> }
                    />
                </tbody>
            </table>
            <Show when=move || { shown.get() < total() }>
                <p class="hint" id="recall-more">
                    {move || t_args_tracked("ui.recall.showing", &[
                        ("shown", shown.get().min(total()).to_string()),
                        ("count", total().to_string()),
                    ])}
                    " "
                    <button class="small" id="recall-show-more" on:click=move |_| shown.update(|n| *n += PAGE)>
                        {t("ui.recall.show_more")}
                    </button>
                </p>
            </Show>
        </Show>
    }
}

/// An age in months; from two years on, in years and months.
fn age_text(months: u32) -> String {
    if months < 24 {
        t_args_tracked("ui.recall.age_value", &[("months", months.to_string())])
    } else {
        t_args_tracked(
            "ui.recall.age_years",
            &[
                ("years", (months / 12).to_string()),
                ("months", (months % 12).to_string()),
            ],
        )
    }
}

/// A contact count and the latest contact's date.
fn contacts_text(lang: Lang, contacts: ContactsView) -> String {
    if contacts.letters == 0 && contacts.calls == 0 {
        return t_key("ui.recall.contacts_none");
    }
    let mut text = t_args_tracked(
        "ui.recall.contacts_value",
        &[
            ("letters", contacts.letters.to_string()),
            ("calls", contacts.calls.to_string()),
        ],
    );
    if let Some(date) = contacts.last_at_ms.and_then(|ms| ms_date(lang, ms)) {
        text.push_str(" · ");
        text.push_str(&t_args_tracked("ui.recall.last_contact", &[("date", date)]));
    }
    text
}

/// A moment (ms since the epoch) as the local date the language writes.
fn ms_date(lang: Lang, ms: i64) -> Option<String> {
    #[expect(
        clippy::cast_precision_loss,
        reason = "JavaScript dates are f64 milliseconds"
    )]
    let at = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    let year = i32::try_from(at.get_full_year()).ok()?;
    chrono::NaiveDate::from_ymd_opt(year, at.get_month() + 1, at.get_date())
        .map(|d| date_text(lang, d))
}

#[component]
fn RecallRowView(
    index: usize,
    row: RecallRow,
    list: RwSignal<Option<RecallList>>,
    calling: RwSignal<Option<String>>,
) -> impl IntoView {
    let app = state();
    let patient_id = StoredValue::new(row.patient_id.clone());
    let groups = StoredValue::new(row.due.iter().map(|d| d.group.clone()).collect::<Vec<_>>());
    let name = StoredValue::new(row.display_name.clone());
    let is_calling =
        move || calling.with(|c| c.as_deref() == Some(patient_id.get_value().as_str()));
    let birth = row.birth_date.clone();
    let language_key = format!(
        "ui.language.{}",
        crate::i18n::from_wire(row.language).code()
    );
    let suggested_key = format!("ui.recall.suggested.{}", row.suggested.code());
    let contacts = row.contacts;
    let age = row.age_months;
    let due = row.due.clone();
    view! {
        <tr class="recall-row" data-patient=row.patient_id.clone()>
            <td class="name">{row.display_name.clone()}</td>
            <td>{move || iso_date_text(app.lang.get(), &birth)}</td>
            <td class="age">{move || age_text(age)}</td>
            <td>{move || t_key(&language_key)}</td>
            <td class="due-groups">
                {due.into_iter().map(|d| {
                    let key = format!("forecast.group.{}", d.group);
                    let overdue = d.overdue;
                    view! {
                        <span class="due-chip" class:overdue=overdue>
                            {move || t_key(&key)}
                            {overdue.then(|| view! { <span class="visually-hidden">" "{t("ui.recall.overdue_tag")}</span> })}
                        </span>
                    }
                }).collect_view()}
            </td>
            <td class="contacts">{move || contacts_text(app.lang.get(), contacts)}</td>
            <td>{move || t_key(&suggested_key)}</td>
            <td class="row-actions">
                <button class="small" id=format!("recall-call-{index}") disabled=is_calling
                    on:click=move |_| calling.set(Some(patient_id.get_value()))>
                    {t("ui.recall.record_call")}
                </button>
            </td>
        </tr>
        <Show when=is_calling>
            <CallForm index=index patient_id=patient_id.get_value() groups=groups.get_value()
                name=name.get_value() list=list calling=calling/>
        </Show>
    }
}

/// Record a call: what came of it (optional). The form's id is chosen when it opens.
#[component]
fn CallForm(
    index: usize,
    patient_id: String,
    groups: Vec<String>,
    name: String,
    list: RwSignal<Option<RecallList>>,
    calling: RwSignal<Option<String>>,
) -> impl IntoView {
    let called = expect_context::<CallNotice>();
    let outcome = RwSignal::new(String::new());
    let submit = Submit::new();
    let call_id = StoredValue::new(crate::ids::new_id());
    let input = NodeRef::<Input>::new();
    focus_on_mount(input);
    let patient = StoredValue::new(patient_id);
    let groups = StoredValue::new(groups);
    let name = StoredValue::new(name);
    let close = move || calling.set(None);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit.run(move || {
            let req = RecordCallRequest {
                id: call_id.get_value(),
                patient_id: patient.get_value(),
                groups: groups.get_value(),
                outcome: outcome.get_untracked(),
            };
            Ok(async move {
                let contacts = call::<_, ContactsView>(cmd::RECORD_CALL, &req).await?;
                called.0.try_set(Some(name.get_value()));
                // The row shows the new count; its key changes, so this form closes with it.
                list.try_update(|l| {
                    if let Some(row) = l
                        .as_mut()
                        .and_then(|l| l.rows.iter_mut().find(|r| r.patient_id == req.patient_id))
                    {
                        row.contacts = contacts;
                    }
                });
                calling.try_set(None);
                Ok(())
            })
        });
    };
    let on_key = close_on_escape(close);
    let outcome_id = format!("recall-call-outcome-{index}");
    view! {
        <tr class="call-form-row">
            <td colspan="8">
                <form class="call-form" on:submit=on_submit on:keydown=on_key>
                    <label for=outcome_id.clone()>{t("ui.recall.call_outcome")}</label>
                    <input type="text" id=outcome_id autocomplete="off" node_ref=input bind:value=outcome/>
                    <button type="submit" class="primary small" id=format!("recall-call-save-{index}")
                        disabled=move || submit.busy.get()>{t("ui.recall.call_save")}</button>
                    <button type="button" class="small" on:click=move |_| close()>{t("ui.common.cancel")}</button>
                    <ErrorBanner error=submit.error/>
                </form>
            </td>
        </tr>
    }
}
