//! Parser for `ScheduleSupportingData.xml`.

use super::xml::{child, children, cvx, duration, flag_text, parse_doc, text};
use super::{
    CodedValue, CvxAssociation, CvxMapping, LiveVirusConflict, Observation, Schedule, VaccineGroup,
};
use crate::error::DataError;

/// Parses the schedule supporting data.
pub(super) fn parse(xml: &str) -> Result<Schedule, DataError> {
    let doc = parse_doc(xml, "scheduleSupportingData")?;
    let root = doc.root_element();
    let mut out = Schedule::default();
    if let Some(lvc) = child(root, "liveVirusConflicts") {
        for c in children(lvc, "liveVirusConflict") {
            let prev = child(c, "previous").and_then(|p| cvx(p, "cvx").transpose());
            let cur = child(c, "current").and_then(|p| cvx(p, "cvx").transpose());
            let (Some(previous), Some(current)) = (prev.transpose()?, cur.transpose()?) else {
                continue;
            };
            out.live_virus_conflicts.push(LiveVirusConflict {
                previous,
                current,
                begin: duration(c, "conflictBeginInterval")?,
                min_end: duration(c, "minConflictEndInterval")?,
                end: duration(c, "conflictEndInterval")?,
            });
        }
    }
    if let Some(groups) = child(root, "vaccineGroups") {
        for g in children(groups, "vaccineGroup") {
            let full = text(g, "administerFullVaccineGroup");
            out.vaccine_groups.push(VaccineGroup {
                name: text(g, "name").to_owned(),
                administer_full: if full.is_empty() {
                    None
                } else {
                    Some(flag_text("administerFullVaccineGroup", full)?)
                },
                antigens: Vec::new(),
            });
        }
    }
    if let Some(map) = child(root, "vaccineGroupToAntigenMap") {
        for m in children(map, "vaccineGroupMap") {
            let name = text(m, "name");
            let antigens: Vec<String> = children(m, "antigen")
                .filter_map(|a| a.text())
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect();
            if let Some(g) = out.vaccine_groups.iter_mut().find(|g| g.name == name) {
                g.antigens.extend(antigens);
            } else {
                out.vaccine_groups.push(VaccineGroup {
                    name: name.to_owned(),
                    administer_full: None,
                    antigens,
                });
            }
        }
    }
    if let Some(map) = child(root, "cvxToAntigenMap") {
        for m in children(map, "cvxMap") {
            let Some(code) = cvx(m, "cvx")? else { continue };
            let mut associations = Vec::new();
            for a in children(m, "association") {
                associations.push(CvxAssociation {
                    antigen: text(a, "antigen").to_owned(),
                    begin_age: duration(a, "associationBeginAge")?,
                    end_age: duration(a, "associationEndAge")?,
                });
            }
            out.cvx_map.push(CvxMapping {
                cvx: code,
                description: text(m, "shortDescription").to_owned(),
                associations,
            });
        }
    }
    if let Some(obs) = child(root, "observations") {
        for o in children(obs, "observation") {
            let coded_values = child(o, "codedValues")
                .map(|cv| {
                    children(cv, "codedValue")
                        .map(|v| CodedValue {
                            code: text(v, "code").to_owned(),
                            system: text(v, "codeSystem").to_owned(),
                            text: text(v, "text").to_owned(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.observations.push(Observation {
                code: text(o, "observationCode").to_owned(),
                title: text(o, "observationTitle").to_owned(),
                coded_values,
            });
        }
    }
    Ok(out)
}
