//! End-to-end flows of Salal Clinic in the real window (WebKitGTK under Xvfb,
//! driven through tauri-driver). Each flow starts from an empty computer:
//! first-run setup, then sign-in, then the front desk's and the nurse's work.
//! Screenshots of every screen land in `$CARGO_TARGET_DIR/e2e-screenshots/`.
//!
//! Run with `scripts/e2e.sh` (builds the UI, the app and this client, then runs
//! `cargo test -p salal-e2e --test e2e -- --test-threads=1` under Xvfb and a keyring).

use salal_e2e::{App, TestResult};
use thirtyfour::Key;

const PASSWORD: &str = "quiet river morning lantern";

/// First-run setup through to the sign-in screen; answers the recovery key.
async fn set_up(app: &mut App, clinic: &str) -> TestResult<String> {
    app.wait_for("setup-screen").await?;
    app.shot("setup").await?;
    app.fill("setup-clinic", clinic).await?;
    app.fill("setup-display-name", "Ana Torres").await?;
    app.fill("setup-username", "ana").await?;
    app.fill("setup-password", PASSWORD).await?;
    app.fill("setup-password-confirm", PASSWORD).await?;
    app.click("setup-submit").await?;

    app.wait_for("recovery-key").await?;
    let key = app.text("recovery-key").await?;
    assert!(key.len() >= 16, "recovery key looks too short: {key:?}");
    app.shot("recovery-key").await?;
    // Continuing without confirming is refused.
    app.click("recovery-continue").await?;
    app.wait_for("error-banner").await?;
    app.click("recovery-written").await?;
    let last = key.rsplit(['-', ' ']).next().unwrap_or_default().to_owned();
    app.fill("recovery-confirm", &last).await?;
    app.click("recovery-continue").await?;
    app.wait_for("login-screen").await?;
    Ok(key)
}

async fn sign_in(app: &mut App) -> TestResult {
    app.fill("login-username", "ana").await?;
    app.fill("login-password", PASSWORD).await?;
    app.shot("login").await?;
    app.keys("login-password", Key::Enter).await?;
    app.wait_for("search-screen").await?;
    Ok(())
}

/// Registers a patient from the search screen's "not found" path.
async fn register(
    app: &mut App,
    search_for: &str,
    first: &str,
    last: &str,
    second: &str,
    birth: &str,
) -> TestResult {
    app.fill("search-input", search_for).await?;
    app.wait_for("search-empty").await?;
    app.shot("search-not-found").await?;
    app.keys("search-input", Key::Enter).await?;
    app.wait_for("patient-form-screen").await?;
    app.fill("patient-first-name", first).await?;
    app.fill("patient-last-name", last).await?;
    app.fill("patient-second-last-name", second).await?;
    app.fill("patient-birth-date", birth).await?;
    app.choose("patient-sex", "F").await?;
    app.fill("patient-guardian", "Rosa López").await?;
    app.fill("patient-phone", "555-0142").await?;
    app.shot("register").await?;
    app.click("patient-save").await?;
    app.wait_text("record-name", last).await?;
    Ok(())
}

/// Fills the dose form for an MMR dose given today; `date` overrides the default.
async fn fill_dose(app: &mut App, lot: &str, date: Option<&str>) -> TestResult {
    app.click("record-dose").await?;
    app.wait_for("dose-screen").await?;
    app.fill("event-vaccine", "03").await?;
    app.wait_for("vaccine-options").await?;
    app.keys("event-vaccine", Key::Enter).await?;
    app.wait_text("vaccine-chosen", "03").await?;
    if let Some(date) = date {
        app.fill("event-date", date).await?;
    }
    app.fill("event-lot", lot).await?;
    app.choose("event-site", "LA").await?;
    app.choose("event-route", "C38299").await?;
    app.choose("event-vfc", "V02").await?;
    app.choose("event-funding", "VXC1").await?;
    Ok(())
}

