//! The one module that talks to the desktop shell: `window.__TAURI__.core.invoke`
//! for commands, and `window.__TAURI__.event.listen` for what the shell sends
//! unasked (sync progress and status, see `salal_ipc::event`).
//!
//! Every command takes one argument, `req`, and answers `Result<T, IpcError>`.
//! A rejected call carries the shell's typed error; anything else (a call the
//! shell could not decode) becomes the code `ipc.unexpected`, which the screens
//! show as a translated "something went wrong" message.

// `#[wasm_bindgen] extern` blocks expand to `unsafe` glue around the JS call;
// this module is the single place allowed to contain it.
#![allow(unsafe_code)]

use salal_ipc::IpcError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], js_name = listen, catch)]
    async fn tauri_listen(
        event: &str,
        handler: &Closure<dyn FnMut(JsValue)>,
    ) -> Result<JsValue, JsValue>;
}

/// Calls `on` with the payload of every `event` the shell emits, for as long
/// as the window is open. A payload that does not decode is skipped.
pub(crate) fn listen<T: DeserializeOwned + 'static>(event: &'static str, on: impl Fn(T) + 'static) {
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
        let payload =
            js_sys::Reflect::get(&message, &JsValue::from_str("payload")).unwrap_or(JsValue::NULL);
        if let Ok(value) = serde_wasm_bindgen::from_value(payload) {
            on(value);
        }
    });
    wasm_bindgen_futures::spawn_local(async move {
        if tauri_listen(event, &handler).await.is_ok() {
            // The listener lives as long as the page: its handler must too.
            handler.forget();
        }
    });
}

/// The code for failures that are not the shell's typed errors.
pub(crate) const UNEXPECTED: &str = "ipc.unexpected";

#[derive(Serialize)]
struct Args<'a, T: Serialize> {
    req: &'a T,
}

/// Calls a shell command with its request and decodes the answer.
pub(crate) async fn call<T: Serialize, R: DeserializeOwned>(
    cmd: &str,
    req: &T,
) -> Result<R, IpcError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let args = Args { req }
        .serialize(&serializer)
        .map_err(|_| unexpected())?;
    match tauri_invoke(cmd, args).await {
        Ok(value) => serde_wasm_bindgen::from_value(value).map_err(|_| unexpected()),
        Err(error) => Err(serde_wasm_bindgen::from_value(error).unwrap_or_else(|_| unexpected())),
    }
}

fn unexpected() -> IpcError {
    IpcError::new(UNEXPECTED, String::new())
}
