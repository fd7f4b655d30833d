// Loads the wasm UI (wasm-bindgen generated salal-ui.js next to this file).
// The outcome is kept on `window.salalBoot` so a blank window can be diagnosed;
// the module's exports on `window.salalWasm` (the startup benchmark reads the
// size of its memory).
import init from "./salal-ui.js";
window.salalBoot = "loading";
init().then(
  (wasm) => { window.salalWasm = wasm; window.salalBoot = "ok"; },
  (error) => { window.salalBoot = "error: " + error; console.error(error); },
);
