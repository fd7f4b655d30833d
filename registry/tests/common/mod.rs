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
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use uuid::Uuid;

pub const BIN: &str = env!("CARGO_BIN_EXE_salal-registry");

/// The HL7 sample messages of the shared reference data.
pub fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/hl7/samples")
}

/// A file of `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// What a command wrote to its standard output.
pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

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

/// How many patient records there are.
pub const PATIENTS: &str = "SELECT count(*) FROM records WHERE entity = 'patient'";
/// How many dose records there are.
pub const DOSES: &str = "SELECT count(*) FROM records WHERE entity = 'dose'";

/// Runs a scalar query on `registry`'s database.
pub fn count(registry: &Registry, sql: &str) -> i64 {
    sql_i64(&registry.database_url, sql)
}

/// The id of the first patient record `registry` returns.
pub fn first_patient_id(registry: &Registry) -> String {
    let url = registry.database_url.clone();
    runtime().block_on(async move {
        use sqlx_core::connection::Connection;
        let mut conn = sqlx_postgres::PgConnection::connect(&url).await.unwrap();
        let id: Uuid = sqlx_core::query_scalar::query_scalar(
            "SELECT id FROM records WHERE entity = 'patient'",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        id.to_string()
    })
}

/// `partner add --name NAME`: the new partner's id and credential.
pub fn add_partner(registry: &Registry, name: &str) -> (String, String) {
    let out = registry.cli(&["partner", "add", "--name", name]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    let mut lines = text.lines();
    let id = lines.next().unwrap().trim().to_owned();
    let secret = lines.next().unwrap().trim().to_owned();
    (id, secret)
}

/// `hl7 submit FILE --partner PARTNER`: exit code (0 or 1) and output.
pub fn submit_file(registry: &Registry, partner: &str, file: &Path) -> (i32, String) {
    let out = registry.cli(&[
        "hl7",
        "submit",
        file.to_str().unwrap(),
        "--partner",
        partner,
    ]);
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap(), stdout(&out))
}

/// `birth-feed import FILE`: exit code (0 or 1) and output.
pub fn import(registry: &Registry, file: &Path) -> (i32, String) {
    let out = registry.cli(&["birth-feed", "import", file.to_str().unwrap()]);
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap(), stdout(&out))
}

/// `patient delete`: the family of `patient` declined participation.
pub fn decline(registry: &Registry, patient: &str) {
    let out = registry.cli(&[
        "patient",
        "delete",
        patient,
        "--reason",
        "family declined",
        "--by",
        "tester",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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

/// A clinic computer of the device's organization syncs its refrigerator,
/// "Main fridge", and a receipt of `quantity` doses of `lot` (vaccine `cvx`
/// by `mvx`) into it on `date`; panics unless both are applied.
pub fn sync_receipt(
    device: &Device,
    lot: salal_inventory::LotKey,
    (cvx, mvx): (&str, &str),
    quantity: i64,
    date: chrono::NaiveDate,
) {
    use salal_inventory::{StockTxn, TxnKind};
    use salal_sync::inventory_fields::{StorageUnit, stock_txn_fields, storage_unit_fields};
    let unit = StorageUnit {
        id: salal_sync::inventory_fields::storage_unit_id("Main fridge"),
        name: "Main fridge".to_owned(),
        kind: "refrigerator".to_owned(),
        active: true,
    };
    let receipt = StockTxn {
        id: new_id(),
        lot,
        cvx: cvx.to_owned(),
        mvx: mvx.to_owned(),
        unit: unit.name.clone(),
        kind: TxnKind::Receipt,
        quantity,
        date,
        reason: String::new(),
        expected: None,
        counted: None,
        event_id: None,
        order_id: None,
        pair_id: None,
        counterparty: String::new(),
        note: String::new(),
        recorded_by: "nurse".to_owned(),
    };
    let hlc = device.stamp(now_ms());
    for outcome in device.push(vec![
        change(
            Entity::StorageUnit,
            unit.id,
            ChangeKind::Create,
            hlc,
            Value::Object(storage_unit_fields(&unit)),
        ),
        change(
            Entity::StockTxn,
            receipt.id,
            ChangeKind::Create,
            hlc,
            Value::Object(stock_txn_fields(&receipt)),
        ),
    ]) {
        seq_of(&outcome);
    }
}
