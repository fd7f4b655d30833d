// Loads the wasm UI (wasm-bindgen generated salal-ui.js next to this file).
// The outcome is kept on `window.salalBoot` so a blank window can be diagnosed.
import init from "./salal-ui.js";
window.salalBoot = "loading";
init().then(
  () => { window.salalBoot = "ok"; },
  (error) => { window.salalBoot = "error: " + error; console.error(error); },
);