#[tokio::test]
async fn english_front_desk_and_nurse_day() -> TestResult {
    let mut app = App::launch("en").await?;
    set_up(&mut app, "Valle Verde Clinic").await?;
    sign_in(&mut app).await?;
    app.wait_text("status-user", "Ana Torres").await?;
    app.shot("search-home").await?;

    register(
        &mut app,
        "Garcia Maria",
        "María",
        "García",
        "López",
        "03/07/2019",
    )
    .await?;
    app.wait_text("record-birth-date", "03/07/2019").await?;
    app.wait_for("events-empty").await?;
    app.shot("record-new").await?;

    fill_dose(&mut app, "MMR-4471", None).await?;
    app.shot("record-dose").await?;
    app.click("event-save").await?;
    app.wait_text("events", "MMR-4471").await?;
    app.wait_for("notice").await?;
    app.shot("record-with-dose").await?;

    // A DTaP from her paper card, given at 13 days old: the record says what is
    // due and why that dose does not count (CDC CDSi forecast).
    app.click("record-dose").await?;
    app.wait_for("dose-screen").await?;
    app.choose("event-kind", "historical").await?;
    app.fill("event-vaccine", "20").await?;
    app.wait_for("vaccine-options").await?;
    app.keys("event-vaccine", Key::Enter).await?;
    app.wait_text("vaccine-chosen", "20").await?;
    app.fill("event-date", "03/20/2019").await?;
    app.click("event-save").await?;
    app.wait_text("events", "03/20/2019").await?;
    let forecast = app.wait_text("forecast", "Does not count").await?;
    for expected in [
        "What is due",
        "MMR",
        "Due on",
        "DTaP/Tdap/Td",
        "Overdue",
        "Given before the minimum age",
    ] {
        assert!(
            forecast.contains(expected),
            "forecast shows {expected:?}: {forecast}"
        );
    }
    app.shot("record-forecast").await?;

    // Back home, find her without the accents, open with the keyboard.
    app.click("record-back").await?;
    app.wait_for("search-screen").await?;
    app.fill("search-input", "garcia").await?;
    app.wait_text("search-results", "García").await?;
    app.shot("search-garcia").await?;
    app.keys("search-input", Key::Enter).await?;
    app.wait_text("record-name", "García").await?;
    let events = app.wait_text("events", "MMR-4471").await?;
    assert!(
        events.contains("Given here"),
        "the dose shows as given here: {events}"
    );
    app.shot("record").await?;

    // Users and roles, for the administrator.
    app.click("nav-users").await?;
    app.wait_text("users-screen", "ana").await?;
    app.shot("users").await?;
    app.quit().await
}

#[tokio::test]
async fn spanish_front_desk_and_nurse_day() -> TestResult {
    let mut app = App::launch("es").await?;
    app.wait_for("setup-screen").await?;
    app.choose("language-select", "es").await?;
    app.wait_text("setup-screen", "Configurar Salal Clínica")
        .await?;
    set_up(&mut app, "Clínica Valle Verde").await?;
    app.wait_text("login-screen", "Iniciar sesión").await?;
    sign_in(&mut app).await?;
    app.wait_text("status-user", "Ana Torres").await?;
    app.wait_text("search-screen", "Buscar paciente").await?;

    // Spanish dates are day first: 07/03/2019 is the 7th of March.
    register(
        &mut app,
        "Núñez José",
        "José",
        "Núñez",
        "Peña",
        "07/03/2019",
    )
    .await?;
    app.wait_text("record-birth-date", "07/03/2019").await?;
    app.wait_text("record-screen", "Vacunas").await?;
    app.shot("registro-nuevo").await?;

    fill_dose(&mut app, "SRP-0901", None).await?;
    app.shot("registrar-dosis").await?;
    app.click("event-save").await?;
    app.wait_text("events", "SRP-0901").await?;

    app.click("record-back").await?;
    app.fill("search-input", "nunez").await?;
    app.wait_text("search-results", "Núñez").await?;
    app.wait_text("search-results", "07/03/2019").await?;
    app.shot("buscar-nunez").await?;
    app.keys("search-input", Key::Enter).await?;
    let events = app.wait_text("events", "SRP-0901").await?;
    assert!(
        events.contains("Aplicada aquí"),
        "the dose shows in Spanish: {events}"
    );
    app.shot("registro").await?;
    let forecast = app.wait_text("forecast", "Qué le toca").await?;
    for expected in ["SRP/triple viral", "Le toca el", "Atrasada"] {
        assert!(
            forecast.contains(expected),
            "el pronóstico muestra {expected:?}: {forecast}"
        );
    }

    // The language can be switched back at any moment, and the screen follows.
    app.choose("language-select", "en").await?;
    app.wait_text("events", "Given here").await?;
    app.wait_text("forecast", "Overdue").await?;
    app.quit().await
}

