//! The tabular report, checked with real tools: every row's text comes back
//! out of the PDF (accents included), long tables flow over pages that repeat
//! the title and headings, and nothing is drawn near the page edges.

mod support;

use salal_print::model::{ReportColumn, TableReport};
use support::squeeze;

fn column(heading: &str, width_mm: f32, right_aligned: bool) -> ReportColumn {
    ReportColumn {
        heading: heading.to_owned(),
        width_mm,
        right_aligned,
    }
}

fn cells(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

/// Doses administered by vaccine and age group, in Spanish.
fn administered() -> TableReport {
    TableReport {
        title: "Dosis administradas por vacuna y grupo de edad".to_owned(),
        subtitle: vec![
            "Clínica Familiar Salal — Wenatchee".to_owned(),
            "Período: 01/10/2026 al 31/10/2026 · Fondos: VFC".to_owned(),
        ],
        columns: vec![
            column("Vacuna", 70.0, false),
            column("NDC", 30.0, false),
            column("Menor de 1 año", 22.0, true),
            column("1–6 años", 20.0, true),
            column("7–18 años", 20.0, true),
            column("Total", 20.0, true),
        ],
        rows: vec![
            cells(&[
                "Hepatitis B pediátrica",
                "58160-0820-11",
                "12",
                "0",
                "1",
                "13",
            ]),
            cells(&[
                "Sarampión, paperas, rubéola (MMR)",
                "00006-4681-00",
                "0",
                "9",
                "2",
                "11",
            ]),
            cells(&[
                "Influenza, niños (cuadrivalente)",
                "49281-0425-50",
                "4",
                "31",
                "18",
                "53",
            ]),
            cells(&[
                "Virus del papiloma humano (VPH)",
                "00006-4121-02",
                "0",
                "0",
                "7",
                "7",
            ]),
        ],
        totals: Some(cells(&["Total", "", "16", "40", "28", "84"])),
        footer: "Impreso el 02/11/2026 14:15 por Clínica Familiar Salal".to_owned(),
    }
}

/// 300 lots on hand.
fn on_hand(rows: usize) -> TableReport {
    TableReport {
        title: "On hand and expiring".to_owned(),
        subtitle: vec!["Refrigerator 1 · counted 11/02/2026".to_owned()],
        columns: vec![
            column("Vaccine", 60.0, false),
            column("Lot", 30.0, false),
            column("Expires", 25.0, false),
            column("Funding", 25.0, false),
            column("Doses", 20.0, true),
        ],
        rows: (1..=rows)
            .map(|i| {
                vec![
                    format!("Vacuna número {i:03}"),
                    format!("LOT-{i:04}"),
                    "12/31/2027".to_owned(),
                    "VXC51".to_owned(),
                    (i * 10).to_string(),
                ]
            })
            .collect(),
        totals: Some(cells(&["Total", "", "", "", "451500"])),
        footer: "Printed 11/02/2026 2:15 PM".to_owned(),
    }
}

fn assert_contains(text: &str, needle: &str) {
    assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
}

/// Asserts the footer line reads `footer` then "n / m". (`pdftotext -layout`
/// drops the narrow spaces around the slash, so they are not compared.)
fn assert_footer(text: &str, footer: &str, n: usize, m: usize) {
    let line = text
        .lines()
        .find(|l| l.starts_with(footer))
        .unwrap_or_else(|| panic!("no footer {footer:?} in:\n{text}"));
    let number: String = line[footer.len()..].split_whitespace().collect();
    assert_eq!(number, format!("{n}/{m}"), "{line}");
}

#[test]
fn every_row_totals_and_accents_are_printed() {
    let report = administered();
    let pdf = salal_print::report_pdf(&report).expect("report");
    assert_eq!(support::pages(&pdf), 1);
    let text = squeeze(&support::text(&pdf));
    assert_contains(&text, &report.title);
    for line in &report.subtitle {
        assert_contains(&text, line);
    }
    for column in &report.columns {
        assert_contains(&text, &column.heading);
    }
    for row in report.rows.iter().chain(&report.totals) {
        let shown: Vec<&str> = row
            .iter()
            .map(String::as_str)
            .filter(|c| !c.is_empty())
            .collect();
        // Cells of a row print on one line, left to right.
        assert_contains(&text, &shown.join(" "));
    }
    assert_footer(&text, &report.footer, 1, 1);
    support::assert_edges_clear(&pdf, 8.0);
}

#[test]
fn three_hundred_rows_flow_over_pages_with_title_and_headings_repeated() {
    let report = on_hand(300);
    let pdf = salal_print::report_pdf(&report).expect("report");
    let pages = support::pages(&pdf);
    assert!(pages >= 3, "{pages} pages");
    let mut seen = Vec::new();
    for n in 1..=pages {
        let text = squeeze(&support::page_text(&pdf, n));
        assert_contains(&text, &report.title);
        assert_contains(&text, "Vaccine Lot Expires Funding Doses");
        assert_footer(&text, &report.footer, n, pages);
        assert_eq!(
            text.contains(&report.subtitle[0]),
            n == 1,
            "the subtitle is on the first page only (page {n})"
        );
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("Vacuna número ") {
                seen.push(rest.split(' ').next().unwrap_or_default().to_owned());
            }
        }
    }
    let expected: Vec<String> = (1..=300).map(|i| format!("{i:03}")).collect();
    assert_eq!(seen, expected, "every row once, in order");
    let last = squeeze(&support::page_text(&pdf, pages));
    assert_contains(&last, "Total 451500");
    support::assert_edges_clear(&pdf, 8.0);
}

