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
//! 1. **Check**, when the message is read ([`Incoming::new`], on the
//!    sender's task, before it waits for the writer):
//!    [`salal_hl7::check_parsed`] and the mapping to `core` types
//!    ([`hl7_apply::prepare`]). A rejected message (AR, or AE for a missing
//!    required PID field) stores nothing; an ORDER group with an error is left
//!    out and the rest applied.
//! 2. **Replay**: a message the partner already sent (same MSH-10 and the
//!    same bytes) is answered with the ACK it got then; nothing is applied.
//! 3. **Patient and doses**: the VXUs of a group are applied together by
//!    [`hl7_apply::apply`], set-based, in rounds that keep the outcome of
//!    applying them one by one: the patient matched over the registry with the
//!    same matcher as a push, a family's opt-out refused with an AE, each
//!    ORDER group a dose with an id derived from the partner's ORC-3, stock
//!    taken from the partner's lots, merged and de-duplicated by `push::apply`.
//!    A query (QBP) is answered where it stands in the group, after the VXUs
//!    before it.
//! 5. **Log**: the raw message, its outcome, its problems and the ACK go to
//!    `hl7_messages`.

use crate::error::{ApiError, RegistryError};
use crate::hl7_apply::{self, Prepared, Work};
use crate::matching;
use crate::records::{derived_id, lock_seq, now_ms};
use salal_hl7::model::MessageHeader;
use salal_hl7::{
    AckCode, Batch, ErrorCode, Location, Message, Parsed, Problem, Rejects, SplitBatch, ack_code,
    build_ack, read_batch, split_batch,
};
use sqlx_core::query::query;
use sqlx_core::row::Row;
use sqlx_postgres::{PgConnection, PgPool};
use std::collections::HashMap;
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
    /// What the registry made of it before any database was read.
    pub prepared: Prepared,
}

impl Incoming {
    /// One message from `partner`, prepared ([`hl7_apply::prepare`]: checked
    /// and mapped here, on the caller's task, not under the writer's lock).
    #[must_use]
    pub fn new(partner: Uuid, parsed: Parsed, raw: String) -> Incoming {
        let prepared = hl7_apply::prepare(partner, &parsed, &raw);
        Incoming {
            partner,
            parsed,
            raw,
            prepared,
        }
    }
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
        .map(|parsed| {
            let raw = parsed.message.encode();
            Incoming::new(partner, parsed, raw)
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
    let raw = parsed.message.encode();
    Incoming::new(partner, parsed, raw)
}

fn no_message(partner: Uuid, bytes: &[u8]) -> Incoming {
    let problem = Problem::error(
        ErrorCode::SegmentSequenceError,
        Some(Location::missing_segment("MSH")),
        Rejects::Message,
        "no HL7 message found: a message starts with an MSH segment",
    );
    Incoming::new(
        partner,
        Parsed {
            message: Message::default(),
            problems: vec![problem],
        },
        String::from_utf8_lossy(bytes).into_owned(),
    )
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
        let refs: Vec<&Incoming> = group.iter().collect();
        let answers = process_group(pool, &refs).await?;
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
    let job = Incoming::new(partner, parsed.clone(), raw.to_owned());
    process_group(pool, &[&job])
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
    jobs: &[&Incoming],
) -> Result<Vec<Result<Answer, SubmitError>>, SubmitError> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    {
        let mut tx = pool.begin().await?;
        lock_seq(&mut tx).await?;
        match process_jobs(&mut tx, jobs).await {
            Ok(answers) => {
                tx.commit()
                    .await
                    .map_err(|e| SubmitError::Commit(e.to_string()))?;
                return Ok(answers.into_iter().map(Ok).collect());
            }
            Err(error) => {
                tracing::warn!(
                    messages = jobs.len(),
                    %error,
                    "an HL7 group could not be applied"
                );
                tx.rollback().await?;
                if jobs.len() == 1 {
                    return Ok(vec![Err(error)]);
                }
            }
        }
    }
    let mut tx = pool.begin().await?;
    lock_seq(&mut tx).await?;
    let mut answers = Vec::with_capacity(jobs.len());
    for job in jobs {
        query("SAVEPOINT hl7_message").execute(&mut *tx).await?;
        match process_jobs(&mut tx, std::slice::from_ref(job))
            .await
            .and_then(|mut a| {
                a.pop()
                    .ok_or_else(|| SubmitError::Apply("no answer".to_owned()))
            }) {
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
    /// Shared with the sender, which frees it (a parsed message is many
    /// small allocations: freeing them is the sender's work, not the writer's).
    job: std::sync::Arc<Incoming>,
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
            spawn_writer(&self.pool, receiver);
            sender
        })
    }

