//! Tests of `salal-school`: hand-computed children (`statuses`), the shipped and
//! malformed tables (`tables`), translations (`i18n`) and properties (`properties`).

mod i18n;
mod properties;
mod statuses;
mod support;
mod tables;
