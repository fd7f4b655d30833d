//! Register a new patient, or edit one. Before saving a new patient the shell
//! looks for likely duplicates; if there are any, they are listed with a choice:
//! open one of them, or register anyway.
//!
//! A new patient's id is chosen when the form opens, so a double submit or a
//! retry after a failed save registers one patient.

use crate::app::{Screen, state};
use crate::dates;
use crate::i18n::{iso_date_text, t, t_now};
use crate::transport::call;
use crate::widgets::{CodeSelect, ErrorBanner, Submit, SubmitRow, TextField, focus_on_mount};
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use salal_ipc::patient::{
    PatientForm, PatientRecord, PatientRow, RegisterOutcome, RegisterRequest, UpdateRequest,
};
use salal_ipc::{IpcError, cmd};

/// Every field of the form as a signal.
#[derive(Clone, Copy)]
struct Fields {
    first_name: RwSignal<String>,
    middle_name: RwSignal<String>,
    last_name: RwSignal<String>,
    second_last_name: RwSignal<String>,
    birth_date: RwSignal<String>,
    sex: RwSignal<String>,
    birth_certificate_number: RwSignal<String>,
    medical_record_number: RwSignal<String>,
    mother_maiden_name: RwSignal<String>,
    guardian_name: RwSignal<String>,
    guardian_relationship: RwSignal<String>,
    phone: RwSignal<String>,
    address_line: RwSignal<String>,
    city: RwSignal<String>,
    state: RwSignal<String>,
    postal_code: RwSignal<String>,
    preferred_language: RwSignal<String>,
}

impl Fields {
    fn new() -> Self {
        let s = || RwSignal::new(String::new());
        Self {
            first_name: s(),
            middle_name: s(),
            last_name: s(),
            second_last_name: s(),
            birth_date: s(),
            sex: s(),
            birth_certificate_number: s(),
            medical_record_number: s(),
            mother_maiden_name: s(),
            guardian_name: s(),
            guardian_relationship: s(),
            phone: s(),
            address_line: s(),
            city: s(),
            state: s(),
            postal_code: s(),
            preferred_language: s(),
        }
    }

    fn fill(&self, form: PatientForm, lang: salal_core::i18n::Lang) {
        self.first_name.set(form.first_name);
        self.middle_name.set(form.middle_name);
        self.last_name.set(form.last_name);
        self.second_last_name.set(form.second_last_name);
        self.birth_date.set(if form.birth_date.is_empty() {
            String::new()
        } else {
            iso_date_text(lang, &form.birth_date)
        });
        self.sex.set(form.sex);
        self.birth_certificate_number
            .set(form.birth_certificate_number);
        self.medical_record_number.set(form.medical_record_number);
        self.mother_maiden_name.set(form.mother_maiden_name);
        self.guardian_name.set(form.guardian_name);
        self.guardian_relationship.set(form.guardian_relationship);
        self.phone.set(form.phone);
        self.address_line.set(form.address_line);
        self.city.set(form.city);
        self.state.set(form.state);
        self.postal_code.set(form.postal_code);
        self.preferred_language.set(form.preferred_language);
    }

    /// The form for the wire; `None` (with the message) when the birth date is not a date.
    fn to_form(self, lang: salal_core::i18n::Lang) -> Result<PatientForm, IpcError> {
        let typed_birth = self.birth_date.get_untracked();
        let birth_date = if typed_birth.trim().is_empty() {
            String::new()
        } else {
            dates::parse(lang, &typed_birth)
                .map(|d| d.format("%Y-%m-%d").to_string())
                .ok_or_else(|| {
                    IpcError::new("form.bad_date", t_now("ui.error.bad_birth_date"))
                        .with_field("birth_date")
                })?
        };
        Ok(PatientForm {
            first_name: self.first_name.get_untracked(),
            middle_name: self.middle_name.get_untracked(),
            last_name: self.last_name.get_untracked(),
            second_last_name: self.second_last_name.get_untracked(),
            birth_date,
            sex: self.sex.get_untracked(),
            birth_certificate_number: self.birth_certificate_number.get_untracked(),
            medical_record_number: self.medical_record_number.get_untracked(),
            mother_maiden_name: self.mother_maiden_name.get_untracked(),
            guardian_name: self.guardian_name.get_untracked(),
            guardian_relationship: self.guardian_relationship.get_untracked(),
            phone: self.phone.get_untracked(),
            address_line: self.address_line.get_untracked(),
            city: self.city.get_untracked(),
            state: self.state.get_untracked(),
            postal_code: self.postal_code.get_untracked(),
            preferred_language: self.preferred_language.get_untracked(),
        })
    }

