//! HL7 partners: organizations that send immunization messages (VXU) to the
//! registry instead of syncing a clinic replica. `salal-registry partner add
//! --name NAME` makes the organization and its credential (shown once; only
//! the SHA-256 is kept, in `hl7_partners`), and every message a partner sends
//! is kept in `hl7_messages` with its answer (see [`crate::hl7_in`]).
//!
//! Staff watch each partner's data through that log: [`quality`] counts the
//! messages (by type, resends answered from the log, AA/AE/AR, replays) and
//! the most frequent problems by severity, code and location;
//! [`message_log`] lists the messages with their problems (all, or only the
//! failed ones); [`replay`] processes a logged message again from its raw
//! text once the cause is fixed, and logs the new outcome linked to the
//! original (`replay_of`, migration 0009).

use crate::error::RegistryError;
use crate::secrets::{device_secret, secret_hash};
use sqlx_core::query::query;
use sqlx_core::query_scalar::query_scalar;
use sqlx_core::row::Row;
use sqlx_postgres::PgPool;
use uuid::Uuid;

/// A new partner: its organization id and the credential it sends
/// (`Authorization: Bearer ID.SECRET`, or HTTP basic with the id as user name
/// and the secret as password).
#[derive(Clone, PartialEq, Eq)]
pub struct NewPartner {
    /// The organization's id.
    pub id: Uuid,
    /// The secret, shown once.
    pub secret: String,
}

impl std::fmt::Debug for NewPartner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewPartner")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Makes a partner organization named `name` and its credential.
pub async fn add(pool: &PgPool, name: &str) -> Result<NewPartner, RegistryError> {
    let id = crate::orgs::add(pool, name).await?;
    let secret = device_secret()?;
    query("INSERT INTO hl7_partners (org_id, secret_hash) VALUES ($1, $2)")
        .bind(id)
        .bind(secret_hash(&secret))
        .execute(pool)
        .await?;
    Ok(NewPartner { id, secret })
}

/// Whether `id` is an active partner.
pub async fn exists(pool: &PgPool, id: Uuid) -> Result<bool, RegistryError> {
    Ok(
        query_scalar::<_, bool>("SELECT active FROM hl7_partners WHERE org_id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?
            .unwrap_or(false),
    )
}

/// The partner a credential belongs to, if it is right.
pub async fn authenticate(
    pool: &PgPool,
    id: Uuid,
    secret: &str,
) -> Result<Option<Uuid>, RegistryError> {
    let found: Option<Uuid> = query_scalar(
        "SELECT org_id FROM hl7_partners WHERE org_id = $1 AND secret_hash = $2 AND active",
    )
    .bind(id)
    .bind(secret_hash(secret))
    .fetch_optional(pool)
    .await?;
    Ok(found)
}

/// What one partner sent and how it fared (`salal-registry partner quality`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quality {
    /// The partner organization.
    pub partner: Uuid,
    /// Its name.
    pub name: String,
    /// Messages received (replays not counted), per MSH-9 type.
    pub by_type: Vec<(String, i64)>,
    /// Of those, resent ones answered again from the log.
    pub resent: i64,
    /// Outcomes of the messages processed (not resent): AA, AE, AR.
    pub accepted: i64,
    /// AE.
    pub errors: i64,
    /// AR.
    pub rejected: i64,
    /// Replays (`hl7 replay`), and how many of them were accepted (AA).
    pub replays: i64,
    /// Replays answered AA.
    pub replays_accepted: i64,
    /// The most frequent problems: `SEVERITY CODE at LOCATION` (occurrence
    /// left out, so `RXA[2]-5` counts as `RXA-5`) and how many times.
    pub problems: Vec<(String, i64)>,
}

/// How many problems [`quality`] lists per partner.
pub const TOP_PROBLEMS: i64 = 10;

/// The answer text of a message answered from the log (see `hl7_in`).
const RESENT: &str = "answered again: sent before";

impl Quality {
    /// Messages received (replays not counted).
    #[must_use]
    pub fn messages(&self) -> i64 {
        self.by_type.iter().map(|(_, n)| n).sum()
    }

