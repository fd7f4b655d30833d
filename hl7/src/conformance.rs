//! Conformance checks: a parsed [`Message`] against its CDC IG profile,
//! giving a [`Report`] with an [`Outcome`] and every [`Problem`].
//!
//! Order of checks: the envelope (MSH-9 message type, MSH-11 processing id,
//! MSH-12 version, MSH-21 profile), then the message structure (segment order,
//! groups, cardinality), then each segment's fields (usage, cardinality,
//! lengths, datatype formats, value sets, the NIST predicates and fixed-value
//! conformance statements), then a few cross-segment rules.
//!
//! What an error rejects follows the IG: an envelope problem rejects the
//! message (ACK AR); a required element missing, or a critical date invalid,
//! rejects whatever contains the segment when the segment itself is required
//! there (the message for MSH or PID, the ORDER group for ORC or RXA, the
//! OBSERVATION group for OBX) and only the segment otherwise (NK1, PD1). The
//! rest — lengths, codes outside a value set (except the vaccine code RXA-5),
//! unsupported (X) elements, extra repetitions, unexpected segments, broken
//! fixed-value statements — is a warning: the data is accepted and the
//! offending element may be ignored.
//!
//! Deliberate tolerances, each a warning rather than an error: MSH-15/16
//! absent (HL7 then means original acknowledgement mode), MSH-21 absent
//! (senders older than Release 1.5), MSA-2 absent (the IG's own ACK for an
//! unreadable message leaves it empty), QAK-3 absent (the IG's Z31 example),
//! and conditional (C) elements the predicates make required. The NIST
//! `IZ-TS_Z` statement also asks MSH-7 for seconds; the IG's own examples give
//! minutes, so only the time-zone offset is required here.

use crate::datetime::check_dtm;
use crate::message::{Component, Field, Message, Repetition, Segment};
use crate::parse::{Parsed, is_segment_name};
use crate::problem::{ApplicationError, ErrorCode, Location, Problem, Rejects, Severity};
use crate::profile::{
    ComponentDef, Condition, DatatypeDef, FieldDef, FieldPath, GroupDef, Node, Profile, ProfileDef,
    SegmentDef, Usage, ValueSetLibrary,
};
use salal_core::codes::{CodeSets, Table};
use std::collections::{HashMap, HashSet};

/// The verdict on a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Conformant: no errors and no warnings.
    Accepted,
    /// Processed, but with warnings, or with some segments or groups rejected.
    AcceptedWithWarnings,
    /// Not processed: an error rejects the whole message.
    Rejected,
}

/// The result of [`check`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The profile the message was checked against, when it could be told.
    pub profile: Option<Profile>,
    /// The verdict.
    pub outcome: Outcome,
    /// Every problem found, in message order within each pass.
    pub problems: Vec<Problem>,
}

impl Report {
    fn new(profile: Option<Profile>, problems: Vec<Problem>) -> Self {
        Report {
            profile,
            outcome: outcome_of(&problems),
            problems,
        }
    }

    /// The problems that are errors.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
    }

    /// Whether any problem rejects `rejects` (e.g. one ORDER group).
    #[must_use]
    pub fn rejects(&self, rejects: &Rejects) -> bool {
        self.errors().any(|p| &p.rejects == rejects)
    }
}

/// The outcome a list of problems implies.
#[must_use]
pub fn outcome_of(problems: &[Problem]) -> Outcome {
    if problems
        .iter()
        .any(|p| p.severity == Severity::Error && p.rejects == Rejects::Message)
    {
        Outcome::Rejected
    } else if problems.iter().any(|p| p.severity != Severity::Info) {
        Outcome::AcceptedWithWarnings
    } else {
        Outcome::Accepted
    }
}

/// Checks a parsed message, keeping the parser's problems in the report.
#[must_use]
pub fn check_parsed(parsed: &Parsed) -> Report {
    let report = check(&parsed.message);
    let mut problems = parsed.problems.clone();
    for problem in report.problems {
        let duplicate = problems
            .iter()
            .any(|p| p.code == problem.code && p.location == problem.location);
        if !duplicate {
            problems.push(problem);
        }
    }
    Report::new(report.profile, problems)
}

/// Checks a message against the CDC IG profile its MSH-9 and MSH-21 name.
#[must_use]
pub fn check(message: &Message) -> Report {
    let mut problems = Vec::new();
    let Some(header) = message.header() else {
        problems.push(Problem::error(
            ErrorCode::SegmentSequenceError,
            Some(Location::missing_segment("MSH")),
            Rejects::Message,
            "the message does not start with an MSH segment",
        ));
        return Report::new(None, problems);
    };
    let Some(profile) = envelope(message, header, &mut problems) else {
        return Report::new(None, problems);
    };
    let def = profile.def();
    let contexts = structure(message, def, &mut problems);
    let query_tag_empty = message.first("QPD").is_none_or(|q| !q.is_valued(2));
    let mut occurrences: HashMap<&str, usize> = HashMap::new();
    for (index, segment) in message.segments.iter().enumerate() {
        let occurrence = occurrences.entry(segment.name.as_str()).or_insert(0);
        *occurrence += 1;
        let Some(Some(context)) = contexts.get(index) else {
            continue;
        };
        // A response's QPD echoes the query as it was received, faults and
        // all; the query was judged when it arrived.
        if !def.apply_segment_rules && segment.name == "QPD" {
            continue;
        }
        let checker = SegmentChecker {
            segment,
            def: context.def,
            rejects: &context.rejects,
            library: def.value_sets,
            apply_rules: def.apply_segment_rules,
            location: Location::segment(&segment.name, *occurrence, index + 1),
            query_tag_empty,
        };
        checker.check(&mut problems);
    }
    cross_segment(message, profile, &mut problems);
    Report::new(Some(profile), problems)
}

