//! Every document, for the sample child in English and Spanish, checked with
//! real tools: the text `pdftotext` extracts, the pages `pdftoppm` renders,
//! and the QR code `zbarimg` decodes.

mod support;

use salal_core::i18n::{Lang, format_date};
use salal_print::model::{ConsentKind, DueWhen, RegistryStamp};
use support::{FULL_NAME, squeeze};

fn assert_contains(text: &str, needle: &str) {
    assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
}

#[test]
fn cis_prints_names_dates_statuses_and_stamp_in_both_languages() {
    for lang in Lang::ALL {
        let cis = support::cis(lang);
        let pdf = salal_print::cis_pdf(&cis).expect("cis");
        let text = squeeze(&support::text(&pdf));
        let (title, stamp, statuses, row) = match lang {
            Lang::En => (
                "Certificate of Immunization Status (CIS)",
                "Registry data as of 08/20/2024 9:30 AM",
                ["Complete", "Conditional"],
                "Measles, Mumps, Rubella (MMR)",
            ),
            Lang::Es => (
                "Certificado de Estado de Vacunación",
                "Datos del registro al 20/08/2024 09:30",
                ["Completo", "Condicional"],
                "Sarampión, paperas, rubéola (MMR)",
            ),
        };
        for needle in [
            title,
            stamp,
            row,
            "Núñez Peña",
            "José",
            "Á",
            "Clínica Familiar Salal",
        ] {
            assert_contains(&text, needle);
        }
        for status in statuses {
            assert_contains(&text, status);
        }
        assert_contains(&text, &format_date(lang, cis.child.birth_date));
        for row in &cis.rows {
            for dose in &row.doses {
                assert_contains(&text, &format_date(lang, *dose));
            }
        }
        assert_eq!(support::pages(&pdf), 1, "the sample CIS fits one page");
    }
}

#[test]
fn cis_other_statuses_and_unconfirmed_stamp() {
    use salal_print::model::ComplianceStatus::{Exempt, OutOfCompliance};
    for (lang, exempt, out, stamp) in [
        (
            Lang::En,
            "Exempt",
            "Out of compliance",
            "Not yet confirmed by the registry",
        ),
        (
            Lang::Es,
            "Exento",
            "Fuera de cumplimiento",
            "Aún no confirmado por el registro",
        ),
    ] {
        let mut cis = support::cis(lang);
        cis.stamp = RegistryStamp::NotConfirmed;
        cis.rows[0].status = Some(Exempt);
        cis.statuses[0].status = OutOfCompliance;
        cis.varicella_history = Some("Varicela verificada por la Dra. Núñez, 2021".to_owned());
        let text = squeeze(&support::text(&salal_print::cis_pdf(&cis).expect("cis")));
        for needle in [
            exempt,
            out,
            stamp,
            "Varicela verificada por la Dra. Núñez, 2021",
        ] {
            assert_contains(&text, needle);
        }
    }
}

#[test]
fn cis_is_small_with_subset_embedded_fonts() {
    let pdf = salal_print::cis_pdf(&support::cis(Lang::Es)).expect("cis");
    assert!(pdf.len() < 150_000, "CIS is {} bytes", pdf.len());
    let fonts = support::fonts(&pdf);
    let rows: Vec<&str> = fonts.lines().filter(|l| l.contains("DejaVuSans")).collect();
    assert_eq!(rows.len(), 2, "{fonts}");
    for row in rows {
        // name+subset tag, type, encoding, emb, sub, uni
        assert!(row.contains("+DejaVuSans"), "subset tag: {row}");
        assert!(
            row.contains("yes yes yes"),
            "embedded, subset, unicode: {row}"
        );
    }
}

#[test]
fn qr_codes_decode_to_the_text_given() {
    let qr = support::qr_text();
    for lang in Lang::ALL {
        let cis = salal_print::cis_pdf(&support::cis(lang)).expect("cis");
        assert_eq!(support::decode_qr(&cis), qr);
        let record = salal_print::record_pdf(&support::record(lang)).expect("record");
        assert_eq!(support::decode_qr(&record), qr);
    }
}

