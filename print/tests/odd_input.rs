//! Inputs at the edges: empty names, no doses, very long strings, huge lists.
//! Every document still lays out (or fails with a typed error), and nothing
//! is drawn near the page edges.

mod support;

use salal_core::i18n::Lang;
use salal_print::PrintError;
use salal_print::model::{ConsentKind, MailingLabel, PersonName};

#[test]
fn empty_everything() {
    let empty_name = PersonName::default();
    let mut cis = support::cis(Lang::En);
    cis.child.name = empty_name.clone();
    cis.rows.clear();
    cis.statuses.clear();
    cis.qr.clear();
    cis.clinic = Default::default();
    let pdf = salal_print::cis_pdf(&cis).expect("cis");
    support::assert_edges_clear(&pdf, 8.0);

    let mut record = support::record(Lang::Es);
    record.child.name = empty_name.clone();
    record.doses.clear();
    record.due.clear();
    record.qr.clear();
    record.clinic = Default::default();
    let pdf = salal_print::record_pdf(&record).expect("record");
    assert!(support::text(&pdf).contains("No hay vacunas registradas."));

    let mut form = support::consent(Lang::En, ConsentKind::MailingsDecline);
    form.child.name = empty_name;
    form.guardian.clear();
    form.address.clear();
    salal_print::consent_pdf(&form).expect("consent");

    let mut letter = support::letter(Lang::Es);
    letter.address_block.clear();
    letter.due.clear();
    salal_print::recall_letters_pdf(&[letter], &mut |_, _| {}).expect("letter");
    assert_eq!(
        support::pages(&salal_print::recall_letters_pdf(&[], &mut |_, _| {}).expect("none")),
        1
    );
    salal_print::mailing_labels_pdf(&[]).expect("no labels");
    salal_print::mailing_labels_pdf(&[MailingLabel { lines: Vec::new() }]).expect("empty label");
}

#[test]
fn very_long_strings_stay_inside_the_page() {
    let huge = support::huge_text();
    let cis = support::stress_cis(Lang::Es);
    let pdf = salal_print::cis_pdf(&cis).expect("cis");
    support::assert_edges_clear(&pdf, 8.0);
    assert!(support::pages(&pdf) >= 2);

    let mut record = support::long_record(Lang::En);
    record.child.name.first = huge.clone();
    record.clinic.lines = vec![huge.clone(); 6];
    for dose in &mut record.doses {
        dose.vaccine = huge.clone();
        dose.place = "x".repeat(500);
    }
    for due in &mut record.due {
        due.vaccine = huge.clone();
    }
    support::assert_edges_clear(&salal_print::record_pdf(&record).expect("record"), 8.0);

    let mut form = support::consent(Lang::Es, ConsentKind::RegistryDecline);
    form.guardian = huge.clone();
    form.address = vec![huge.clone(); 30];
    let pdf = salal_print::consent_pdf(&form).expect("consent");
    support::assert_edges_clear(&pdf, 8.0);
    assert!(support::pages(&pdf) >= 2);

    let letter = support::stress_letter(Lang::En);
    let pdf = salal_print::recall_letters_pdf(&[letter], &mut |_, _| {}).expect("letter");
    support::assert_edges_clear(&pdf, 8.0);
    assert!(support::pages(&pdf) >= 2);

    let labels = vec![
        MailingLabel {
            lines: vec![huge.clone(); 12]
        };
        3
    ];
    support::assert_edges_clear(
        &salal_print::mailing_labels_pdf(&labels).expect("labels"),
        8.0,
    );
}

#[test]
fn qr_text_too_long_is_a_typed_error() {
    let mut cis = support::cis(Lang::En);
    cis.qr = "z".repeat(5_000);
    assert!(matches!(
        salal_print::cis_pdf(&cis),
        Err(PrintError::QrTooLong { bytes: 5_000 })
    ));
    let mut record = support::record(Lang::En);
    record.qr = "z".repeat(5_000);
    assert!(matches!(
        salal_print::record_pdf(&record),
        Err(PrintError::QrTooLong { .. })
    ));
}

#[test]
fn text_outside_the_font_prints_as_question_marks() {
    let mut record = support::record(Lang::En);
    record.child.name.first = "漢字".to_owned();
    let text = support::text(&salal_print::record_pdf(&record).expect("record"));
    assert!(text.contains("?? Ángel Núñez Peña"), "{text}");
}

#[test]
fn blocks_longer_than_a_page_are_split_not_spilled() {
    let huge = support::huge_text();
    let mut cis = support::cis(Lang::En);
    cis.varicella_history = Some([huge.as_str(); 12].join(" "));
    cis.statuses[0].notes = vec![[huge.as_str(); 8].join(" "); 3];
    cis.rows[0].doses = (0..1_000)
        .map(|i| support::date(2000, 1, 1) + chrono::Days::new(i))
        .collect();
    let pdf = salal_print::cis_pdf(&cis).expect("cis");
    support::assert_edges_clear(&pdf, 9.5);
    let text = support::text(&pdf);
    for day in [0u64, 499, 999] {
        let date = support::date(2000, 1, 1) + chrono::Days::new(day);
        assert!(
            text.contains(&salal_core::i18n::format_date(Lang::En, date)),
            "dose {day}"
        );
    }

    let mut letter = support::letter(Lang::Es);
    letter.due[0].vaccine = vec![huge.as_str(); 20].join(" ");
    let pdf = salal_print::recall_letters_pdf(&[letter], &mut |_, _| {}).expect("letter");
    support::assert_edges_clear(&pdf, 9.5);
}
