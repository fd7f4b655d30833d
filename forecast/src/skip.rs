//! Conditional skip (logic specification section 6.2, used again in 7.1 and 7.6):
//! decides whether a target dose can be skipped.

use chrono::NaiveDate;

use crate::data::{ConditionKind, CountLogic, SeriesDose, SkipCondition, SkipContext};
use crate::model::EvaluationStatus;
use crate::types::{Ctx, DoseEval};

/// What a conditional skip decision needs to know.
pub(crate) struct SkipInput<'a, 'c> {
    pub(crate) ctx: &'a Ctx<'c>,
    /// Evaluation or forecast.
    pub(crate) context: SkipContext,
    /// Conditional skip reference date (CONDSKIP-2).
    pub(crate) reference: NaiveDate,
    /// Antigen dose positions (patient dose indexes) that count: those before the dose
    /// being evaluated, or all when forecasting.
    pub(crate) doses: &'a [usize],
    /// Their evaluations in this patient series (same positions).
    pub(crate) evals: &'a [Option<DoseEval>],
    /// Series groups with a relevant patient series that is complete.
    pub(crate) completed_groups: &'a [&'a str],
}

/// Table 6-11: can the target dose be skipped?
pub(crate) fn can_skip(dose: &SeriesDose, input: &SkipInput<'_, '_>) -> bool {
    for skip in &dose.conditional_skip {
        let applies = match input.context {
            SkipContext::Evaluation => {
                matches!(skip.context, SkipContext::Evaluation | SkipContext::Both)
            }
            SkipContext::Forecast | SkipContext::Both => {
                matches!(skip.context, SkipContext::Forecast | SkipContext::Both)
            }
        };
        if !applies {
            continue;
        }
        // RELEVANT-1/2: only sets in effect on the reference date.
        let (mut relevant, mut met_sets) = (0usize, 0usize);
        for set in skip.sets.iter().filter(|s| {
            s.effective.is_none_or(|e| input.reference >= e)
                && s.cessation.is_none_or(|c| input.reference <= c)
        }) {
            relevant += 1;
            // Table 6-10.
            let mut met = set.conditions.iter().map(|c| condition_met(c, input));
            let set_met = if set.condition_logic_or {
                met.any(|m| m)
            } else {
                !set.conditions.is_empty() && met.all(|m| m)
            };
            if set_met {
                met_sets += 1;
            }
        }
        if relevant == 0 {
            continue;
        }
        let skipped = if skip.set_logic_or {
            met_sets > 0
        } else {
            met_sets == relevant
        };
        if skipped {
            return true;
        }
    }
    false
}

fn condition_met(c: &SkipCondition, input: &SkipInput<'_, '_>) -> bool {
    let ctx = input.ctx;
    let reference = input.reference;
    match c.kind {
        // Table 6-6.
        ConditionKind::Age => {
            let begin = ctx.age_date(c.begin_age.as_ref());
            let end = ctx.age_date(c.end_age.as_ref());
            begin.is_none_or(|b| reference >= b) && end.is_none_or(|e| reference < e)
        }
        // Table 6-7.
        ConditionKind::CompletedSeries => c.series_groups.iter().any(|g| {
            input
                .completed_groups
                .iter()
                .any(|cg| cg.trim() == g.trim())
        }),
        // Table 6-8 (CALCDTSKIP-5: from the immediate previous dose administered).
        ConditionKind::Interval => {
            let Some(prev) = input.doses.last().and_then(|&pd| ctx.doses.get(pd)) else {
                return false;
            };
            c.interval
                .as_ref()
                .and_then(|i| i.add_to(prev.date))
                .is_some_and(|d| reference >= d)
        }
        // Table 6-9 with CONDSKIP-1.
        ConditionKind::VaccineCountByAge
        | ConditionKind::VaccineCountByDate
        | ConditionKind::VaccineCountByDateAndAge => {
            let begin = ctx.age_date(c.begin_age.as_ref());
            let end = ctx.age_date(c.end_age.as_ref());
            let mut count: u32 = 0;
            for (pos, &pd) in input.doses.iter().enumerate() {
                let Some(d) = ctx.doses.get(pd) else { continue };
                if !c.vaccine_types.is_empty()
                    && !d.cvx.is_some_and(|x| c.vaccine_types.contains(&x))
                {
                    continue;
                }
                if begin.is_some_and(|b| d.date < b) || end.is_some_and(|e| d.date >= e) {
                    continue;
                }
                if c.start_date.is_some_and(|s| d.date < s)
                    || c.end_date.is_some_and(|e| d.date >= e)
                {
                    continue;
                }
                if c.valid_only {
                    let valid = input
                        .evals
                        .get(pos)
                        .and_then(|e| e.as_ref())
                        .is_some_and(|e| e.status == EvaluationStatus::Valid);
                    if !valid {
                        continue;
                    }
                }
                count = count.saturating_add(1);
            }
            let Some(target) = c.dose_count else {
                return false;
            };
            match c.count_logic {
                CountLogic::GreaterThan => count > target,
                CountLogic::Equal => count == target,
                CountLogic::LessThan => count < target,
            }
        }
    }
}
