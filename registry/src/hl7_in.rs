//! Incoming VXU messages from HL7 partners, applied like a clinic's push.
//!
//! [`submit`] takes a file's bytes (one message or a batch) from a partner
//! organization ([`crate::partners`]) and answers each message with an ACK
//! built by [`salal_hl7::build_ack`].
//!
//! **Transactions**: messages are applied in groups ([`process_group`]: up to
//! [`max_group`] messages in one transaction under the sequence lock, one
//! commit, answers only after it). The CLI's `hl7 submit` cuts a file into
//! groups; HTTPS and SOAP go through the [`Committer`], one writer task that
//! takes every message waiting, so concurrent senders share a commit. A
//! message that fails sends its group through again under one savepoint per
//! message, and gets [`failure_answer`] (ERR 207, nothing kept).
//!
//! For each message:
//!
//! 1. **Replay**: a message the partner already sent (same MSH-10 and the
//!    same bytes) is answered with the ACK it got then; nothing is applied.
//! 2. **Check**: [`salal_hl7::check_parsed`]. A rejected message (AR, or AE
//!    for a missing required PID field) stores nothing; an ORDER group with an
//!    error is left out and the rest applied.
//! 3. **Patient**: matched over the registry with the same matcher as a push
//!    ([`crate::matching::find_match`]). One record the matcher merges with
//!    is updated with the fields it lacks; otherwise a new record is created
//!    under an id derived from the partner and its PID-3 identifier, and the
//!    push's matching merges it or queues it for review. A patient whose
//!    family opted out gets an AE ACK saying so, and nothing is stored.
//! 4. **Doses**: each ORDER group becomes a dose whose id is derived from the
//!    partner and the filler order id (ORC-3), so a message sent again under
//!    a new MSH-10 still changes nothing; RXA-21 `D` marks the dose the
//!    partner sent under that ORC-3 as entered in error; `U` updates it.
//!    Doses reported by others too are linked by [`crate::dedup`], through
//!    `push::apply`.
//! 5. **Log**: the raw message, its outcome, its problems and the ACK go to
//!    `hl7_messages`.

use crate::auth::Device;
use crate::error::{ApiError, RegistryError};
use crate::matching::{self, match_record};
use crate::records::{derived_id, lock_seq, now_ms};
use salal_core::consent::Consents;
use salal_core::event::Event;
use salal_core::hlc::Stamp;
use salal_core::ids::{EventId, PatientId};
use salal_hl7::model::{ActionCode, ImmunizationUpdate, MessageHeader};
use salal_hl7::{
    AckCode, Batch, ErrorCode, Location, Message, Outcome, Parsed, Problem, Rejects, SplitBatch,
    ack_code, build_ack, check_parsed, read_batch, read_update, split_batch,
};
use salal_matching::Decision;
use salal_sync::fields::{ENTERED_IN_ERROR_REASON, PATIENT_ID, is_empty};
use salal_sync::wire::{Change, ChangeKind, Entity, Fields, Outcome as OpOutcome};
use serde_json::{Map, Value};
use sqlx_core::query::query;
use sqlx_core::row::Row;
use sqlx_postgres::{PgConnection, PgPool};
use std::collections::HashSet;
use uuid::Uuid;

/// MSH-3 of the registry's answers.
pub const APPLICATION: &str = "SALAL";
/// MSH-4 of the registry's answers.
pub const FACILITY: &str = "SALAL REGISTRY";

/// Why a submission could not be processed at all (as opposed to a message
/// answered with an error ACK, which is a normal outcome).
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The partner is not known.
    #[error("{0} is not an HL7 partner: make one with `salal-registry partner add --name NAME`")]
    UnknownPartner(Uuid),
    /// The registry failed.
    #[error("{0}")]
    Registry(#[from] RegistryError),
    /// Applying the records failed.
    #[error("the registry could not apply the message: {0}")]
    Apply(String),
    /// The transaction could not be committed: whether it was stored is unknown.
    #[error(
        "the registry could not confirm that the message was stored ({0}); send it again: \
         a message already stored is answered with its first ACK"
    )]
    Commit(String),
}

impl From<sqlx_core::Error> for SubmitError {
    fn from(e: sqlx_core::Error) -> Self {
        SubmitError::Registry(RegistryError::Database(e))
    }
}

impl From<matching::MatchError> for SubmitError {
    fn from(e: matching::MatchError) -> Self {
        SubmitError::Registry(RegistryError::Matching(e))
    }
}

impl From<ApiError> for SubmitError {
    fn from(e: ApiError) -> Self {
        SubmitError::Apply(e.body.message_en)
    }
}

