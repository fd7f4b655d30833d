//! The parsed shape of an HL7 v2 message: [`Message`] → [`Segment`] →
//! [`Field`] → [`Repetition`] → [`Component`] → subcomponent text.
//!
//! Text is stored decoded (escape sequences resolved). Positions in accessors
//! are 1-based, as HL7 numbers them (`PID-5.2` is `field(5)`, component 2).
//! For MSH, field 1 is the field separator and field 2 the encoding
//! characters, so `MSH-9` is `field(9)` as in the standard.
//!
//! HL7 tells an *empty* element (nothing between the delimiters: "no
//! information") from an explicit *null* `""` ("delete the value the receiver
//! holds"); [`Field::is_null`] and [`Component::is_null`] report the latter,
//! and [`Field::is_empty`] the former.

use crate::escape;

/// The explicit HL7 null: two double quotes.
pub const NULL: &str = "\"\"";

/// The delimiters a message declares in MSH-1 and MSH-2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delimiters {
    /// Separates fields (MSH-1), normally `|`.
    pub field: char,
    /// Separates components, normally `^`.
    pub component: char,
    /// Separates repetitions, normally `~`.
    pub repetition: char,
    /// Starts and ends an escape sequence, normally `\`; `None` if undeclared.
    pub escape: Option<char>,
    /// Separates subcomponents, normally `&`.
    pub subcomponent: char,
}

impl Default for Delimiters {
    fn default() -> Self {
        Delimiters {
            field: '|',
            component: '^',
            repetition: '~',
            escape: Some('\\'),
            subcomponent: '&',
        }
    }
}

impl Delimiters {
    /// MSH-2 as written: component, repetition, escape, subcomponent.
    #[must_use]
    pub fn encoding_characters(&self) -> String {
        let mut text = String::new();
        text.push(self.component);
        text.push(self.repetition);
        if let Some(escape) = self.escape {
            text.push(escape);
        }
        text.push(self.subcomponent);
        text
    }

    /// Whether `c` is one of the delimiters (and so must be escaped in text).
    #[must_use]
    pub fn is_delimiter(&self, c: char) -> bool {
        c == self.field
            || c == self.component
            || c == self.repetition
            || c == self.subcomponent
            || Some(c) == self.escape
    }
}

/// One component: its subcomponents' decoded text (at least one, maybe empty).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Component {
    /// Subcomponent texts, in order.
    pub subcomponents: Vec<String>,
}

impl Component {
    /// A component holding one text.
    #[must_use]
    pub fn text(text: impl Into<String>) -> Self {
        Component {
            subcomponents: vec![text.into()],
        }
    }

    /// The first subcomponent's text ("" if none). The explicit null reads `""`.
    #[must_use]
    pub fn first(&self) -> &str {
        self.subcomponents.first().map_or("", String::as_str)
    }

    /// Subcomponent `n` (1-based), or "".
    #[must_use]
    pub fn subcomponent(&self, n: usize) -> &str {
        n.checked_sub(1)
            .and_then(|i| self.subcomponents.get(i))
            .map_or("", String::as_str)
    }

    /// Whether every subcomponent is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.subcomponents.iter().all(String::is_empty)
    }

    /// Whether this is the explicit null `""`.
    #[must_use]
    pub fn is_null(&self) -> bool {
        self.subcomponents.len() == 1 && self.first() == NULL
    }
}

/// One repetition of a field: its components (at least one).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Repetition {
    /// Components, in order.
    pub components: Vec<Component>,
}

impl Repetition {
    /// A repetition from component texts (each without subcomponents).
    #[must_use]
    pub fn from_texts<S: AsRef<str>>(texts: &[S]) -> Self {
        Repetition {
            components: texts.iter().map(|t| Component::text(t.as_ref())).collect(),
        }
    }

    /// Component `n` (1-based).
    #[must_use]
    pub fn component(&self, n: usize) -> Option<&Component> {
        n.checked_sub(1).and_then(|i| self.components.get(i))
    }

    /// The first subcomponent of component `n` (1-based), or "".
    #[must_use]
    pub fn text(&self, n: usize) -> &str {
        self.component(n).map_or("", Component::first)
    }