#[tokio::test]
async fn mistakes_are_explained_and_nothing_partial_is_saved() -> TestResult {
    let mut app = App::launch("errors").await?;
    set_up(&mut app, "Valle Verde Clinic").await?;

    // A wrong password: a clear message, still on the sign-in screen.
    app.fill("login-username", "ana").await?;
    app.fill("login-password", "not the password at all")
        .await?;
    app.click("login-submit").await?;
    let message = app.wait_text("error-banner", "password").await?;
    assert!(message.contains("wrong"), "says what is wrong: {message}");
    assert!(app.exists("login-screen").await?);
    app.shot("wrong-password").await?;
    sign_in(&mut app).await?;

    register(&mut app, "Garcia", "Lucía", "García", "Ruiz", "11/20/2020").await?;

    // A date that does not exist: caught before anything is sent.
    fill_dose(&mut app, "BAD-1", Some("02/30/2024")).await?;
    app.click("event-save").await?;
    let message = app.wait_text("error-banner", "not a valid date").await?;
    assert!(message.contains("Nothing was saved"), "{message}");
    app.shot("dose-bad-date").await?;

    // A date in the future: refused by the clinic rules, the whole form stays as typed.
    app.fill("event-date", "12/31/2099").await?;
    app.click("event-save").await?;
    app.wait_text("error-banner", "12/31/2099").await?;
    assert!(app.exists("dose-screen").await?, "still on the form");
    app.shot("dose-future-date").await?;

    // A date before birth.
    app.fill("event-date", "01/01/2019").await?;
    app.click("event-save").await?;
    app.wait_text("error-banner", "01/01/2019").await?;

    // Nothing partial was saved.
    app.keys("event-date", Key::Escape).await?;
    app.wait_for("record-screen").await?;
    app.wait_for("events-empty").await?;
    app.shot("record-still-empty").await?;
    app.quit().await
}

