//! The harness for Salal Clinic's end-to-end tests: it starts `tauri-driver`
//! (which starts WebKitWebDriver, which starts the app), opens a WebDriver
//! session on the real window, and offers the few steps the flows need —
//! type into a field, press a button, wait for a screen, take a screenshot.
//!
//! Each [`App`] gets a fresh data directory, so every flow starts at first-run
//! setup. The tests run one at a time (the driver ports are fixed) under Xvfb
//! and a private keyring: see `scripts/e2e.sh`.
//!
//! Environment: `SALAL_E2E_APP` (the app binary; default
//! `$CARGO_TARGET_DIR/release/salal-clinic`), `SALAL_E2E_CLI` (the `salal`
//! command line, which makes demo clinics; default `$CARGO_TARGET_DIR/release/salal`),
//! `SALAL_E2E_SHOTS` (screenshot folder; default `$CARGO_TARGET_DIR/e2e-screenshots`).

use std::path::PathBuf;
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;
use tokio::process::{Child, Command};

/// What the flows return.
pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const DRIVER_PORT: u16 = 4444;
const NATIVE_PORT: u16 = 4445;
/// How long a screen may take to appear (a cold first start of WebKit is the slowest).
const WAIT: Duration = Duration::from_secs(30);

/// What of an element a wait reads.
#[derive(Clone, Copy, Debug)]
enum Shown {
    /// Its text, as the page shows it.
    Text,
    /// A field's value, what is typed in it.
    Value,
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

/// The app binary under test.
#[must_use]
pub fn app_binary() -> PathBuf {
    std::env::var_os("SALAL_E2E_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("release/salal-clinic"))
}

/// The `salal` command line.
#[must_use]
pub fn cli_binary() -> PathBuf {
    std::env::var_os("SALAL_E2E_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("release/salal"))
}

/// The demo administrator's user name and password (those of `salal demo`).
pub const DEMO_USER: &str = "admin";
/// See [`DEMO_USER`].
pub const DEMO_PASSWORD: &str = "orchard river demo clinic";

/// Where screenshots go.
#[must_use]
pub fn screenshot_dir() -> PathBuf {
    std::env::var_os("SALAL_E2E_SHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("e2e-screenshots"))
}

/// The app in its window, driven over WebDriver.
pub struct App {
    driver: Option<WebDriver>,
    tauri_driver: Child,
    flow: String,
    shot_count: u32,
    data_dir: PathBuf,
    keep_data: bool,
}

impl App {
    /// Starts the app on an empty data directory; `flow` names the screenshots.
    pub async fn launch(flow: &str) -> TestResult<App> {
        let data_dir =
            std::env::temp_dir().join(format!("salal-e2e-{flow}-{}", std::process::id()));
        if data_dir.exists() {
            std::fs::remove_dir_all(&data_dir)?;
        }
        App::start(flow, data_dir, false, &[]).await
    }

    /// Starts the app on an empty data directory with `env` set (where
    /// documents are saved, for instance).
    pub async fn launch_with(flow: &str, env: &[(&str, &std::ffi::OsStr)]) -> TestResult<App> {
        let data_dir =
            std::env::temp_dir().join(format!("salal-e2e-{flow}-{}", std::process::id()));
        if data_dir.exists() {
            std::fs::remove_dir_all(&data_dir)?;
        }
        App::start(flow, data_dir, false, env).await
    }

    /// Starts the app on an existing clinic's data directory, which is kept.
    pub async fn launch_on(flow: &str, data_dir: PathBuf) -> TestResult<App> {
        App::start(flow, data_dir, true, &[]).await
    }

    /// Starts the app on a data directory that is kept (set up or not), with `env` set.
    pub async fn launch_on_with(
        flow: &str,
        data_dir: PathBuf,
        env: &[(&str, &std::ffi::OsStr)],
    ) -> TestResult<App> {
        App::start(flow, data_dir, true, env).await
    }

    /// Makes a demo clinic of `patients` with the `salal` command line (in the
    /// same keyring), then starts the app on it with `env` set; the clinic is
    /// removed afterwards. Sign in with [`DEMO_USER`] and [`DEMO_PASSWORD`].
    pub async fn launch_demo(
        flow: &str,
        patients: usize,
        env: &[(&str, &std::ffi::OsStr)],
    ) -> TestResult<App> {
        let data_dir =
            std::env::temp_dir().join(format!("salal-e2e-{flow}-{}", std::process::id()));
        if data_dir.exists() {
            std::fs::remove_dir_all(&data_dir)?;
        }
        let cli = cli_binary();
        let output = Command::new(&cli)
            .arg("--data-dir")
            .arg(&data_dir)
            .args(["demo", "--patients", &patients.to_string()])
            .env("SALAL_PASSWORD", DEMO_PASSWORD)
            .output()
            .await
            .map_err(|e| {
                format!(
                    "cannot run {} ({e}); build it first: cargo build --release -p salal-cli",
                    cli.display()
                )
            })?;
        if !output.status.success() {
            return Err(format!(
                "salal demo failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        App::start(flow, data_dir, false, env).await
    }

    async fn start(
        flow: &str,
        data_dir: PathBuf,
        keep_data: bool,
        env: &[(&str, &std::ffi::OsStr)],
    ) -> TestResult<App> {
        let app = app_binary();
        if !app.is_file() {
            return Err(format!(
                "app binary {} not found; build it first (scripts/e2e.sh does)",
                app.display()
            )
            .into());
        }
        std::fs::create_dir_all(screenshot_dir())?;

        // A driver from an earlier flow may still be letting go of its ports.
        wait_for_free_port(DRIVER_PORT).await?;
        wait_for_free_port(NATIVE_PORT).await?;
        let tauri_driver = Command::new("tauri-driver")
            .args(["--port", &DRIVER_PORT.to_string(), "--native-port", &NATIVE_PORT.to_string()])
            // WebKitWebDriver hands its environment to the app it starts.
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            // Its own process group, so that WebKitWebDriver and the app it started go with it.
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start tauri-driver ({e}); install it: cargo install tauri-driver --version 2.1.0 --locked"))?;
        // tauri-driver answers on its port before WebKitWebDriver, which it
        // starts, listens on the native one; a session asked for in between
        // is dropped without an answer. Wait for both.
        wait_for_port(DRIVER_PORT).await?;
        wait_for_port(NATIVE_PORT).await?;

        let mut caps = Capabilities::new();
        caps.set(
            "tauri:options",
            serde_json::json!({
                "application": app,
                "args": ["--data-dir", data_dir],
            }),
        )?;
        let driver = new_session(caps).await?;
        Ok(App {
            driver: Some(driver),
            tauri_driver,
            flow: flow.to_owned(),
            shot_count: 0,
            data_dir,
            keep_data,
        })
    }

    /// Saves a screenshot named after the flow, a running number and `screen`.
    pub async fn shot(&mut self, screen: &str) -> TestResult {
        self.shot_count += 1;
        let path =
            screenshot_dir().join(format!("{}-{:02}-{screen}.png", self.flow, self.shot_count));
        // Let the page paint what the last step changed before capturing it.
        self.driver()
            .execute_async(
                "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                Vec::new(),
            )
            .await?;
        tokio::time::sleep(Duration::from_millis(250)).await;
        tokio::task::spawn_blocking(move || capture_screen(&path)).await??;
        Ok(())
    }

    /// The element with this id, once it is on the page.
    pub async fn el(&self, id: &str) -> TestResult<WebElement> {
        Ok(self
            .driver()
            .query(By::Id(id))
            .wait(WAIT, Duration::from_millis(100))
            .first()
            .await?)
    }

    /// Waits until an element with this id is shown.
    pub async fn wait_for(&self, id: &str) -> TestResult {
        self.driver()
            .query(By::Id(id))
            .wait(WAIT, Duration::from_millis(100))
            .and_displayed()
            .first()
            .await?;
        Ok(())
    }

    /// Waits until the element's text contains `text`; answers the whole text.
    pub async fn wait_text(&self, id: &str, text: &str) -> TestResult<String> {
        self.wait_contains(id, text, Shown::Text).await
    }

    /// Waits until the field's value (what is typed in it) contains `text`.
    pub async fn wait_value(&self, id: &str, text: &str) -> TestResult<String> {
        self.wait_contains(id, text, Shown::Value).await
    }

    /// Polls what the element shows until it contains `text`; a timeout names
    /// what it showed and the page's alerts.
    async fn wait_contains(&self, id: &str, text: &str, shown: Shown) -> TestResult<String> {
        let start = Instant::now();
        loop {
            let found = match self.driver().find(By::Id(id)).await {
                Ok(el) => match shown {
                    Shown::Text => el.text().await.unwrap_or_default(),
                    Shown::Value => el.prop("value").await.ok().flatten().unwrap_or_default(),
                },
                Err(_) => String::new(),
            };
            if found.contains(text) {
                return Ok(found);
            }
            if start.elapsed() > WAIT {
                let alerts = self.alerts().await;
                return Err(format!(
                    "#{id} never showed {text:?} ({shown:?}); it shows {found:?}; alerts on the page: {alerts:?}"
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The text of every alert on the page (error banners), to explain a failed wait.
    async fn alerts(&self) -> Vec<String> {
        let mut texts = Vec::new();
        if let Ok(found) = self.driver().find_all(By::Css("[role=alert]")).await {
            for el in found {
                if let Ok(text) = el.text().await
                    && !text.trim().is_empty()
                {
                    texts.push(text);
                }
            }
        }
        texts
    }

    /// The element's text now.
    pub async fn text(&self, id: &str) -> TestResult<String> {
        Ok(self.el(id).await?.text().await?)
    }

    /// Replaces the field's content by typing `text`, as a person would.
    pub async fn fill(&self, id: &str, text: &str) -> TestResult {
        let el = self.el(id).await?;
        el.click().await?;
        el.send_keys(Key::Control + "a").await?;
        el.send_keys(Key::Backspace).await?;
        // Nothing to type leaves the field empty (WebDriver refuses empty text).
        if !text.is_empty() {
            el.send_keys(text).await?;
        }
        Ok(())
    }

    /// Clicks the first element the CSS selector matches, once it is shown.
    pub async fn click_css(&self, css: &str) -> TestResult {
        self.driver()
            .query(By::Css(css))
            .wait(WAIT, Duration::from_millis(100))
            .and_displayed()
            .first()
            .await?
            .click()
            .await?;
        Ok(())
    }

    /// Presses keys on whatever has the focus, as a person at the keyboard:
    /// no element is chosen, clicked or focused for it.
    pub async fn press(&self, keys: impl Into<TypingData>) -> TestResult {
        self.driver()
            .active_element()
            .await?
            .send_keys(keys)
            .await?;
        Ok(())
    }

    /// Waits until the element with this id has the focus; a timeout names
    /// the element that has it.
    pub async fn wait_focus(&self, id: &str) -> TestResult {
        let start = Instant::now();
        loop {
            let focused = self
                .driver()
                .active_element()
                .await?
                .id()
                .await?
                .unwrap_or_default();
            if focused == id {
                return Ok(());
            }
            if start.elapsed() > WAIT {
                return Err(format!("the focus is on {focused:?}, not {id:?}").into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Presses keys in the field.
    pub async fn keys(&self, id: &str, keys: impl Into<TypingData>) -> TestResult {
        self.el(id).await?.send_keys(keys).await?;
        Ok(())
    }

    /// Clicks the element.
    pub async fn click(&self, id: &str) -> TestResult {
        self.el(id).await?.click().await?;
        Ok(())
    }

    /// Chooses `value` in a pick list (fires `change` as a selection does).
    pub async fn choose(&self, id: &str, value: &str) -> TestResult {
        self.el(id).await?;
        self.driver()
            .execute(
                "const el = document.getElementById(arguments[0]); el.value = arguments[1];\
                 el.dispatchEvent(new Event('change', { bubbles: true }));",
                vec![serde_json::json!(id), serde_json::json!(value)],
            )
            .await?;
        Ok(())
    }

    /// Whether an element with this id is on the page now.
    pub async fn exists(&self, id: &str) -> TestResult<bool> {
        Ok(!self.driver().find_all(By::Id(id)).await?.is_empty())
    }

    /// How many elements match the CSS selector now.
    pub async fn count(&self, css: &str) -> TestResult<usize> {
        Ok(self.driver().find_all(By::Css(css)).await?.len())
    }

    /// Runs an asynchronous script in the page (it calls `arguments[arguments.length - 1]`
    /// with its answer), for steps a person cannot take, such as a retried request.
    pub async fn script(&self, js: &str) -> TestResult<serde_json::Value> {
        Ok(self
            .driver()
            .execute_async(js, Vec::new())
            .await?
            .json()
            .clone())
    }

    /// The text of the whole page.
    pub async fn page_text(&self) -> TestResult<String> {
        Ok(self.driver().find(By::Tag("body")).await?.text().await?)
    }

    fn driver(&self) -> &WebDriver {
        self.driver.as_ref().expect("the session lives until quit")
    }

    /// Closes the window and the driver, and removes the data directory.
    pub async fn quit(mut self) -> TestResult {
        if let Some(driver) = self.driver.take() {
            driver.quit().await?;
        }
        Ok(())
    }
}

impl Drop for App {
    /// A failed flow still ends its driver, WebKitWebDriver and the app, so the
    /// next flow can open a session; the data directory goes too.
    fn drop(&mut self) {
        if let Some(pid) = self.tauri_driver.id() {
            // WebKitWebDriver may leave the driver's process group: end every descendant by id.
            let mut pids = descendants(pid);
            pids.push(pid);
            for pid in &pids {
                std::process::Command::new("kill")
                    .args(["-TERM", &pid.to_string()])
                    .status()
                    .ok();
            }
            // The next flow's driver needs the ports: wait until these have
            // exited; one that ignores TERM (a hung WebKitWebDriver) is killed.
            if !all_exited(&pids, Duration::from_secs(10)) {
                for pid in pids.iter().filter(|pid| is_running(**pid)) {
                    std::process::Command::new("kill")
                        .args(["-KILL", &pid.to_string()])
                        .status()
                        .ok();
                }
                all_exited(&pids, Duration::from_secs(5));
            }
        }
        if !self.keep_data {
            std::fs::remove_dir_all(&self.data_dir).ok();
        }
    }
}

/// Waits up to `limit` for every process to exit; answers whether they all did.
fn all_exited(pids: &[u32], limit: Duration) -> bool {
    let start = Instant::now();
    loop {
        if !pids.iter().any(|pid| is_running(*pid)) {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether the process exists and is not a zombie.
fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(") ")
                .map(|(_, rest)| !rest.starts_with('Z'))
        })
        .unwrap_or(false)
}

/// Every process below `root`, children first found first.
#[must_use]
pub fn descendants(root: u32) -> Vec<u32> {
    let mut links: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let ppid = std::fs::read_to_string(entry.path().join("status"))
                .ok()
                .and_then(|status| {
                    status
                        .lines()
                        .find_map(|l| l.strip_prefix("PPid:"))
                        .and_then(|v| v.trim().parse::<u32>().ok())
                });
            if let Some(ppid) = ppid {
                links.push((pid, ppid));
            }
        }
    }
    let mut family = vec![root];
    let mut i = 0;
    while i < family.len() {
        let parent = family[i];
        family.extend(
            links
                .iter()
                .filter(|(_, ppid)| *ppid == parent)
                .map(|(pid, _)| *pid),
        );
        i += 1;
    }
    family.remove(0);
    family
}

async fn wait_for_free_port(port: u16) -> TestResult {
    let start = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_ok()
    {
        if start.elapsed() > Duration::from_secs(10) {
            return Err(format!("port {port} is still taken by another WebDriver").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// Opens the WebDriver session; a request the driver dropped without an
/// answer (it was still starting) is asked again, up to three times.
async fn new_session(caps: Capabilities) -> TestResult<WebDriver> {
    let mut attempt = 1;
    loop {
        match WebDriver::new(format!("http://127.0.0.1:{DRIVER_PORT}"), caps.clone()).await {
            Ok(driver) => return Ok(driver),
            Err(e)
                if attempt < 3
                    && matches!(
                        e.as_inner(),
                        thirtyfour::error::WebDriverErrorInner::HttpError(_)
                            | thirtyfour::error::WebDriverErrorInner::RequestFailed(_)
                    ) =>
            {
                eprintln!("e2e: session request dropped ({e}); asking again");
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(500 * attempt)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

async fn wait_for_port(port: u16) -> TestResult {
    let start = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        if start.elapsed() > Duration::from_secs(10) {
            return Err(format!("the WebDriver did not open port {port}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Saves the X screen the app shows on (`DISPLAY`, Xvfb's 1366×768 in the
/// runs) as a PNG: the window as the user sees it, read from the X server.
/// WebKitWebDriver's own screenshot needs WebKit's GPU compositing, which the
/// app turns off to stay small (see `lean_webview` in `src-tauri`).
fn capture_screen(path: &std::path::Path) -> TestResult {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{ConnectionExt, ImageFormat, ImageOrder};
    let (conn, screen_number) = x11rb::connect(None)?;
    let setup = conn.setup();
    let screen = setup
        .roots
        .get(screen_number)
        .ok_or("the X display has no screen")?;
    let (width, height) = (screen.width_in_pixels, screen.height_in_pixels);
    let image = conn
        .get_image(
            ImageFormat::Z_PIXMAP,
            screen.root,
            0,
            0,
            width,
            height,
            u32::MAX,
        )?
        .reply()?;
    let bits = setup
        .pixmap_formats
        .iter()
        .find(|f| f.depth == image.depth)
        .map_or(0, |f| f.bits_per_pixel);
    if bits != 32 || image.depth < 24 {
        return Err(format!(
            "screenshots need a 24-bit X screen (this one has depth {} at {bits} bits per pixel): \
             run under xvfb-run -s \"-screen 0 1366x768x24\"",
            image.depth
        )
        .into());
    }
    let lsb_first = setup.image_byte_order == ImageOrder::LSB_FIRST;
    let mut rgb = Vec::with_capacity(usize::from(width) * usize::from(height) * 3);
    for pixel in image.data.chunks_exact(4) {
        if lsb_first {
            rgb.extend_from_slice(&[pixel[2], pixel[1], pixel[0]]);
        } else {
            rgb.extend_from_slice(&[pixel[1], pixel[2], pixel[3]]);
        }
    }
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut encoder = png::Encoder::new(file, u32::from(width), u32::from(height));
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header()?.write_image_data(&rgb)?;
    Ok(())
}