    /// Whether every component is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.components.iter().all(Component::is_empty)
    }

    /// Whether this is the explicit null `""`.
    #[must_use]
    pub fn is_null(&self) -> bool {
        self.components.len() == 1 && self.components.first().is_some_and(Component::is_null)
    }

    /// Drops trailing empty components, as an encoder writes them.
    pub(crate) fn trimmed(&self) -> &[Component] {
        let keep = self
            .components
            .iter()
            .rposition(|c| !c.is_empty())
            .map_or(0, |i| i + 1);
        self.components.get(..keep).unwrap_or_default()
    }
}

/// One field: its repetitions (none when the field is empty).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Field {
    /// Repetitions, in order. Empty repetitions between `~` are kept.
    pub repetitions: Vec<Repetition>,
}

impl Field {
    /// A field holding one plain text.
    #[must_use]
    pub fn text(text: impl Into<String>) -> Self {
        Field {
            repetitions: vec![Repetition {
                components: vec![Component::text(text)],
            }],
        }
    }

    /// A field holding the explicit null `""`.
    #[must_use]
    pub fn null() -> Self {
        Field::text(NULL)
    }

    /// Repetition `n` (1-based).
    #[must_use]
    pub fn repetition(&self, n: usize) -> Option<&Repetition> {
        n.checked_sub(1).and_then(|i| self.repetitions.get(i))
    }

    /// The first repetition's component `n` (1-based) first subcomponent, or "".
    #[must_use]
    pub fn component_text(&self, n: usize) -> &str {
        self.repetitions.first().map_or("", |r| r.text(n))
    }

    /// The first repetition's first component text, or "".
    #[must_use]
    pub fn first(&self) -> &str {
        self.component_text(1)
    }

    /// Whether the field holds nothing (not even the null).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.repetitions.iter().all(Repetition::is_empty)
    }

    /// Whether the field is the explicit null `""`.
    #[must_use]
    pub fn is_null(&self) -> bool {
        self.repetitions.len() == 1 && self.repetitions.first().is_some_and(Repetition::is_null)
    }

    /// Whether the field holds a value other than the null.
    #[must_use]
    pub fn is_valued(&self) -> bool {
        !self.is_empty() && !self.is_null()
    }
}

/// One segment: its three-letter name and fields.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Segment {
    /// "MSH", "PID", "ZXY", ...
    pub name: String,
    /// Fields from field 1; for MSH, field 1 is the field separator.
    pub fields: Vec<Field>,
}

impl Segment {
    /// An empty segment named `name`.
    #[must_use]
    pub fn new(name: &str) -> Self {
        Segment {
            name: name.to_owned(),
            fields: Vec::new(),
        }
    }

    /// Field `n` (1-based).
    #[must_use]
    pub fn field(&self, n: usize) -> Option<&Field> {
        n.checked_sub(1).and_then(|i| self.fields.get(i))
    }

    /// The first repetition's component 1 text of field `n`, or "".
    #[must_use]
    pub fn text(&self, n: usize) -> &str {
        self.field(n).map_or("", Field::first)
    }

    /// The first repetition's component `component` text of field `n`, or "".
    #[must_use]
    pub fn component_text(&self, n: usize, component: usize) -> &str {
        self.field(n).map_or("", |f| f.component_text(component))
    }

    /// The repetitions of field `n` (empty if absent).
    #[must_use]
    pub fn repetitions(&self, n: usize) -> &[Repetition] {
        self.field(n).map_or(&[], |f| f.repetitions.as_slice())
    }

    /// Whether field `n` holds a value other than the null.
    #[must_use]
    pub fn is_valued(&self, n: usize) -> bool {
        self.field(n).is_some_and(Field::is_valued)
    }

    /// Sets field `n` (1-based), growing the segment as needed.
    pub fn set_field(&mut self, n: usize, field: Field) {
        let Some(index) = n.checked_sub(1) else {
            return;
        };
        if self.fields.len() <= index {
            self.fields.resize_with(index + 1, Field::default);
        }
        if let Some(slot) = self.fields.get_mut(index) {
            *slot = field;
        }
    }

    /// Sets field `n` to one plain text (nothing when `text` is empty).
    pub fn set_text(&mut self, n: usize, text: &str) {
        if !text.is_empty() {
            self.set_field(n, Field::text(text));
        }
    }