/// A dose form saved twice (Enter pressed twice, the form submitted twice in
/// one go, a request retried with the same id) saves one dose; with no
/// registry the status bar says so in both languages, and the record shows
/// every record as pending sync.
#[tokio::test]
async fn one_save_per_form_and_sync_state_offline() -> TestResult {
    let mut app = App::launch("sync").await?;
    set_up(&mut app, "Valle Verde Clinic").await?;
    app.wait_text("status-sync", "Not linked to a registry")
        .await?;
    sign_in(&mut app).await?;
    app.wait_text("status-sync", "Not linked to a registry")
        .await?;
    assert!(
        !app.exists("sync-now").await?,
        "no Sync now button without a registry"
    );
    app.shot("status-not-linked").await?;
    app.choose("language-select", "es").await?;
    app.wait_text("status-sync", "Sin vínculo con un registro")
        .await?;
    app.shot("estado-sin-vinculo").await?;
    app.choose("language-select", "en").await?;
    app.wait_text("status-sync", "Not linked to a registry")
        .await?;

    register(
        &mut app,
        "Ruiz Elena",
        "Elena",
        "Ruiz",
        "Soto",
        "05/12/2021",
    )
    .await?;
    app.wait_text("record-sync", "Pending sync").await?;

    // Enter twice in a row on the dose form.
    fill_dose(&mut app, "TWICE-1", None).await?;
    let enter = char::from(Key::Enter);
    app.keys("event-lot", format!("{enter}{enter}")).await?;
    app.wait_text("events", "TWICE-1").await?;

    // The form submitted twice in the same moment (a double click that beats the button's disabling).
    fill_dose(&mut app, "TWICE-2", None).await?;
    app.script(
        "const done = arguments[arguments.length - 1];\
         const form = document.querySelector('#dose-screen form');\
         form.requestSubmit(); form.requestSubmit(); done(true);",
    )
    .await?;
    app.wait_text("events", "TWICE-2").await?;

    // A save retried with the same id (as after a timeout) is saved once.
    let ids = app
        .script(
            "const done = arguments[arguments.length - 1];\
             const invoke = window.__TAURI__.core.invoke;\
             (async () => {\
               const status = new Promise(resolve => {\
                 window.__TAURI__.event.listen('sync-status', e => resolve(e.payload));\
                 setTimeout(() => resolve(null), 10000);\
               });\
               const rows = await invoke('search_patients', { req: { query: 'Ruiz', limit: 5 } });\
               const req = { id: crypto.randomUUID(), patient_id: rows[0].id, kind: 'historical',\
                             cvx: '03', date: '2022-06-01', lot_number: 'RETRY-1' };\
               const first = await invoke('record_event', { req });\
               const again = await invoke('record_event', { req });\
               done([first.id, again.id, req.id, await status]);\
             })().catch(e => done(['failed', JSON.stringify(e)]));",
        )
        .await?;
    assert_eq!(ids[0], ids[2], "the shell saved the form's id: {ids}");
    assert_eq!(ids[1], ids[2], "the retry answered the same id: {ids}");
    // The save told the UI, unasked, how many changes wait (no registry: not enrolled).
    let status = &ids[3];
    assert_eq!(status["enrolled"], false, "{status}");
    assert!(
        status["waiting"].as_u64().is_some_and(|n| n >= 3),
        "the patient and the doses wait to be sent: {status}"
    );

    // Reopen the record (any late second save would show now): one row per form.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    app.click("record-edit").await?;
    app.wait_for("patient-form-screen").await?;
    app.click("patient-cancel").await?;
    let events = app.wait_text("events", "RETRY-1").await?;
    assert_eq!(app.count("#events tr.event").await?, 3, "{events}");
    for lot in ["TWICE-1", "TWICE-2", "RETRY-1"] {
        assert_eq!(events.matches(lot).count(), 1, "{lot} once: {events}");
    }
    // Each dose and the patient wait for a registry.
    app.wait_text("record-sync", "Pending sync").await?;
    app.wait_text("events", "Pending sync").await?;
    assert_eq!(
        app.count("#events td.event-sync .sync-badge.pending")
            .await?,
        3
    );
    app.shot("record-pending").await?;
    app.script(
        "const done = arguments[arguments.length - 1];\
         document.getElementById('events').scrollIntoView(); done(true);",
    )
    .await?;
    app.shot("record-pending-doses").await?;
    app.choose("language-select", "es").await?;
    app.wait_text("events", "Pendiente de sincronizar").await?;
    app.shot("registro-pendiente").await?;
    app.choose("language-select", "en").await?;

    // The administrator's registry screen: clear errors before anything is sent.
    app.click("nav-registry").await?;
    app.wait_for("registry-screen").await?;
    app.shot("registry-enroll").await?;
    app.fill("enroll-url", "http://registry.example.org")
        .await?;
    app.fill("enroll-code", "SALAL1-nothing").await?;
    app.click("enroll-submit").await?;
    app.wait_text("error-banner", "https://").await?;
    app.fill("enroll-url", "https://127.0.0.1:9").await?;
    app.fill("enroll-code", "not a code").await?;
    app.keys("enroll-code", Key::Enter).await?;
    app.wait_text("error-banner", "not a Salal enrollment code")
        .await?;
    app.shot("registry-bad-code").await?;
    app.wait_text("status-sync", "Not linked to a registry")
        .await?;
    app.quit().await
}