/// The answer to one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// MSH-10 of the message answered.
    pub control_id: String,
    /// MSA-1.
    pub code: AckCode,
    /// The ACK, CR-separated.
    pub ack: String,
    /// Whether this is the stored answer to a message sent before.
    pub replayed: bool,
    /// Patient records created, doses stored or deleted.
    pub stored: usize,
}

/// What a file's messages got.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Submitted {
    /// One answer per message, in order.
    pub answers: Vec<Answer>,
}

impl std::fmt::Display for Submitted {
    /// `hl7 submit: N messages, A accepted (AA), E with errors (AE), R rejected (AR)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = |code: AckCode| self.answers.iter().filter(|a| a.code == code).count();
        write!(
            f,
            "hl7 submit: {} messages, {} accepted (AA), {} with errors (AE), {} rejected (AR)",
            self.answers.len(),
            count(AckCode::Accept),
            count(AckCode::Error),
            count(AckCode::Reject)
        )
    }
}

/// How many messages one transaction takes at most by default (a file is
/// applied in groups of this many; the real-time writer takes at most this
/// many waiting messages at once). See [`max_group`].
pub const MAX_GROUP: usize = 256;

/// One message to process: who sent it, what was read, and what is logged.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The partner organization.
    pub partner: Uuid,
    /// The message as parsed.
    pub parsed: Parsed,
    /// The message's text as logged (and hashed for the replay check).
    pub raw: String,
}

/// The messages of a file, in order: an empty file (or one with no MSH) is
/// one message with a problem, so it is answered with an AR ACK.
#[must_use]
pub fn incoming(partner: Uuid, bytes: &[u8]) -> Vec<Incoming> {
    incoming_of(partner, read_batch(bytes), bytes)
}

/// [`incoming`] of a file already read with [`read_batch`] (`bytes` is what
/// is logged when it holds no message).
#[must_use]
pub fn incoming_of(partner: Uuid, batch: Batch, bytes: &[u8]) -> Vec<Incoming> {
    if batch.messages.is_empty() {
        return vec![no_message(partner, bytes)];
    }
    batch
        .messages
        .into_iter()
        .map(|parsed| Incoming {
            partner,
            raw: parsed.message.encode(),
            parsed,
        })
        .collect()
}

/// [`incoming`] of a file cut with [`split_batch`], each message parsed only
/// when it is taken, so a large file is never held parsed all at once.
pub fn incoming_split(
    partner: Uuid,
    split: SplitBatch,
    bytes: &[u8],
) -> impl Iterator<Item = Incoming> + Send + 'static {
    let empty = split
        .messages
        .is_empty()
        .then(|| no_message(partner, bytes));
    empty.into_iter().chain(
        split
            .messages
            .into_iter()
            .map(move |text| incoming_text(partner, &text)),
    )
}

/// One message's text, parsed.
#[must_use]
pub fn incoming_text(partner: Uuid, text: &str) -> Incoming {
    let parsed = salal_hl7::parse_str(text);
    Incoming {
        partner,
        raw: parsed.message.encode(),
        parsed,
    }
}

