//! Signing in, passwords and user accounts. All of it works offline: users
//! replicate to the clinic's devices, and lockout is counted on each device.
//!
//! Rules: five wrong passwords lock the account for 15 minutes; a password
//! older than the expiry period (90 days by default), or reset by an
//! administrator, must be changed before anything else.

use crate::error::{ChangePasswordError, ClinicError, CreateUserError, LoginError};
use crate::{Clinic, Session, password};
use chrono::{DateTime, TimeDelta, Utc};
use salal_core::i18n::Lang;
use salal_core::ids::UserId;
use salal_core::user::{Permission, Role};
use salal_store::{Actor, StoreError, UserRow};
use serde::Serialize;

/// Failed attempts that lock an account.
pub const MAX_FAILED_ATTEMPTS: u32 = 5;
/// How long a lock lasts, in minutes.
pub const LOCKOUT_MINUTES: i64 = 15;

/// A user as the admin screen lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserSummary {
    /// Id.
    pub id: UserId,
    /// Sign-in name.
    pub username: String,
    /// Full name.
    pub display_name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Whether the account may sign in.
    pub active: bool,
    /// Whether it is locked now.
    pub locked: bool,
    /// When the password expires.
    pub password_expires: DateTime<Utc>,
}

/// A new user account.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    /// Sign-in name.
    pub username: String,
    /// Full name.
    pub display_name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// First password; the user must change it at first sign-in.
    pub temporary_password: String,
    /// UI language.
    pub language: Lang,
}

fn session_for(user: &UserRow) -> Session {
    Session {
        user_id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        roles: user.roles.clone(),
        language: user.language,
    }
}

impl Clinic {
    fn password_expired(&self, user: &UserRow, now: DateTime<Utc>) -> bool {
        let max_age = TimeDelta::try_days(self.password_max_age_days).unwrap_or(TimeDelta::MAX);
        user.must_change_password
            || user
                .password_changed_at
                .checked_add_signed(max_age)
                .is_none_or(|t| t <= now)
    }

    /// Checks a user name and password, counting failures and locking as the rules say.
    fn authenticate(&self, username: &str, password_typed: &str) -> Result<UserRow, LoginError> {
        let now = self.now();
        let mut store = self.lock();
        let Some(user) = store.user_by_username(username)? else {
            // Same work as a real check, so timing does not reveal which names exist.
            let _ = password::verify(password_typed, "pbkdf2-sha256$600000$00$00");
            return Err(LoginError::BadCredentials);
        };
        if !user.active {
            return Err(LoginError::AccountDisabled);
        }
        if let Some(until) = user.locked_until.filter(|until| *until > now) {
            return Err(LoginError::LockedOut { until });
        }
        let previous_failures = if user.locked_until.is_some() {
            0
        } else {
            user.failed_attempts
        };
        let actor = Actor {
            user_id: Some(user.id),
            username: user.username.clone(),
        };
        if password::verify(password_typed, &user.password_hash) {
            // On a full disk the staff must still be able to read their records:
            // the verified sign-in proceeds even if its audit line cannot be written.
            match store.write(&actor, now, |w| w.record_sign_in(user.id, true, 0, None)) {
                Ok(()) => {}
                Err(StoreError::DiskFull) => {
                    tracing::warn!(user = %user.id, "disk full: sign-in not audited")
                }
                Err(e) => return Err(e.into()),
            }
            return Ok(user);
        }
        let failures = previous_failures.saturating_add(1);
        let locked_until = (failures >= MAX_FAILED_ATTEMPTS)
            .then(|| now.checked_add_signed(TimeDelta::minutes(LOCKOUT_MINUTES)))
            .flatten();
        store.write(&actor, now, |w| {
            w.record_sign_in(user.id, false, failures, locked_until)
        })?;
        match locked_until {
            Some(until) => Err(LoginError::LockedOut { until }),
            None => Err(LoginError::BadCredentials),
        }
    }

    /// Signs a user in. An expired (or administrator-reset) password gives
    /// [`LoginError::PasswordExpired`]: call [`Clinic::change_password`].
    pub fn login(&self, username: &str, password_typed: &str) -> Result<Session, LoginError> {
        let user = self.authenticate(username, password_typed)?;
        if self.password_expired(&user, self.now()) {
            return Err(LoginError::PasswordExpired);
        }
        Ok(session_for(&user))
    }

