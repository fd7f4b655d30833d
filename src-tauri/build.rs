//! Build script: generates the Tauri context (config, icons, UI assets).
fn main() {
    tauri_build::build()
}
