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
    app.fill("patient-mrn", &format!("VV-{}", birth.replace('/', "")))
        .await?;
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
    // A date already typed keeps its meaning across a language switch.
    app.choose("language-select", "es").await?;
    app.wait_value("event-date", "20/03/2019").await?;
    app.choose("language-select", "en").await?;
    app.wait_value("event-date", "03/20/2019").await?;
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
    let facts = app.wait_text("record-screen", "VV-03072019").await?;
    assert!(facts.contains("Medical record number"), "{facts}");

    // Her chart number finds her too.
    app.click("record-back").await?;
    app.wait_for("search-screen").await?;
    app.fill("search-input", "vv-03072019").await?;
    app.wait_text("search-results", "García").await?;
    app.keys("search-input", Key::Enter).await?;
    app.wait_text("record-name", "García").await?;

    // Editing a patient into another's details warns, as registering does,
    // and saves nothing until the clerk says it is someone else.
    app.click("record-back").await?;
    register(
        &mut app,
        "Garces Mario",
        "Mario",
        "Garcés",
        "",
        "04/10/2020",
    )
    .await?;
    app.click("record-edit").await?;
    app.wait_value("patient-first-name", "Mario").await?;
    app.fill("patient-first-name", "María").await?;
    app.fill("patient-last-name", "García").await?;
    app.fill("patient-birth-date", "03/07/2019").await?;
    app.click("patient-save").await?;
    app.wait_text("duplicates", "García López, María").await?;
    app.wait_text("register-anyway", "Save anyway").await?;
    app.shot("edit-duplicates").await?;
    app.keys("patient-first-name", Key::Escape).await?;
    assert!(!app.exists("duplicates").await?, "Esc closes the warning");
    app.keys("patient-first-name", Key::Escape).await?;
    app.wait_for("leave-dialog").await?;
    app.keys("leave-confirm", Key::Enter).await?;
    app.wait_text("record-name", "Garcés, Mario").await?;
    // The family's language is part of the form.
    app.click("record-edit").await?;
    app.wait_value("patient-first-name", "Mario").await?;
    app.choose("patient-language", "es").await?;
    app.click("patient-save").await?;
    app.wait_text("record-name", "Garcés").await?;
    app.click("record-edit").await?;
    app.wait_value("patient-language", "es").await?;
    app.click("patient-cancel").await?;
    app.wait_for("record-screen").await?;

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
        events.contains("Aplicada aquí") && events.contains("Brazo izquierdo"),
        "the dose and its site show in Spanish: {events}"
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
    // So do the texts the shell translates: the site's name, the group captions.
    app.wait_text("events", "Left upper arm").await?;
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

    // Leaving the form asks first, whether by Esc or F2; staying keeps
    // every field as typed.
    app.keys("event-date", Key::Escape).await?;
    app.wait_for("leave-dialog").await?;
    app.shot("dose-leave-asks").await?;
    app.keys("leave-stay", Key::Escape).await?;
    assert!(!app.exists("leave-dialog").await?, "Esc keeps the form");
    app.wait_value("event-date", "01/01/2019").await?;
    app.keys("event-date", Key::F2).await?;
    app.wait_for("leave-dialog").await?;
    app.keys("leave-stay", Key::Enter).await?;
    assert!(app.exists("dose-screen").await?, "staying is the default");
    // Nothing partial was saved.
    app.keys("event-date", Key::Escape).await?;
    app.wait_for("leave-dialog").await?;
    app.keys("leave-confirm", Key::Enter).await?;
    app.wait_for("record-screen").await?;
    app.wait_for("events-empty").await?;
    app.shot("record-still-empty").await?;
    app.quit().await
}

