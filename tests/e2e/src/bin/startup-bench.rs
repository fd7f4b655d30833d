//! Measures Salal Clinic's start on a large clinic, in the real window:
//! launch → sign-in screen usable, sign-in → search box usable, a search for
//! "garcia" → results shown, and the resident memory of the app and its
//! WebKit processes. Prints one line per run as it goes.
//!
//! `startup-bench DATA_DIR [RUNS]`, with the demo administrator's password in
//! `SALAL_PASSWORD`; run under Xvfb and the keyring that holds the clinic's key
//! (see the "Desktop app" section of BENCHMARKS.md for the exact command).

use salal_e2e::{App, TestResult, app_binary};
use std::path::{Path, PathBuf};
use std::time::Instant;
use thirtyfour::Key;

#[tokio::main]
async fn main() -> TestResult {
    let mut args = std::env::args().skip(1);
    let data_dir = PathBuf::from(args.next().ok_or("usage: startup-bench DATA_DIR [RUNS]")?);
    let runs: u32 = args.next().map_or(Ok(3), |r| r.parse())?;
    let password = std::env::var("SALAL_PASSWORD")?;
    let user = std::env::var("SALAL_USER").unwrap_or_else(|_| "admin".to_owned());
    for run in 1..=runs {
        let start = Instant::now();
        let mut app = App::launch_on("bench", data_dir.clone()).await?;
        app.wait_for("login-username").await?;
        let login_ready = start.elapsed();
        app.fill("login-username", &user).await?;
        app.fill("login-password", &password).await?;
        let submitted = Instant::now();
        app.keys("login-password", Key::Enter).await?;
        app.wait_for("search-input").await?;
        let search_ready = submitted.elapsed();
        let typed = Instant::now();
        app.fill("search-input", "garcia").await?;
        app.wait_text("search-results", "García").await?;
        let results = typed.elapsed();
        if run == 1 {
            app.shot("search-100k").await?;
        }
        let (app_kb, total_kb) = resident_memory_kb(&app_binary())?;
        let line = format!(
            "run {run}: launch→sign-in screen {:.0} ms; sign-in→search box {:.0} ms; start total {:.0} ms; \
             'garcia' typed→results {:.0} ms; RSS app {} MB, app+WebKit {} MB",
            ms(login_ready),
            ms(search_ready),
            ms(login_ready) + ms(search_ready),
            ms(results),
            app_kb / 1024,
            total_kb / 1024
        );
        #[expect(clippy::print_stdout, reason = "a benchmark's report is its output")]
        {
            println!("{line}");
        }
        app.quit().await?;
    }
    Ok(())
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Resident memory (kB) of the app process, and of it plus every process below it (WebKit's).
fn resident_memory_kb(binary: &Path) -> TestResult<(u64, u64)> {
    let binary = binary.canonicalize()?;
    let mut parents: Vec<(u32, u32, u64)> = Vec::new(); // pid, ppid, rss
    let mut app_pid = None;
    for entry in std::fs::read_dir("/proc")?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let field = |name: &str| -> Option<u64> {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        };
        let Some(ppid) = field("PPid:").and_then(|p| u32::try_from(p).ok()) else {
            continue;
        };
        let rss = field("VmRSS:").unwrap_or(0);
        parents.push((pid, ppid, rss));
        if std::fs::read_link(entry.path().join("exe")).is_ok_and(|exe| exe == binary) {
            app_pid = Some(pid);
        }
    }
    let app_pid = app_pid.ok_or("the app process was not found")?;
    let mut family = vec![app_pid];
    let mut i = 0;
    while i < family.len() {
        let parent = family[i];
        family.extend(
            parents
                .iter()
                .filter(|(_, ppid, _)| *ppid == parent)
                .map(|(pid, _, _)| *pid),
        );
        i += 1;
    }
    let rss = |pid: u32| {
        parents
            .iter()
            .find(|(p, _, _)| *p == pid)
            .map_or(0, |(_, _, rss)| *rss)
    };
    let mut pss_total = 0;
    for pid in &family {
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        let pss: u64 = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("Pss:"))
                    .and_then(|v| v.split_whitespace().next()?.parse().ok())
            })
            .unwrap_or(0);
        pss_total += pss;
        #[expect(clippy::print_stdout, reason = "a benchmark's report is its output")]
        {
            println!(
                "  {} (pid {pid}): RSS {} MB, PSS {} MB",
                name.trim(),
                rss(*pid) / 1024,
                pss / 1024
            );
        }
    }
    #[expect(clippy::print_stdout, reason = "a benchmark's report is its output")]
    {
        println!(
            "  PSS of app+WebKit (shared libraries counted once): {} MB",
            pss_total / 1024
        );
    }
    Ok((rss(app_pid), family.iter().map(|p| rss(*p)).sum()))
}