    /// The lines `partner quality` prints.
    #[must_use]
    pub fn lines(&self) -> Vec<String> {
        let types: Vec<String> = self
            .by_type
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect();
        let mut lines = vec![
            format!("partner {} {}", self.partner.hyphenated(), self.name),
            format!(
                "  messages: {} ({}); resent and answered again: {}",
                self.messages(),
                if types.is_empty() {
                    "none".to_owned()
                } else {
                    types.join(", ")
                },
                self.resent
            ),
            format!(
                "  outcomes: {} AA, {} AE, {} AR",
                self.accepted, self.errors, self.rejected
            ),
            format!(
                "  replays: {} ({} accepted)",
                self.replays, self.replays_accepted
            ),
        ];
        if self.problems.is_empty() {
            lines.push("  problems: none".to_owned());
        } else {
            lines.push("  most frequent problems:".to_owned());
            for (problem, count) in &self.problems {
                lines.push(format!("    {count:>6}  {problem}"));
            }
        }
        lines
    }
}

/// The partners: one, or every one (by name).
async fn partner_names(
    pool: &PgPool,
    partner: Option<Uuid>,
) -> Result<Vec<(Uuid, String)>, RegistryError> {
    let rows = query(
        "SELECT p.org_id, o.name FROM hl7_partners p JOIN organizations o ON o.id = p.org_id
         WHERE $1::uuid IS NULL OR p.org_id = $1 ORDER BY o.name, p.org_id",
    )
    .bind(partner)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push((row.try_get("org_id")?, row.try_get("name")?));
    }
    if let Some(id) = partner
        && out.is_empty()
    {
        return Err(RegistryError::BadInput(format!(
            "{id} is not an HL7 partner: `salal-registry partner add --name NAME` makes one"
        )));
    }
    Ok(out)
}

/// Data-quality counts of one partner, or of every partner.
pub async fn quality(pool: &PgPool, partner: Option<Uuid>) -> Result<Vec<Quality>, RegistryError> {
    let mut out = Vec::new();
    for (id, name) in partner_names(pool, partner).await? {
        let rows = query(
            "SELECT message_type, count(*) AS n FROM hl7_messages
             WHERE partner_id = $1 AND replay_of IS NULL GROUP BY 1 ORDER BY 1",
        )
        .bind(id)
        .fetch_all(pool)
        .await?;
        let mut by_type = Vec::with_capacity(rows.len());
        for row in rows {
            let kind: String = row.try_get("message_type")?;
            by_type.push((
                if kind.is_empty() {
                    "(no MSH-9)".to_owned()
                } else {
                    kind
                },
                row.try_get("n")?,
            ));
        }
        let row = query(
            "SELECT
               count(*) FILTER (WHERE replay_of IS NULL AND problems = $2) AS resent,
               count(*) FILTER (WHERE replay_of IS NULL AND problems <> $2 AND outcome = 'AA') AS aa,
               count(*) FILTER (WHERE replay_of IS NULL AND problems <> $2 AND outcome = 'AE') AS ae,
               count(*) FILTER (WHERE replay_of IS NULL AND problems <> $2 AND outcome = 'AR') AS ar,
               count(*) FILTER (WHERE replay_of IS NOT NULL) AS replays,
               count(*) FILTER (WHERE replay_of IS NOT NULL AND outcome = 'AA') AS replays_aa
             FROM hl7_messages WHERE partner_id = $1",
        )
        .bind(id)
        .bind(RESENT)
        .fetch_one(pool)
        .await?;
        let problem_rows = query(
            "SELECT regexp_replace(substring(line FROM '^[EWI] [0-9]+(?: at [^ :(]+)?'),
                                   '\\[[0-9]+\\]', '', 'g') AS problem,
                    count(*) AS n
             FROM hl7_messages m, regexp_split_to_table(m.problems, E'\\n') AS line
             WHERE m.partner_id = $1 AND m.replay_of IS NULL AND m.problems <> $2
             GROUP BY 1 HAVING regexp_replace(substring(line FROM '^[EWI] [0-9]+(?: at [^ :(]+)?'),
                                   '\\[[0-9]+\\]', '', 'g') IS NOT NULL
             ORDER BY 2 DESC, 1 LIMIT $3",
        )
        .bind(id)
        .bind(RESENT)
        .bind(TOP_PROBLEMS)
        .fetch_all(pool)
        .await?;
        let mut problems = Vec::with_capacity(problem_rows.len());
        for row in problem_rows {
            problems.push((row.try_get("problem")?, row.try_get("n")?));
        }
        out.push(Quality {
            partner: id,
            name,
            by_type,
            resent: row.try_get("resent")?,
            accepted: row.try_get("aa")?,
            errors: row.try_get("ae")?,
            rejected: row.try_get("ar")?,
            replays: row.try_get("replays")?,
            replays_accepted: row.try_get("replays_aa")?,
            problems,
        });
    }
    Ok(out)
}