#[test]
fn record_lists_doses_due_lines_and_the_card() {
    for lang in Lang::ALL {
        let record = support::record(lang);
        let pdf = salal_print::record_pdf(&record).expect("record");
        let text = squeeze(&support::text(&pdf));
        let (title, stamp, overdue, now, card) = match lang {
            Lang::En => (
                "Immunization Record",
                "Not yet confirmed by the registry",
                "Overdue since 03/07/2023",
                "Due now",
                "Next doses due",
            ),
            Lang::Es => (
                "Registro de vacunación",
                "Aún no confirmado por el registro",
                "Atrasada desde el 07/03/2023",
                "Le corresponde ahora",
                "Próximas dosis",
            ),
        };
        for needle in [
            title,
            stamp,
            overdue,
            now,
            card,
            FULL_NAME,
            "HB-7731Ñ",
            "Dra. Ana María Gutiérrez",
            "Phone (509) 555-0142",
        ] {
            assert_contains(&text, needle);
        }
        for dose in &record.doses {
            assert_contains(&text, &format_date(lang, dose.date));
            assert_contains(&text, &dose.lot);
        }
        assert_contains(
            &text,
            &match lang {
                Lang::En => "Polio (IPV), dose 4".to_owned(),
                Lang::Es => "Polio (IPV), dosis 4".to_owned(),
            },
        );
        assert_eq!(support::pages(&pdf), 1);
    }
}

#[test]
fn record_with_no_due_lines_says_so_on_the_card() {
    for (lang, none) in [
        (Lang::En, "No doses due"),
        (Lang::Es, "No hay dosis pendientes"),
    ] {
        let mut record = support::record(lang);
        record.due.clear();
        record.stamp = RegistryStamp::ConfirmedAt(support::at(2024, 8, 20, 9, 30));
        let text = support::text(&salal_print::record_pdf(&record).expect("record"));
        // Once in the "due next" section, once on the card.
        assert_eq!(text.matches(none).count(), 2, "{text}");
    }
}

#[test]
fn forty_doses_and_twenty_five_due_lines_flow_over_pages() {
    for lang in Lang::ALL {
        let record = support::long_record(lang);
        let pdf = salal_print::record_pdf(&record).expect("record");
        let pages = support::pages(&pdf);
        assert!(pages >= 2, "{pages} pages");
        let text = squeeze(&support::text(&pdf));
        for dose in &record.doses {
            assert_eq!(text.matches(&dose.lot).count(), 1, "{} once", dose.lot);
            assert_contains(&text, &format_date(lang, dose.date));
            assert_contains(&text, &dose.vaccine);
        }
        for due in &record.due {
            assert_contains(&text, &due.vaccine);
            if let DueWhen::On(date) | DueWhen::Overdue(date) = due.when {
                assert_contains(&text, &format_date(lang, date));
            }
        }
        let (page_word, of, born) = match lang {
            Lang::En => ("Page", "of", "Birth date"),
            Lang::Es => ("Página", "de", "Fecha de nacimiento"),
        };
        for n in 1..=pages {
            let page = squeeze(&support::page_text(&pdf, n));
            assert_contains(&page, &format!("{page_word} {n} {of} {pages}"));
            if n > 1 {
                assert_contains(
                    &page,
                    &format!(
                        "{FULL_NAME} · {born} {}",
                        format_date(lang, record.child.birth_date)
                    ),
                );
            }
        }
        support::assert_edges_clear(&pdf, 8.0);
    }
}

