//! A child's status under the rules on a date.
//!
//! **Which settings.** The school year is the one containing `as_of`. The child's age
//! in whole years on its first day picks, for each setting, the band whose age range
//! contains it: child care under 5, school from 4 (so a 4-year-old gets both). A
//! child born after the first day counts as 0; one not born by `as_of` gets nothing.
//! School-age children in before- or after-school care follow their grade's chart,
//! which is the school result.
//!
//! **Each rule group**, first match wins:
//! 1. `required_until_age_years` reached on `as_of`: complete, not required at this age
//!    (the group stays in the result so a printed CIS can show its row).
//! 2. The group is in `exempt_groups`: exempt.
//! 3. The group accepts immunity and it is recorded (`immunity_cdc_groups` names one
//!    of its CDC groups, or the CDSi outlook says immune): complete.
//! 4. A numeric `doses`: complete when the counted doses (see `count.rs`) reach it, or
//!    meet the alternative count; or, where the row allows it, when the CDSi series is
//!    complete with fewer doses (reported unconfirmed).
//!    `age_appropriate`: complete when the CDSi series is complete or no past-due
//!    date has been reached (`past_due` absent or after `as_of`); with no outlook for
//!    the group, out of compliance (nothing shows the child is up to date).
//! 5. Otherwise: out of compliance if the outlook records a contraindication (an
//!    exemption is needed); conditional while catching up within the conditional
//!    period of WAC 246-105-060(2)(a), that is when the next dose is not yet
//!    eligible (`earliest` after `as_of`) or `as_of` is no later than the
//!    recommended date (else the earliest) plus `conditional_period_days`; else out
//!    of compliance. Salal does not know the first day of attendance, so "every
//!    eligible dose by the first day" is read as "the next dose within the period".
//!
//! **Grace.** The table's own minimum ages and spacings are checked without and then
//! with `grace_days`; when only the grace makes a difference, the better status is
//! used and the group is reported unconfirmed (unless the settings confirm the grace).
//!
//! **A setting** takes the most severe group status: out of compliance, then
//! conditional, then exempt, then complete.

use chrono::{Days, NaiveDate};

use crate::count::{alt_met, counted_doses};
use crate::history::{ChildHistory, GroupOutlook};
use crate::outcome::{GroupResult, Reason, SettingResult, Status, worst};
use crate::rules::{Band, Confirmed, Doses, GroupRule, Rules};
use crate::settings::Settings;
use crate::year::{age_in_years, has_reached_age};

/// The child's status in every setting that applies on `as_of`.
#[must_use]
pub fn evaluate(rules: &Rules, child: &ChildHistory, as_of: NaiveDate) -> Vec<SettingResult> {
    let Some(year) = rules.school_year_of(as_of) else {
        return Vec::new();
    };
    if child.birth_date > as_of {
        return Vec::new();
    }
    let age = age_in_years(child.birth_date, year.start()).unwrap_or(0);
    let outside_table_year = year != rules.settings().school_year;
    rules
        .bands()
        .iter()
        .filter(|band| band.contains_age(age))
        .map(|band| {
            let mut result = evaluate_band(band, rules.settings(), child, as_of);
            result.unconfirmed |= outside_table_year;
            result
        })
        .collect()
}

fn evaluate_band(
    band: &Band,
    settings: &Settings,
    child: &ChildHistory,
    as_of: NaiveDate,
) -> SettingResult {
    let groups: Vec<GroupResult> = band
        .groups
        .iter()
        .map(|rule| evaluate_group(rule, settings, child, as_of))
        .collect();
    SettingResult {
        setting: band.setting,
        band: band.name.clone(),
        status: worst(groups.iter().map(|group| group.status)),
        unconfirmed: groups.iter().any(|group| group.confirmed != Confirmed::Yes),
        groups,
    }
}

fn evaluate_group(
    rule: &GroupRule,
    settings: &Settings,
    child: &ChildHistory,
    as_of: NaiveDate,
) -> GroupResult {
    let strict = judge(rule, settings, child, as_of, 0);
    if settings.grace_days == 0 {
        return strict;
    }
    let graced = judge(rule, settings, child, as_of, settings.grace_days);
    if graced.status.severity() >= strict.status.severity() {
        return strict;
    }
    GroupResult {
        confirmed: graced.confirmed.max(settings.grace_days_confirmed),
        ..graced
    }
}