/// A shared clinic computer left alone signs its user out after the idle
/// limit (here 6 seconds), and nothing typed is lost: the same user signing
/// in again is back on the unsaved form with every field as it was.
#[tokio::test]
async fn idle_sign_out_keeps_what_was_typed() -> TestResult {
    let mut app = App::launch_with("idle", &[("SALAL_IDLE_MINUTES", "0.1".as_ref())]).await?;
    set_up(&mut app, "Valle Verde Clinic").await?;
    sign_in(&mut app).await?;
    app.fill("search-input", "Ortega").await?;
    app.wait_for("search-empty").await?;
    app.keys("search-input", Key::Enter).await?;
    app.wait_for("patient-form-screen").await?;
    app.fill("patient-first-name", "Inés").await?;
    app.fill("patient-second-last-name", "Ruiz").await?;
    app.fill("patient-birth-date", "05/02/2021").await?;
    app.choose("patient-sex", "F").await?;
    app.fill("patient-mrn", "VV-5521").await?;
    // Hands off the keyboard: signed out, saying why.
    app.wait_for("idle-notice").await?;
    app.wait_for("login-screen").await?;
    app.shot("idle-signed-out").await?;
    // Back again: the form as it was, ready to save.
    app.fill("login-username", "ana").await?;
    app.fill("login-password", PASSWORD).await?;
    app.keys("login-password", Key::Enter).await?;
    app.wait_for("patient-form-screen").await?;
    for (id, typed) in [
        ("patient-first-name", "Inés"),
        ("patient-last-name", "Ortega"),
        ("patient-second-last-name", "Ruiz"),
        ("patient-birth-date", "05/02/2021"),
        ("patient-sex", "F"),
        ("patient-mrn", "VV-5521"),
    ] {
        app.wait_value(id, typed).await?;
    }
    app.shot("idle-form-back").await?;
    app.keys("patient-mrn", Key::Enter).await?;
    app.wait_text("record-name", "Ortega").await?;
    app.wait_text("record-screen", "VV-5521").await?;
    app.quit().await
}