#[test]
fn consent_forms_in_both_languages() {
    let cases = [
        (
            Lang::En,
            ConsentKind::RegistryDecline,
            "Declining participation in the Washington Immunization Information System",
        ),
        (
            Lang::Es,
            ConsentKind::RegistryDecline,
            "Rechazo de participación en el Sistema Informático de Vacunación de Washington",
        ),
        (
            Lang::En,
            ConsentKind::MailingsDecline,
            "Declining Child Profile health-promotion mailings",
        ),
        (
            Lang::Es,
            ConsentKind::MailingsDecline,
            "Rechazo de los envíos de promoción de la salud de Child Profile",
        ),
    ];
    for (lang, kind, title) in cases {
        let form = support::consent(lang, kind);
        let pdf = salal_print::consent_pdf(&form).expect("consent");
        // The title may wrap; compare with line breaks removed.
        let text = squeeze(&support::text(&pdf));
        let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for needle in [
            title,
            FULL_NAME,
            "María Peña Ortiz",
            "482 Orchard Avenue, Apt 3",
            "Clínica Familiar Salal",
        ] {
            assert_contains(&joined, needle);
        }
        assert_contains(&joined, &format_date(lang, form.date));
        assert_contains(&joined, &format_date(lang, form.child.birth_date));
        let signature = match lang {
            Lang::En => "Relationship to the child",
            Lang::Es => "Parentesco con el niño o la niña",
        };
        assert_contains(&joined, signature);
        assert_eq!(support::pages(&pdf), 1);
        support::assert_edges_clear(&pdf, 8.0);
    }
}

#[test]
fn letters_in_mixed_languages_one_page_each() {
    let letters = [
        support::letter(Lang::En),
        support::letter(Lang::Es),
        support::letter(Lang::En),
    ];
    let mut calls = Vec::new();
    let pdf =
        salal_print::recall_letters_pdf(&letters, &mut |done, total| calls.push((done, total)))
            .expect("letters");
    assert_eq!(calls, vec![(1, 3), (2, 3), (3, 3)]);
    assert_eq!(support::pages(&pdf), 3);
    for (n, letter) in letters.iter().enumerate() {
        let page = squeeze(&support::page_text(&pdf, n + 1));
        let page = page.split_whitespace().collect::<Vec<_>>().join(" ");
        let (mine, other) = match letter.lang {
            Lang::En => (
                "Our records show that José Ángel Núñez Peña",
                "Nuestros registros",
            ),
            Lang::Es => (
                "Nuestros registros indican que a José Ángel Núñez Peña",
                "Our records show",
            ),
        };
        assert_contains(&page, mine);
        assert!(!page.contains(other), "page {} mixes languages", n + 1);
        assert_contains(&page, "Parent or guardian of José Ángel Núñez Peña");
        assert_contains(&page, "482 Orchard Avenue, Apt 3");
        let overdue = match letter.lang {
            Lang::En => "Overdue since 03/07/2023",
            Lang::Es => "Atrasada desde el 07/03/2023",
        };
        assert_contains(&page, overdue);
    }
    support::assert_edges_clear(&pdf, 8.0);
}

#[test]
fn thirty_one_labels_make_two_sheets() {
    let labels = support::labels(31);
    let pdf = salal_print::mailing_labels_pdf(&labels).expect("labels");
    assert_eq!(support::pages(&pdf), 2);
    let text = squeeze(&support::text(&pdf));
    for label in &labels {
        for line in &label.lines {
            assert_contains(&text, line);
        }
    }
    let second = squeeze(&support::page_text(&pdf, 2));
    assert_contains(&second, "Familia Núñez 31");
    assert!(!second.contains("Familia Núñez 30"));
    support::assert_edges_clear(&pdf, 8.0);
}

#[test]
fn no_ink_near_the_edges_of_any_document() {
    for lang in Lang::ALL {
        support::assert_edges_clear(
            &salal_print::cis_pdf(&support::cis(lang)).expect("cis"),
            9.5,
        );
        support::assert_edges_clear(
            &salal_print::record_pdf(&support::record(lang)).expect("record"),
            9.5,
        );
    }
}

#[test]
fn the_edge_check_sees_ink() {
    // Label text starts 10.3 mm from the sheet's left edge: a 12 mm band must catch it.
    let pdf = salal_print::mailing_labels_pdf(&support::labels(3)).expect("labels");
    let caught = std::panic::catch_unwind(|| support::assert_edges_clear(&pdf, 12.0));
    assert!(
        caught.is_err(),
        "ink at 10.3 mm went unseen by a 12 mm check"
    );
}