/// The group's result with `grace_days` of grace on the table's limits.
fn judge(
    rule: &GroupRule,
    settings: &Settings,
    child: &ChildHistory,
    as_of: NaiveDate,
    grace_days: u32,
) -> GroupResult {
    let counted = counted_doses(rule, child.birth_date, &child.doses, as_of, grace_days);
    let outlook = child
        .outlook
        .iter()
        .find(|outlook| outlook.cdsi_group.eq_ignore_ascii_case(&rule.cdsi_group));
    let (status, reason) = decide(rule, settings, child, as_of, &counted, outlook, grace_days);
    let confirmed = if reason == Reason::FewerDosesSeriesComplete {
        Confirmed::Unconfirmed
    } else {
        rule.confirmed
    };
    GroupResult {
        group: rule.group.clone(),
        cdc_groups: rule.cdc_groups.clone(),
        status,
        doses_required: match rule.doses {
            Doses::Count(count) => Some(count),
            Doses::AgeAppropriate => None,
        },
        doses_counted: u32::try_from(counted.len()).unwrap_or(u32::MAX),
        confirmed,
        reason,
    }
}

fn decide(
    rule: &GroupRule,
    settings: &Settings,
    child: &ChildHistory,
    as_of: NaiveDate,
    counted: &[NaiveDate],
    outlook: Option<&GroupOutlook>,
    grace_days: u32,
) -> (Status, Reason) {
    if rule
        .required_until_age_years
        .is_some_and(|years| has_reached_age(child.birth_date, as_of, years))
    {
        return (Status::Complete, Reason::NotRequiredAtThisAge);
    }
    if child
        .exempt_groups
        .iter()
        .any(|group| group.eq_ignore_ascii_case(&rule.group))
    {
        return (Status::Exempt, Reason::Exempt);
    }
    if rule.immunity_accepted && immunity_recorded(rule, child, outlook) {
        return (Status::Complete, Reason::Immune);
    }
    let series_complete = outlook.is_some_and(|outlook| outlook.complete);
    match rule.doses {
        Doses::Count(required) => {
            if usize::try_from(required).is_ok_and(|required| counted.len() >= required) {
                return (Status::Complete, Reason::EnoughDoses);
            }
            if rule
                .alt
                .is_some_and(|alt| alt_met(alt, child.birth_date, counted, grace_days))
            {
                return (Status::Complete, Reason::AltDosesAfterAge);
            }
            if rule.fewer_doses_if_cdsi_complete && series_complete {
                return (Status::Complete, Reason::FewerDosesSeriesComplete);
            }
        }
        Doses::AgeAppropriate => {
            let Some(outlook) = outlook else {
                return (Status::OutOfCompliance, Reason::NoForecast);
            };
            if outlook.complete {
                return (Status::Complete, Reason::SeriesComplete);
            }
            if outlook.past_due.is_none_or(|past_due| past_due > as_of) {
                return (Status::Complete, Reason::AgeAppropriateNotPastDue);
            }
        }
    }
    behind_schedule(rule, settings, as_of, outlook)
}

/// The status of a group whose requirement is not met.
fn behind_schedule(
    rule: &GroupRule,
    settings: &Settings,
    as_of: NaiveDate,
    outlook: Option<&GroupOutlook>,
) -> (Status, Reason) {
    let missing = match (rule.doses, outlook.and_then(|outlook| outlook.past_due)) {
        (Doses::AgeAppropriate, Some(past_due)) => Reason::PastDue { past_due },
        _ => Reason::MissingDoses,
    };
    let Some(outlook) = outlook else {
        return (Status::OutOfCompliance, missing);
    };
    if outlook.contraindicated {
        return (
            Status::OutOfCompliance,
            Reason::ContraindicatedWithoutExemption,
        );
    }
    if let Some(earliest) = outlook.earliest.filter(|earliest| *earliest > as_of) {
        return (
            Status::Conditional,
            Reason::NextDoseNotYetEligible { earliest },
        );
    }
    if let Some(due) = outlook.recommended.or(outlook.earliest) {
        let deadline = due
            .checked_add_days(Days::new(u64::from(settings.conditional_period_days)))
            .unwrap_or(NaiveDate::MAX);
        if as_of <= deadline {
            return (
                Status::Conditional,
                Reason::NextDoseWithinConditionalPeriod { deadline },
            );
        }
    }
    (Status::OutOfCompliance, missing)
}

fn immunity_recorded(
    rule: &GroupRule,
    child: &ChildHistory,
    outlook: Option<&GroupOutlook>,
) -> bool {
    outlook.is_some_and(|outlook| outlook.immune)
        || child.immunity_cdc_groups.iter().any(|recorded| {
            rule.cdc_groups
                .iter()
                .any(|group| group.eq_ignore_ascii_case(recorded))
        })
}