// ---------------------------------------------------------------- envelope

fn msh(field: usize) -> Option<Location> {
    Some(Location::segment("MSH", 1, 1).with_field(field))
}

/// MSH-9, MSH-11, MSH-12 and MSH-21; the profile to check against, or `None`
/// when the message is rejected before its structure can be read.
fn envelope(message: &Message, header: &Segment, problems: &mut Vec<Problem>) -> Option<Profile> {
    let message_type = message.message_type();
    let expected_trigger = match message_type.code.as_str() {
        "VXU" => Some("V04"),
        "QBP" => Some("Q11"),
        "RSP" => Some("K11"),
        "ACK" => None,
        "" => {
            problems.push(Problem::error(
                ErrorCode::RequiredFieldMissing,
                msh(9),
                Rejects::Message,
                "MSH-9 (message type) is empty",
            ));
            return None;
        }
        other => {
            problems.push(Problem::error(
                ErrorCode::UnsupportedMessageType,
                msh(9),
                Rejects::Message,
                format!("message type {other:?} is not supported; send VXU, QBP, RSP or ACK"),
            ));
            return None;
        }
    };
    if let Some(trigger) = expected_trigger
        && message_type.trigger != trigger
    {
        problems.push(Problem::error(
            ErrorCode::UnsupportedEventCode,
            msh(9).map(|l| l.with_component(2)),
            Rejects::Message,
            format!(
                "trigger event {:?} is not supported for {}; expected {trigger}",
                message_type.trigger, message_type.code
            ),
        ));
        return None;
    }

    let version = header.component_text(12, 1).trim();
    if version.is_empty() {
        problems.push(Problem::error(
            ErrorCode::RequiredFieldMissing,
            msh(12),
            Rejects::Message,
            "MSH-12 (version id) is empty; send 2.5.1",
        ));
        return None;
    }
    if version != "2.5.1" {
        problems.push(
            Problem::error(
                ErrorCode::UnsupportedVersionId,
                msh(12),
                Rejects::Message,
                format!("HL7 version {version:?} is not supported; send 2.5.1"),
            )
            .with_rule("IZ-15"),
        );
        return None;
    }

    let processing = header.component_text(11, 1).trim();
    if processing.is_empty() {
        problems.push(Problem::error(
            ErrorCode::RequiredFieldMissing,
            msh(11),
            Rejects::Message,
            "MSH-11 (processing id) is empty; send P, T or D",
        ));
        return None;
    }
    if !matches!(processing, "P" | "T" | "D") {
        problems.push(Problem::error(
            ErrorCode::UnsupportedProcessingId,
            msh(11),
            Rejects::Message,
            format!(
                "processing id {processing:?} is not supported; send P (production) or T (training)"
            ),
        ));
        return None;
    }

    let declared: Vec<&str> = message.profile_ids();
    let declared_profile = declared.iter().find_map(|id| Profile::from_code(id));
    let profile = match message_type.code.as_str() {
        "VXU" => Profile::Z22,
        "ACK" => Profile::Z23,
        "QBP" => query_profile(message, declared_profile, problems),
        _ => response_profile(message, declared_profile, problems),
    };
    let expected_structure = profile.def().structure_id;
    if message_type.structure.is_empty() {
        problems.push(Problem::warning(
            ErrorCode::RequiredFieldMissing,
            msh(9).map(|l| l.with_component(3)),
            format!("MSH-9.3 (message structure) is empty; send {expected_structure}"),
        ));
    } else if message_type.structure != expected_structure {
        problems.push(
            Problem::warning(
                ErrorCode::TableValueNotFound,
                msh(9).map(|l| l.with_component(3)),
                format!(
                    "message structure {:?} does not match {}; expected {expected_structure}",
                    message_type.structure, message_type.code
                ),
            )
            .with_application_error(ApplicationError::IllogicalValue),
        );
    }

    if declared.is_empty() {
        problems.push(Problem::warning(
            ErrorCode::RequiredFieldMissing,
            msh(21),
            format!(
                "MSH-21 (message profile) is empty; send {}^CDCPHINVS",
                profile.code()
            ),
        ));
    } else if declared_profile.is_none() {
        problems.push(Problem::warning(
            ErrorCode::TableValueNotFound,
            msh(21),
            format!(
                "MSH-21 names no CDC IG profile ({}); read as {}",
                declared.join(", "),
                profile.code()
            ),
        ));
    } else if let Some(declared_profile) = declared_profile {
        let coding_system = header
            .repetitions(21)
            .iter()
            .find(|r| Profile::from_code(r.text(1)) == Some(declared_profile))
            .map_or("", |r| r.text(2).trim());
        if !coding_system.is_empty() && coding_system != "CDCPHINVS" {
            problems.push(Problem::warning(
                ErrorCode::TableValueNotFound,
                msh(21).map(|l| l.with_component(2)),
                format!("MSH-21.2 is {coding_system:?}; the profile code system is CDCPHINVS"),
            ));
        }
        let fits = declared_profile.def().message_type == message_type.code;
        if !fits {
            problems.push(
                Problem::warning(
                    ErrorCode::TableValueNotFound,
                    msh(21),
                    format!(
                        "MSH-21 profile {declared_profile} does not fit message type {}; read as {}",
                        message_type.code,
                        profile.code()
                    ),
                )
                .with_application_error(ApplicationError::IllogicalValue),
            );
        }
    }
    Some(profile)
}

