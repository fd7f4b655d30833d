//! Creating and opening the database: keys, pragmas, migrations, store.json.

use crate::keys::{DbKey, RecoveryKey};
use crate::vault::Vault;
use crate::{Actor, StoreError, Writer};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};
use salal_core::hlc::{Clock, DEFAULT_MAX_SKEW_MS, Stamp};
use salal_core::ids::DeviceId;
use serde::{Deserialize, Serialize};
use std::io::Write as _;
use std::path::{Path, PathBuf};

mod migrations {
    include!(concat!(env!("OUT_DIR"), "/migrations.rs"));
}

const DB_FILE: &str = "salal.db";
const INFO_FILE: &str = "store.json";
/// Setup builds the database under this name and renames it when it is whole.
const STAGING_DB_FILE: &str = "salal.db.setup";

/// The non-secret facts about a store, kept in `store.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreInfo {
    /// File format version.
    pub format: u32,
    /// This database's id (names its keyring entry).
    pub store_id: String,
    /// This device's id.
    pub device_id: DeviceId,
    /// This replica's number in clock stamps.
    pub replica: u32,
}

/// Whether setup could keep the key in the OS keyring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyringStatus {
    /// Kept: the store opens by itself.
    Saved,
    /// No keyring: the recovery key must be typed at every start.
    Unavailable(String),
}

/// An open clinic database.
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) dir: PathBuf,
    pub(crate) info: StoreInfo,
    pub(crate) clock: Clock,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .field("store_id", &self.info.store_id)
            .finish()
    }
}

fn open_connection(
    path: &Path,
    key: Option<&DbKey>,
    create: bool,
) -> Result<Connection, StoreError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)?;
    if let Some(key) = key {
        // A wrong key makes SQLCipher log HMAC failures to stderr; the typed error says it better.
        conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex()))?;
    }
    // The first read proves the key: a wrong one fails here with NotADatabase.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    conn.busy_timeout(std::time::Duration::from_secs(3))?;
    if create {
        // Before anything is written (WAL mode writes the header): pages freed
        // by trimming the outbox go back to the file system
        // (`Store::reclaim_free_pages`), so the replica shrinks.
        conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL;")?;
    }
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Database(format!(
            "journal mode stayed '{mode}'"
        )));
    }
    // A 32 MB page cache: decrypted pages stay hot for search and the record
    // screen, and a day of browsing cannot grow the app past it (the desktop
    // app's memory budget, BENCHMARKS.md "Desktop app").
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -32768;
         PRAGMA temp_store = MEMORY;",
    )?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let newest = u32::try_from(migrations::MIGRATIONS.len()).unwrap_or(u32::MAX);
    if current > newest {
        return Err(StoreError::TooNew {
            found: current,
            supported: newest,
        });
    }
    for (number, name, sql) in migrations::MIGRATIONS
        .iter()
        .filter(|(n, _, _)| *n > current)
    {
        tracing::info!(migration = name, "applying migration");
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        if name.starts_with("0008") {
            // Events stored before the report's facts existed.
            crate::stock::backfill_dose_facts(&tx)?;
        }
        tx.pragma_update(None, "user_version", number)?;
        tx.commit()?;
    }
    Ok(())
}

fn write_file_durably(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp).map_err(|e| StoreError::io(&tmp, &e))?;
    file.write_all(bytes)
        .map_err(|e| StoreError::io(&tmp, &e))?;
    file.sync_all().map_err(|e| StoreError::io(&tmp, &e))?;
    std::fs::rename(&tmp, path).map_err(|e| StoreError::io(path, &e))?;
    if let Some(dir) = path.parent()
        && let Ok(d) = std::fs::File::open(dir)
    {
        d.sync_all().map_err(|e| StoreError::io(dir, &e))?;
    }
    Ok(())
}

/// Renames `from` to `to` and makes the rename survive a power cut.
fn rename_durably(from: &Path, to: &Path) -> Result<(), StoreError> {
    std::fs::rename(from, to).map_err(|e| StoreError::io(from, &e))?;
    if let Some(dir) = to.parent()
        && let Ok(d) = std::fs::File::open(dir)
    {
        d.sync_all().map_err(|e| StoreError::io(dir, &e))?;
    }
    Ok(())
}

