//! Signing out after a while without use, keeping what was typed.
//!
//! While someone is signed in, every key press, click and typed character
//! counts as use; a few times per idle period the shell hears of it
//! ([`cmd::STILL_HERE`]), and the shell itself ends a session that goes
//! unused for the limit, whatever this side does. When the limit passes
//! here, a form holding unsaved changes is kept as a draft (its screen and
//! the value of every field on it, never a password) before signing out.
//! When the same user signs in again they are taken back to that screen and
//! the form gets its values back ([`restore_draft`], which each form calls
//! once it is ready). Another user signing in meanwhile never sees it. The
//! draft lives in this window's memory only.

use crate::app::{AppState, Screen};
use crate::transport::call;
use leptos::prelude::*;
use leptos::task::spawn_local;
use salal_ipc::cmd;
use std::time::Duration;
use wasm_bindgen::JsCast;

/// One field's value as it was typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FieldValue {
    id: String,
    value: String,
    /// For check boxes and radio buttons.
    checked: Option<bool>,
}

/// A form left unsaved when its user was signed out for idleness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Draft {
    username: String,
    screen: Screen,
    values: Vec<FieldValue>,
}

/// How many times a draft's values are tried while a form fills in (its
/// record and pick lists arrive a moment after it shows), 100 ms apart.
const RESTORE_ATTEMPTS: u32 = 30;

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Starts watching for use, and signs out when the idle limit passes.
pub(crate) fn watch(app: AppState) {
    let last_use = StoredValue::new(now_ms());
    let last_told = StoredValue::new(0.0_f64);
    let limit_ms = move || {
        app.session
            .with_untracked(|s| s.as_ref().map(|s| s.idle_seconds.max(1) as f64 * 1000.0))
    };
    let used = move || {
        let Some(limit) = limit_ms() else {
            return;
        };
        let now = now_ms();
        last_use.set_value(now);
        // Often enough that the shell never ends a session in use.
        if now - last_told.get_value() >= (limit / 4.0).min(20_000.0) {
            last_told.set_value(now);
            spawn_local(async move {
                if let Err(e) = call::<_, ()>(cmd::STILL_HERE, &()).await
                    && e.code == "session.idle"
                {
                    sign_out_idle(app);
                }
            });
        }
    };
    // Listeners and the timer last as long as the window.
    std::mem::forget(window_event_listener(leptos::ev::keydown, move |_| used()));
    std::mem::forget(window_event_listener(leptos::ev::pointerdown, move |_| {
        used()
    }));
    std::mem::forget(window_event_listener(leptos::ev::input, move |_| used()));
    // A fresh sign-in starts the count again.
    Effect::new(move |_| {
        if app.session.with(Option::is_some) {
            last_use.set_value(now_ms());
            last_told.set_value(now_ms());
        }
    });
    set_interval(
        move || {
            if let Some(limit) = limit_ms()
                && now_ms() - last_use.get_value() >= limit
            {
                sign_out_idle(app);
            }
        },
        Duration::from_secs(1),
    );
}

/// Keeps the unsaved form, signs out and shows the sign-in screen saying why.
fn sign_out_idle(app: AppState) {
    let Some(username) = app
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.username.clone()))
    else {
        return;
    };
    if app.dirty.get_untracked() {
        let draft = Draft {
            username,
            screen: app.screen.get_untracked(),
            values: capture(),
        };
        app.drafts.update_value(|drafts| {
            drafts.retain(|d| d.username != draft.username);
            drafts.push(draft);
        });
    }
    spawn_local(async move {
        call::<_, ()>(cmd::LOGOUT, &()).await.ok();
    });
    app.session.set(None);
    app.codes.set(salal_ipc::CodeLists::default());
    app.idle_signed_out.set(true);
    app.go_anyway(Screen::Login);
}

/// The screen to open for `username` after sign-in: their unsaved form's,
/// whose values [`restore_draft`] then puts back.
pub(crate) fn take_draft(app: AppState, username: &str) -> Option<Screen> {
    let mut found = None;
    app.drafts.update_value(|drafts| {
        if let Some(at) = drafts.iter().position(|d| d.username == username) {
            found = Some(drafts.remove(at));
        }
    });
    let draft = found?;
    app.restoring.set_value(Some(draft.values));
    Some(draft.screen)
}

/// Called by a form once it is ready: puts back the values of the draft
/// being restored, if any (the form then counts as changed).
pub(crate) fn restore_draft(app: AppState) {
    let Some(values) = app.restoring.get_value() else {
        return;
    };
    app.restoring.set_value(None);
    apply(values, RESTORE_ATTEMPTS);
}

fn apply(values: Vec<FieldValue>, attempts_left: u32) {
    let left: Vec<FieldValue> = values.into_iter().filter(|v| !put(v)).collect();
    if !left.is_empty() && attempts_left > 0 {
        set_timeout(
            move || apply(left, attempts_left - 1),
            Duration::from_millis(100),
        );
    }
}

/// The value of every field (with an id) on the main screen, passwords left out.
fn capture() -> Vec<FieldValue> {
    let Some(nodes) = document().get_element_by_id("main").and_then(|main| {
        main.query_selector_all("input[id], select[id], textarea[id]")
            .ok()
    }) else {
        return Vec::new();
    };
    let mut values = Vec::new();
    for i in 0..nodes.length() {
        let Some(node) = nodes.item(i) else {
            continue;
        };
        if let Some(input) = node.dyn_ref::<web_sys::HtmlInputElement>() {
            let kind = input.type_();
            if kind == "password" || kind == "file" {
                continue;
            }
            let checked = matches!(kind.as_str(), "checkbox" | "radio").then(|| input.checked());
            values.push(FieldValue {
                id: input.id(),
                value: input.value(),
                checked,
            });
        } else if let Some(select) = node.dyn_ref::<web_sys::HtmlSelectElement>() {
            values.push(FieldValue {
                id: select.id(),
                value: select.value(),
                checked: None,
            });
        } else if let Some(area) = node.dyn_ref::<web_sys::HtmlTextAreaElement>() {
            values.push(FieldValue {
                id: area.id(),
                value: area.value(),
                checked: None,
            });
        }
    }
    values
}

/// Puts one value back, as if typed (so the form's signals follow).
/// Whether it took: the field may not be there yet, or a pick list may not
/// have its choices yet.
fn put(field: &FieldValue) -> bool {
    let Some(element) = document().get_element_by_id(&field.id) else {
        return false;
    };
    if let Some(input) = element.dyn_ref::<web_sys::HtmlInputElement>() {
        match field.checked {
            Some(checked) => {
                if input.checked() != checked {
                    input.set_checked(checked);
                    notify(&element, "change");
                }
                true
            }
            None => {
                if input.value() != field.value {
                    input.set_value(&field.value);
                    notify(&element, "input");
                }
                input.value() == field.value
            }
        }
    } else if let Some(select) = element.dyn_ref::<web_sys::HtmlSelectElement>() {
        if select.value() != field.value {
            select.set_value(&field.value);
            notify(&element, "change");
        }
        select.value() == field.value
    } else if let Some(area) = element.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        if area.value() != field.value {
            area.set_value(&field.value);
            notify(&element, "input");
        }
        true
    } else {
        true
    }
}

fn notify(element: &web_sys::Element, kind: &str) {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    if let Ok(event) = web_sys::Event::new_with_event_init_dict(kind, &init) {
        element.dispatch_event(&event).ok();
    }
}