fn query_profile(
    message: &Message,
    declared: Option<Profile>,
    problems: &mut Vec<Problem>,
) -> Profile {
    let query_name = message
        .first("QPD")
        .map_or("", |q| q.component_text(1, 1))
        .trim();
    let by_query =
        Profile::from_code(query_name).filter(|p| matches!(p, Profile::Z34 | Profile::Z44));
    match (declared, by_query) {
        (Some(declared @ (Profile::Z34 | Profile::Z44)), Some(query)) if declared != query => {
            problems.push(
                Problem::warning(
                    ErrorCode::TableValueNotFound,
                    Some(Location::segment("QPD", 1, 2).with_field(1)),
                    format!("QPD-1 asks {query} but MSH-21 says {declared}; read as {query}"),
                )
                .with_application_error(ApplicationError::IllogicalValue),
            );
            query
        }
        (Some(declared @ (Profile::Z34 | Profile::Z44)), _) => declared,
        (_, Some(query)) => query,
        _ => Profile::Z34,
    }
}

fn response_profile(
    message: &Message,
    declared: Option<Profile>,
    problems: &mut Vec<Problem>,
) -> Profile {
    let status = message
        .first("QAK")
        .map_or("", |q| q.text(2))
        .trim()
        .to_owned();
    let declared =
        declared.filter(|p| matches!(p, Profile::Z31 | Profile::Z32 | Profile::Z33 | Profile::Z42));
    let patients = message.segments_named("PID").count();
    if status == "AE"
        && patients > 0
        && let Some(declared) = declared.filter(|&p| p != Profile::Z33)
    {
        problems.push(
            Problem::warning(
                ErrorCode::TableValueNotFound,
                Some(Location::missing_segment("QAK").with_field(2)),
                format!("QAK-2 is AE, yet person records follow; read as {declared}"),
            )
            .with_application_error(ApplicationError::IllogicalValue),
        );
        return declared;
    }
    if !status.is_empty() && status != "OK" {
        if let Some(declared) = declared.filter(|&p| p != Profile::Z33) {
            problems.push(
                Problem::warning(
                    ErrorCode::TableValueNotFound,
                    msh(21),
                    format!(
                        "MSH-21 says {declared} but QAK-2 is {status}, which only Z33 answers; read as Z33"
                    ),
                )
                .with_application_error(ApplicationError::IllogicalValue),
            );
        }
        return Profile::Z33;
    }
    if let Some(declared) = declared {
        if declared == Profile::Z33 && status == "OK" {
            problems.push(
                Problem::warning(
                    ErrorCode::TableValueNotFound,
                    msh(21),
                    "MSH-21 says Z33 (no person records) but QAK-2 is OK",
                )
                .with_application_error(ApplicationError::IllogicalValue),
            );
        }
        return declared;
    }
    let forecast = message
        .first("QPD")
        .is_some_and(|q| q.component_text(1, 1).trim() == "Z44");
    match patients {
        0 => Profile::Z33,
        1 if forecast => Profile::Z42,
        1 => Profile::Z32,
        _ => Profile::Z31,
    }
}

// ---------------------------------------------------------------- structure

/// Where a segment sits in the structure, for its field checks.
struct SegmentContext {
    def: &'static SegmentDef,
    /// What a required element missing from this segment rejects.
    rejects: Rejects,
}

struct Matcher<'m> {
    segments: &'m [Segment],
    position: usize,
    contexts: Vec<Option<SegmentContext>>,
    known: HashSet<&'static str>,
    problems: Vec<Problem>,
    occurrences: Vec<usize>,
}

fn collect_names(nodes: &'static [Node], names: &mut HashSet<&'static str>) {
    for node in nodes {
        match node {
            Node::Segment(reference) => {
                names.insert(reference.def.name);
            }
            Node::Group(group) => collect_names(group.children, names),
        }
    }
}

/// Matches segments to the profile's structure; records each segment's
/// definition and reports missing, repeated and unexpected segments.
fn structure(
    message: &Message,
    def: &'static ProfileDef,
    problems: &mut Vec<Problem>,
) -> Vec<Option<SegmentContext>> {
    let mut known = HashSet::new();
    collect_names(def.structure, &mut known);
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let occurrences = message
        .segments
        .iter()
        .map(|s| {
            let count = seen.entry(s.name.as_str()).or_insert(0);
            *count += 1;
            *count
        })
        .collect();
    let mut matcher = Matcher {
        segments: &message.segments,
        position: 0,
        contexts: message.segments.iter().map(|_| None).collect(),
        known,
        problems: Vec::new(),
        occurrences,
    };
    let mut counts = vec![0_u32; def.structure.len()];
    let mut node_index = 0;
    loop {
        node_index = matcher.sequence(def.structure, &mut counts, node_index, &Rejects::Message);
        if matcher.position >= matcher.segments.len() {
            break;
        }
        matcher.unexpected("is out of place (not allowed here by the message structure); ignored");
    }
    matcher.required(def.structure, &counts, &Rejects::Message);
    problems.append(&mut matcher.problems);
    matcher.contexts
}

