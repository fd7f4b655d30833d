//! The OS keyring, where the database key lives between runs.
//!
//! Linux: the Secret Service (gnome-keyring, KWallet) over D-Bus; macOS: the
//! Keychain; Windows: the Credential Manager. One entry per database, named by
//! the database's store id. Where no keyring is reachable the store can only
//! be opened with the recovery key: Salal never writes a key to a plain file.

use crate::StoreError;
use crate::keys::DbKey;

/// The keyring service name of every Salal database key.
pub const KEYRING_SERVICE: &str = "salal-clinic";

/// The keyring entry of one database.
pub(crate) struct Vault {
    account: String,
}

fn platform_error(err: &keyring::Error) -> StoreError {
    StoreError::KeyringUnavailable(err.to_string())
}

fn ensure_default_store() {
    // keyring 3 falls back to an in-memory mock store when no platform store is
    // chosen; pick the Secret Service explicitly on Linux.
    #[cfg(target_os = "linux")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            keyring::set_default_credential_builder(
                keyring::secret_service::default_credential_builder(),
            );
        });
    }
}

impl Vault {
    pub(crate) fn for_store(store_id: &str) -> Vault {
        Vault {
            account: format!("store-{store_id}"),
        }
    }

    fn entry(&self) -> Result<keyring::Entry, StoreError> {
        ensure_default_store();
        keyring::Entry::new(KEYRING_SERVICE, &self.account).map_err(|e| platform_error(&e))
    }

    /// The key, or `KeyMissing` / `KeyringUnavailable`.
    pub(crate) fn load(&self) -> Result<DbKey, StoreError> {
        match self.entry()?.get_password() {
            Ok(hex) => DbKey::from_hex(&hex),
            Err(keyring::Error::NoEntry) => Err(StoreError::KeyMissing),
            Err(e) => Err(platform_error(&e)),
        }
    }

    /// Keeps the key in the keyring.
    pub(crate) fn save(&self, key: &DbKey) -> Result<(), StoreError> {
        let entry = self.entry()?;
        entry
            .set_password(&key.to_hex())
            .map_err(|e| platform_error(&e))?;
        // Read it back: a keyring that accepts and forgets is no keyring.
        match entry.get_password() {
            Ok(hex) if DbKey::from_hex(&hex).is_ok_and(|k| &k == key) => Ok(()),
            Ok(_) => Err(StoreError::KeyringUnavailable(
                "the keyring returned a different key".to_owned(),
            )),
            Err(e) => Err(platform_error(&e)),
        }
    }

    /// Removes the entry (used when a database is deleted, and by tests of the recovery path).
    pub(crate) fn forget(&self) -> Result<(), StoreError> {
        match self.entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(platform_error(&e)),
        }
    }

    /// The keyring entry of this database's device credential (sync).
    pub(crate) fn for_device(store_id: &str) -> Vault {
        Vault {
            account: format!("device-{store_id}"),
        }
    }

    /// A secret text (the device credential), or `KeyMissing` / `KeyringUnavailable`.
    pub(crate) fn load_text(&self) -> Result<String, StoreError> {
        match self.entry()?.get_password() {
            Ok(text) => Ok(text),
            Err(keyring::Error::NoEntry) => Err(StoreError::KeyMissing),
            Err(e) => Err(platform_error(&e)),
        }
    }

    /// Keeps a secret text, read back to prove the keyring kept it.
    pub(crate) fn save_text(&self, text: &str) -> Result<(), StoreError> {
        let entry = self.entry()?;
        entry.set_password(text).map_err(|e| platform_error(&e))?;
        match entry.get_password() {
            Ok(back) if back == text => Ok(()),
            Ok(_) => Err(StoreError::KeyringUnavailable(
                "the keyring returned a different secret".to_owned(),
            )),
            Err(e) => Err(platform_error(&e)),
        }
    }
}
