//! Salal Clinic's front end: Leptos with client-side rendering, compiled to
//! wasm32 and shown by the desktop shell (`src-tauri`).
//!
//! Start with [`app`] (the screens and how one leads to the next), then
//! [`transport`] (the only module that talks to the shell) and [`i18n`] (every
//! text comes from the translation files; nothing is written here in English or
//! Spanish). Each screen is one module under [`screens`].

// Leptos' `#[component]` expands every component into `pub` props types and
// functions, which this binary crate can never export.
#![allow(unreachable_pub)]

mod app;
mod dates;
mod i18n;
mod idle;
mod ids;
mod screens;
mod transport;
mod widgets;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
