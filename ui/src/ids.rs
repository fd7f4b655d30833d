//! Ids for the records a form creates, chosen when the form opens: a UUIDv7
//! from the browser's clock and `crypto.getRandomValues` (`salal-core` has no
//! random source in wasm). Saving the same form twice sends the same id, and
//! the shell saves it once.

/// A fresh UUIDv7 as text.
pub(crate) fn new_id() -> String {
    let mut random = [0_u8; 10];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut random).is_ok());
    if !filled {
        // No Web Crypto (never seen in WebKitGTK): the clock still orders ids,
        // and Math.random keeps two forms opened in one millisecond apart.
        for byte in &mut random {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    let now_ms = js_sys::Date::now().max(0.0) as u64;
    salal_core::ids::new_v7(now_ms, random).to_string()
}