fn no_message(partner: Uuid, bytes: &[u8]) -> Incoming {
    let problem = Problem::error(
        ErrorCode::SegmentSequenceError,
        Some(Location::missing_segment("MSH")),
        Rejects::Message,
        "no HL7 message found: a message starts with an MSH segment",
    );
    Incoming {
        partner,
        parsed: Parsed {
            message: Message::default(),
            problems: vec![problem],
        },
        raw: String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// The most messages one transaction takes: [`MAX_GROUP`], or
/// `SALAL_HL7_MAX_GROUP` when it is set to a number from 1 (one transaction
/// per message) to 4096.
pub fn max_group() -> usize {
    static GROUP: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *GROUP.get_or_init(|| {
        std::env::var("SALAL_HL7_MAX_GROUP")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| (1..=4096).contains(n))
            .unwrap_or(MAX_GROUP)
    })
}

/// Processes every message of `bytes` from `partner` (see the module doc),
/// [`max_group`] messages per transaction; a message the registry could not
/// apply is answered with [`failure_answer`].
pub async fn submit(pool: &PgPool, partner: Uuid, bytes: &[u8]) -> Result<Submitted, SubmitError> {
    if !crate::partners::exists(pool, partner).await? {
        return Err(SubmitError::UnknownPartner(partner));
    }
    let mut jobs = incoming_split(partner, split_batch(bytes), bytes).peekable();
    let mut submitted = Submitted::default();
    while jobs.peek().is_some() {
        let group: Vec<Incoming> = jobs.by_ref().take(max_group()).collect();
        let answers = process_group(pool, &group).await?;
        for (job, answer) in group.iter().zip(answers) {
            submitted
                .answers
                .push(answer.unwrap_or_else(|e| failure_answer(job, &e)));
        }
    }
    Ok(submitted)
}

/// Processes one parsed message from `partner` in its own transaction; `raw`
/// is what is logged.
pub async fn process(
    pool: &PgPool,
    partner: Uuid,
    parsed: &Parsed,
    raw: &str,
) -> Result<Answer, SubmitError> {
    let job = Incoming {
        partner,
        parsed: parsed.clone(),
        raw: raw.to_owned(),
    };
    process_group(pool, std::slice::from_ref(&job))
        .await?
        .pop()
        .unwrap_or_else(|| Err(SubmitError::Apply("no answer".to_owned())))
}

/// Processes `jobs` in ONE transaction (holding the sequence lock). The
/// answers are returned only once the transaction committed: nothing is
/// acknowledged before it is durable. `Err` means the whole group failed
/// (nothing of it is known to be stored); sending the messages again is safe,
/// since a message already stored is answered with its first ACK.
///
/// The group is first applied straight through. Should one message fail
/// (a database error, a record the registry cannot apply), that transaction
/// is rolled back and the group applied again with each message under its
/// own savepoint, so the failing one is rolled back alone and answered with
/// its error while the others stand. Savepoints are kept off the common path:
/// each one that writes is a subtransaction, and more than 64 in one
/// transaction slow every other session's snapshots.
pub async fn process_group(
    pool: &PgPool,
    jobs: &[Incoming],
) -> Result<Vec<Result<Answer, SubmitError>>, SubmitError> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    {
        let mut tx = pool.begin().await?;
        lock_seq(&mut tx).await?;
        let mut answers = Vec::with_capacity(jobs.len());
        let mut failure = None;
        for job in jobs {
            match process_in(&mut tx, job.partner, &job.parsed, &job.raw).await {
                Ok(answer) => answers.push(Ok(answer)),
                Err(error) => {
                    tracing::warn!(
                        partner = %job.partner,
                        control_id = job.parsed.message.control_id(),
                        %error,
                        "an HL7 message could not be applied"
                    );
                    failure = Some(error);
                    break;
                }
            }
        }
        let Some(error) = failure else {
            tx.commit()
                .await
                .map_err(|e| SubmitError::Commit(e.to_string()))?;
            return Ok(answers);
        };
        tx.rollback().await?;
        if jobs.len() == 1 {
            return Ok(vec![Err(error)]);
        }
    }
    let mut tx = pool.begin().await?;
    lock_seq(&mut tx).await?;
    let mut answers = Vec::with_capacity(jobs.len());
    for job in jobs {
        query("SAVEPOINT hl7_message").execute(&mut *tx).await?;
        match process_in(&mut tx, job.partner, &job.parsed, &job.raw).await {
            Ok(answer) => {
                query("RELEASE SAVEPOINT hl7_message")
                    .execute(&mut *tx)
                    .await?;
                answers.push(Ok(answer));
            }
            Err(error) => {
                tracing::warn!(
                    partner = %job.partner,
                    control_id = job.parsed.message.control_id(),
                    %error,
                    "an HL7 message could not be applied"
                );
                query("ROLLBACK TO SAVEPOINT hl7_message")
                    .execute(&mut *tx)
                    .await?;
                answers.push(Err(error));
            }
        }
    }
    tx.commit()
        .await
        .map_err(|e| SubmitError::Commit(e.to_string()))?;
    Ok(answers)
}

/// The real-time writer: one task that takes every message waiting (up to
/// [`max_group`]), applies them with [`process_group`] in one transaction and
/// answers each caller only after the commit. Concurrent senders therefore
/// share one commit (one WAL flush) instead of queueing on the sequence lock
/// one commit at a time; a lone message is applied at once, never held back.
#[derive(Debug)]
pub struct Committer {
    pool: PgPool,
    queue: std::sync::OnceLock<tokio::sync::mpsc::Sender<Pending>>,
}

#[derive(Debug)]
struct Pending {
    job: Incoming,
    reply: tokio::sync::oneshot::Sender<Result<Answer, SubmitError>>,
}

impl Committer {
    /// A writer on `pool`; its task starts with the first message.
    #[must_use]
    pub fn new(pool: PgPool) -> Committer {
        Committer {
            pool,
            queue: std::sync::OnceLock::new(),
        }
    }

    /// The database.
    #[must_use]
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn queue(&self) -> &tokio::sync::mpsc::Sender<Pending> {
        self.queue.get_or_init(|| {
            let (sender, receiver) = tokio::sync::mpsc::channel(4 * max_group());
            tokio::spawn(write_loop(self.pool.clone(), receiver));
            sender
        })
    }