    /// Queues one message and waits for its answer (given after its commit;
    /// a message the registry could not apply gets [`failure_answer`]). `Err`
    /// means its group was not committed: sending it again is safe.
    pub async fn process(&self, job: Incoming) -> Result<Answer, SubmitError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = std::sync::Arc::new(job);
        self.queue()
            .send(Pending {
                job: job.clone(),
                reply,
            })
            .await
            .map_err(|_| SubmitError::Commit("the registry's HL7 writer stopped".to_owned()))?;
        let answer = wait(answer).await;
        drop(job);
        answer
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
                if let Some((_job, first)) = waiting.pop_front() {
                    submitted.answers.push(wait(first).await?);
                }
            }
            let job = std::sync::Arc::new(job);
            self.queue()
                .send(Pending {
                    job: job.clone(),
                    reply,
                })
                .await
                .map_err(|_| SubmitError::Commit("the registry's HL7 writer stopped".to_owned()))?;
            waiting.push_back((job, answer));
        }
        while let Some((_job, first)) = waiting.pop_front() {
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

/// Starts the writer on a thread of its own, with its own runtime and
/// connections. The writer is the one serial step every message goes
/// through: woken by PostgreSQL's answer, it runs at once, rather than
/// behind the requests' tasks (TLS, parsing, checks) queued on the server's
/// workers. Should the thread not start, the writer runs on the server's
/// runtime.
fn spawn_writer(pool: &PgPool, receiver: tokio::sync::mpsc::Receiver<Pending>) {
    let options = (*pool.connect_options()).clone();
    let (handoff, taken) = std::sync::mpsc::channel::<tokio::sync::mpsc::Receiver<Pending>>();
    let started = std::thread::Builder::new()
        .name("hl7-writer".to_owned())
        .spawn(move || {
            let Ok(receiver) = taken.recv() else { return };
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    tracing::error!(%error, "the HL7 writer's runtime did not start");
                    return;
                }
            };
            runtime.block_on(async move {
                // A group holds one connection at a time (its retry begins
                // after the first attempt's is returned); the second is spare,
                // for while one broken by a lost link is being closed.
                let pool = sqlx_postgres::PgPoolOptions::new()
                    .max_connections(2)
                    .acquire_timeout(crate::db::ACQUIRE_TIMEOUT)
                    .connect_lazy_with(options);
                write_loop(pool, receiver).await;
            });
        });
    match started {
        Ok(_) => {
            if let Err(std::sync::mpsc::SendError(receiver)) = handoff.send(receiver) {
                tokio::spawn(write_loop(pool.clone(), receiver));
            }
        }
        Err(error) => {
            tracing::warn!(%error, "the HL7 writer runs on the server's runtime");
            tokio::spawn(write_loop(pool.clone(), receiver));
        }
    }
}

