//! Shared test harness: a fresh database per test on the PostgreSQL that
//! `scripts/with-postgres.sh` started, the real `salal-registry` binary
//! serving real HTTPS, and `salal_sync::client::RegistryClient` pinned to it.

#![allow(dead_code, unreachable_pub)]

use salal_core::hlc::Stamp;
use salal_sync::client::{ClientError, RegistryClient};
use salal_sync::enroll::EnrollmentCode;
use salal_sync::wire::{Change, ChangeKind, EnrollRequest, Entity, Fields, Outcome, PushRequest};
use serde_json::{Value, json};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use uuid::Uuid;

pub const BIN: &str = env!("CARGO_BIN_EXE_salal-registry");

/// The server `scripts/with-postgres.sh` started; fails the test without one.
pub fn server_url() -> String {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!(
            "DATABASE_URL is not set: these tests need a real PostgreSQL. Run them with: \
             scripts/with-postgres.sh cargo test -p salal-registry"
        ),
    }
}

fn random_hex() -> String {
    let mut bytes = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes).unwrap();
    salal_sync::enroll::hex(&bytes)
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The URL of a new, empty database on the test server.
pub fn fresh_database() -> String {
    let base = server_url();
    let name = format!("salal_test_{}", random_hex());
    runtime().block_on(async {
        use sqlx_core::connection::Connection;
        let mut conn = sqlx_postgres::PgConnection::connect(&base)
            .await
            .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL at {base}: {e}"));
        sqlx_core::query::query(sqlx_core::sql_str::AssertSqlSafe(format!(
            "CREATE DATABASE {name}"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
        let _ = conn.close().await;
    });
    let mut url = sqlx_core::Url::parse(&base).unwrap();
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// Runs a query on `url` (test set-up only).
pub fn sql(url: &str, statement: &str) {
    let statement = statement.to_owned();
    runtime().block_on(async {
        use sqlx_core::connection::Connection;
        let mut conn = sqlx_postgres::PgConnection::connect(url).await.unwrap();
        sqlx_core::query::query(sqlx_core::sql_str::AssertSqlSafe(statement))
            .execute(&mut conn)
            .await
            .unwrap();
        let _ = conn.close().await;
    });
}

/// Runs a scalar query on `url`.
pub fn sql_i64(url: &str, statement: &str) -> i64 {
    let statement = statement.to_owned();
    runtime().block_on(async {
        use sqlx_core::connection::Connection;
        let mut conn = sqlx_postgres::PgConnection::connect(url).await.unwrap();
        let n: i64 =
            sqlx_core::query_scalar::query_scalar(sqlx_core::sql_str::AssertSqlSafe(statement))
                .fetch_one(&mut conn)
                .await
                .unwrap();
        let _ = conn.close().await;
        n
    })
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running registry on its own database.
pub struct Registry {
    pub database_url: String,
    pub tls_dir: PathBuf,
    pub addr: SocketAddr,
    _temp: tempfile::TempDir,
    child: Child,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Registry {
    /// Migrates nothing itself: `serve` does it at start.
    pub fn start() -> Registry {
        let database_url = fresh_database();
        let temp = tempfile::tempdir().unwrap();
        let tls_dir = temp.path().join("tls");
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let child = Command::new(BIN)
            .args(["serve", "--listen", &addr.to_string(), "--tls-dir"])
            .arg(&tls_dir)
            .env("DATABASE_URL", &database_url)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut registry = Registry {
            database_url,
            tls_dir,
            addr,
            _temp: temp,
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(addr).is_err() {
            if let Ok(Some(status)) = registry.child.try_wait() {
                panic!("salal-registry serve exited early: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "salal-registry serve did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        registry
    }

    pub fn base_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Runs a command of the binary against this registry's database.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .env("DATABASE_URL", &self.database_url)
            .output()
            .unwrap()
    }

    /// `org add`: the new organization's id.
    pub fn org(&self, name: &str) -> Uuid {
        let out = self.cli(&["org", "add", "--name", name]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    /// `enroll-code`: the code's text.
    pub fn code(&self, org: Uuid) -> String {
        let out = self.cli(&["enroll-code", "--org", &org.to_string()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// A client pinned to the fingerprint in `code`.
    pub fn client(&self, code: &str) -> RegistryClient {
        let code: EnrollmentCode = code.parse().unwrap();
        RegistryClient::new(&self.base_url(), code.fingerprint, Duration::from_secs(30)).unwrap()
    }

    /// A newly enrolled device of `org`.
    pub fn device(&self, org: Uuid, replica: u32) -> Device {
        let code = self.code(org);
        let client = self.client(&code);
        let id = Uuid::from_bytes(rand16());
        let answer = client
            .enroll(&EnrollRequest {
                code: code.parse::<EnrollmentCode>().unwrap().secret,
                device_id: id,
                replica,
                device_name: format!("test device {replica}"),
            })
            .unwrap();
        assert_eq!(answer.organization_id, org);
        Device {
            client: client.with_credential(id, &answer.device_secret),
            id,
            replica,
        }
    }
}

pub fn rand16() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes).unwrap();
    bytes
}

pub fn new_id() -> Uuid {
    uuid::Builder::from_random_bytes(rand16()).into_uuid()
}

pub struct Device {
    pub client: RegistryClient,
    pub id: Uuid,
    pub replica: u32,
}

impl Device {
    pub fn push(&self, changes: Vec<Change>) -> Vec<Outcome> {
        let (answer, _) = self.client.push(&PushRequest { changes }).unwrap();
        answer.results.into_iter().map(|r| r.outcome).collect()
    }

    pub fn try_push(&self, changes: Vec<Change>) -> Result<Vec<Outcome>, ClientError> {
        let (answer, _) = self.client.push(&PushRequest { changes })?;
        Ok(answer.results.into_iter().map(|r| r.outcome).collect())
    }

    /// A stamp of this device at `wall_ms`.
    pub fn stamp(&self, wall_ms: u64) -> Stamp {
        Stamp {
            wall_ms,
            counter: 0,
            replica: self.replica,
        }
    }
}

pub fn now_ms() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

pub fn fields(value: Value) -> Fields {
    value.as_object().cloned().unwrap()
}

pub fn change(entity: Entity, id: Uuid, kind: ChangeKind, hlc: Stamp, f: Value) -> Change {
    Change {
        op_id: new_id(),
        entity,
        id,
        hlc,
        kind,
        fields: fields(f),
    }
}

pub fn patient_create(id: Uuid, hlc: Stamp, first: &str) -> Change {
    change(
        Entity::Patient,
        id,
        ChangeKind::Create,
        hlc,
        json!({"first_name": first, "last_name": "García", "birth_date": "2020-01-02"}),
    )
}

pub fn dose_create(id: Uuid, patient: Uuid, hlc: Stamp, lot: &str) -> Change {
    change(
        Entity::Dose,
        id,
        ChangeKind::Create,
        hlc,
        json!({"patient_id": patient.to_string(), "kind": "administered", "cvx": "08",
               "date": "2024-01-01", "lot_number": lot}),
    )
}

pub fn seq_of(outcome: &Outcome) -> i64 {
    match outcome {
        Outcome::Applied { seq } | Outcome::Duplicate { seq } => *seq,
        Outcome::Rejected { .. } => panic!("rejected: {outcome:?}"),
    }
}
