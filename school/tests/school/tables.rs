//! The shipped tables: they parse, name only CDC and CDSi groups that exist, and map
//! CIS rows to groups; and malformed tables give typed errors, never a panic.

use std::path::PathBuf;

use salal_school::{
    BandBasis, ExemptionKind, Rules, RulesError, Setting, TableName, group_for_cdc_group,
};

use crate::support::rules;

const RULES: &str = include_str!("../../../assets/school/wa-rules.csv");
const SETTINGS: &str = include_str!("../../../assets/school/wa-settings.csv");

fn shared(env: &str, relative: &str) -> PathBuf {
    std::env::var_os(env).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative),
        PathBuf::from,
    )
}

/// Setting, name, age range, basis and number of groups of a band.
type BandShape<'a> = (Setting, &'a str, u32, Option<u32>, BandBasis, usize);

#[test]
fn the_shipped_tables_have_the_2025_26_bands() {
    let rules = rules();
    assert_eq!(rules.settings().school_year.label(), "2025-26");
    assert_eq!(rules.settings().conditional_period_days, 30);
    let bands: Vec<BandShape<'_>> = rules
        .bands()
        .iter()
        .map(|b| {
            (
                b.setting,
                b.name.as_str(),
                b.min_age_years_on_start,
                b.max_age_years_on_start,
                b.basis,
                b.groups.len(),
            )
        })
        .collect();
    assert_eq!(
        bands,
        [
            (
                Setting::ChildCare,
                "child_care_under_5",
                0,
                Some(4),
                BandBasis::Age,
                7
            ),
            (
                Setting::School,
                "preschool_k_age4",
                4,
                Some(4),
                BandBasis::Age,
                7
            ),
            (
                Setting::School,
                "k_6",
                5,
                Some(11),
                BandBasis::GradeFromAge,
                5
            ),
            (
                Setting::School,
                "grades_7_12",
                12,
                None,
                BandBasis::GradeFromAge,
                6
            ),
        ]
    );
}

#[test]
fn every_cdc_group_is_in_the_cvx_vaccine_group_code_set() {
    let path =
        shared("SALAL_CODESETS_DIR", "../../shared/codesets").join("cdc/cvx_vaccine_group.csv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (set SALAL_CODESETS_DIR)", path.display()));
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let column = reader
        .headers()
        .expect("header")
        .iter()
        .position(|h| h == "vaccine_group_name")
        .expect("vaccine_group_name column");
    let known: Vec<String> = reader
        .records()
        .map(|r| r.expect("record")[column].to_owned())
        .collect();
    for band in rules().bands() {
        for rule in &band.groups {
            for name in rule.cdc_groups.iter().chain(&rule.uncounted_cdc_groups) {
                assert!(
                    known.contains(name),
                    "{} {}: unknown CDC group {name}",
                    band.name,
                    rule.group
                );
            }
        }
    }
}

#[test]
fn every_cdsi_group_is_in_the_schedule_supporting_data() {
    let path = shared("SALAL_CDSI_DIR", "../../shared/cdsi/supporting-data")
        .join("ScheduleSupportingData.xml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (set SALAL_CDSI_DIR)", path.display()));
    for band in rules().bands() {
        for rule in &band.groups {
            let tag = format!("<name>{}</name>", rule.cdsi_group);
            assert!(
                text.contains(&tag),
                "{}: no CDSi vaccine group {}",
                rule.group,
                rule.cdsi_group
            );
        }
    }
}

#[test]
fn cis_rows_map_to_rule_groups() {
    let rules = rules();
    let cases = [
        ("HepB", Some("hepb")),
        ("DTAP", Some("dtap")),
        ("TDAP", Some("tdap")),
        ("Td", Some("tdap")),
        ("POLIO", Some("polio")),
        ("MMR", Some("mmr")),
        ("VARICELLA", Some("varicella")),
        ("hib", Some("hib")),
        ("PneumoPCV", Some("pneumococcal")),
        ("PneumoPPV", Some("pneumococcal")),
        ("FLU", None),
        ("HepA", None),
    ];
    for (cdc_group, expected) in cases {
        assert_eq!(
            group_for_cdc_group(rules, cdc_group),
            expected,
            "{cdc_group}"
        );
    }
}

#[test]
fn mmr_has_no_personal_exemption() {
    let rules = rules();
    assert!(
        !rules
            .exemption_kinds("mmr")
            .contains(&ExemptionKind::Personal)
    );
    assert!(
        rules
            .exemption_kinds("mmr")
            .contains(&ExemptionKind::Medical)
    );
    assert!(
        rules
            .exemption_kinds("dtap")
            .contains(&ExemptionKind::Personal)
    );
}