/// Collapses runs of white space, so text laid out over several lines reads as one.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The files in `dir` whose names start with `prefix` and end with `ext`, sorted.
fn files_like(dir: &std::path::Path, prefix: &str, ext: &str) -> Vec<std::path::PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(prefix) && n.ends_with(ext))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// On a demo clinic: the record's print panel (Ctrl+P) saves the CIS in
/// Spanish as a PDF in the documents folder and says where; "Print" without a
/// working print service keeps the PDF and says so. Then the reminder/recall
/// screen (F7) finds the families due, records a call, and saves the CSV and
/// the letters (which count as sent once saved).
#[tokio::test]
async fn printing_and_reminders_on_a_demo_clinic() -> TestResult {
    let docs = std::env::temp_dir().join(format!("salal-e2e-docs-{}", std::process::id()));
    std::fs::remove_dir_all(&docs).ok();
    let mut app =
        App::launch_demo("print", 150, &[("SALAL_DOCUMENTS_DIR", docs.as_os_str())]).await?;
    app.wait_for("login-screen").await?;
    app.fill("login-username", salal_e2e::DEMO_USER).await?;
    app.fill("login-password", salal_e2e::DEMO_PASSWORD).await?;
    app.keys("login-password", Key::Enter).await?;
    app.wait_for("search-screen").await?;

    // Any patient: the first whose name has a part starting with "a".
    app.fill("search-input", "a").await?;
    app.wait_for("search-results").await?;
    app.wait_text("search-results", ",").await?;
    app.keys("search-input", Key::Enter).await?;
    app.wait_for("record-name").await?;
    let name = app.text("record-name").await?;
    let surname = name
        .split(',')
        .next()
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_default()
        .to_owned();
    assert!(
        !surname.is_empty(),
        "the record names the patient: {name:?}"
    );

    // Ctrl+P opens the panel; the CIS in Spanish, saved with Enter.
    app.keys("record-dose", Key::Control + "p").await?;
    app.wait_for("print-panel").await?;
    app.choose("print-lang", "es").await?;
    app.wait_text("print-folder", &docs.display().to_string())
        .await?;
    app.shot("print-panel").await?;
    app.keys("print-kind-cis", Key::Enter).await?;
    let saved = app.wait_text("print-result", ".pdf").await?;
    assert!(
        saved.contains(&docs.display().to_string()),
        "the full path is shown: {saved}"
    );
    let pdfs = files_like(&docs, "CIS-", ".pdf");
    assert_eq!(pdfs.len(), 1, "one CIS saved: {pdfs:?}");
    assert!(
        saved.contains(&pdfs[0].display().to_string()),
        "{saved} names {pdfs:?}"
    );
    let text = std::process::Command::new("pdftotext")
        .arg(&pdfs[0])
        .arg("-")
        .output()?;
    assert!(text.status.success(), "pdftotext reads the CIS");
    let text = one_line(&String::from_utf8_lossy(&text.stdout));
    assert!(
        text.contains("Certificado de Estado de Vacunación"),
        "the CIS is in Spanish: {text}"
    );
    assert!(text.contains(&surname), "the CIS names {surname}: {text}");
    app.shot("print-saved").await?;

    // "Print": saved again, then sent to the print service, or a clear message
    // (no printer here) saying where the PDF is; the PDF is never lost.
    let first = pdfs[0].clone();
    app.click("print-print").await?;
    let printed = app.wait_text("print-result", "saved at").await?;
    let pdfs = files_like(&docs, "CIS-", ".pdf");
    assert_eq!(pdfs.len(), 2, "the printed copy is saved too: {pdfs:?}");
    let copy = pdfs.iter().find(|p| **p != first).ok_or("no second PDF")?;
    assert!(
        printed.contains(&copy.display().to_string()),
        "{printed} names {copy:?}"
    );
    app.shot("print-unavailable").await?;
    app.keys("print-close", Key::Escape).await?;
    app.wait_for("record-print").await?;
    assert!(!app.exists("print-panel").await?, "Esc closed the panel");

    // F7: reminder/recall for the demo families as of today.
    app.keys("record-print", Key::F7).await?;
    app.wait_for("recall-screen").await?;
    app.keys("recall-as-of", Key::Enter).await?;
    app.wait_for("recall-table").await?;
    let rows = app.count("#recall-table tr.recall-row").await?;
    assert!(rows > 0, "families are due");
    app.wait_text("recall-summary", "families to remind")
        .await?;
    app.shot("recall").await?;

    // A call to the first family, with what came of it.
    app.click("recall-call-0").await?;
    app.fill("recall-call-outcome-0", "Left a message").await?;
    app.keys("recall-call-outcome-0", Key::Enter).await?;
    app.wait_text("notice", "recorded").await?;
    app.wait_text("recall-table", "calls: 1").await?;

    // The CSV, saved the same durable way.
    app.click("recall-csv").await?;
    app.wait_text("recall-result", ".csv").await?;
    let csvs = files_like(&docs, "Recall-List-", ".csv");
    assert_eq!(csvs.len(), 1, "{csvs:?}");
    let csv = std::fs::read_to_string(&csvs[0])?;
    let header = csv.lines().next().unwrap_or_default();
    assert!(header.starts_with("patient_id,"), "{header}");
    assert_eq!(csv.lines().count(), rows + 1, "one line per family");

    // The letters: saved, then recorded as sent (the rows say so).
    app.click("recall-letters").await?;
    app.wait_text("recall-result", "letters saved").await?;
    let letters = files_like(&docs, "Recall-Letters-", ".pdf");
    assert_eq!(letters.len(), 1, "{letters:?}");
    app.wait_text("recall-table", "Letters: 1").await?;
    app.shot("recall-letters").await?;

    app.choose("language-select", "es").await?;
    app.wait_text("recall-screen", "Recordatorios de vacunas")
        .await?;
    app.shot("recordatorios").await?;
    app.choose("language-select", "en").await?;
    app.quit().await?;
    std::fs::remove_dir_all(&docs).ok();
    Ok(())
}