    /// Queues one message and waits for its answer (given after its commit;
    /// a message the registry could not apply gets [`failure_answer`]). `Err`
    /// means its group was not committed: sending it again is safe.
    pub async fn process(&self, job: Incoming) -> Result<Answer, SubmitError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.queue()
            .send(Pending { job, reply })
            .await
            .map_err(|_| SubmitError::Commit("the registry's HL7 writer stopped".to_owned()))?;
        answer.await.unwrap_or_else(|_| {
            Err(SubmitError::Commit(
                "the registry's HL7 writer stopped".to_owned(),
            ))
        })
    }

    /// Queues every message of a file ([`incoming`]) and waits for all their
    /// answers, in order. A group that is not committed stops the wait
    /// (messages already queued are still applied; sending the file again is
    /// safe).
    pub async fn submit(
        &self,
        jobs: impl IntoIterator<Item = Incoming> + Send,
    ) -> Result<Submitted, SubmitError> {
        let group = max_group();
        let mut waiting = std::collections::VecDeque::with_capacity(2 * group);
        let mut submitted = Submitted::default();
        for job in jobs {
            let (reply, answer) = tokio::sync::oneshot::channel();
            // Keep at most a few groups in flight, so a large file does not
            // fill the queue ahead of real-time senders.
            while waiting.len() >= 2 * group {
                if let Some(first) = waiting.pop_front() {
                    submitted.answers.push(wait(first).await?);
                }
            }
            self.queue()
                .send(Pending { job, reply })
                .await
                .map_err(|_| SubmitError::Commit("the registry's HL7 writer stopped".to_owned()))?;
            waiting.push_back(answer);
        }
        while let Some(first) = waiting.pop_front() {
            submitted.answers.push(wait(first).await?);
        }
        Ok(submitted)
    }
}

async fn wait(
    answer: tokio::sync::oneshot::Receiver<Result<Answer, SubmitError>>,
) -> Result<Answer, SubmitError> {
    answer.await.unwrap_or_else(|_| {
        Err(SubmitError::Commit(
            "the registry's HL7 writer stopped".to_owned(),
        ))
    })
}

async fn write_loop(pool: PgPool, mut receiver: tokio::sync::mpsc::Receiver<Pending>) {
    let most = max_group();
    let mut group: Vec<Pending> = Vec::with_capacity(most);
    while receiver.recv_many(&mut group, most).await > 0 {
        let (jobs, replies): (Vec<Incoming>, Vec<_>) =
            group.drain(..).map(|p| (p.job, p.reply)).unzip();
        match process_group(&pool, &jobs).await {
            Ok(answers) => {
                for ((reply, answer), job) in replies.into_iter().zip(answers).zip(&jobs) {
                    let _ = reply.send(Ok(answer.unwrap_or_else(|e| failure_answer(job, &e))));
                }
            }
            Err(error) => {
                tracing::warn!(%error, messages = jobs.len(), "an HL7 group was not committed");
                let text = error.to_string();
                for reply in replies {
                    let _ = reply.send(Err(SubmitError::Commit(text.clone())));
                }
            }
        }
    }
}

/// The answer to a message the registry could not apply (the error is the
/// registry's, not the message's): an ACK with ERR 207 saying so. Nothing of
/// the message was kept, not even in the log, so sending it again has it
/// processed again.
#[must_use]
pub fn failure_answer(job: &Incoming, error: &SubmitError) -> Answer {
    tracing::warn!(
        partner = %job.partner,
        control_id = job.parsed.message.control_id(),
        %error,
        "answered with ERR 207: the message could not be applied"
    );
    let message = &job.parsed.message;
    let control_id = message.control_id().to_owned();
    let ack_control = derived_id(
        job.partner,
        &format!("failed:{control_id}:{}", sha256(&job.raw)),
    )
    .simple()
    .to_string();
    let problems = [Problem::error(
        ErrorCode::ApplicationInternalError,
        None,
        Rejects::Message,
        "the registry could not store this message (an internal error, in the registry's \
         log); nothing of it was kept: send it again later, and tell the registry's staff if \
         it keeps failing",
    )];
    let ack = build_ack(
        &ack_header(message, &ack_control[..20]),
        &message.message_type().trigger,
        &control_id,
        &problems,
    )
    .encode();
    Answer {
        control_id,
        code: ack_code(&problems),
        ack,
        replayed: false,
        stored: 0,
    }
}

