//! One module per screen.

pub(crate) mod audit;
pub(crate) mod change_password;
pub(crate) mod dose_form;
pub(crate) mod forecast_panel;
pub(crate) mod inventory;
pub(crate) mod login;
pub(crate) mod patient_form;
pub(crate) mod patient_record;
pub(crate) mod print_panel;
pub(crate) mod recall;
pub(crate) mod recover;
pub(crate) mod registry;
pub(crate) mod registry_lookup;
pub(crate) mod search;
pub(crate) mod setup;
pub(crate) mod status_bar;
pub(crate) mod users;