    /// Changes a password (also the way through an expired one) and signs in.
    pub fn change_password(
        &self,
        username: &str,
        current: &str,
        new: &str,
    ) -> Result<Session, ChangePasswordError> {
        let user = self
            .authenticate(username, current)
            .map_err(ChangePasswordError::Login)?;
        if current == new {
            return Err(password::PasswordRuleError::SameAsCurrent.into());
        }
        let clinic_name = self.clinic_name().unwrap_or_default();
        password::check_rules(new, &user.username, &[&user.display_name, &clinic_name])?;
        let hash = password::hash(new)?;
        let actor = Actor {
            user_id: Some(user.id),
            username: user.username.clone(),
        };
        self.lock().write(&actor, self.now(), |w| {
            w.set_user_password(user.id, &hash, false)
        })?;
        Ok(session_for(&user))
    }

    /// Remembers the user's UI language; returns the updated session.
    pub fn set_language(&self, session: &Session, lang: Lang) -> Result<Session, ClinicError> {
        self.lock().write(&session.actor(), self.now(), |w| {
            w.set_user_language(session.user_id, lang)
        })?;
        Ok(Session {
            language: lang,
            ..session.clone()
        })
    }

    /// Every user (administrators only).
    pub fn users(&self, session: &Session) -> Result<Vec<UserSummary>, ClinicError> {
        self.authorize(session, Permission::ManageUsers)?;
        let now = self.now();
        let max_age = TimeDelta::try_days(self.password_max_age_days).unwrap_or(TimeDelta::MAX);
        Ok(self
            .lock()
            .users()?
            .into_iter()
            .map(|u| UserSummary {
                id: u.id,
                locked: u.locked_until.is_some_and(|t| t > now),
                password_expires: u
                    .password_changed_at
                    .checked_add_signed(max_age)
                    .unwrap_or(DateTime::<Utc>::MAX_UTC),
                username: u.username,
                display_name: u.display_name,
                roles: u.roles,
                active: u.active,
            })
            .collect())
    }

    /// Adds a user with a temporary password they must change at first sign-in.
    pub fn create_user(&self, session: &Session, new: &NewUser) -> Result<UserId, CreateUserError> {
        self.authorize(session, Permission::ManageUsers)?;
        let username = new.username.trim();
        if username.is_empty() {
            return Err(CreateUserError::Required("username"));
        }
        if new.display_name.trim().is_empty() {
            return Err(CreateUserError::Required("display_name"));
        }
        password::check_rules(
            &new.temporary_password,
            username,
            &[new.display_name.as_str()],
        )?;
        let mut store = self.lock();
        if store.user_by_username(username)?.is_some() {
            return Err(CreateUserError::UsernameTaken(username.to_owned()));
        }
        let now = self.now();
        let user = UserRow {
            id: UserId::generate(),
            username: username.to_owned(),
            display_name: new.display_name.trim().to_owned(),
            roles: new.roles.clone(),
            password_hash: password::hash(&new.temporary_password)?,
            password_changed_at: now,
            must_change_password: true,
            failed_attempts: 0,
            locked_until: None,
            language: new.language,
            active: true,
        };
        store.write(&session.actor(), now, |w| w.insert_user(&user))?;
        Ok(user.id)
    }

    /// Changes a user's roles, or disables / re-enables the account.
    pub fn set_user_roles(
        &self,
        session: &Session,
        id: UserId,
        roles: &[Role],
        active: bool,
    ) -> Result<(), ClinicError> {
        self.authorize(session, Permission::ManageUsers)?;
        let mut store = self.lock();
        if store.user(id)?.is_none() {
            return Err(ClinicError::UserNotFound);
        }
        store.write(&session.actor(), self.now(), |w| {
            w.set_user_roles(id, roles, active)
        })?;
        Ok(())
    }

    /// Deactivates an account (its sessions end at their next use; sign-in is
    /// refused) or reactivates it, keeping its roles. An administrator cannot
    /// deactivate their own account.
    pub fn set_user_active(
        &self,
        session: &Session,
        id: UserId,
        active: bool,
    ) -> Result<(), ClinicError> {
        self.authorize(session, Permission::ManageUsers)?;
        if !active && id == session.user_id() {
            return Err(ClinicError::OwnAccount);
        }
        let mut store = self.lock();
        let user = store.user(id)?.ok_or(ClinicError::UserNotFound)?;
        store.write(&session.actor(), self.now(), |w| {
            w.set_user_roles(id, &user.roles, active)
        })?;
        Ok(())
    }

    /// Sets a temporary password (and unlocks the account); the user must change it at sign-in.
    pub fn reset_password(
        &self,
        session: &Session,
        id: UserId,
        temporary: &str,
    ) -> Result<(), CreateUserError> {
        self.authorize(session, Permission::ManageUsers)?;
        let mut store = self.lock();
        let user = store.user(id)?.ok_or(ClinicError::UserNotFound)?;
        password::check_rules(temporary, &user.username, &[user.display_name.as_str()])?;
        let hash = password::hash(temporary)?;
        store.write(&session.actor(), self.now(), |w| {
            w.set_user_password(id, &hash, true)
        })?;
        Ok(())
    }
}
