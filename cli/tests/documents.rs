//! Printing, verifying and reminder/recall as a user runs them: the real
//! `salal` binary, a real encrypted store and keyring, and the PDFs checked
//! with poppler (`pdftotext`, `pdftoppm`) and zbar (`zbarimg`).

mod support;

use std::path::Path;
use std::process::Command;
use support::{add, init, ok, run, salal};

fn dose(dir: &Path, patient: &str, cvx: &str, date: &str) {
    ok(salal(dir).args([
        "dose",
        "add",
        "--patient",
        patient,
        "--kind",
        "historical",
        "--cvx",
        cvx,
        "--date",
        date,
        "--source",
        "01",
    ]));
}

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} must be installed (scripts/setup.sh): {e}"));
    assert!(
        out.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn pdf_text(path: &Path) -> String {
    tool("pdftotext", &["-layout", path.to_str().unwrap(), "-"])
}

fn qr_text(pdf: &Path) -> String {
    let prefix = pdf.with_extension("");
    tool(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    let dir = pdf.parent().unwrap();
    let stem = prefix.file_name().unwrap().to_string_lossy().into_owned();
    let png = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.extension().is_some_and(|x| x == "png")
                && p.file_name().unwrap().to_string_lossy().starts_with(&stem)
        })
        .expect("a rendered page");
    let text = tool("zbarimg", &["--raw", "-q", png.to_str().unwrap()]);
    std::fs::remove_file(png).unwrap();
    text.trim_end_matches('\n').to_owned()
}

#[test]
fn a_certificate_prints_in_both_languages_and_its_qr_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("clinic");
    init(&data, "Clínica del Valle");
    let id = add(
        &data,
        &[
            "--first",
            "José",
            "--middle",
            "Ángel",
            "--last",
            "Núñez",
            "--second-last",
            "Peña",
            "--birth-date",
            "2019-03-07",
            "--sex",
            "M",
        ],
    );
    let given = [
        ("08", "2019-03-07"),
        ("08", "2019-04-10"),
        ("08", "2019-09-12"),
        ("20", "2019-05-09"),
        ("20", "2019-07-11"),
        ("03", "2020-03-10"),
    ];
    for (cvx, date) in given {
        dose(&data, &id, cvx, date);
    }
    let en = dir.path().join("cis-en.pdf");
    let es = dir.path().join("cis-es.pdf");
    let said = ok(salal(&data).args([
        "print",
        "cis",
        &id,
        "--lang",
        "en",
        "--out",
        en.to_str().unwrap(),
    ]));
    assert!(said.contains("cis-en.pdf"), "{said}");
    ok(salal(&data).args([
        "print",
        "cis",
        &id,
        "--lang",
        "es",
        "--out",
        es.to_str().unwrap(),
    ]));

    let text = pdf_text(&en);
    assert!(
        text.contains("Certificate of Immunization Status"),
        "{text}"
    );
    assert!(text.contains("Núñez Peña"), "{text}");
    assert!(text.contains("José"), "{text}");
    for (_, date) in given {
        let (y, rest) = date.split_once('-').unwrap();
        let (m, d) = rest.split_once('-').unwrap();
        assert!(
            text.contains(&format!("{m}/{d}/{y}")),
            "{date} missing:\n{text}"
        );
    }
    // Two DTaP doses and one MMR at seven: not what kindergarten to grade 6 requires.
    assert!(text.contains("Out of compliance"), "{text}");
    assert!(text.contains("Not yet confirmed by the registry"), "{text}");

    let texto = pdf_text(&es);
    assert!(
        texto.contains("Certificado de Estado de Vacunación"),
        "{texto}"
    );
    assert!(texto.contains("Núñez Peña"), "{texto}");
    assert!(
        texto.contains("10/03/2020"),
        "dates are day/month/year in Spanish:\n{texto}"
    );
    assert!(texto.contains("Fuera de cumplimiento"), "{texto}");

    let qr = qr_text(&en);
    let verified = ok(salal(&data).args(["verify", &qr]));
    let today = chrono::Local::now().date_naive();
    assert_eq!(
        verified.trim(),
        format!(
            "valid: José Ángel Núñez Peña, 2019-03-07, 6 doses, issued by Clínica del Valle on {}",
            chrono::Utc::now().date_naive()
        ),
        "(local date {today})"
    );

    // One changed character anywhere makes it invalid.
    let mut edited: Vec<char> = qr.chars().collect();
    let at = qr.find("Jos").unwrap();
    let at = qr[..at].chars().count();
    edited[at] = 'R';
    let edited: String = edited.into_iter().collect();
    let (code, out, _) = run(salal(&data).args(["verify", &edited]));
    assert_eq!(code, 1);
    assert!(out.starts_with("invalid: "), "{out}");
    let (code, out, _) = run(salal(&data).args(["verify", "hello"]));
    assert_eq!(code, 1);
    assert!(out.starts_with("invalid: "), "{out}");

    // A clinic that never learned this clinic's key cannot vouch for it.
    let other = dir.path().join("other");
    init(&other, "Otra Clínica");
    let (code, out, _) = run(salal(&other).args(["verify", &qr]));
    assert_eq!(code, 1);
    assert!(out.contains("does not know"), "{out}");

    // The record and both consent forms.
    let record = dir.path().join("record.pdf");
    ok(salal(&data).args([
        "print",
        "record",
        &id,
        "--lang",
        "es",
        "--out",
        record.to_str().unwrap(),
    ]));
    let text = pdf_text(&record);
    assert!(text.contains("Registro de vacunación"), "{text}");
    assert_eq!(
        ok(salal(&data).args(["verify", &qr_text(&record)]))
            .trim_start()
            .split(',')
            .next(),
        Some("valid: José Ángel Núñez Peña")
    );
    for form in ["registry", "mailings"] {
        let path = dir.path().join(format!("{form}.pdf"));
        ok(salal(&data).args([
            "print",
            "consent",
            &id,
            "--form",
            form,
            "--lang",
            "en",
            "--out",
            path.to_str().unwrap(),
        ]));
        let text = pdf_text(&path);
        assert!(text.contains("Núñez Peña"), "{form}: {text}");
        assert!(text.contains("Clínica del Valle"), "{form}: {text}");
    }
    let (code, _, err) =
        run(salal(&data).args(["print", "consent", &id, "--form", "other", "--out", "x.pdf"]));
    assert_eq!(code, 2);
    assert!(err.contains("registry or mailings"), "{err}");
}

