//! Typed errors raised while reading the CDC supporting data.

use thiserror::Error;

/// An error in the supporting data.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DataError {
    /// The XML could not be parsed.
    #[error("invalid XML: {0}")]
    Xml(String),
    /// The document's root element is not the expected one.
    #[error("unexpected root element <{found}>, expected <{expected}>")]
    UnexpectedRoot {
        /// Root element wanted.
        expected: &'static str,
        /// Root element found.
        found: String,
    },
    /// An age or interval text could not be read.
    #[error("invalid age or interval text: {0:?}")]
    BadDuration(String),
    /// A date text could not be read.
    #[error("invalid date text: {0:?}")]
    BadDate(String),
    /// A CVX code is not a number.
    #[error("invalid CVX code: {0:?}")]
    BadCvx(String),
    /// A required element is missing.
    #[error("missing element <{0}>")]
    Missing(&'static str),
    /// An element holds a value the engine does not know: new CDC data must not
    /// silently change forecasts, so it is refused at load time.
    #[error("{file}: unknown value {value:?} in <{element}>")]
    UnknownValue {
        /// The supporting-data file.
        file: String,
        /// The element.
        element: &'static str,
        /// The value found.
        value: String,
    },
    /// Another error, in a named supporting-data file.
    #[error("{file}: {source}")]
    InFile {
        /// The supporting-data file.
        file: String,
        /// What is wrong.
        source: Box<DataError>,
    },
}

impl DataError {
    /// The error with the name of the file it was found in.
    pub fn in_file(self, name: &str) -> Self {
        match self {
            Self::UnknownValue { element, value, .. } => Self::UnknownValue {
                file: name.to_owned(),
                element,
                value,
            },
            Self::InFile { .. } => self,
            other => Self::InFile {
                file: name.to_owned(),
                source: Box::new(other),
            },
        }
    }
}
