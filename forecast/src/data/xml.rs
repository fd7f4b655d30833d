//! Small helpers over `roxmltree` for reading the CDC XML.

use roxmltree::Node;

use crate::dates::{Duration, parse_date};
use crate::error::DataError;

use super::Cvx;

/// Child elements of `node` named `name`.
pub(super) fn children<'a, 'i>(
    node: Node<'a, 'i>,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

/// First child element named `name`.
pub(super) fn child<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> Option<Node<'a, 'i>> {
    children(node, name).next()
}

/// Trimmed text of the first child named `name` (empty if absent).
pub(super) fn text<'a>(node: Node<'a, '_>, name: &'static str) -> &'a str {
    child(node, name)
        .and_then(|c| c.text())
        .map(str::trim)
        .unwrap_or("")
}

/// Owned text, `None` when empty.
pub(super) fn opt_text(node: Node<'_, '_>, name: &'static str) -> Option<String> {
    let t = text(node, name);
    (!t.is_empty()).then(|| t.to_owned())
}

/// Age or interval child.
pub(super) fn duration(
    node: Node<'_, '_>,
    name: &'static str,
) -> Result<Option<Duration>, DataError> {
    Duration::parse(text(node, name))
}

/// Date child.
pub(super) fn date(
    node: Node<'_, '_>,
    name: &'static str,
) -> Result<Option<chrono::NaiveDate>, DataError> {
    parse_date(text(node, name))
}

/// A value the parser does not know (the file is filled in by the caller).
pub(super) fn unknown(element: &'static str, value: &str) -> DataError {
    DataError::UnknownValue {
        file: String::new(),
        element,
        value: value.to_owned(),
    }
}

/// A flag: `Yes`/`Y`/`true` or `No`/`N`/`false` (case-insensitive); empty is no.
/// Anything else is an error.
pub(super) fn flag(node: Node<'_, '_>, name: &'static str) -> Result<bool, DataError> {
    flag_text(name, text(node, name))
}

/// A flag's text read as in [`flag`].
pub(super) fn flag_text(name: &'static str, t: &str) -> Result<bool, DataError> {
    match t.to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" => Ok(true),
        "no" | "n" | "false" | "" => Ok(false),
        _ => Err(unknown(name, t)),
    }
}

/// One of a fixed set of values (compared ignoring case and repeated spaces); an
/// empty element gives `empty`, or an error when `empty` is `None`.
pub(super) fn choice<T: Copy>(
    node: Node<'_, '_>,
    name: &'static str,
    options: &[(&str, T)],
    empty: Option<T>,
) -> Result<T, DataError> {
    let t = text(node, name);
    if t.is_empty() {
        return empty.ok_or_else(|| unknown(name, t));
    }
    let norm = t.split_whitespace().collect::<Vec<_>>().join(" ");
    options
        .iter()
        .find(|(o, _)| o.eq_ignore_ascii_case(&norm))
        .map(|(_, v)| *v)
        .ok_or_else(|| unknown(name, t))
}

/// A whole number; empty is `None`, anything else an error.
pub(super) fn number<T: std::str::FromStr>(
    node: Node<'_, '_>,
    name: &'static str,
) -> Result<Option<T>, DataError> {
    let t = text(node, name);
    if t.is_empty() || t.eq_ignore_ascii_case("n/a") {
        return Ok(None);
    }
    t.parse().map(Some).map_err(|_| unknown(name, t))
}

/// CVX child; `None` when empty.
pub(super) fn cvx(node: Node<'_, '_>, name: &'static str) -> Result<Option<Cvx>, DataError> {
    let t = text(node, name);
    if t.is_empty() {
        Ok(None)
    } else {
        Cvx::parse(t).map(Some)
    }
}

/// A list of CVX codes separated by `;` or `,`.
pub(super) fn cvx_list(t: &str) -> Result<Vec<Cvx>, DataError> {
    t.split([';', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(Cvx::parse)
        .collect()
}

/// Parses a document and checks its root element name.
pub(super) fn parse_doc<'i>(
    xml: &'i str,
    root: &'static str,
) -> Result<roxmltree::Document<'i>, DataError> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| DataError::Xml(e.to_string()))?;
    let found = doc.root_element().tag_name().name();
    if found != root {
        return Err(DataError::UnexpectedRoot {
            expected: root,
            found: found.to_owned(),
        });
    }
    Ok(doc)
}