/// An administrator's day with accounts and the audit log: a new user with a
/// temporary password (changed at first sign-in), deactivated and refused,
/// reactivated with a reset password; each user's language kept across
/// sign-outs; the audit log of one patient listing what the new user saw,
/// saved as CSV; the administrator's own password changed; and, after a
/// restart on a computer whose keyring lost the database key, the recovery
/// key opens everything as it was.
#[tokio::test]
async fn an_administrator_manages_accounts_and_reviews_who_saw_a_record() -> TestResult {
    let data_dir = std::env::temp_dir().join(format!("salal-e2e-accounts-{}", std::process::id()));
    let docs = std::env::temp_dir().join(format!("salal-e2e-accounts-docs-{}", std::process::id()));
    for dir in [&data_dir, &docs] {
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
    }
    let env = [("SALAL_DOCUMENTS_DIR", docs.as_os_str())];
    let mut app = App::launch_on_with("accounts", data_dir.clone(), &env).await?;
    let recovery_key = set_up(&mut app, "Valle Verde Clinic").await?;
    sign_in(&mut app).await?;
    register(&mut app, "Ruiz Elena", "Elena", "Ruiz", "", "02/14/2021").await?;

    // A new clinician, with a temporary password.
    app.click("nav-users").await?;
    app.fill("user-username", "luis").await?;
    app.fill("user-display-name", "Luis Peña").await?;
    app.fill("user-password", "Mango-azul-Tren-19").await?;
    app.click("new-user-role-clinician").await?;
    app.click("user-create").await?;
    app.wait_text("users-screen", "Luis Peña").await?;
    // Deactivated: signing in is refused.
    app.click("user-active-luis").await?;
    app.wait_text("users-notice", "deactivated").await?;
    app.shot("users-deactivated").await?;
    app.click("sign-out").await?;
    app.fill("login-username", "luis").await?;
    app.fill("login-password", "Mango-azul-Tren-19").await?;
    app.keys("login-password", Key::Enter).await?;
    app.wait_for("error-banner").await?;
    app.shot("login-deactivated").await?;
    // Reactivated, with a password reset by the administrator.
    sign_in(&mut app).await?;
    app.click("nav-users").await?;
    app.click("user-active-luis").await?;
    app.wait_text("users-notice", "reactivated").await?;
    app.click("user-reset-luis").await?;
    app.fill("reset-password", "Rio-claro-Monte-58").await?;
    app.keys("reset-password", Key::Enter).await?;
    app.wait_text("users-notice", "temporary password").await?;
    app.click("sign-out").await?;

    // Luis signs in: the temporary password must be replaced first.
    app.fill("login-username", "luis").await?;
    app.fill("login-password", "Rio-claro-Monte-58").await?;
    app.keys("login-password", Key::Enter).await?;
    app.wait_for("change-password-screen").await?;
    app.shot("password-expired").await?;
    app.fill("password-new", "Pino-rojo-Lago-73").await?;
    app.fill("password-confirm", "Pino-rojo-Lago-73").await?;
    app.keys("password-confirm", Key::Enter).await?;
    app.wait_for("search-screen").await?;
    app.fill("search-input", "ruiz").await?;
    app.wait_text("search-results", "Ruiz").await?;
    app.keys("search-input", Key::Enter).await?;
    app.wait_text("record-name", "Ruiz").await?;
    // He works in Spanish; his choice stays his across sign-outs.
    app.choose("language-select", "es").await?;
    app.wait_text("record-screen", "Vacunas").await?;
    app.click("sign-out").await?;
    app.wait_text("login-screen", "Iniciar sesión").await?;
    sign_in(&mut app).await?;
    app.wait_text("search-screen", "Find patient").await?;

    // Who saw Elena's record: Luis's search and view are there.
    app.fill("search-input", "ruiz").await?;
    app.wait_text("search-results", "Ruiz").await?;
    app.keys("search-input", Key::Enter).await?;
    app.click("record-audit").await?;
    let rows = app.wait_text("audit-rows", "luis").await?;
    for expected in ["Opened the record", "Searched", "Created"] {
        assert!(rows.contains(expected), "{expected:?} in {rows}");
    }
    app.shot("audit-patient").await?;
    app.click("audit-export").await?;
    let saved = app.wait_text("audit-saved", ".csv").await?;
    let csv_path = std::fs::read_dir(&docs)?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "csv"))
        .ok_or_else(|| format!("no CSV in {}: {saved}", docs.display()))?;
    let csv = std::fs::read_to_string(&csv_path)?;
    assert!(
        csv.starts_with("time,user,action,record_type,record_id,detail"),
        "{csv}"
    );
    assert!(csv.contains(",luis,view,patient,"), "{csv}");

    // The administrator changes her own password.
    app.click("change-my-password").await?;
    app.wait_for("change-password-screen").await?;
    app.fill("password-current", PASSWORD).await?;
    app.fill("password-new", "Cedro-alto-Rio-64").await?;
    app.fill("password-confirm", "Cedro-alto-Rio-64").await?;
    app.keys("password-confirm", Key::Enter).await?;
    app.wait_for("search-screen").await?;
    app.quit().await?;

    // The OS keyring loses the database key (a new user profile, a wiped
    // keyring): after a restart the recovery key opens the data, and the key
    // goes back into the keyring.
    let store: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data_dir.join("store.json"))?)?;
    let account = format!("store-{}", store["store_id"].as_str().unwrap_or_default());
    let cleared = std::process::Command::new("secret-tool")
        .args(["clear", "service", "salal-clinic", "username", &account])
        .status()?;
    assert!(cleared.success(), "secret-tool clear");
    let mut app = App::launch_on_with("accounts-restart", data_dir.clone(), &env).await?;
    app.wait_for("recover-screen").await?;
    app.shot("recover").await?;
    app.fill("recover-key", &recovery_key).await?;
    app.keys("recover-key", Key::Enter).await?;
    // After the restart: the new password, Luis's Spanish, Elena's record.
    app.wait_for("login-screen").await?;
    app.fill("login-username", "ana").await?;
    app.fill("login-password", "Cedro-alto-Rio-64").await?;
    app.keys("login-password", Key::Enter).await?;
    app.wait_for("search-screen").await?;
    app.fill("search-input", "elena").await?;
    app.wait_text("search-results", "Ruiz").await?;
    app.click("sign-out").await?;
    app.fill("login-username", "luis").await?;
    app.fill("login-password", "Pino-rojo-Lago-73").await?;
    app.keys("login-password", Key::Enter).await?;
    app.wait_text("search-screen", "Buscar paciente").await?;
    app.shot("restart-spanish").await?;
    app.quit().await?;
    for dir in [&data_dir, &docs] {
        std::fs::remove_dir_all(dir).ok();
    }
    Ok(())
}