/// The shipped rule table with one line's text replaced.
fn edited_rules(from: &str, to: &str) -> String {
    assert!(
        RULES.contains(from),
        "fixture text {from:?} not in the table"
    );
    RULES.replacen(from, to, 1)
}

fn parse_rules(text: &str) -> Result<Rules, RulesError> {
    Rules::parse(text, SETTINGS)
}

#[test]
fn a_bad_dose_count_names_its_line_and_column() {
    let text = edited_rules(
        ",hepb,HepB,,HepB,age_appropriate,",
        ",hepb,HepB,,HepB,five,",
    );
    let error = parse_rules(&text).expect_err("'five' is not a count");
    assert!(
        matches!(
            &error,
            RulesError::BadValue { table: TableName::Rules, line: 2, column: "doses", value, .. }
                if value == "five"
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("line 2"), "{error}");
}

#[test]
fn malformed_rule_tables_give_typed_errors() {
    let header_without_confirmed = RULES.replacen(",confirmed,", ",", 1);
    assert_eq!(
        parse_rules(&header_without_confirmed).err(),
        Some(RulesError::MissingColumn {
            table: TableName::Rules,
            column: "confirmed"
        })
    );
    let short_row = edited_rules(",hepb,HepB,,HepB,", ",hepb,HepB,HepB,");
    assert!(matches!(
        parse_rules(&short_row),
        Err(RulesError::WrongFieldCount {
            line: Some(2),
            expected: 22,
            found: 21,
            ..
        })
    ));
    let header_only = RULES.lines().next().unwrap_or_default();
    assert_eq!(
        parse_rules(header_only).err(),
        Some(RulesError::EmptyTable {
            table: TableName::Rules
        })
    );
    let overlapping = RULES.replace(",k_6,5,11,", ",k_6,4,11,");
    assert!(matches!(
        parse_rules(&overlapping),
        Err(RulesError::OverlappingBands {
            setting: "school",
            ..
        })
    ));
    let moved_band = RULES.replacen(",k_6,5,11,", ",k_6,6,11,", 1);
    assert!(matches!(
        parse_rules(&moved_band),
        Err(RulesError::BandMismatch { .. })
    ));
    let alt_without_age = edited_rules(
        ",k_6,5,11,grade_from_age,dtap,DTAP,,DTaP/Tdap/Td,5,4,4,",
        ",k_6,5,11,grade_from_age,dtap,DTAP,,DTaP/Tdap/Td,5,4,,",
    );
    assert!(matches!(
        parse_rules(&alt_without_age),
        Err(RulesError::IncompleteAlternative { .. })
    ));
    let td_twice = edited_rules(
        ",hepb,HepB,,HepB,age_appropriate,",
        ",hepb,HepB,Td,HepB,age_appropriate,",
    );
    assert!(matches!(
        parse_rules(&td_twice),
        Err(RulesError::CdcGroupInTwoGroups { .. })
    ));
    let not_confirmed = edited_rules(",no,no,unconfirmed,", ",no,no,maybe,");
    assert!(matches!(
        parse_rules(&not_confirmed),
        Err(RulesError::BadValue {
            column: "confirmed",
            ..
        })
    ));
    let unbalanced_quote = format!("{RULES}school,k_6,\"5,11\n");
    assert!(parse_rules(&unbalanced_quote).is_err());
}

#[test]
fn malformed_settings_give_typed_errors() {
    let without_period: String = SETTINGS
        .lines()
        .filter(|line| !line.starts_with("conditional_period_days"))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_eq!(
        Rules::parse(RULES, &without_period).err(),
        Some(RulesError::MissingSetting {
            key: "conditional_period_days"
        })
    );
    let typo = SETTINGS.replacen("grace_days,", "grace_day,", 1);
    assert!(matches!(
        Rules::parse(RULES, &typo),
        Err(RulesError::UnknownSetting { key, .. }) if key == "grace_day"
    ));
    let bad_start = SETTINGS.replacen(",09-01,", ",02-29,", 1);
    assert!(matches!(
        Rules::parse(RULES, &bad_start),
        Err(RulesError::BadValue {
            table: TableName::Settings,
            ..
        })
    ));
    let bad_year = SETTINGS.replacen(",2025-26,", ",2025-27,", 1);
    assert!(matches!(
        Rules::parse(RULES, &bad_year),
        Err(RulesError::BadValue {
            table: TableName::Settings,
            ..
        })
    ));
    let unknown_group = SETTINGS.replacen("exemption_kinds.mmr,", "exemption_kinds.flu,", 1);
    assert_eq!(
        Rules::parse(RULES, &unknown_group).err(),
        Some(RulesError::UnknownExemptionGroup {
            group: "flu".to_owned()
        })
    );
}