async fn write_loop(pool: PgPool, mut receiver: tokio::sync::mpsc::Receiver<Pending>) {
    let most = max_group();
    let mut group: Vec<Pending> = Vec::with_capacity(most);
    while receiver.recv_many(&mut group, most).await > 0 {
        let (jobs, replies): (Vec<std::sync::Arc<Incoming>>, Vec<_>) =
            group.drain(..).map(|p| (p.job, p.reply)).unzip();
        let refs: Vec<&Incoming> = jobs.iter().map(|j| &**j).collect();
        let answers: Vec<Result<Answer, SubmitError>> = match process_group(&pool, &refs).await {
            Ok(answers) => answers
                .into_iter()
                .zip(&refs)
                .map(|(answer, job)| Ok(answer.unwrap_or_else(|e| failure_answer(job, &e))))
                .collect(),
            Err(error) => {
                tracing::warn!(%error, messages = jobs.len(), "an HL7 group was not committed");
                let text = error.to_string();
                refs.iter()
                    .map(|_| Err(SubmitError::Commit(text.clone())))
                    .collect()
            }
        };
        // The senders hold the jobs too: the last reference, and the freeing, is theirs.
        drop(refs);
        drop(jobs);
        for (reply, answer) in replies.into_iter().zip(answers) {
            let _ = reply.send(answer);
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
    let problems = [Problem::error(
        ErrorCode::ApplicationInternalError,
        None,
        Rejects::Message,
        "the registry could not store this message (an internal error, in the registry's \
         log); nothing of it was kept: send it again later, and tell the registry's staff if \
         it keeps failing",
    )];
    let seed = format!(
        "failed:{}:{}",
        job.parsed.message.control_id(),
        job.prepared.raw_hash
    );
    answer_of(job, &problems, 0, &seed)
}

/// Processes `jobs` in order inside the caller's transaction, which holds the
/// sequence lock; the answers are true only once the caller commits. The
/// VXUs between two queries are applied together ([`hl7_apply::apply`]); a
/// query is answered where it stands, so it sees what the messages before it
/// stored, and every message is logged in its place.
async fn process_jobs(
    conn: &mut PgConnection,
    jobs: &[&Incoming],
) -> Result<Vec<Answer>, SubmitError> {
    let sent = sent_before(conn, jobs).await?;
    let mut group = GroupAnswers::new(jobs.len());
    let mut updates: Vec<usize> = Vec::new();
    let mut first_of: HashMap<(Uuid, &str, &str), usize> = HashMap::new();
    for (i, job) in jobs.iter().enumerate() {
        let key = (
            job.partner,
            job.parsed.message.control_id(),
            job.prepared.raw_hash.as_str(),
        );
        let earlier = first_of.get(&key).copied();
        if earlier.is_some_and(|k| group.answers[k].is_none()) {
            group.apply(conn, jobs, &mut updates).await?;
        }
        let before = sent.get(&key).cloned().or_else(|| {
            earlier
                .and_then(|k| group.answers[k].as_ref())
                .map(|a| a.ack.clone())
        });
        if let Some(ack) = before {
            group.answer(
                i,
                replayed(job, ack),
                "answered again: sent before".to_owned(),
            );
            continue;
        }
        first_of.insert(key, i);
        match &job.prepared.work {
            Work::Query => {
                group.apply(conn, jobs, &mut updates).await?;
                group.log(conn, jobs).await?;
                let answer =
                    crate::hl7_query::answer(conn, job.partner, &job.parsed, &job.raw, None)
                        .await?;
                group.answers[i] = Some(answer);
            }
            Work::Answered(problems) => {
                let answer = answer_of(job, problems, 0, &ack_seed(job));
                group.answer(i, answer, listed(problems));
            }
            Work::Update(_) => updates.push(i),
        }
    }
    group.apply(conn, jobs, &mut updates).await?;
    group.log(conn, jobs).await?;
    Ok(group.answers.into_iter().flatten().collect())
}

/// The answers of a group as they are made, and the ones not yet logged.
struct GroupAnswers {
    answers: Vec<Option<Answer>>,
    /// (job, its problems as logged) of the answers to log.
    unlogged: Vec<(usize, String)>,
}

impl GroupAnswers {
    fn new(n: usize) -> GroupAnswers {
        GroupAnswers {
            answers: vec![None; n],
            unlogged: Vec::new(),
        }
    }

    fn answer(&mut self, i: usize, answer: Answer, problems: String) {
        self.answers[i] = Some(answer);
        self.unlogged.push((i, problems));
    }

    /// Applies the VXUs waiting (`updates`, emptied) and answers them.
    async fn apply(
        &mut self,
        conn: &mut PgConnection,
        jobs: &[&Incoming],
        updates: &mut Vec<usize>,
    ) -> Result<(), SubmitError> {
        if updates.is_empty() {
            return Ok(());
        }
        let batch: Vec<hl7_apply::Job<'_>> = updates
            .iter()
            .filter_map(|&i| match &jobs[i].prepared.work {
                Work::Update(plan) => Some(hl7_apply::Job {
                    partner: jobs[i].partner,
                    message: &jobs[i].parsed.message,
                    plan,
                }),
                _ => None,
            })
            .collect();
        let applied = hl7_apply::apply(conn, &batch).await?;
        for (&i, (problems, stored)) in updates.iter().zip(applied) {
            let job = &jobs[i];
            let answer = answer_of(job, &problems, stored, &ack_seed(job));
            self.answer(i, answer, listed(&problems));
        }
        updates.clear();
        Ok(())
    }

    /// Logs every answer not yet logged, in message order, in one statement.
    async fn log(
        &mut self,
        conn: &mut PgConnection,
        jobs: &[&Incoming],
    ) -> Result<(), SubmitError> {
        if self.unlogged.is_empty() {
            return Ok(());
        }
        self.unlogged.sort_unstable_by_key(|(i, _)| *i);
        let n = self.unlogged.len();
        let mut partners: Vec<Uuid> = Vec::with_capacity(n);
        let mut controls: Vec<&str> = Vec::with_capacity(n);
        let mut types: Vec<String> = Vec::with_capacity(n);
        let mut hashes: Vec<&str> = Vec::with_capacity(n);
        let mut outcomes: Vec<&str> = Vec::with_capacity(n);
        let mut problems: Vec<&str> = Vec::with_capacity(n);
        let mut raws: Vec<&str> = Vec::with_capacity(n);
        let mut acks: Vec<&str> = Vec::with_capacity(n);
        for (i, listed) in &self.unlogged {
            let (job, Some(answer)) = (&jobs[*i], self.answers[*i].as_ref()) else {
                continue;
            };
            partners.push(job.partner);
            controls.push(&answer.control_id);
            types.push(job.parsed.message.message_type().code);
            hashes.push(&job.prepared.raw_hash);
            outcomes.push(answer.code.code());
            problems.push(listed);
            raws.push(&job.raw);
            acks.push(&answer.ack);
        }
        query(
            "INSERT INTO hl7_messages
               (partner_id, control_id, message_type, raw_sha256, outcome, problems, raw, ack)
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                                  $6::text[], $7::text[], $8::text[])",
        )
        .bind(partners)
        .bind(controls)
        .bind(types)
        .bind(hashes)
        .bind(outcomes)
        .bind(problems)
        .bind(raws)
        .bind(acks)
        .execute(&mut *conn)
        .await?;
        self.unlogged.clear();
        Ok(())
    }
}

/// The first ACK each message of `jobs` got when the partner sent it before
/// (same partner, MSH-10 and text), by (partner, MSH-10, text hash).
async fn sent_before<'a>(
    conn: &mut PgConnection,
    jobs: &[&'a Incoming],
) -> Result<HashMap<(Uuid, &'a str, &'a str), String>, SubmitError> {
    let partners: Vec<Uuid> = jobs.iter().map(|j| j.partner).collect();
    let controls: Vec<&str> = jobs.iter().map(|j| j.parsed.message.control_id()).collect();
    let hashes: Vec<&str> = jobs.iter().map(|j| j.prepared.raw_hash.as_str()).collect();
    let rows = query(
        "SELECT DISTINCT ON (m.partner_id, m.control_id, m.raw_sha256)
                m.partner_id, m.control_id, m.raw_sha256, m.ack
         FROM hl7_messages m
         JOIN unnest($1::uuid[], $2::text[], $3::text[]) AS k(partner_id, control_id, raw_sha256)
           ON m.partner_id = k.partner_id AND m.control_id = k.control_id
          AND m.raw_sha256 = k.raw_sha256
         ORDER BY m.partner_id, m.control_id, m.raw_sha256, m.id",
    )
    .bind(partners)
    .bind(&controls)
    .bind(&hashes)
    .fetch_all(&mut *conn)
    .await?;
    let mut sent = HashMap::with_capacity(rows.len());
    for row in rows {
        let partner: Uuid = row.try_get("partner_id")?;
        let control: String = row.try_get("control_id")?;
        let hash: String = row.try_get("raw_sha256")?;
        let Some(job) = jobs.iter().find(|j| {
            j.partner == partner
                && j.parsed.message.control_id() == control
                && j.prepared.raw_hash == hash
        }) else {
            continue;
        };
        sent.insert(
            (
                partner,
                job.parsed.message.control_id(),
                job.prepared.raw_hash.as_str(),
            ),
            row.try_get("ack")?,
        );
    }
    Ok(sent)
}

/// The stored answer to a message sent before, given again.
fn replayed(job: &Incoming, ack: String) -> Answer {
    let code = salal_hl7::parse_str(&ack)
        .message
        .first("MSA")
        .map(|s| s.text(1).to_owned())
        .unwrap_or_default();
    Answer {
        control_id: job.parsed.message.control_id().to_owned(),
        code: match code.as_str() {
            "AA" => AckCode::Accept,
            "AR" => AckCode::Reject,
            _ => AckCode::Error,
        },
        ack,
        replayed: true,
        stored: 0,
    }
}

/// What the ACK's own MSH-10 is derived from: the message answered.
fn ack_seed(job: &Incoming) -> String {
    format!(
        "ack:{}:{}",
        job.parsed.message.control_id(),
        job.prepared.raw_hash
    )
}

/// The ACK to `job` with `problems`; its MSH-10 is derived from `seed`.
fn answer_of(job: &Incoming, problems: &[Problem], stored: usize, seed: &str) -> Answer {
    let message = &job.parsed.message;
    let control_id = message.control_id().to_owned();
    let ack_control = derived_id(job.partner, seed).simple().to_string();
    let ack = build_ack(
        &ack_header(message, &ack_control[..20]),
        &message.message_type().trigger,
        &control_id,
        problems,
    )
    .encode();
    Answer {
        control_id,
        code: ack_code(problems),
        ack,
        replayed: false,
        stored,
    }
}

/// The problems as the message log lists them, one per line.
fn listed(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
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
    let job = Incoming::new(partner, parsed.clone(), raw.to_owned());
    let (problems, stored) = match &job.prepared.work {
        Work::Update(plan) => hl7_apply::apply(
            conn,
            &[hl7_apply::Job {
                partner,
                message,
                plan,
            }],
        )
        .await?
        .pop()
        .unwrap_or_default(),
        Work::Answered(problems) => (problems.clone(), 0),
        Work::Query => (Vec::new(), 0),
    };
    let seed = format!("{}:replay:{original}:{}", ack_seed(&job), now_ms());
    let answer = answer_of(&job, &problems, stored, &seed);
    let id = log_answer(
        conn,
        partner,
        message,
        &job.prepared.raw_hash,
        raw,
        &answer,
        &listed(&problems),
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