/// Removes what an unfinished setup left: its staging database and, when
/// the cut came after store.json was written, that store.json and the
/// keyring entry it names (no one was ever shown that store's recovery key).
fn discard_staging(dir: &Path) -> Result<(), StoreError> {
    let staging = dir.join(STAGING_DB_FILE);
    if !staging.exists() {
        return Ok(());
    }
    let info = dir.join(INFO_FILE);
    if !dir.join(DB_FILE).exists() && info.exists() {
        if let Ok(staged) = read_info(dir) {
            let _ignored = Vault::for_store(&staged.store_id).forget();
        }
        std::fs::remove_file(&info).map_err(|e| StoreError::io(&info, &e))?;
    }
    for suffix in ["-wal", "-shm", ""] {
        let path = dir.join(format!("{STAGING_DB_FILE}{suffix}"));
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::io(&path, &e)),
        }
    }
    Ok(())
}

fn read_info(dir: &Path) -> Result<StoreInfo, StoreError> {
    let path = dir.join(INFO_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::NotInitialized(dir.to_path_buf()));
        }
        Err(e) => return Err(StoreError::io(&path, &e)),
    };
    serde_json::from_str(&text).map_err(|e| StoreError::Io {
        path,
        message: e.to_string(),
    })
}

impl Store {
    /// Whether `dir` holds a Salal database.
    #[must_use]
    pub fn exists(dir: &Path) -> bool {
        dir.join(INFO_FILE).is_file() && dir.join(DB_FILE).is_file()
    }

    /// Creates a new encrypted database in `dir` with a fresh random key, kept in
    /// the OS keyring when there is one. Returns the recovery key to show once.
    pub fn create(dir: &Path) -> Result<(Store, RecoveryKey, KeyringStatus), StoreError> {
        Store::create_with(dir, &Actor::setup(), chrono::Utc::now(), |_| {
            Ok::<(), StoreError>(())
        })
    }

    /// [`Store::create`], with a first write (the clinic and its administrator)
    /// that must commit before the folder counts as set up: `store.json` is
    /// written last, so a setup cut short leaves no half-made clinic behind and
    /// can simply be run again.
    pub fn create_with<E: From<StoreError>>(
        dir: &Path,
        actor: &Actor,
        now: DateTime<Utc>,
        initial: impl FnOnce(&mut Writer<'_>) -> Result<(), E>,
    ) -> Result<(Store, RecoveryKey, KeyringStatus), E> {
        Store::create_for_device(
            dir,
            DeviceId::generate(),
            rand_replica(),
            actor,
            now,
            initial,
        )
    }

    /// A fresh replica number for a device's clock stamps.
    #[must_use]
    pub fn new_replica_number() -> u32 {
        rand_replica()
    }

    /// [`Store::create_with`] for a device whose id and replica number were
    /// chosen before (a device that enrolled with the registry first).
    pub fn create_for_device<E: From<StoreError>>(
        dir: &Path,
        device_id: DeviceId,
        replica: u32,
        actor: &Actor,
        now: DateTime<Utc>,
        initial: impl FnOnce(&mut Writer<'_>) -> Result<(), E>,
    ) -> Result<(Store, RecoveryKey, KeyringStatus), E> {
        if Store::exists(dir) {
            return Err(StoreError::AlreadyInitialized(dir.to_path_buf()).into());
        }
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, &e))?;
        // A setup cut short (a kill, a power cut) left only its staging files:
        // nothing in them was ever shown or acknowledged, so it starts over.
        discard_staging(dir)?;
        let key = DbKey::generate()?;
        let info = StoreInfo {
            format: 1,
            store_id: salal_core::ids::generate_v7().simple().to_string(),
            device_id,
            replica,
        };
        // A database without store.json is a store.json lost after setup
        // (setup only gives the database its name once store.json is
        // written). Never delete it (the recovery key may open it): move it aside.
        if dir.join(DB_FILE).exists() {
            let aside = format!("{DB_FILE}.set-aside-{}", now.format("%Y%m%dT%H%M%S"));
            for suffix in ["", "-wal", "-shm"] {
                let from = dir.join(format!("{DB_FILE}{suffix}"));
                if from.exists() {
                    std::fs::rename(&from, dir.join(format!("{aside}{suffix}")))
                        .map_err(|e| StoreError::io(&from, &e))?;
                }
            }
        }
        let staging = dir.join(STAGING_DB_FILE);
        let mut conn = open_connection(&staging, Some(&key), true)?;
        migrate(&mut conn)?;
        let vault = Vault::for_store(&info.store_id);
        let keyring = match vault.save(&key) {
            Ok(()) => KeyringStatus::Saved,
            Err(StoreError::KeyringUnavailable(reason)) => KeyringStatus::Unavailable(reason),
            Err(other) => return Err(other.into()),
        };
        let mut store = Store::finish_open(conn, dir, info)?;
        let written = store.write(actor, now, initial);
        let info = store.info.clone();
        // Closing the only connection checkpoints the WAL into the file, so
        // the staging database is one file that can be renamed.
        drop(store);
        if let Err(e) = written {
            // Nothing of this setup was committed: leave no half-made database.
            let _ignored = vault.forget();
            discard_staging(dir)?;
            return Err(e);
        }
        // store.json first, then the commit point: the database takes its
        // name in one rename. Until then a cut setup is only a staging
        // database (with or without store.json), which the next setup discards.
        let info_json = serde_json::to_vec_pretty(&info).map_err(StoreError::from)?;
        write_file_durably(&dir.join(INFO_FILE), &info_json)?;
        for suffix in ["-wal", "-shm"] {
            let side = dir.join(format!("{STAGING_DB_FILE}{suffix}"));
            if side.exists() {
                std::fs::rename(&side, dir.join(format!("{DB_FILE}{suffix}")))
                    .map_err(|e| StoreError::io(&side, &e))?;
            }
        }
        rename_durably(&staging, &dir.join(DB_FILE))?;
        let store = Store::open_with_key(dir, info, &key)?;
        Ok((store, key.recovery_key(), keyring))
    }