impl Matcher<'_> {
    fn current(&self) -> Option<&Segment> {
        self.segments.get(self.position)
    }

    fn location(&self) -> Location {
        let name = self.current().map_or("", |s| s.name.as_str());
        Location::segment(
            name,
            self.occurrences.get(self.position).copied().unwrap_or(1),
            self.position + 1,
        )
    }

    fn unexpected(&mut self, why: &str) {
        let location = self.location();
        self.problems.push(Problem::warning(
            ErrorCode::SegmentSequenceError,
            Some(location.clone()),
            format!("segment {} {why}", location.segment),
        ));
        self.position += 1;
    }

    /// Skips segments the profile does not know (Z-segments and others).
    fn skip_unknown(&mut self) {
        while let Some(segment) = self.current() {
            if self.known.contains(segment.name.as_str()) {
                return;
            }
            let location = self.location();
            let problem = if segment.name.starts_with('Z') && is_segment_name(&segment.name) {
                Problem::info(
                    ErrorCode::SegmentSequenceError,
                    Some(location),
                    format!("Z-segment {} kept but not checked", segment.name),
                )
            } else {
                Problem::warning(
                    ErrorCode::SegmentSequenceError,
                    Some(location),
                    format!(
                        "segment {} is not part of this profile; ignored",
                        segment.name
                    ),
                )
            };
            self.problems.push(problem);
            self.position += 1;
        }
    }

    /// Matches nodes from `node_index` on; returns the node index reached.
    /// Stops at the first segment no remaining node can take.
    fn sequence(
        &mut self,
        nodes: &'static [Node],
        counts: &mut [u32],
        mut node_index: usize,
        scope: &Rejects,
    ) -> usize {
        loop {
            self.skip_unknown();
            let Some(name) = self.current().map(|s| s.name.clone()) else {
                return node_index;
            };
            let found = (node_index..nodes.len()).find(|&j| {
                let count = counts.get(j).copied().unwrap_or(0);
                nodes.get(j).is_some_and(|node| match node {
                    Node::Segment(reference) => {
                        reference.def.name == name && reference.max.is_none_or(|max| count < max)
                    }
                    Node::Group(group) => {
                        group.max.is_none_or(|max| count < max) && group_starts_with(group, &name)
                    }
                })
            });
            let Some(j) = found else {
                return node_index;
            };
            node_index = j;
            if let Some(count) = counts.get_mut(j) {
                *count += 1;
            }
            match nodes.get(j) {
                Some(Node::Segment(reference)) => {
                    let rejects = if reference.usage == Usage::Required {
                        scope.clone()
                    } else {
                        Rejects::Segment
                    };
                    if let Some(slot) = self.contexts.get_mut(self.position) {
                        *slot = Some(SegmentContext {
                            def: reference.def,
                            rejects,
                        });
                    }
                    self.position += 1;
                }
                Some(Node::Group(group)) => {
                    let group_scope = Rejects::Group(group.name.to_owned());
                    let mut group_counts = vec![0_u32; group.children.len()];
                    let start = self.position;
                    self.sequence(group.children, &mut group_counts, 0, &group_scope);
                    let location = self.segments.get(start).map(|s| {
                        Location::segment(
                            &s.name,
                            self.occurrences.get(start).copied().unwrap_or(1),
                            start + 1,
                        )
                    });
                    self.required_in_group(group, &group_counts, &group_scope, location);
                }
                None => return node_index,
            }
        }
    }

    fn required_in_group(
        &mut self,
        group: &'static GroupDef,
        counts: &[u32],
        scope: &Rejects,
        group_start: Option<Location>,
    ) {
        for (node, &count) in group.children.iter().zip(counts) {
            if let Node::Segment(reference) = node
                && reference.usage == Usage::Required
                && count < reference.min.max(1)
            {
                let mut location = Location::missing_segment(reference.def.name);
                if let Some(start) = &group_start {
                    location.position = start.position;
                }
                self.problems.push(
                    Problem::error(
                        ErrorCode::SegmentSequenceError,
                        Some(location),
                        scope.clone(),
                        format!(
                            "required segment {} is missing from the {} group{}",
                            reference.def.name,
                            group.name,
                            group_start
                                .as_ref()
                                .map(|l| format!(" starting at {l}"))
                                .unwrap_or_default()
                        ),
                    )
                    .with_application_error(ApplicationError::RequiredDataMissing),
                );
            }
        }
    }

    fn required(&mut self, nodes: &'static [Node], counts: &[u32], scope: &Rejects) {
        for (node, &count) in nodes.iter().zip(counts) {
            match node {
                Node::Segment(reference)
                    if reference.usage == Usage::Required && count < reference.min.max(1) =>
                {
                    self.problems.push(
                        Problem::error(
                            ErrorCode::SegmentSequenceError,
                            Some(Location::missing_segment(reference.def.name)),
                            scope.clone(),
                            format!("required segment {} is missing", reference.def.name),
                        )
                        .with_application_error(ApplicationError::RequiredDataMissing),
                    );
                }
                Node::Group(group) if group.usage == Usage::Required && count == 0 => {
                    self.problems.push(Problem::error(
                        ErrorCode::SegmentSequenceError,
                        Some(Location::missing_segment(first_segment(group))),
                        scope.clone(),
                        format!("required group {} is missing", group.name),
                    ));
                }
                _ => {}
            }
        }
    }
}