    /// Puts what was typed in the search box where it most likely belongs.
    fn prefill(&self, text: &str, lang: salal_core::i18n::Lang) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        if dates::looks_like_date(text) {
            self.birth_date.set(
                dates::parse(lang, text)
                    .map_or_else(|| text.to_owned(), |d| crate::i18n::date_text(lang, d)),
            );
        } else if let Some((last, first)) = text.split_once(',') {
            self.last_name.set(last.trim().to_owned());
            self.first_name.set(first.trim().to_owned());
        } else if let Some((first, last)) = text.split_once(' ') {
            self.first_name.set(first.trim().to_owned());
            self.last_name.set(last.trim().to_owned());
        } else {
            self.last_name.set(text.to_owned());
        }
    }
}

/// The register / edit screen; `id` is set when editing.
#[component]
pub(crate) fn PatientFormScreen(id: Option<String>, prefill: String) -> impl IntoView {
    let app = state();
    let fields = Fields::new();
    let submit = Submit::new();
    let (error, busy) = (submit.error, submit.busy);
    let duplicates = RwSignal::new(None::<Vec<PatientRow>>);
    // The new patient's id, whatever happens to the first save.
    let new_id = StoredValue::new(crate::ids::new_id());
    let first = NodeRef::<Input>::new();
    focus_on_mount(first);
    let editing = id.is_some();
    let id = StoredValue::new(id);

    fields.prefill(&prefill, app.lang.get_untracked());
    dates::follow_language(app.lang, vec![fields.birth_date]);
    if let Some(patient_id) = id.get_value() {
        busy.set(true);
        spawn_local(async move {
            match call::<_, PatientRecord>(
                cmd::PATIENT_RECORD,
                &salal_ipc::patient::RecordRequest { id: patient_id },
            )
            .await
            {
                Ok(record) => {
                    fields.fill(record.details, app.lang.get_untracked());
                    crate::idle::restore_draft(app);
                }
                Err(e) => error.set(Some(e)),
            }
            busy.try_set(false);
        });
    }

    if !editing {
        crate::idle::restore_draft(app);
    }

    let back = move || match id.get_value() {
        Some(id) => app.go(Screen::Record { id }),
        None => app.go(Screen::Search),
    };

    let save = move |acknowledge_duplicates: bool| {
        submit.run(move || {
            let form = fields.to_form(app.lang.get_untracked())?;
            Ok(async move {
                match id.get_value() {
                    Some(patient_id) => {
                        let req = UpdateRequest {
                            id: patient_id.clone(),
                            patient: form,
                            acknowledge_duplicates,
                        };
                        match call::<_, RegisterOutcome>(cmd::UPDATE_PATIENT, &req).await? {
                            RegisterOutcome::Registered { .. } => {
                                app.go_anyway(Screen::Record { id: patient_id });
                                app.notice.set(Some(t_now("ui.patient.saved")));
                            }
                            RegisterOutcome::LikelyDuplicates { candidates } => {
                                duplicates.set(Some(candidates));
                            }
                        }
                    }
                    None => {
                        let req = RegisterRequest {
                            id: new_id.get_value(),
                            patient: form,
                            acknowledge_duplicates,
                        };
                        match call::<_, RegisterOutcome>(cmd::REGISTER_PATIENT, &req).await? {
                            RegisterOutcome::Registered { id } => {
                                app.go_anyway(Screen::Record { id });
                                app.notice.set(Some(t_now("ui.patient.registered")));
                            }
                            RegisterOutcome::LikelyDuplicates { candidates } => {
                                duplicates.set(Some(candidates));
                            }
                        }
                    }
                }
                Ok(())
            })
        });
    };

    let sexes = Signal::derive(move || app.codes.with(|c| c.sexes.clone()));
    let languages = Signal::derive(move || {
        salal_core::i18n::Lang::ALL
            .into_iter()
            .map(|l| salal_ipc::CodeItem {
                code: l.code().to_owned(),
                label: crate::i18n::t_key(&format!("ui.language.{}", l.code())),
            })
            .collect::<Vec<_>>()
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            if duplicates.with_untracked(Option::is_some) {
                duplicates.set(None);
            } else {
                back();
            }
        }
    };

    view! {
        <section class="card" id="patient-form-screen" on:keydown=on_key>
            <h1>{if editing { t("ui.patient.edit_title") } else { t("ui.patient.register_title") }}</h1>
            <ErrorBanner error=error/>
            <Show when=move || duplicates.with(Option::is_some)>
                <Duplicates duplicates=duplicates editing=editing on_register=move || save(true)/>
            </Show>
            <form
                on:input=move |_| app.dirty.set(true)
                on:change=move |_| app.dirty.set(true)
                on:submit=move |ev| {
                    ev.prevent_default();
                    save(false);
                }
            >
                <fieldset>
                    <legend>{t("ui.patient.names")}</legend>
                    <div class="row">
                        <TextField label="ui.patient.first_name" id="patient-first-name" value=fields.first_name node_ref=first required=true/>
                        <TextField label="ui.patient.middle_name" id="patient-middle-name" value=fields.middle_name/>
                        <TextField label="ui.patient.last_name" id="patient-last-name" value=fields.last_name required=true/>
                        <TextField label="ui.patient.second_last_name" id="patient-second-last-name" value=fields.second_last_name/>
                    </div>
                    <div class="row">
                        <TextField label="ui.patient.birth_date" id="patient-birth-date" value=fields.birth_date
                            hint="ui.date.placeholder" required=true/>
                        <CodeSelect label="ui.patient.sex" id="patient-sex" value=fields.sex items=sexes/>
                        <TextField label="ui.patient.birth_certificate_number" id="patient-birth-cert" value=fields.birth_certificate_number/>
                        <TextField label="ui.patient.mother_maiden_name" id="patient-mother-maiden" value=fields.mother_maiden_name/>
                        <TextField label="ui.patient.medical_record_number" id="patient-mrn" value=fields.medical_record_number/>
                    </div>
                </fieldset>
                <fieldset>
                    <legend>{t("ui.patient.contact")}</legend>
                    <div class="row">
                        <TextField label="ui.patient.guardian_name" id="patient-guardian" value=fields.guardian_name/>
                        <TextField label="ui.patient.guardian_relationship" id="patient-guardian-rel" value=fields.guardian_relationship/>
                        <TextField label="ui.patient.phone" id="patient-phone" value=fields.phone kind="tel"/>
                        <CodeSelect label="ui.patient.preferred_language" id="patient-language"
                            value=fields.preferred_language items=languages/>
                    </div>
                    <div class="row">
                        <TextField label="ui.patient.address_line" id="patient-address" value=fields.address_line class="wide"/>
                        <TextField label="ui.patient.city" id="patient-city" value=fields.city/>
                        <TextField label="ui.patient.state" id="patient-state" value=fields.state class="narrow"/>
                        <TextField label="ui.patient.postal_code" id="patient-zip" value=fields.postal_code class="narrow"/>
                    </div>
                </fieldset>
                <SubmitRow id="patient-save" label="ui.common.save" busy=busy cancel=("patient-cancel", Callback::new(move |()| back()))/>
            </form>
        </section>
    }
}

/// The likely duplicates and the two ways forward.
#[component]
fn Duplicates(
    duplicates: RwSignal<Option<Vec<PatientRow>>>,
    /// Whether the form edits a known patient (then "save anyway").
    editing: bool,
    on_register: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let app = state();
    view! {
        <div class="banner warning" role="alert" id="duplicates">
            <h2>{t("ui.patient.duplicates_title")}</h2>
            <p>{t("ui.patient.duplicates_intro")}</p>
            <ul class="candidates">
                {move || {
                    let lang = app.lang.get();
                    duplicates
                        .get()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|row| {
                            let id = row.id.clone();
                            view! {
                                <li>
                                    <span class="name">{row.display_name}</span>
                                    <span class="dob">{iso_date_text(lang, &row.birth_date)}</span>
                                    <span class="guardian">{row.guardian_name}</span>
                                    <button type="button" class="open-candidate"
                                        on:click=move |_| app.go(Screen::Record { id: id.clone() })>
                                        {t("ui.patient.open_candidate")}
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <div class="actions">
                <button type="button" id="register-anyway" on:click=move |_| on_register()>
                    {if editing { t("ui.patient.save_anyway") } else { t("ui.patient.register_anyway") }}
                </button>
            </div>
        </div>
    }
}