fn csv_ids(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header row").split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "patient_id")
        .expect("patient_id column");
    let mut ids: Vec<String> = lines
        .map(|l| l.split(',').nth(col).unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[test]
fn recall_finds_exactly_the_families_due_and_never_those_who_declined() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("clinic");
    init(&data, "Clínica del Valle");
    // As of 2026-12-01, asking for MMR between 12 and 24 months:
    let due_en = add(
        &data,
        &[
            "--first",
            "Ana",
            "--last",
            "Ruiz",
            "--birth-date",
            "2025-10-01",
            "--language",
            "en",
            "--address",
            "1 Main St",
            "--city",
            "Yakima",
            "--state",
            "WA",
            "--zip",
            "98901",
        ],
    );
    let due_es = add(
        &data,
        &[
            "--first",
            "Lucía",
            "--last",
            "Gómez",
            "--second-last",
            "Paz",
            "--birth-date",
            "2025-04-15",
            "--language",
            "es",
            "--guardian",
            "María Paz",
        ],
    );
    let had_mmr = add(
        &data,
        &[
            "--first",
            "Beto",
            "--last",
            "Ruiz",
            "--birth-date",
            "2025-10-01",
        ],
    );
    dose(&data, &had_mmr, "03", "2026-10-02");
    let too_old = add(
        &data,
        &[
            "--first",
            "Carla",
            "--last",
            "Ruiz",
            "--birth-date",
            "2024-05-01",
        ],
    );
    let too_young = add(
        &data,
        &[
            "--first",
            "Dani",
            "--last",
            "Ruiz",
            "--birth-date",
            "2026-02-01",
        ],
    );
    let opted_out = add(
        &data,
        &[
            "--first",
            "Eva",
            "--last",
            "Soto",
            "--birth-date",
            "2025-10-01",
        ],
    );
    ok(salal(&data).args([
        "consent",
        "--patient",
        &opted_out,
        "--opt-out",
        "--reason",
        "family request",
    ]));
    let no_mail = add(
        &data,
        &[
            "--first",
            "Fito",
            "--last",
            "Soto",
            "--birth-date",
            "2025-10-01",
        ],
    );
    ok(salal(&data).args(["consent", "--patient", &no_mail, "--decline-mailings"]));
    let _ = (too_old, too_young);

    let base = [
        "recall",
        "--as-of",
        "2026-12-01",
        "--age-min-months",
        "12",
        "--age-max-months",
        "24",
        "--groups",
        "MMR",
    ];
    let csv = dir.path().join("recall.csv");
    let mut args = base.to_vec();
    args.extend(["--format", "csv", "--out", csv.to_str().unwrap()]);
    ok(salal(&data).args(&args));
    let mut expected = vec![due_en.clone(), due_es.clone()];
    expected.sort();
    assert_eq!(csv_ids(&csv), expected);

    let letters = dir.path().join("letters.pdf");
    let mut args = base.to_vec();
    args.extend(["--format", "letters", "--out", letters.to_str().unwrap()]);
    ok(salal(&data).args(&args));
    let text = pdf_text(&letters);
    assert!(text.contains("Ana"), "{text}");
    assert!(
        text.contains("María Paz"),
        "the Spanish family's letter is addressed to the guardian: {text}"
    );
    assert!(
        !text.contains("Soto"),
        "declined families never get a letter: {text}"
    );
    let pages = tool("pdfinfo", &[letters.to_str().unwrap()]);
    assert!(
        pages
            .lines()
            .any(|l| l.starts_with("Pages:") && l.trim_end().ends_with(" 2")),
        "{pages}"
    );

    // The letters are on each record; a second run suggests a call, or skips recent contacts.
    let shown = ok(salal(&data).args(["patient", "show", &due_es]));
    assert!(shown.contains("1 letters"), "{shown}");
    let mut args = base.to_vec();
    args.extend(["--format", "csv", "--out", csv.to_str().unwrap()]);
    ok(salal(&data).args(&args));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.lines()
            .skip(1)
            .all(|l| l.ends_with(",1,0,") || l.contains(",1,0,")),
        "{text}"
    );
    assert!(text.lines().skip(1).all(|l| l.ends_with(",call")), "{text}");
    let mut args = base.to_vec();
    args.extend([
        "--skip-contacted-days",
        "30",
        "--format",
        "csv",
        "--out",
        csv.to_str().unwrap(),
    ]);
    ok(salal(&data).args(&args));
    assert!(csv_ids(&csv).is_empty());

    let labels = dir.path().join("labels.pdf");
    let mut args = base.to_vec();
    args.extend(["--format", "labels", "--out", labels.to_str().unwrap()]);
    ok(salal(&data).args(&args));
    let text = pdf_text(&labels);
    assert!(text.contains("Yakima, WA 98901"), "{text}");

    let (code, _, err) = run(salal(&data).args([
        "recall",
        "--as-of",
        "2026-12-01",
        "--groups",
        "nonsense",
        "--format",
        "csv",
        "--out",
        "x.csv",
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("nonsense"), "{err}");
}

#[test]
fn a_card_that_shows_only_the_month_prints_month_and_year() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("clinic");
    init(&data, "Clínica del Valle");
    let id = add(
        &data,
        &[
            "--first",
            "Rosa",
            "--last",
            "Vega",
            "--birth-date",
            "2019-03-07",
            "--sex",
            "F",
        ],
    );
    dose(&data, &id, "03", "2020-04");
    let shown = ok(salal(&data).args(["patient", "show", &id]));
    assert!(shown.contains("04/2020"), "{shown}");
    assert!(!shown.contains("04/01/2020"), "no day is made up: {shown}");
    for (lang, cis) in [("en", "cis-en.pdf"), ("es", "cis-es.pdf")] {
        let path = dir.path().join(cis);
        ok(salal(&data).args([
            "print",
            "cis",
            &id,
            "--lang",
            lang,
            "--out",
            path.to_str().unwrap(),
        ]));
        let text = pdf_text(&path);
        assert!(text.contains("04/2020"), "{lang}:\n{text}");
    }
    let record = dir.path().join("record.pdf");
    ok(salal(&data).args(["print", "record", &id, "--out", record.to_str().unwrap()]));
    let text = pdf_text(&record);
    assert!(
        text.contains("04/2020") && !text.contains("04/01/2020"),
        "{text}"
    );
    // A dose given here always has its day.
    let (code, _, err) = run(salal(&data).args([
        "dose",
        "add",
        "--patient",
        &id,
        "--kind",
        "administered",
        "--cvx",
        "03",
        "--date",
        "2020-04",
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("month and year"), "{err}");
}