fn first_segment(group: &'static GroupDef) -> &'static str {
    match group.children.first() {
        Some(Node::Segment(reference)) => reference.def.name,
        Some(Node::Group(inner)) => first_segment(inner),
        None => "",
    }
}

/// Whether a group instance can start with segment `name`: its first
/// segment, or any required segment of the group (so an RXA without its ORC
/// still starts an ORDER group, which then reports the ORC missing).
fn group_starts_with(group: &'static GroupDef, name: &str) -> bool {
    group
        .children
        .iter()
        .enumerate()
        .any(|(i, node)| match node {
            Node::Segment(reference) => {
                reference.def.name == name && (i == 0 || reference.usage == Usage::Required)
            }
            Node::Group(inner) => i == 0 && group_starts_with(inner, name),
        })
}

// ---------------------------------------------------------------- fields

/// Required fields whose absence is tolerated as a warning (see module docs).
const TOLERATED_REQUIRED: &[(&str, usize)] = &[("MSH", 15), ("MSH", 16), ("MSA", 2), ("QAK", 3)];

/// Fields the envelope checks already judged.
const ENVELOPE_FIELDS: &[(&str, usize)] = &[("MSH", 9), ("MSH", 11), ("MSH", 12), ("MSH", 21)];

/// Dates whose invalidity rejects what contains the segment, not only warns.
const CRITICAL_DATES: &[(&str, usize)] = &[("PID", 7), ("RXA", 3)];

/// Coded fields whose unknown value rejects what contains the segment.
const CRITICAL_CODES: &[(&str, usize)] = &[("RXA", 5)];

struct SegmentChecker<'a> {
    segment: &'a Segment,
    def: &'static SegmentDef,
    rejects: &'a Rejects,
    library: &'static ValueSetLibrary,
    apply_rules: bool,
    location: Location,
    /// QPD-2 is empty, so QAK-1 (which repeats it) may be too.
    query_tag_empty: bool,
}

/// How a leaf value is judged.
struct Leaf<'a> {
    text: &'a str,
    datatype: &'static DatatypeDef,
    min_length: u32,
    max_length: Option<u32>,
    binding: Option<&'static str>,
    location: Location,
    name: &'static str,
}