    /// Sets field `n` to one repetition of component texts (nothing when all are empty).
    pub fn set_components<S: AsRef<str>>(&mut self, n: usize, texts: &[S]) {
        let repetition = Repetition::from_texts(texts);
        if !repetition.is_empty() {
            self.set_field(
                n,
                Field {
                    repetitions: vec![repetition],
                },
            );
        }
    }

    /// Sets field `n` to several repetitions (nothing when all are empty).
    pub fn set_repetitions(&mut self, n: usize, repetitions: Vec<Repetition>) {
        let repetitions: Vec<Repetition> =
            repetitions.into_iter().filter(|r| !r.is_empty()).collect();
        if !repetitions.is_empty() {
            self.set_field(n, Field { repetitions });
        }
    }
}

/// A whole message.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Message {
    /// The delimiters from MSH-1 and MSH-2.
    pub delimiters: Delimiters,
    /// Segments in order, Z-segments and unknown segments included.
    pub segments: Vec<Segment>,
}

/// MSH-9 split into its three components.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct MessageType {
    /// MSH-9.1, e.g. "VXU".
    pub code: String,
    /// MSH-9.2, e.g. "V04".
    pub trigger: String,
    /// MSH-9.3, e.g. "VXU_V04".
    pub structure: String,
}

impl Message {
    /// The MSH segment, if the message has one first.
    #[must_use]
    pub fn header(&self) -> Option<&Segment> {
        self.segments.first().filter(|s| s.name == "MSH")
    }

    /// The first segment named `name`.
    #[must_use]
    pub fn first(&self, name: &str) -> Option<&Segment> {
        self.segments.iter().find(|s| s.name == name)
    }

    /// Every segment named `name`, in order.
    pub fn segments_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Segment> + 'a {
        self.segments.iter().filter(move |s| s.name == name)
    }

    /// MSH-9.
    #[must_use]
    pub fn message_type(&self) -> MessageType {
        let header = self.header();
        let part = |n| {
            header
                .map_or("", |h| h.component_text(9, n))
                .trim()
                .to_owned()
        };
        MessageType {
            code: part(1),
            trigger: part(2),
            structure: part(3),
        }
    }

    /// MSH-10, the message control id.
    #[must_use]
    pub fn control_id(&self) -> &str {
        self.header().map_or("", |h| h.text(10))
    }

    /// MSH-21 profile identifiers (component 1 of each repetition), trimmed.
    #[must_use]
    pub fn profile_ids(&self) -> Vec<&str> {
        self.header()
            .map(|h| {
                h.repetitions(21)
                    .iter()
                    .map(|r| r.text(1).trim())
                    .filter(|id| !id.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The message as HL7 text, segments ended by CR, text escaped.
    #[must_use]
    pub fn encode(&self) -> String {
        let d = &self.delimiters;
        let mut out = String::new();
        for segment in &self.segments {
            out.push_str(&segment.name);
            let is_header = matches!(segment.name.as_str(), "MSH" | "BHS" | "FHS");
            let mut last = segment
                .fields
                .iter()
                .rposition(|f| !f.is_empty())
                .map_or(0, |i| i + 1);
            if is_header {
                last = last.max(2);
            }
            let empty = Field::default();
            for index in 0..last {
                let field = segment.fields.get(index).unwrap_or(&empty);
                if is_header && index == 0 {
                    out.push(d.field);
                } else if is_header && index == 1 {
                    out.push_str(&d.encoding_characters());
                } else {
                    out.push(d.field);
                    encode_field(field, d, &mut out);
                }
            }
            out.push('\r');
        }
        out
    }
}

fn encode_field(field: &Field, d: &Delimiters, out: &mut String) {
    let last = field
        .repetitions
        .iter()
        .rposition(|r| !r.is_empty())
        .map_or(0, |i| i + 1);
    for (r, repetition) in field.repetitions.iter().take(last).enumerate() {
        if r > 0 {
            out.push(d.repetition);
        }
        for (c, component) in repetition.trimmed().iter().enumerate() {
            if c > 0 {
                out.push(d.component);
            }
            let keep = component
                .subcomponents
                .iter()
                .rposition(|s| !s.is_empty())
                .map_or(0, |i| i + 1);
            for (s, text) in component.subcomponents.iter().take(keep).enumerate() {
                if s > 0 {
                    out.push(d.subcomponent);
                }
                escape::encode_into(text, d, out);
            }
        }
    }
}
