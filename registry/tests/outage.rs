//! A PostgreSQL outage: the registry answers 503 `unavailable` (quickly, no
//! hang, no crash) while the server is stopped, and serves again once it is
//! back. Its own test binary, since it stops the shared PostgreSQL.

mod common;

use common::*;
use salal_sync::client::ClientError;
use salal_sync::wire::{Outcome, PullRequest};
use std::process::Command;
use std::time::{Duration, Instant};

fn pg_ctl(action: &str) {
    let bin =
        std::env::var("SALAL_PG_BIN").expect("SALAL_PG_BIN (run under scripts/with-postgres.sh)");
    let data =
        std::env::var("SALAL_PG_DATA").expect("SALAL_PG_DATA (run under scripts/with-postgres.sh)");
    let pg_ctl = format!("{bin}/pg_ctl");
    let mut args: Vec<String> = vec![pg_ctl, "-D".into(), data, "-w".into()];
    if action == "stop" {
        args.extend(["-m".into(), "fast".into()]);
    } else {
        args.extend(["-l".into(), "/dev/null".into()]);
    }
    args.push(action.into());
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    let status = if root {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .args(&args)
            .status()
    } else {
        Command::new(&args[0]).args(&args[1..]).status()
    }
    .unwrap();
    assert!(status.success(), "pg_ctl {action} failed");
}

#[test]
fn postgres_outage_gives_503_then_recovers() {
    let port: u16 = std::env::var("SALAL_PG_PORT")
        .expect("SALAL_PG_PORT (run under scripts/with-postgres.sh)")
        .parse()
        .unwrap();
    assert!(server_url().contains(&format!(":{port}/")));
    let registry = Registry::start();
    let org = registry.org("A");
    let device = registry.device(org, 1);
    let patient = new_id();
    let t = now_ms();
    assert!(matches!(
        device.push(vec![patient_create(patient, device.stamp(t), "Ana")])[0],
        Outcome::Applied { .. }
    ));

    pg_ctl("stop");
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for _ in 0..3 {
            let started = Instant::now();
            match device.client.pull(&PullRequest::default()) {
                Err(ClientError::Refused { status: 503, body }) => {
                    assert_eq!(body.code, "unavailable");
                    assert!(!body.message_es.is_empty());
                }
                other => panic!("expected 503, got {other:?}"),
            }
            assert!(started.elapsed() < Duration::from_secs(15));
            let err = device
                .try_push(vec![patient_create(new_id(), device.stamp(t + 1), "Eva")])
                .unwrap_err();
            assert!(err.is_transient(), "{err:?}");
            assert!(
                matches!(err, ClientError::Refused { status: 503, .. }),
                "{err:?}"
            );
        }
    }));
    pg_ctl("start");
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }

    // Back: the pool reconnects by itself.
    let deadline = Instant::now() + Duration::from_secs(30);
    let page = loop {
        match device.client.pull(&PullRequest::default()) {
            Ok(page) => break page,
            Err(e) if Instant::now() < deadline => {
                assert!(e.is_transient(), "{e:?}");
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(e) => panic!("no recovery: {e:?}"),
        }
    };
    assert!(page.records.iter().any(|r| r.id == patient));
    assert!(matches!(
        device.push(vec![patient_create(new_id(), device.stamp(t + 2), "Eva")])[0],
        Outcome::Applied { .. }
    ));
}