/// The front desk's path with the keyboard alone: every key goes to
/// whatever has the focus (Tab, arrows, Enter, Esc and typed text; no
/// clicks, no element focused by the test): sign in, search, register the
/// patient the search did not find, record a dose from the vaccine picker
/// (from a card that shows only the month), and back to the search.
#[tokio::test]
async fn keyboard_only_from_sign_in_to_a_recorded_dose() -> TestResult {
    let mut app = App::launch("keys").await?;
    set_up(&mut app, "Valle Verde Clinic").await?;
    app.wait_for("login-screen").await?;

    app.wait_focus("login-username").await?;
    app.press("ana").await?;
    app.press(Key::Tab).await?;
    app.wait_focus("login-password").await?;
    app.press(PASSWORD).await?;
    app.press(Key::Enter).await?;

    app.wait_for("search-screen").await?;
    app.wait_focus("search-input").await?;
    app.press("Pablo Ortiz").await?;
    app.wait_for("search-empty").await?;
    app.press(Key::Enter).await?;

    app.wait_for("patient-form-screen").await?;
    app.wait_focus("patient-first-name").await?;
    app.wait_value("patient-last-name", "Ortiz").await?;
    // Middle name, surname, second surname, then the birth date.
    for _ in 0..4 {
        app.press(Key::Tab).await?;
    }
    app.wait_focus("patient-birth-date").await?;
    app.press("06/15/2020").await?;
    app.press(Key::Enter).await?;

    app.wait_text("record-name", "Ortiz, Pablo").await?;
    app.wait_focus("record-dose").await?;
    app.press(Key::Enter).await?;
    app.wait_for("dose-screen").await?;
    app.wait_focus("event-kind").await?;
    app.press(Key::Down).await?;
    app.wait_value("event-kind", "historical").await?;
    app.press(Key::Tab).await?;
    app.wait_focus("event-date").await?;
    // The card shows only the month and year, which a historical dose may.
    app.wait_for("event-date-month-hint").await?;
    app.press(Key::Control + "a").await?;
    app.press("09/2021").await?;
    app.press(Key::Tab).await?;
    app.wait_focus("event-vaccine").await?;
    app.press("03").await?;
    app.wait_for("vaccine-options").await?;
    app.press(Key::Enter).await?;
    app.wait_text("vaccine-chosen", "03").await?;
    app.shot("keyboard-dose").await?;
    app.press(Key::Enter).await?;

    let events = app.wait_text("events", "09/2021").await?;
    assert!(
        !events.contains("09/01/2021"),
        "no day is made up: {events}"
    );
    app.wait_focus("record-dose").await?;
    app.press(Key::Escape).await?;
    app.wait_for("search-screen").await?;
    app.wait_focus("search-input").await?;
    app.shot("keyboard-home").await?;

    // The card was someone else's: entered in error, which asks why first.
    app.press("ortiz").await?;
    app.wait_text("search-results", "Ortiz").await?;
    app.press(Key::Enter).await?;
    app.click_css("#events button.mark-error").await?;
    app.wait_focus("eie-reason").await?;
    app.press(Key::Enter).await?;
    app.wait_text("error-banner", "Say why").await?;
    app.press("Recorded on the wrong patient").await?;
    app.press(Key::Enter).await?;
    let events = app.wait_text("events", "entered in error").await?;
    assert!(events.contains("Recorded on the wrong patient"), "{events}");
    app.shot("entered-in-error").await?;
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

/// Waits until the element's whole text (trimmed) is `text`.
async fn wait_exact(app: &App, id: &str, text: &str) -> TestResult {
    let start = std::time::Instant::now();
    loop {
        let now = app.text(id).await.unwrap_or_default();
        if now.trim() == text {
            return Ok(());
        }
        if start.elapsed() > std::time::Duration::from_secs(30) {
            return Err(format!("#{id} never read {text:?}; it reads {now:?}").into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The id of the element that has the keyboard focus.
async fn focused(app: &App) -> TestResult<String> {
    let id = app
        .script(
            "const done = arguments[arguments.length - 1];\
             done(document.activeElement ? document.activeElement.id : '');",
        )
        .await?;
    Ok(id.as_str().unwrap_or_default().to_owned())
}

/// The vaccine coordinator's month (Inventory, F8): a package of Fluzone
/// scanned in (its GS1 barcode as a scanner types it) as 10 VFC doses; an
/// order that cannot be submitted before this month's count; a dose given
/// from that lot on the dose form's lot picker, with the VFC warning
/// confirmed; 9 left, counted as 9, so the month is reconciled and the order
/// goes in. The doses report is saved as a PDF.
#[tokio::test]
async fn inventory_receive_dose_count_and_order() -> TestResult {
    let docs = std::env::temp_dir().join(format!("salal-e2e-stock-docs-{}", std::process::id()));
    std::fs::remove_dir_all(&docs).ok();
    let mut app =
        App::launch_with("inventory", &[("SALAL_DOCUMENTS_DIR", docs.as_os_str())]).await?;
    set_up(&mut app, "Valle Verde Clinic").await?;
    sign_in(&mut app).await?;
    register(
        &mut app,
        "Vega Sofia",
        "Sofía",
        "Vega",
        "Luna",
        "04/15/2022",
    )
    .await?;

    // F8 from anywhere: the scan field has the focus.
    app.keys("record-dose", Key::F8).await?;
    app.wait_for("inventory-screen").await?;
    app.wait_for("stock-empty").await?;
    app.wait_text("inv-reconciliation", "Nothing to count")
        .await?;
    assert_eq!(
        focused(&app).await?,
        "stock-scan",
        "the scan field waits for the scanner"
    );
    app.shot("inventory-empty").await?;

    // A real package: GTIN 00349281425509 is NDC 49281-0425-50 (Fluzone, CVX 140).
    // The scanner types the group separator (ASCII 29) after the lot; the
    // field keeps it, so the lot's end is known.
    app.fill("stock-quantity", "10").await?;
    app.choose("stock-funding", "VXC51").await?;
    let barcode = "0100349281425509\u{1d}10UT8021AA\u{1d}17271200";
    app.fill("stock-scan", barcode).await?;
    app.keys("stock-scan", Key::Enter).await?;
    let said = app.wait_text("stock-received", "Received 10 doses").await?;
    assert!(said.contains("UT8021AA"), "{said}");
    let row = app.wait_text("stock-row-0", "UT8021AA").await?;
    for expected in ["49281-0425-50", "VXC51", "12/31/2027", "Refrigerator"] {
        assert!(row.contains(expected), "the row shows {expected}: {row}");
    }
    wait_exact(&app, "stock-doses-0", "10").await?;
    assert_eq!(app.text("stock-scan").await?, "");
    assert_eq!(
        focused(&app).await?,
        "stock-scan",
        "ready for the next package"
    );
    app.wait_text("inv-reconciliation", "1 lot(s) to count")
        .await?;
    app.shot("inventory-received").await?;

    // Orders (Alt+4): nothing used yet, so nothing suggested; a typed line.
    app.keys("stock-scan", Key::Alt + "4").await?;
    app.wait_for("inv-orders").await?;
    app.click("order-suggest").await?;
    app.wait_for("order-suggest-none").await?;
    app.fill("order-ndc", "49281-0425-50").await?;
    app.choose("order-funding", "VXC51").await?;
    app.fill("order-add-doses", "20").await?;
    app.keys("order-add-doses", Key::Enter).await?;
    app.wait_text("order-line-0", "49281-0425-50").await?;
    app.click("order-create").await?;
    app.wait_text("order-created", "draft").await?;
    wait_exact(&app, "order-state-0", "Draft").await?;
    // Submitting before this month's count is refused, and says why.
    app.click("order-submit-0").await?;
    let refused = app.wait_text("order-error", "not been counted").await?;
    assert!(refused.contains("physical count"), "{refused}");
    wait_exact(&app, "order-state-0", "Draft").await?;
    app.shot("inventory-order-refused").await?;

    // The dose form offers the lot; VFC stock for a child marked not
    // VFC-eligible asks for a confirmation first.
    app.keys("order-submit-0", Key::F2).await?;
    app.wait_for("search-screen").await?;
    app.fill("search-input", "Vega").await?;
    app.wait_text("search-results", "Vega").await?;
    app.keys("search-input", Key::Enter).await?;
    app.wait_text("record-name", "Vega").await?;
    app.click("record-dose").await?;
    app.wait_for("dose-screen").await?;
    app.fill("event-vaccine", "140").await?;
    app.wait_for("vaccine-options").await?;
    app.keys("event-vaccine", Key::Enter).await?;
    app.wait_text("vaccine-chosen", "140").await?;
    let offered = app.wait_text("event-lot-pick", "UT8021AA").await?;
    assert!(
        offered.contains("10 doses left") && offered.contains("VXC51"),
        "{offered}"
    );
    assert!(
        !app.exists("event-lot").await?,
        "no typed lot while one is picked"
    );
    app.wait_text("event-funding-lot", "VXC51").await?;
    app.choose("event-site", "LA").await?;
    app.choose("event-route", "C28161").await?;
    app.choose("event-vfc", "V01").await?;
    app.shot("dose-lot-picker").await?;
    app.click("event-save").await?;
    let warning = app.wait_text("event-warnings", "VFC stock").await?;
    assert!(warning.contains("UT8021AA"), "{warning}");
    assert!(app.exists("dose-screen").await?, "nothing saved yet");
    app.shot("dose-confirm-warning").await?;
    app.click("event-confirm-vfc_stock_ineligible_child")
        .await?;
    app.click("event-save").await?;
    app.wait_for("record-screen").await?;
    app.wait_text("events", "UT8021AA").await?;

    // 9 left; counted as 9, the month is reconciled.
    app.keys("record-dose", Key::F8).await?;
    app.wait_for("inventory-screen").await?;
    wait_exact(&app, "stock-doses-0", "9").await?;
    app.keys("stock-scan", Key::Alt + "2").await?;
    app.wait_for("count-table").await?;
    wait_exact(&app, "count-expected-0", "9").await?;
    app.wait_text("count-status-0", "To count").await?;
    app.fill("count-counted-0", "8").await?;
    wait_exact(&app, "count-adjustment-0", "−1").await?;
    app.wait_for("count-reason-0").await?;
    app.fill("count-counted-0", "9").await?;
    wait_exact(&app, "count-adjustment-0", "0").await?;
    app.shot("inventory-count").await?;
    app.keys("count-counted-0", Key::Enter).await?;
    app.wait_text("count-result", "counted 9, expected 9, adjustment 0")
        .await?;
    app.wait_text("inv-reconciliation", "This month's count is done")
        .await?;
    app.shot("inventory-counted").await?;

    // Now the order goes in.
    app.keys("count-counted-0", Key::Alt + "4").await?;
    app.wait_for("orders-table").await?;
    app.click("order-submit-0").await?;
    wait_exact(&app, "order-state-0", "Submitted").await?;
    app.wait_text("order-result", "Submitted").await?;
    assert!(!app.exists("order-error").await?, "no error left");
    app.shot("inventory-order-submitted").await?;

    // Reports (Alt+5): the dose given, on screen and as a PDF.
    app.keys("order-pin", Key::Alt + "5").await?;
    app.wait_for("inv-reports").await?;
    app.click("report-show").await?;
    let table = app.wait_text("report-table", "140").await?;
    assert!(table.contains("V01"), "by VFC eligibility: {table}");
    let total = app.wait_text("report-total", "1").await?;
    assert!(total.contains("Total"), "{total}");
    app.click("report-pdf").await?;
    let saved = app.wait_text("report-result", ".pdf").await?;
    let pdfs = files_like(&docs, "Doses-administered-", ".pdf");
    assert_eq!(pdfs.len(), 1, "{saved}: {pdfs:?}");
    let text = std::process::Command::new("pdftotext")
        .arg(&pdfs[0])
        .arg("-")
        .output()?;
    let text = one_line(&String::from_utf8_lossy(&text.stdout));
    assert!(
        text.contains("Doses administered") && text.contains("Valle Verde Clinic"),
        "{text}"
    );
    app.shot("inventory-report").await?;

    // A dose drawn up but not given: non-viable, to report.
    app.keys("report-show", Key::Alt + "1").await?;
    app.wait_for("inv-stock").await?;
    app.click("stock-remove-0").await?;
    app.wait_for("stock-removal").await?;
    assert_eq!(focused(&app).await?, "removal-kind");
    app.fill("removal-quantity", "1").await?;
    app.choose("removal-reason", "wasted_drawn").await?;
    app.shot("inventory-removal").await?;
    app.keys("removal-quantity", Key::Enter).await?;
    app.wait_text("stock-removal-done", "8 on hand").await?;
    wait_exact(&app, "stock-doses-0", "8").await?;
    app.keys("removal-quantity", Key::Escape).await?;
    assert!(!app.exists("stock-removal").await?, "Esc closed the form");
    app.keys("stock-scan", Key::Alt + "3").await?;
    let listed = app.wait_text("nonviable-table", "UT8021AA").await?;
    assert!(
        listed.contains("drawn up but not given") && listed.contains("Report"),
        "{listed}"
    );
    app.shot("inventory-nonviable").await?;

    // The refrigerator's logger file: a warm spell this morning, and the dose given today.
    let today = app
        .script(
            "const done = arguments[arguments.length - 1]; const d = new Date();\
             done([d.getFullYear(), String(d.getMonth() + 1).padStart(2, '0'), String(d.getDate()).padStart(2, '0')].join('-'));",
        )
        .await?;
    let today = today.as_str().unwrap_or_default().to_owned();
    app.keys("nonviable-show", Key::Alt + "6").await?;
    app.wait_for("inv-temperature").await?;
    let csv = format!(
        "Date,Time,Temperature\n{today},00:00,5.0\n{today},00:30,9.5\n{today},01:00,10.2\n{today},01:30,4.8\n"
    );
    // The logger's file, opened with the file field as the coordinator would.
    let logger = docs.join("logger.csv");
    std::fs::create_dir_all(&docs)?;
    std::fs::write(&logger, &csv)?;
    app.keys("temp-file", logger.to_string_lossy().as_ref())
        .await?;
    app.wait_value("temp-text", "10.2").await?;
    app.click("temp-import").await?;
    app.wait_text("temp-result", "1 excursion").await?;
    let excursion = app.wait_text("temp-excursion-0", "Too warm").await?;
    assert!(
        excursion.contains("10.2") && excursion.contains("UT8021AA"),
        "{excursion}"
    );
    app.wait_text("temp-doses-0", "Vega").await?;
    app.shot("inventory-temperature").await?;

    // The same screen in Spanish.
    app.keys("temp-import", Key::Alt + "1").await?;
    app.wait_for("inv-stock").await?;
    app.choose("language-select", "es").await?;
    app.wait_text("inventory-screen", "Inventario de vacunas")
        .await?;
    app.wait_text("inv-reconciliation", "El conteo de este mes está hecho")
        .await?;
    app.shot("inventario").await?;
    app.choose("language-select", "en").await?;
    app.quit().await?;
    std::fs::remove_dir_all(&docs).ok();
    Ok(())
}

/// A real registry (`salal-registry serve` on loopback HTTPS, on the
/// PostgreSQL that `DATABASE_URL` names), stopped when dropped.
struct LiveRegistry {
    url: String,
    database_url: String,
    child: std::process::Child,
    _tls: std::path::PathBuf,
}

impl LiveRegistry {
    fn run(database_url: &str, args: &[&str]) -> TestResult<String> {
        let bin = std::env::var("SALAL_E2E_REGISTRY")
            .map_err(|_| "SALAL_E2E_REGISTRY is not set (scripts/e2e.sh sets it)")?;
        let out = std::process::Command::new(bin)
            .args(args)
            .env("DATABASE_URL", database_url)
            .output()?;
        if !out.status.success() {
            return Err(format!(
                "salal-registry {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    async fn start() -> TestResult<LiveRegistry> {
        let database_url = std::env::var("DATABASE_URL").map_err(
            |_| "DATABASE_URL is not set: run under scripts/with-postgres.sh (scripts/e2e.sh does)",
        )?;
        LiveRegistry::run(&database_url, &["migrate"])?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let tls = std::env::temp_dir().join(format!("salal-e2e-tls-{}", std::process::id()));
        std::fs::create_dir_all(&tls)?;
        let bin = std::env::var("SALAL_E2E_REGISTRY")?;
        let child = std::process::Command::new(bin)
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--tls-dir",
            ])
            .arg(&tls)
            .env("DATABASE_URL", &database_url)
            .stderr(std::process::Stdio::null())
            .spawn()?;
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Ok(LiveRegistry {
            url: format!("https://127.0.0.1:{port}"),
            database_url,
            child,
            _tls: tls,
        })
    }

    fn admin(&self, args: &[&str]) -> TestResult<String> {
        LiveRegistry::run(&self.database_url, args)
    }
}

impl Drop for LiveRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `salal --data-dir DIR ARGS...` as the demo administrator; its stdout.
fn clinic_cli(dir: &std::path::Path, args: &[&str]) -> TestResult<String> {
    let out = std::process::Command::new(salal_e2e::cli_binary())
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("SALAL_USER", salal_e2e::DEMO_USER)
        .env("SALAL_PASSWORD", salal_e2e::DEMO_PASSWORD)
        .env("SALAL_LANG", "en")
        .output()?;
    if !out.status.success() {
        return Err(format!("salal {args:?}: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// A family's record follows them: a child registered in Yakima is not in
/// Mount Vernon's replica; the front desk searches, finds nothing, presses
/// F3, and the registry's candidate (with the clinic that last saw her)
/// comes in with her dose. Then the family declines registry participation:
/// the consent form records who asked, why, and the signed form.
#[tokio::test]
async fn a_record_comes_from_the_registry_and_a_decline_is_recorded() -> TestResult {
    let registry = LiveRegistry::start().await?;
    let yakima_org = registry.admin(&["org", "add", "--name", "Yakima Valley Clinic"])?;
    let mv_org = registry.admin(&["org", "add", "--name", "Mount Vernon Family Clinic"])?;
    let yakima = std::env::temp_dir().join(format!("salal-e2e-yakima-{}", std::process::id()));
    let mount_vernon = std::env::temp_dir().join(format!("salal-e2e-mv-{}", std::process::id()));
    for dir in [&yakima, &mount_vernon] {
        std::fs::remove_dir_all(dir).ok();
    }
    clinic_cli(
        &yakima,
        &[
            "init",
            "--clinic",
            "Yakima Valley Clinic",
            "--admin",
            "admin",
        ],
    )?;
    let code = registry.admin(&["enroll-code", "--org", &yakima_org])?;
    clinic_cli(
        &yakima,
        &["enroll", "--registry", &registry.url, "--code", &code],
    )?;
    let lucia = clinic_cli(
        &yakima,
        &[
            "patient",
            "add",
            "--first",
            "Lucía",
            "--last",
            "Hernández",
            "--second-last",
            "Ruiz",
            "--birth-date",
            "2021-03-15",
            "--sex",
            "F",
            "--mother-maiden",
            "Ruiz Soto",
            "--force",
        ],
    )?;
    clinic_cli(
        &yakima,
        &[
            "dose",
            "add",
            "--patient",
            &lucia,
            "--kind",
            "historical",
            "--cvx",
            "08",
            "--date",
            "2021-03-15",
            "--source",
            "01",
        ],
    )?;
    clinic_cli(&yakima, &["sync"])?;
    clinic_cli(&mount_vernon, &["demo", "--patients", "3", "--seed", "9"])?;
    let code = registry.admin(&["enroll-code", "--org", &mv_org])?;
    clinic_cli(
        &mount_vernon,
        &["enroll", "--registry", &registry.url, "--code", &code],
    )?;

    let mut app = App::launch_on("lookup", mount_vernon.clone()).await?;
    app.wait_for("login-screen").await?;
    app.fill("login-username", salal_e2e::DEMO_USER).await?;
    app.fill("login-password", salal_e2e::DEMO_PASSWORD).await?;
    app.keys("login-password", Key::Enter).await?;
    app.wait_for("search-screen").await?;
    app.fill("search-input", "lucia hernandez").await?;
    app.wait_for("search-empty").await?;
    app.wait_for("search-empty-registry").await?;
    app.keys("search-input", Key::F3).await?;
    app.wait_for("lookup-panel").await?;
    app.wait_value("lookup-name", "lucia hernandez").await?;
    app.fill("lookup-birth-date", "03/15/2021").await?;
    app.keys("lookup-birth-date", Key::Enter).await?;
    let found = app.wait_text("lookup-results", "Hernández").await?;
    assert!(
        found.contains("Yakima Valley Clinic"),
        "the clinic that last saw her: {found}"
    );
    app.shot("registry-candidates").await?;
    assert_eq!(
        focused(&app).await?,
        "lookup-results",
        "Enter picks the first"
    );
    app.keys("lookup-results", Key::Enter).await?;
    let name = app.wait_text("record-name", "Hernández").await?;
    assert!(name.contains("Lucía"), "{name}");
    app.wait_text("record-screen", "Hepatitis B").await?;
    app.shot("record-from-registry").await?;

    // The family declines: who asked, why, the signed form; Enter saves.
    app.click("consent-registry-toggle").await?;
    app.wait_for("consent-decline-form").await?;
    assert_eq!(focused(&app).await?, "consent-requested-by");
    app.fill("consent-requested-by", "Marta Ruiz (mother)")
        .await?;
    app.fill("consent-reason", "family preference").await?;
    app.keys("consent-reason", Key::Tab).await?;
    app.keys("consent-form-on-file", Key::Space).await?;
    app.shot("consent-decline-form").await?;
    app.keys("consent-reason", Key::Enter).await?;
    let details = app
        .wait_text("consent-registry-details", "Marta Ruiz (mother)")
        .await?;
    assert!(details.contains("family preference"), "{details}");
    assert!(details.contains("Signed decline form on file"), "{details}");
    app.wait_text("consent-registry", "Declined participation")
        .await?;
    app.shot("consent-declined").await?;
    app.quit().await?;

    let shown = clinic_cli(&mount_vernon, &["patient", "show", &lucia])?;
    assert!(shown.contains("Marta Ruiz (mother)"), "{shown}");
    for dir in [&yakima, &mount_vernon] {
        std::fs::remove_dir_all(dir).ok();
    }
    Ok(())
}