    /// Opens the database in `dir` with the key from the OS keyring.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let info = match read_info(dir) {
            // store.json is gone but the database is here: only the recovery
            // key can open it now (it also rebuilds store.json).
            Err(StoreError::NotInitialized(_)) if dir.join(DB_FILE).is_file() => {
                return Err(StoreError::KeyMissing);
            }
            other => other?,
        };
        let key = Vault::for_store(&info.store_id).load()?;
        Store::open_with_key(dir, info, &key)
    }

    /// Whether `dir` holds a database whose `store.json` is missing (the
    /// recovery key opens it and writes `store.json` again).
    #[must_use]
    pub fn needs_recovery(dir: &Path) -> bool {
        dir.join(DB_FILE).is_file() && !dir.join(INFO_FILE).is_file()
    }

    /// Opens the database with the recovery key, and puts the key back in the
    /// OS keyring when one is reachable (so the next start needs no typing).
    pub fn open_with_recovery_key(dir: &Path, recovery_key: &str) -> Result<Store, StoreError> {
        let key = DbKey::from_recovery_key(recovery_key)?;
        let info = match read_info(dir) {
            Err(StoreError::NotInitialized(_)) if dir.join(DB_FILE).is_file() => {
                // The database plus the recovery key are enough: its own copy
                // of the store facts rebuilds store.json.
                let conn = open_connection(&dir.join(DB_FILE), Some(&key), false)?;
                let text: String = conn
                    .query_row("SELECT value FROM meta WHERE key = 'store_info'", [], |r| {
                        r.get(0)
                    })
                    .map_err(|_| StoreError::NotInitialized(dir.to_path_buf()))?;
                drop(conn);
                let info: StoreInfo = serde_json::from_str(&text)?;
                write_file_durably(&dir.join(INFO_FILE), &serde_json::to_vec_pretty(&info)?)?;
                info
            }
            other => other?,
        };
        let vault = Vault::for_store(&info.store_id);
        let store = Store::open_with_key(dir, info, &key)?;
        if let Err(e) = vault.save(&key) {
            tracing::warn!(error = %e, "could not put the database key back in the keyring");
        }
        Ok(store)
    }

    fn open_with_key(dir: &Path, info: StoreInfo, key: &DbKey) -> Result<Store, StoreError> {
        let path = dir.join(DB_FILE);
        if !path.is_file() {
            return Err(StoreError::NotInitialized(dir.to_path_buf()));
        }
        let mut conn = open_connection(&path, Some(key), false)?;
        migrate(&mut conn)?;
        Store::finish_open(conn, dir, info)
    }

    /// Opens an unencrypted database, only for the SQLCipher-versus-SQLite benchmark.
    #[cfg(feature = "bench-plaintext")]
    pub fn create_plaintext_for_benchmark(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, &e))?;
        let info = StoreInfo {
            format: 1,
            store_id: "plaintext".into(),
            device_id: DeviceId::generate(),
            replica: 1,
        };
        let mut conn = open_connection(&dir.join(DB_FILE), None, true)?;
        migrate(&mut conn)?;
        Store::finish_open(conn, dir, info)
    }

    fn finish_open(conn: Connection, dir: &Path, info: StoreInfo) -> Result<Store, StoreError> {
        // The database keeps its own copy of store.json's facts, so the file
        // plus the recovery key are always enough to open it.
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('store_info', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE value <> excluded.value",
            [serde_json::to_string(&info)?],
        )?;
        let last: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'hlc_last'", [], |r| {
                r.get(0)
            })
            .ok();
        let last = last.and_then(|s| s.parse::<Stamp>().ok());
        let clock = Clock::new(info.replica, last, DEFAULT_MAX_SKEW_MS);
        Ok(Store {
            conn,
            dir: dir.to_path_buf(),
            info,
            clock,
        })
    }

    /// The folder the store lives in.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of the database file.
    #[must_use]
    pub fn database_path(dir: &Path) -> PathBuf {
        dir.join(DB_FILE)
    }

    /// Store id, device and replica.
    #[must_use]
    pub fn info(&self) -> &StoreInfo {
        &self.info
    }

    /// Removes this database's key from the OS keyring (the recovery key still opens it).
    pub fn forget_keyring_key(&self) -> Result<(), StoreError> {
        Vault::for_store(&self.info.store_id).forget()
    }

    /// Runs `change` in one transaction: it commits (durably) only if `change`
    /// returns `Ok`; on any error nothing of it is kept.
    pub fn write<T, E>(
        &mut self,
        actor: &Actor,
        now: DateTime<Utc>,
        change: impl FnOnce(&mut Writer<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let clock_before = self.clock.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let mut writer = Writer::new(tx, &mut self.clock, actor, now, self.info.device_id);
        let result =
            change(&mut writer).and_then(|value| writer.commit().map(|()| value).map_err(E::from));
        if result.is_err() {
            // Stamps handed out inside a rolled-back transaction were never persisted.
            self.clock = clock_before;
        }
        result
    }

    /// Keeps the device's sync credential: in the OS keyring, or inside this
    /// encrypted database when there is no keyring.
    pub fn save_device_secret(&mut self, actor: &Actor, secret: &str) -> Result<(), StoreError> {
        let in_keyring = Vault::for_device(&self.info.store_id)
            .save_text(secret)
            .is_ok();
        let now = chrono::Utc::now();
        self.write(actor, now, |w| {
            let kept = if in_keyring { "" } else { secret };
            w.set_meta(crate::replica::meta::DEVICE_SECRET, kept)?;
            w.audit(
                "device_credential",
                "device",
                &w.device.to_string(),
                if in_keyring { "keyring" } else { "database" },
            )
        })
    }

    /// The device's sync credential, if it has one.
    pub fn device_secret(&self) -> Result<Option<String>, StoreError> {
        if let Some(kept) = self.meta(crate::replica::meta::DEVICE_SECRET)?
            && !kept.is_empty()
        {
            return Ok(Some(kept));
        }
        match Vault::for_device(&self.info.store_id).load_text() {
            Ok(secret) => Ok(Some(secret)),
            Err(StoreError::KeyMissing) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Returns pages freed by trimming to the file system (stores created
    /// with incremental auto-vacuum; a no-op for older ones).
    pub fn reclaim_free_pages(&self) -> Result<(), StoreError> {
        // Each step frees pages; step it to the end.
        let mut stmt = self.conn.prepare("PRAGMA incremental_vacuum")?;
        let mut rows = stmt.query([])?;
        while rows.next()?.is_some() {}
        Ok(())
    }

    /// Rewrites the whole database file compactly (`VACUUM`): every page
    /// in order, free space returned. Search keeps working: the name index
    /// and the summaries are keyed on the patients' stable key.
    pub fn vacuum(&self) -> Result<(), StoreError> {
        self.conn.execute_batch("VACUUM")?;
        Ok(())
    }

    /// Runs SQL directly (for tests that set up states no use case makes).
    #[doc(hidden)]
    pub fn execute_for_test(&self, sql: &str) -> Result<(), StoreError> {
        self.conn.execute_batch(sql)?;
        Ok(())
    }

    /// An integer pragma's value (for tests of the database's settings).
    #[doc(hidden)]
    pub fn pragma_for_test(&self, name: &str) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))?)
    }

    /// Sets SQLite's page limit, to exercise the full-disk path in tests.
    #[doc(hidden)]
    pub fn limit_pages_for_test(&self, pages: u32) -> Result<(), StoreError> {
        self.conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
        Ok(())
    }
}

fn rand_replica() -> u32 {
    let id = salal_core::ids::generate_v7();
    let bytes = id.as_bytes();
    u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]])
}