#[test]
fn overwide_columns_are_scaled_and_long_cells_cut_with_an_ellipsis() {
    let huge = support::huge_text();
    let mut report = on_hand(3);
    report.title = huge.clone();
    report.footer = huge.clone();
    report.subtitle = vec![huge.clone()];
    for column in &mut report.columns {
        column.width_mm = 120.0;
        column.heading = "Encabezado muy largo de la columna".to_owned();
    }
    report.rows[0][0] = huge.clone();
    report.rows[1][4] = "1234567890".repeat(20);
    report.rows[2] = cells(&["only one cell"]);
    report
        .rows
        .push(cells(&["a", "b", "c", "d", "e", "extra cell"]));
    let pdf = salal_print::report_pdf(&report).expect("report");
    assert_eq!(support::pages(&pdf), 1);
    let text = support::text(&pdf);
    assert_contains(&text, "…");
    assert_contains(&text, "Ñandú");
    assert!(!text.contains(&huge), "the long cell is cut");
    assert_contains(&text, "only one cell");
    assert!(
        !text.contains("extra cell"),
        "cells beyond the columns are not printed"
    );
    support::assert_edges_clear(&pdf, 8.0);
}

#[test]
fn an_empty_report_still_renders_its_title() {
    let mut report = on_hand(0);
    report.totals = None;
    let pdf = salal_print::report_pdf(&report).expect("report");
    assert_eq!(support::pages(&pdf), 1);
    let text = squeeze(&support::text(&pdf));
    assert_contains(&text, "On hand and expiring");
    assert_contains(&text, "Vaccine Lot Expires Funding Doses");
    assert_footer(&text, &report.footer, 1, 1);
    support::assert_edges_clear(&pdf, 8.0);

    let bare = TableReport {
        title: "Wastage".to_owned(),
        subtitle: Vec::new(),
        columns: Vec::new(),
        rows: vec![cells(&["ignored"])],
        totals: None,
        footer: String::new(),
    };
    let pdf = salal_print::report_pdf(&bare).expect("report");
    assert_contains(&support::text(&pdf), "Wastage");
    support::assert_edges_clear(&pdf, 8.0);
}
