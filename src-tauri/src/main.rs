//! Salal Clinic, the desktop app: a Tauri 2 shell around the `clinic` use cases.
//!
//! The window shows the Leptos UI (`ui/`, embedded from `ui/dist` at compile
//! time); the UI calls the commands in [`commands`], which call `salal_clinic`
//! and nothing lower, and answer with the wire types of `salal_ipc`. Start with
//! [`shell`] (the state: where the data lives, the open clinic, who is signed
//! in) and [`sync`] (the background sync with the registry), then [`errors`] (how every failure becomes a typed, translated
//! `IpcError`), [`convert`] (wire ↔ domain) and [`files`] (documents saved as
//! files and sent to the printer).
//!
//! Command line: `salal-clinic [--data-dir DIR]`. Without it the data lives in
//! the OS app-data directory (`$XDG_DATA_HOME/org.salal.clinic` on Linux);
//! `SALAL_DATA_DIR` does the same as `--data-dir`. Printed documents are saved
//! in `<Documents>/Salal` (or `SALAL_DOCUMENTS_DIR`).

// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod convert;
mod errors;
mod files;
mod shell;
mod sync;

use std::path::PathBuf;
use tauri::Manager;

fn main() {
    let data_dir_arg = data_dir_from_args(std::env::args().skip(1));
    let result = tauri::Builder::default()
        .setup(move |app| {
            let data_dir = match data_dir_arg.clone() {
                Some(dir) => dir,
                None => app.path().app_data_dir()?,
            };
            app.manage(shell::Shell::new(data_dir));
            let sync = sync::SyncHandle::default();
            app.manage(sync.clone());
            app.manage(commands::documents::RecallLists::default());
            sync::start(app.handle().clone(), sync)?;
            #[cfg(target_os = "linux")]
            if let Some(window) = app.get_webview_window("main") {
                window.with_webview(lean_webview)?;
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::setup::app_status,
            commands::setup::setup_clinic,
            commands::setup::recover_with_key,
            commands::session::login,
            commands::session::logout,
            commands::session::still_here,
            commands::session::change_password,
            commands::session::set_language,
            commands::session::code_lists,
            commands::patients::search_patients,
            commands::patients::register_patient,
            commands::patients::update_patient,
            commands::patients::patient_record,
            commands::forecast::patient_forecast,
            commands::patients::set_consent,
            commands::events::record_event,
            commands::events::mark_entered_in_error,
            commands::admin::list_users,
            commands::admin::create_user,
            commands::admin::set_user_roles,
            commands::admin::set_user_active,
            commands::admin::reset_user_password,
            commands::admin::audit_log,
            commands::admin::audit_export,
            commands::sync::sync_status,
            commands::sync::sync_now,
            commands::sync::record_sync_states,
            commands::sync::enroll,
            commands::documents::documents_folder,
            commands::documents::print_document,
            commands::documents::recall_list,
            commands::documents::recall_export,
            commands::documents::record_call,
            commands::inventory::stock_overview,
            commands::inventory::stock_choices,
            commands::inventory::lots_for_dose,
            commands::inventory::receive_stock,
            commands::inventory::count_stock,
            commands::inventory::remove_stock,
            commands::inventory::non_viable,
            commands::inventory::count_history,
            commands::inventory::save_storage_unit,
            commands::inventory::import_temperatures,
            commands::inventory::suggested_order,
            commands::inventory::create_order,
            commands::inventory::orders,
            commands::inventory::advance_order,
            commands::inventory::receive_order,
            commands::inventory::export_order,
            commands::inventory::doses_report,
            commands::inventory::save_report,
            commands::lookup::lookup_registry,
            commands::lookup::fetch_from_registry,
        ])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        // The window could not start (no display, no WebKitGTK): say so and exit non-zero.
        #[expect(
            clippy::print_stderr,
            reason = "a GUI start failure has nowhere else to go"
        )]
        {
            eprintln!("salal-clinic: cannot start the window: {error}");
        }
        std::process::exit(1);
    }
}

/// Keeps WebKitGTK small on the clinic's old PCs (measured in BENCHMARKS.md,
/// "Desktop app"): no GPU compositing — forms need none, and WebKitGTK's
/// compositor (Mesa's software renderer where there is no GPU) is what made
/// the web process the biggest part of the app — and the smallest cache
/// model, as the app is one local page with nothing worth caching.
/// `SALAL_WEBVIEW_GPU=1` turns compositing back on, to compare on a desktop.
#[cfg(target_os = "linux")]
fn lean_webview(webview: tauri::webview::PlatformWebview) {
    use webkit2gtk::{
        CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
    };
    let view = webview.inner();
    if let Some(settings) = WebViewExt::settings(&view) {
        let policy = if std::env::var_os("SALAL_WEBVIEW_GPU").is_some_and(|v| v == "1") {
            HardwareAccelerationPolicy::OnDemand
        } else {
            HardwareAccelerationPolicy::Never
        };
        settings.set_hardware_acceleration_policy(policy);
        settings.set_enable_page_cache(false);
    }
    if let Some(context) = view.context() {
        context.set_cache_model(CacheModel::DocumentViewer);
    }
}

/// `--data-dir DIR` / `--data-dir=DIR`, else `SALAL_DATA_DIR`.
fn data_dir_from_args(mut args: impl Iterator<Item = String>) -> Option<PathBuf> {
    while let Some(arg) = args.next() {
        if arg == "--data-dir" {
            return args.next().map(PathBuf::from);
        }
        if let Some(dir) = arg.strip_prefix("--data-dir=") {
            return Some(PathBuf::from(dir));
        }
    }
    std::env::var_os("SALAL_DATA_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::data_dir_from_args;
    use std::path::PathBuf;

    #[test]
    fn the_data_dir_comes_from_either_argument_form() {
        let args = |v: &[&str]| {
            v.iter()
                .map(|s| (*s).to_owned())
                .collect::<Vec<_>>()
                .into_iter()
        };
        assert_eq!(
            data_dir_from_args(args(&["--data-dir", "/x"])),
            Some(PathBuf::from("/x"))
        );
        assert_eq!(
            data_dir_from_args(args(&["--data-dir=/y"])),
            Some(PathBuf::from("/y"))
        );
    }
}