impl SegmentChecker<'_> {
    fn is(&self, list: &[(&str, usize)], field: usize) -> bool {
        list.iter()
            .any(|&(segment, f)| segment == self.segment.name && f == field)
    }

    fn check(&self, problems: &mut Vec<Problem>) {
        for (index, field_def) in self.def.fields.iter().enumerate() {
            let number = index + 1;
            if self.segment.name == "MSH" && number <= 2 {
                continue;
            }
            let (usage, from_predicate) = self.usage(field_def, number);
            let field = self.segment.field(number);
            let valued = field.is_some_and(|f| !f.is_empty());
            let location = self.location.with_field(number);
            let envelope = self.is(ENVELOPE_FIELDS, number);
            match usage {
                Usage::Required if !valued && !envelope => {
                    let text = format!(
                        "{}-{number} ({}) is required but empty",
                        self.segment.name, field_def.name
                    );
                    let echo = self.segment.name == "QAK" && number == 1 && self.query_tag_empty;
                    if echo {
                        continue;
                    }
                    let lenient = from_predicate
                        || self.is(TOLERATED_REQUIRED, number)
                        || (!self.apply_rules
                            && !matches!(self.segment.name.as_str(), "MSH" | "MSA"));
                    let problem = if lenient {
                        Problem::warning(ErrorCode::RequiredFieldMissing, Some(location), text)
                    } else {
                        Problem::error(
                            ErrorCode::RequiredFieldMissing,
                            Some(location),
                            self.rejects.clone(),
                            text,
                        )
                    };
                    problems.push(
                        problem.with_application_error(ApplicationError::RequiredDataMissing),
                    );
                    continue;
                }
                Usage::NotSupported if valued => {
                    problems.push(Problem::warning(
                        ErrorCode::DataTypeError,
                        Some(location),
                        format!(
                            "{}-{number} ({}) is not supported by the profile; ignored",
                            self.segment.name, field_def.name
                        ),
                    ));
                    continue;
                }
                _ => {}
            }
            let Some(field) = field.filter(|f| f.is_valued()) else {
                continue;
            };
            if envelope && number != 21 {
                continue;
            }
            self.check_field(field, field_def, number, location, problems);
        }
        if self.apply_rules {
            self.constraints(problems);
        }
    }

    /// The field's usage, with a C resolved by its predicate; and whether it
    /// was so resolved.
    fn usage(&self, field_def: &FieldDef, number: usize) -> (Usage, bool) {
        if field_def.usage != Usage::Conditional {
            return (field_def.usage, false);
        }
        if !self.apply_rules {
            return (Usage::Optional, false);
        }
        self.def
            .predicates
            .iter()
            .find(|p| usize::try_from(p.field).is_ok_and(|f| f == number))
            .map_or((Usage::Optional, false), |predicate| {
                let usage = if self.holds(&predicate.condition) {
                    predicate.true_usage
                } else {
                    predicate.false_usage
                };
                (usage, true)
            })
    }

    fn value_at(&self, path: FieldPath) -> &str {
        let field = usize::try_from(path.field).unwrap_or(0);
        let component = path
            .component
            .and_then(|c| usize::try_from(c).ok())
            .unwrap_or(1);
        self.segment.component_text(field, component).trim()
    }

    fn holds(&self, condition: &Condition) -> bool {
        match condition {
            Condition::Present(path) => {
                let value = self.value_at(*path);
                !value.is_empty() && value != crate::message::NULL
            }
            Condition::Text(path, texts) => texts.contains(&self.value_at(*path)),
            Condition::Not(inner) => !self.holds(inner),
            Condition::All(all) => all.iter().all(|c| self.holds(c)),
            Condition::Any(any) => any.iter().any(|c| self.holds(c)),
        }
    }

    fn constraints(&self, problems: &mut Vec<Problem>) {
        for constraint in self.def.constraints {
            let envelope = constraint.checks.iter().any(|c| {
                usize::try_from(c.path.field).is_ok_and(|f| self.is(ENVELOPE_FIELDS, f) && f != 21)
            });
            // A statement about an empty element does not apply (usage covers it).
            let applies = constraint
                .checks
                .iter()
                .all(|c| !self.value_at(c.path).is_empty());
            if envelope || !applies {
                continue;
            }
            let holds = constraint.checks.iter().all(|c| {
                let value = self.value_at(c.path);
                if c.ignore_case {
                    value.eq_ignore_ascii_case(c.text)
                } else {
                    value == c.text
                }
            });
            if !holds {
                let first = constraint.checks.first();
                let mut location = self.location.clone();
                if let Some(check) = first {
                    location = location.with_field(usize::try_from(check.path.field).unwrap_or(0));
                }
                problems.push(
                    Problem::warning(
                        ErrorCode::DataTypeError,
                        Some(location),
                        format!("{}: {}", constraint.id, constraint.description),
                    )
                    .with_rule(constraint.id)
                    .with_application_error(ApplicationError::InvalidValue),
                );
            }
        }
    }

    fn check_field(
        &self,
        field: &Field,
        field_def: &'static FieldDef,
        number: usize,
        location: Location,
        problems: &mut Vec<Problem>,
    ) {
        let count = field.repetitions.len();
        if let Some(max) = field_def.max.and_then(|m| usize::try_from(m).ok())
            && count > max
        {
            problems.push(Problem::warning(
                ErrorCode::DataTypeError,
                Some(location.clone()),
                format!(
                    "{}-{number} ({}) repeats {count} times; at most {max} allowed, the rest ignored",
                    self.segment.name, field_def.name
                ),
            ));
        }
        let datatype = self.field_datatype(field_def, number);
        for (r, repetition) in field.repetitions.iter().enumerate() {
            if repetition.is_empty() || repetition.is_null() {
                continue;
            }
            let location = location.with_repetition(r + 1);
            if datatype.components.is_empty() {
                self.leaf(
                    &Leaf {
                        text: repetition.text(1),
                        datatype,
                        min_length: field_def.min_length,
                        max_length: field_def.max_length,
                        binding: field_def.binding,
                        location,
                        name: field_def.name,
                    },
                    problems,
                );
            } else {
                self.composite(repetition, datatype, field_def, number, &location, problems);
            }
        }
    }

    /// OBX-5's datatype comes from OBX-2 through the dynamic mapping.
    fn field_datatype(&self, field_def: &'static FieldDef, number: usize) -> &'static DatatypeDef {
        if let Some(mapping) = &self.def.dynamic
            && usize::try_from(mapping.position).is_ok_and(|p| p == number)
        {
            let reference = usize::try_from(mapping.reference).unwrap_or(0);
            let value_type = self.segment.text(reference).trim();
            if let Some((_, datatype)) = mapping.cases.iter().find(|(v, _)| *v == value_type) {
                return datatype;
            }
        }
        field_def.datatype
    }

    fn composite(
        &self,
        repetition: &Repetition,
        datatype: &'static DatatypeDef,
        field_def: &'static FieldDef,
        number: usize,
        location: &Location,
        problems: &mut Vec<Problem>,
    ) {
        let field_required = field_def.usage == Usage::Required;
        for (c, component_def) in datatype.components.iter().enumerate() {
            let position = c + 1;
            let component = repetition.component(position);
            let valued = component.is_some_and(|c| !c.is_empty());
            let location = location.with_component(position);
            let binding =
                if usize::try_from(field_def.binding_location).is_ok_and(|l| l == position) {
                    field_def.binding.or(component_def.binding)
                } else {
                    component_def.binding
                };
            match component_def.usage {
                // Component usage is only judged where the profile was
                // written for the message (not for responses, see RSP_PROFILE).
                Usage::Required if !valued && self.apply_rules => {
                    let text = format!(
                        "{}-{number}.{position} ({}) is required but empty",
                        self.segment.name, component_def.name
                    );
                    let problem = if field_required && position == 1 {
                        Problem::error(
                            ErrorCode::RequiredFieldMissing,
                            Some(location),
                            self.rejects.clone(),
                            text,
                        )
                    } else {
                        Problem::warning(ErrorCode::RequiredFieldMissing, Some(location), text)
                    };
                    problems.push(
                        problem.with_application_error(ApplicationError::RequiredDataMissing),
                    );
                    continue;
                }
                Usage::NotSupported if valued => {
                    problems.push(Problem::warning(
                        ErrorCode::DataTypeError,
                        Some(location),
                        format!(
                            "{}-{number}.{position} ({}) is not supported by the profile; ignored",
                            self.segment.name, component_def.name
                        ),
                    ));
                    continue;
                }
                _ => {}
            }
            let Some(component) = component.filter(|c| !c.is_empty() && !c.is_null()) else {
                continue;
            };
            if component_def.datatype.components.is_empty() {
                self.leaf(
                    &Leaf {
                        text: component.first(),
                        datatype: component_def.datatype,
                        min_length: component_def.min_length,
                        max_length: component_def.max_length,
                        binding,
                        location,
                        name: component_def.name,
                    },
                    problems,
                );
                self.vaccine_code(number, position, repetition, component, problems);
            } else {
                self.subcomponents(component, component_def, &location, problems);
            }
        }
    }

    fn subcomponents(
        &self,
        component: &Component,
        component_def: &'static ComponentDef,
        location: &Location,
        problems: &mut Vec<Problem>,
    ) {
        for (s, sub_def) in component_def.datatype.components.iter().enumerate() {
            let text = component.subcomponent(s + 1);
            if text.is_empty() {
                continue;
            }
            self.leaf(
                &Leaf {
                    text,
                    datatype: sub_def.datatype,
                    min_length: sub_def.min_length,
                    max_length: sub_def.max_length,
                    binding: sub_def.binding,
                    location: location.with_subcomponent(s + 1),
                    name: sub_def.name,
                },
                problems,
            );
        }
    }

    /// RXA-5 with a vaccine code outside CVX/NDC rejects the dose (IG Z23
    /// example "Vaccine code not recognized").
    fn vaccine_code(
        &self,
        number: usize,
        position: usize,
        repetition: &Repetition,
        component: &Component,
        problems: &mut Vec<Problem>,
    ) {
        if !self.is(CRITICAL_CODES, number) || position != 1 {
            return;
        }
        let code = component.first().trim();
        let system = repetition.text(3).trim();
        let Ok(codes) = CodeSets::embedded() else {
            return;
        };
        let known = match system {
            "CVX" => codes.vaccine(code).is_some() || self.in_library("CVX", code),
            "NDC" => {
                codes.ndc(code).is_some() || self.in_any_library(&["NDC_Use", "NDC_Sale"], code)
            }
            _ => {
                codes.vaccine(code).is_some()
                    || codes.ndc(code).is_some()
                    || self.in_any_library(&["CVX", "NDC_Use", "NDC_Sale"], code)
            }
        };
        if !known {
            let location = self.location.with_field(number).with_component(1);
            problems.push(
                Problem::error(
                    ErrorCode::TableValueNotFound,
                    Some(location),
                    self.rejects.clone(),
                    format!("vaccine code {code:?} ({system}) is not a known CVX or NDC code"),
                )
                .with_application_error(ApplicationError::TableValueNotFound),
            );
        }
    }

    fn in_library(&self, id: &str, code: &str) -> bool {
        self.library
            .checkable(id)
            .is_some_and(|set| set.contains(code))
    }

    fn in_any_library(&self, ids: &[&str], code: &str) -> bool {
        ids.iter().any(|id| self.in_library(id, code))
    }

    fn leaf(&self, leaf: &Leaf<'_>, problems: &mut Vec<Problem>) {
        let text = leaf.text.trim();
        if text.is_empty() || text == crate::message::NULL {
            return;
        }
        let length = text.chars().count();
        if let Some(max) = leaf.max_length.and_then(|m| usize::try_from(m).ok())
            && length > max
        {
            problems.push(Problem::warning(
                ErrorCode::DataTypeError,
                Some(leaf.location.clone()),
                format!(
                    "{} ({}) is {length} characters long; at most {max} allowed",
                    leaf.location, leaf.name
                ),
            ));
        }
        if usize::try_from(leaf.min_length).is_ok_and(|min| length < min) {
            problems.push(Problem::warning(
                ErrorCode::DataTypeError,
                Some(leaf.location.clone()),
                format!(
                    "{} ({}) is {length} characters long; at least {} required",
                    leaf.location, leaf.name, leaf.min_length
                ),
            ));
        }
        self.format(leaf, text, problems);
        if let Some(binding) = leaf.binding
            && !self.is(CRITICAL_CODES, leaf.location.field.unwrap_or(0))
        {
            self.binding(leaf, binding, text, problems);
        }
    }

    fn format(&self, leaf: &Leaf<'_>, text: &str, problems: &mut Vec<Problem>) {
        let field = leaf.location.field.unwrap_or(0);
        let critical_date = self.is(CRITICAL_DATES, field);
        let problem = match leaf.datatype.name {
            "DTM" | "DT" => match check_dtm(text) {
                Err(error) => Some((
                    format!("{} ({}) {text:?} is {error}", leaf.location, leaf.name),
                    critical_date,
                    ApplicationError::InvalidDate,
                )),
                Ok(shape) => self.precision(leaf, shape).map(|why| {
                    (
                        format!("{} ({}) {text:?} {why}", leaf.location, leaf.name),
                        false,
                        ApplicationError::InvalidDate,
                    )
                }),
            },
            "NM" | "SI" => (!is_number(text)).then(|| {
                (
                    format!("{} ({}) {text:?} is not a number", leaf.location, leaf.name),
                    false,
                    ApplicationError::InvalidValue,
                )
            }),
            _ => None,
        };
        if let Some((text, critical, application_error)) = problem {
            let problem = if critical {
                Problem::error(
                    ErrorCode::DataTypeError,
                    Some(leaf.location.clone()),
                    self.rejects.clone(),
                    text,
                )
            } else {
                Problem::warning(ErrorCode::DataTypeError, Some(leaf.location.clone()), text)
            };
            problems.push(problem.with_application_error(application_error));
        }
    }

    /// The precision a TS flavour asks of its DTM (the field's datatype id).
    fn precision(
        &self,
        leaf: &Leaf<'_>,
        shape: crate::datetime::DateTimeShape,
    ) -> Option<&'static str> {
        let field = leaf.location.field.unwrap_or(0);
        let field_datatype = self
            .def
            .fields
            .get(field.saturating_sub(1))
            .map_or("", |f| f.datatype.id);
        match field_datatype {
            "TS_Z" if !shape.has_offset => Some("has no time-zone offset (+/-ZZZZ)"),
            "TS_NZ" | "DT_D" if shape.digits < 8 => Some("does not give the day (YYYYMMDD)"),
            "TS_M" if shape.digits < 6 => Some("does not give the month (YYYYMM)"),
            _ => None,
        }
    }

    fn binding(
        &self,
        leaf: &Leaf<'_>,
        binding: &'static str,
        code: &str,
        problems: &mut Vec<Problem>,
    ) {
        let ids = || binding.split(':');
        let mut checkable = ids().filter_map(|id| self.library.checkable(id)).peekable();
        if checkable.peek().is_none() {
            return;
        }
        if checkable.any(|set| set.contains(code)) {
            return;
        }
        let codes = CodeSets::embedded().ok();
        let in_table = |table: Table| codes.is_some_and(|c| c.lookup(table, code).is_some());
        // Current code sets (core's copy of ../shared/codesets) can be newer
        // than the profile's library, and the IG accepts HL70162 routes
        // beside NCIT; table 0396 itself lists "HL7nnnn" and "99zzz" as
        // patterns, not codes.
        let known_elsewhere = ids().any(|id| match id {
            "CVX" => codes.is_some_and(|c| c.vaccine(code).is_some()),
            "MVX" => codes.is_some_and(|c| c.manufacturer(code).is_some()),
            "NDC_Use" | "NDC_Sale" => codes.is_some_and(|c| c.ndc(code).is_some()),
            "NCIT" | "HL70162" | "HL70162_IZ" => in_table(Table::Route),
            "HL70163" | "HL70163_IZ" => in_table(Table::Site),
            "HL70064" | "HL70064_IZ" => in_table(Table::VfcEligibility),
            "NIP001" => in_table(Table::InformationSource),
            "NIP002" => in_table(Table::RefusalReason),
            "PHVS_ImmunizationFundingSource_IIS" => in_table(Table::FundingSource),
            id if id.starts_with("HL70396") => is_coding_system_pattern(code),
            _ => false,
        });
        if known_elsewhere {
            return;
        }
        let text = format!(
            "{} ({}) {code:?} is not in value set {binding}",
            leaf.location, leaf.name
        );
        problems.push(
            Problem::warning(
                ErrorCode::TableValueNotFound,
                Some(leaf.location.clone()),
                text,
            )
            .with_application_error(ApplicationError::TableValueNotFound),
        );
    }
}