/// Processes one message inside the caller's transaction, which holds the
/// sequence lock; the answer is true only once the caller commits.
async fn process_in(
    conn: &mut PgConnection,
    partner: Uuid,
    parsed: &Parsed,
    raw: &str,
) -> Result<Answer, SubmitError> {
    let message = &parsed.message;
    let control_id = message.control_id().to_owned();
    let raw_hash = sha256(raw);
    let before: Option<(String, String)> = query(
        "SELECT outcome, ack FROM hl7_messages
         WHERE partner_id = $1 AND control_id = $2 AND raw_sha256 = $3 ORDER BY id LIMIT 1",
    )
    .bind(partner)
    .bind(&control_id)
    .bind(&raw_hash)
    .fetch_optional(&mut *conn)
    .await?
    .map(|row| Ok::<_, sqlx_core::Error>((row.try_get("outcome")?, row.try_get("ack")?)))
    .transpose()?;
    if let Some((_, ack)) = &before {
        let code = salal_hl7::parse_str(ack)
            .message
            .first("MSA")
            .map(|s| s.text(1).to_owned())
            .unwrap_or_default();
        let answer = Answer {
            control_id: control_id.clone(),
            code: match code.as_str() {
                "AA" => AckCode::Accept,
                "AR" => AckCode::Reject,
                _ => AckCode::Error,
            },
            ack: ack.clone(),
            replayed: true,
            stored: 0,
        };
        log(
            conn,
            partner,
            message,
            &raw_hash,
            raw,
            &answer,
            "answered again: sent before",
        )
        .await?;
        return Ok(answer);
    }
    if crate::hl7_query::is_query(message) {
        return crate::hl7_query::answer(conn, partner, parsed, raw, None).await;
    }
    let (problems, stored) = apply_message(conn, partner, parsed).await?;
    let ack_control = derived_id(partner, &format!("ack:{control_id}:{raw_hash}"))
        .simple()
        .to_string();
    let trigger = message.message_type().trigger;
    let ack = build_ack(
        &ack_header(message, &ack_control[..20]),
        &trigger,
        &control_id,
        &problems,
    )
    .encode();
    let answer = Answer {
        control_id,
        code: ack_code(&problems),
        ack,
        replayed: false,
        stored,
    };
    let listed: Vec<String> = problems.iter().map(ToString::to_string).collect();
    log(
        conn,
        partner,
        message,
        &raw_hash,
        raw,
        &answer,
        &listed.join("\n"),
    )
    .await?;
    Ok(answer)
}

fn ack_header(message: &Message, control_id: &str) -> MessageHeader {
    let msh = message.header();
    let text = |n: usize| {
        msh.map(|s| s.component_text(n, 1).to_owned())
            .unwrap_or_default()
    };
    MessageHeader {
        sending_application: APPLICATION.to_owned(),
        sending_facility: FACILITY.to_owned(),
        receiving_application: text(3),
        receiving_facility: text(4),
        date_time: chrono::Local::now().format("%Y%m%d%H%M%S%z").to_string(),
        control_id: control_id.to_owned(),
        processing_id: {
            let p = text(11);
            if p.is_empty() { "P".to_owned() } else { p }
        },
    }
}

fn sha256(text: &str) -> String {
    crate::secrets::secret_hash(text)
}