/// One logged message (`salal-registry hl7 log`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedMessage {
    /// The log's id (what `hl7 replay` takes).
    pub id: i64,
    /// When it arrived (RFC 3339, UTC).
    pub received_at: String,
    /// MSH-9.1.
    pub message_type: String,
    /// MSH-10.
    pub control_id: String,
    /// MSA-1 of the answer.
    pub outcome: String,
    /// The message a replay processed again.
    pub replay_of: Option<i64>,
    /// The later replays of this message.
    pub replayed_by: Vec<i64>,
    /// One problem per line.
    pub problems: String,
}

impl LoggedMessage {
    /// `ID TIME TYPE CONTROL-ID OUTCOME [replay of N] [replayed by N, M]`, then
    /// each problem indented two spaces.
    #[must_use]
    pub fn lines(&self) -> Vec<String> {
        let mut head = format!(
            "{} {} {} {} {}",
            self.id,
            self.received_at,
            if self.message_type.is_empty() {
                "-"
            } else {
                &self.message_type
            },
            if self.control_id.is_empty() {
                "-"
            } else {
                &self.control_id
            },
            self.outcome
        );
        if let Some(original) = self.replay_of {
            head.push_str(&format!(" replay of {original}"));
        }
        if !self.replayed_by.is_empty() {
            let ids: Vec<String> = self.replayed_by.iter().map(ToString::to_string).collect();
            head.push_str(&format!(" replayed by {}", ids.join(", ")));
        }
        let mut lines = vec![head];
        lines.extend(
            self.problems
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| format!("  {l}")),
        );
        lines
    }
}

/// A partner's logged messages, newest first (at most `limit`); `failed`:
/// only those answered AE or AR.
pub async fn message_log(
    pool: &PgPool,
    partner: Uuid,
    failed: bool,
    limit: i64,
) -> Result<Vec<LoggedMessage>, RegistryError> {
    partner_names(pool, Some(partner)).await?;
    let rows = query(
        "SELECT m.id, to_char(m.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS at,
                m.message_type, m.control_id, m.outcome, m.replay_of, m.problems,
                coalesce((SELECT array_agg(r.id ORDER BY r.id) FROM hl7_messages r
                          WHERE r.replay_of = m.id), '{}') AS replayed_by
         FROM hl7_messages m
         WHERE m.partner_id = $1 AND (NOT $2 OR m.outcome <> 'AA')
         ORDER BY m.id DESC LIMIT $3",
    )
    .bind(partner)
    .bind(failed)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(LoggedMessage {
            id: row.try_get("id")?,
            received_at: row.try_get("at")?,
            message_type: row.try_get("message_type")?,
            control_id: row.try_get("control_id")?,
            outcome: row.try_get("outcome")?,
            replay_of: row.try_get("replay_of")?,
            replayed_by: row.try_get("replayed_by")?,
            problems: row.try_get("problems")?,
        });
    }
    Ok(out)
}

/// Why a replay could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// No logged message has that id.
    #[error("there is no logged HL7 message {0}: `salal-registry hl7 log --partner ID` lists them")]
    NoMessage(i64),
    /// Processing failed.
    #[error("{0}")]
    Submit(#[from] crate::hl7_in::SubmitError),
    /// The registry failed.
    #[error("{0}")]
    Registry(#[from] RegistryError),
}

impl From<sqlx_core::Error> for ReplayError {
    fn from(e: sqlx_core::Error) -> Self {
        ReplayError::Registry(RegistryError::Database(e))
    }
}

/// What a replay did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    /// The message replayed.
    pub original: i64,
    /// Its outcome then.
    pub before: String,
    /// The new log row.
    pub id: i64,
    /// The new answer.
    pub answer: crate::hl7_in::Answer,
}

/// Processes the logged message `id` again from its raw text (a failed
/// message after the registry or its data was fixed): never answered from
/// the resend log; its new outcome is logged in a row linked to the original
/// (`replay_of`). Applying stays idempotent: what the first attempt stored
/// is not stored twice.
pub async fn replay(pool: &PgPool, id: i64) -> Result<Replayed, ReplayError> {
    let mut tx = pool.begin().await?;
    crate::records::lock_seq(&mut tx).await?;
    let row = query("SELECT partner_id, raw, outcome FROM hl7_messages WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(ReplayError::NoMessage(id))?;
    let partner: Uuid = row.try_get("partner_id")?;
    let raw: String = row.try_get("raw")?;
    let before: String = row.try_get("outcome")?;
    let parsed = salal_hl7::parse_str(&raw);
    let (answer, new_id) = crate::hl7_in::reprocess(&mut tx, partner, &parsed, &raw, id).await?;
    tx.commit().await?;
    Ok(Replayed {
        original: id,
        before,
        id: new_id,
        answer,
    })
}