/// HL7 table 0396's patterns: "HL7nnnn" (an HL7 table) and "99zzz" (local).
fn is_coding_system_pattern(code: &str) -> bool {
    let bytes = code.as_bytes();
    match bytes {
        [b'H', b'L', b'7', rest @ ..] => rest.len() == 4 && rest.iter().all(u8::is_ascii_digit),
        [b'9', b'9', rest @ ..] => rest.len() == 3 && rest.iter().all(u8::is_ascii_alphanumeric),
        _ => false,
    }
}

fn is_number(text: &str) -> bool {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or_default();
    let fraction = parts.next().unwrap_or_default();
    (!whole.is_empty() || !fraction.is_empty())
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

// ---------------------------------------------------------------- cross-segment

/// Rules spanning segments that the profile tables cannot state.
fn cross_segment(message: &Message, profile: Profile, problems: &mut Vec<Problem>) {
    match profile {
        Profile::Z31 | Profile::Z32 | Profile::Z33 | Profile::Z42 => {
            if let Some(qak) = message.first("QAK") {
                let status = qak.text(2).trim();
                if !status.is_empty() && !matches!(status, "OK" | "NF" | "AE" | "AR" | "TM" | "PD")
                {
                    problems.push(
                        Problem::warning(
                            ErrorCode::TableValueNotFound,
                            Some(Location::missing_segment("QAK").with_field(2)),
                            format!("QAK-2 {status:?} is not in HL7 table 0208"),
                        )
                        .with_application_error(ApplicationError::TableValueNotFound),
                    );
                }
            }
            let patients = message.segments_named("PID").count();
            let doses = message.segments_named("RXA").count();
            let mismatch = match profile {
                Profile::Z33 if patients > 0 => {
                    Some("Z33 returns no person records, but PID is present")
                }
                Profile::Z31 if doses > 0 => {
                    Some("Z31 returns candidates only, but RXA is present")
                }
                Profile::Z32 | Profile::Z42 if patients > 1 => {
                    Some("Z32/Z42 return exactly one person, but several PID are present")
                }
                _ => None,
            };
            if let Some(text) = mismatch {
                problems.push(Problem::warning(
                    ErrorCode::SegmentSequenceError,
                    Some(Location::missing_segment("PID")),
                    text,
                ));
            }
        }
        _ => {}
    }
}