async fn log(
    conn: &mut PgConnection,
    partner: Uuid,
    message: &Message,
    raw_hash: &str,
    raw: &str,
    answer: &Answer,
    problems: &str,
) -> Result<(), sqlx_core::Error> {
    query(
        "INSERT INTO hl7_messages
           (partner_id, control_id, message_type, raw_sha256, outcome, problems, raw, ack)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(partner)
    .bind(&answer.control_id)
    .bind(message.message_type().code)
    .bind(raw_hash)
    .bind(answer.code.code())
    .bind(problems)
    .bind(raw)
    .bind(&answer.ack)
    .execute(conn)
    .await?;
    Ok(())
}

/// The 0-based index of the ORDER group each segment position (1-based)
/// belongs to, as `read_update` groups them.
fn group_of_position(message: &Message, position: usize) -> Option<usize> {
    let mut group: Option<usize> = None;
    let mut group_has_rxa = false;
    let mut seen_pid = false;
    for (index, segment) in message.segments.iter().enumerate() {
        match segment.name.as_str() {
            "PID" => seen_pid = true,
            "ORC" if seen_pid => {
                group = Some(group.map_or(0, |g| g + 1));
                group_has_rxa = false;
            }
            "RXA" if seen_pid => {
                if group.is_none() || group_has_rxa {
                    group = Some(group.map_or(0, |g| g + 1));
                }
                group_has_rxa = true;
            }
            _ => {}
        }
        if index + 1 == position {
            return group;
        }
    }
    None
}

/// Applies one checked message; returns every problem for the ACK and how
/// many records were stored.
async fn apply_message(
    conn: &mut PgConnection,
    partner: Uuid,
    parsed: &Parsed,
) -> Result<(Vec<Problem>, usize), SubmitError> {
    let message = &parsed.message;
    let report = check_parsed(parsed);
    let mut problems = report.problems.clone();
    if report.outcome == Outcome::Rejected {
        return Ok((problems, 0));
    }
    let update = match read_update(message) {
        Ok(update) => update,
        Err(e) => {
            problems.push(Problem::error(
                ErrorCode::UnsupportedMessageType,
                Some(Location::missing_segment("MSH").with_field(9)),
                Rejects::Message,
                format!("{e}; only VXU^V04 messages are submitted here"),
            ));
            return Ok((problems, 0));
        }
    };
    let rejected_groups: HashSet<usize> = report
        .errors()
        .filter(|p| matches!(&p.rejects, Rejects::Group(_)))
        .filter_map(|p| p.location.as_ref()?.position)
        .filter_map(|position| group_of_position(message, position))
        .collect();
    let device = Device {
        id: derived_id(partner, "hl7-device"),
        org: partner,
    };
    let hlc = Stamp {
        wall_ms: now_ms(),
        counter: 0,
        replica: 0,
    };
    let patient_fields = wire_patient_fields(&update);
    let new_id = derived_id(partner, &format!("patient:{}", patient_key(&update)));
    let mut probe = patient_fields.clone();
    if !update.patient.details.medical_record_number.is_empty() {
        probe.insert(
            "_medical_records".to_owned(),
            Value::Array(vec![Value::Array(vec![
                Value::String(partner.to_string()),
                Value::String(update.patient.details.medical_record_number.clone()),
            ])]),
        );
    }
    probe.insert(
        "mother_first_name".to_owned(),
        Value::String(update.patient.mother_given_name.clone()),
    );
    if let Some(order) = update.patient.multiple_birth.as_ref().and_then(|m| m.order) {
        probe.insert("multiple_birth_order".to_owned(), Value::from(order));
    }
    let found = matching::find_match(conn, &match_record(new_id, &probe)).await?;
    let existing = match found {
        Some((id, Decision::Merge)) => Some(id),
        _ => None,
    };
    let mut changes = Vec::new();
    let patient = if let Some(id) = existing {
        let mut current = matching::patient_fields(conn, &[id]).await?;
        for (id, own) in crate::private::own_patient_fields(conn, partner, &[id]).await? {
            if let Some(fields) = current.get_mut(&id) {
                fields.extend(own);
            }
        }
        let fields = current.get(&id);
        if fields.is_some_and(crate::optout::is_opted_out) {
            problems.push(
                Problem::error(
                    ErrorCode::ApplicationRecordLocked,
                    Some(Location::segment("PID", 1, pid_position(message))),
                    Rejects::Message,
                    "the patient's family declined registry participation: the registry \
                     stores nothing for this patient; keep the data in your own system only",
                )
                .with_application_error(salal_hl7::ApplicationError::IllogicalValue),
            );
            return Ok((problems, 0));
        }
        let missing: Fields = patient_fields
            .iter()
            .filter(|(k, _)| fields.and_then(|f| f.get(*k)).is_none_or(is_empty))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !missing.is_empty() {
            changes.push(change(
                partner,
                Entity::Patient,
                id,
                ChangeKind::Update,
                hlc,
                missing,
            ));
        }
        query(
            "INSERT INTO patient_orgs (patient_id, org_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(partner)
        .execute(&mut *conn)
        .await?;
        id
    } else {
        changes.push(change(
            partner,
            Entity::Patient,
            new_id,
            ChangeKind::Create,
            hlc,
            patient_fields,
        ));
        new_id
    };

    // The doses the message names that are already here.
    let dose_ids: Vec<(usize, Uuid)> = update
        .doses
        .iter()
        .enumerate()
        .filter(|(i, _)| !rejected_groups.contains(i))
        .map(|(i, dose)| (i, dose_id(partner, patient, dose, i)))
        .collect();
    let ids: Vec<Uuid> = dose_ids.iter().map(|(_, id)| *id).collect();
    let rows = query("SELECT id, fields FROM records WHERE entity = 'dose' AND id = ANY($1)")
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?;
    let mut known: std::collections::HashMap<Uuid, Map<String, Value>> =
        std::collections::HashMap::new();
    for row in rows {
        if let Value::Object(fields) = row.try_get::<Value, _>("fields")? {
            known.insert(row.try_get("id")?, fields);
        }
    }
    let mut group_of_change: Vec<Option<usize>> = vec![None; changes.len()];
    for (index, id) in dose_ids {
        let Some(dose) = update.doses.get(index) else {
            continue;
        };
        let current = known.get(&id);
        if dose.action == ActionCode::Delete {
            match current {
                Some(fields) if fields.get("entered_in_error") != Some(&Value::Bool(true)) => {
                    let mut f = Map::new();
                    f.insert(
                        ENTERED_IN_ERROR_REASON.to_owned(),
                        Value::String("deleted by the sender (RXA-21 D)".to_owned()),
                    );
                    changes.push(change(partner, Entity::Dose, id, ChangeKind::EnteredInError, hlc, f));
                    group_of_change.push(Some(index));
                }
                Some(_) => {}
                None => problems.push(Problem::warning(
                    ErrorCode::UnknownKeyIdentifier,
                    Some(Location::segment("ORC", index + 1, 0).with_field(3)),
                    format!(
                        "RXA-21 D names filler order '{}', which you never sent: nothing was deleted",
                        dose.filler_order_id.id
                    ),
                )),
            }
            continue;
        }
        let event = Event {
            id: EventId(id),
            patient_id: PatientId(patient),
            details: dose.event.clone(),
            entered_in_error: false,
            entered_in_error_reason: String::new(),
            recorded_by: String::new(),
        };
        let fields: Fields = salal_sync::fields::dose_create_fields(&event)
            .into_iter()
            .filter(|(_, v)| !is_empty(v))
            .collect();
        match current {
            None => {
                changes.push(change(
                    partner,
                    Entity::Dose,
                    id,
                    ChangeKind::Create,
                    hlc,
                    fields,
                ));
                group_of_change.push(Some(index));
            }
            Some(current) => {
                let differ: Fields = fields
                    .into_iter()
                    .filter(|(k, v)| k != PATIENT_ID && current.get(k) != Some(v))
                    .collect();
                if !differ.is_empty() {
                    changes.push(change(
                        partner,
                        Entity::Dose,
                        id,
                        ChangeKind::Update,
                        hlc,
                        differ,
                    ));
                    group_of_change.push(Some(index));
                }
            }
        }
    }
    // The stock the new administered doses take, applied with them.
    let new_doses: Vec<(usize, Uuid)> = changes
        .iter()
        .zip(&group_of_change)
        .filter(|(c, _)| c.entity == Entity::Dose && c.kind == ChangeKind::Create)
        .filter_map(|(c, group)| Some(((*group)?, c.id)))
        .collect();
    let (stock, stock_groups, stock_problems) =
        crate::hl7_stock::administered(conn, partner, &update, &new_doses, hlc).await?;
    problems.extend(stock_problems);
    let records_changed = changes.len();
    changes.extend(stock);
    if changes.is_empty() {
        return Ok((problems, 0));
    }
    let applied = crate::push::apply(conn, device, &changes).await?;
    for ((result, change), group) in applied
        .results
        .iter()
        .zip(&changes)
        .skip(records_changed)
        .zip(&stock_groups)
    {
        let lot = crate::hl7_stock::lot_of(change);
        problems.extend(crate::hl7_stock::refused(result, *group, &lot));
    }
    let mut stored = 0;
    for (result, group) in applied.results.iter().zip(&group_of_change) {
        match &result.outcome {
            OpOutcome::Applied { .. } => stored += 1,
            OpOutcome::Duplicate { .. } => {}
            OpOutcome::Rejected { message_en, .. } => {
                let location = match group {
                    Some(g) => Location::segment("RXA", g + 1, 0),
                    None => Location::segment("PID", 1, pid_position(message)),
                };
                let rejects = match group {
                    Some(_) => Rejects::Group("ORDER".to_owned()),
                    None => Rejects::Message,
                };
                problems.push(Problem::error(
                    ErrorCode::ApplicationInternalError,
                    Some(location),
                    rejects,
                    format!("the registry refused this record: {message_en}"),
                ));
            }
        }
    }
    Ok((problems, stored))
}

/// Processes a logged message again (`partners::replay`) inside the caller's
/// transaction, which holds the sequence lock: never answered from the
/// resend log. The new answer is logged linked to `original`; returns it and
/// its log id.
pub(crate) async fn reprocess(
    conn: &mut PgConnection,
    partner: Uuid,
    parsed: &Parsed,
    raw: &str,
    original: i64,
) -> Result<(Answer, i64), SubmitError> {
    let message = &parsed.message;
    if crate::hl7_query::is_query(message) {
        let answer = crate::hl7_query::answer(conn, partner, parsed, raw, Some(original)).await?;
        let id: i64 = sqlx_core::query_scalar::query_scalar(
            "SELECT max(id) FROM hl7_messages WHERE replay_of = $1",
        )
        .bind(original)
        .fetch_one(&mut *conn)
        .await?;
        return Ok((answer, id));
    }
    let control_id = message.control_id().to_owned();
    let raw_hash = sha256(raw);
    let (problems, stored) = apply_message(conn, partner, parsed).await?;
    let ack_control = derived_id(
        partner,
        &format!("ack:{control_id}:{raw_hash}:replay:{original}:{}", now_ms()),
    )
    .simple()
    .to_string();
    let trigger = message.message_type().trigger;
    let ack = build_ack(
        &ack_header(message, &ack_control[..20]),
        &trigger,
        &control_id,
        &problems,
    )
    .encode();
    let answer = Answer {
        control_id,
        code: ack_code(&problems),
        ack,
        replayed: false,
        stored,
    };
    let listed: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let id = log_answer(
        conn,
        partner,
        message,
        &raw_hash,
        raw,
        &answer,
        &listed.join("\n"),
        Some(original),
    )
    .await?;
    Ok((answer, id))
}

/// Logs one answered message in `hl7_messages`; `replay_of` names the
/// logged message a replay processed again. Returns the new row's id.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn log_answer(
    conn: &mut PgConnection,
    partner: Uuid,
    message: &Message,
    raw_hash: &str,
    raw: &str,
    answer: &Answer,
    problems: &str,
    replay_of: Option<i64>,
) -> Result<i64, sqlx_core::Error> {
    sqlx_core::query_scalar::query_scalar(
        "INSERT INTO hl7_messages
           (partner_id, control_id, message_type, raw_sha256, outcome, problems, raw, ack,
            replay_of)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         RETURNING id",
    )
    .bind(partner)
    .bind(&answer.control_id)
    .bind(message.message_type().code)
    .bind(raw_hash)
    .bind(answer.code.code())
    .bind(problems)
    .bind(raw)
    .bind(&answer.ack)
    .bind(replay_of)
    .fetch_one(conn)
    .await
}

fn pid_position(message: &Message) -> usize {
    message
        .segments
        .iter()
        .position(|s| s.name == "PID")
        .map_or(0, |i| i + 1)
}

/// What the partner identifies the patient by: its first PID-3 identifier
/// (else names and birth date).
fn patient_key(update: &ImmunizationUpdate) -> String {
    update.patient.identifiers.first().map_or_else(
        || {
            let d = &update.patient.details;
            format!(
                "name:{}|{}|{}",
                d.last_name,
                d.first_name,
                d.birth_date.map(|b| b.to_string()).unwrap_or_default()
            )
        },
        |id| format!("id:{}:{}:{}", id.kind.code(), id.assigning_authority, id.id),
    )
}

/// A dose's id: from the partner's filler order id (ORC-3), else from the
/// patient, the vaccine, the date and the group's place in the message.
fn dose_id(
    partner: Uuid,
    patient: Uuid,
    dose: &salal_hl7::model::VaccinationGroup,
    index: usize,
) -> Uuid {
    let filler = dose.filler_order_id.id.trim();
    if filler.is_empty() || filler == "9999" {
        let date = dose.event.date.map(|d| d.to_string()).unwrap_or_default();
        derived_id(
            partner,
            &format!("dose:{patient}:{}:{date}:{index}", dose.event.cvx),
        )
    } else {
        derived_id(partner, &format!("order:{filler}"))
    }
}

/// The patient fields of the message, as the wire names them (empty ones left out).
fn wire_patient_fields(update: &ImmunizationUpdate) -> Fields {
    let consents = update
        .patient
        .preferences
        .as_ref()
        .map(|p| p.consents())
        .and_then(|(registry, _)| registry)
        .map(|registry| Consents {
            registry,
            ..Consents::default()
        });
    let mut fields = salal_sync::fields::patient_fields(
        &update.patient.details,
        &consents.clone().unwrap_or_default(),
    );
    if consents.is_none() {
        fields.remove("registry_participation");
    }
    fields.remove("mailings");
    fields.into_iter().filter(|(_, v)| !is_empty(v)).collect()
}

/// A change whose op id is derived from its content (a resend is a duplicate).
fn change(
    partner: Uuid,
    entity: Entity,
    id: Uuid,
    kind: ChangeKind,
    hlc: Stamp,
    fields: Fields,
) -> Change {
    let content = format!(
        "op:{}:{id}:{}:{}",
        entity.code(),
        kind.code(),
        Value::Object(fields.clone())
    );
    Change {
        op_id: derived_id(partner, &content),
        entity,
        id,
        hlc,
        kind,
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_follow_orc_and_rxa() {
        let text = "MSH|^~\\&|A|B|C|D|20250101||VXU^V04^VXU_V04|1|P|2.5.1\r\
                    PID|1||X^^^A^MR\rORC|RE||1\rRXA|0|1|20250101||08^HepB^CVX|999\r\
                    RXR|C28161\rORC|RE||2\rRXA|0|1|20250101||08^HepB^CVX|999\r\
                    RXA|0|1|20250101||08^HepB^CVX|999\r";
        let message = salal_hl7::parse_str(text).message;
        assert_eq!(group_of_position(&message, 2), None);
        assert_eq!(group_of_position(&message, 4), Some(0));
        assert_eq!(group_of_position(&message, 5), Some(0));
        assert_eq!(group_of_position(&message, 6), Some(1));
        assert_eq!(group_of_position(&message, 8), Some(2));
    }
}
