//! Sample documents and the command-line tools the tests check PDFs with
//! (poppler's `pdftotext`, `pdftoppm`, `pdfinfo`, `pdffonts`; zbar's `zbarimg`).
//! A missing tool fails the test that needs it.

#![allow(dead_code, unreachable_pub)]

use chrono::{NaiveDate, NaiveDateTime};
use salal_core::i18n::Lang;
use salal_core::patient::Sex;
use salal_print::model::{
    Child, Cis, CisRow, ComplianceStatus, ConsentForm, ConsentKind, DueLine, DueWhen,
    ImmunizationRecord, Letterhead, MailingLabel, PersonName, RecallLetter, RecordDose,
    RegistryStamp, Requirement, SettingStatus,
};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A calendar date.
pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// A date and time.
pub fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    date(y, m, d).and_hms_opt(h, min, 0).expect("valid time")
}

/// The sample clinic.
pub fn clinic() -> Letterhead {
    Letterhead {
        clinic_name: "Clínica Familiar Salal".to_owned(),
        lines: vec![
            "1200 Main Street, Suite 4".to_owned(),
            "Wenatchee, WA 98801".to_owned(),
            "Phone (509) 555-0142".to_owned(),
        ],
    }
}

/// José Ángel Núñez Peña, born 03/07/2019.
pub fn child() -> Child {
    Child {
        name: PersonName {
            first: "José".to_owned(),
            middle: "Ángel".to_owned(),
            last: "Núñez".to_owned(),
            second_last: "Peña".to_owned(),
        },
        birth_date: date(2019, 3, 7),
        sex: Sex::Male,
    }
}

/// The full name as documents print it.
pub const FULL_NAME: &str = "José Ángel Núñez Peña";

/// A realistic verification text of about 300 characters.
pub fn qr_text() -> String {
    let payload: String = (0..261)
        .map(|i: u32| {
            let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            char::from(alphabet[((i * 37 + 11) % 64) as usize])
        })
        .collect();
    let text = format!("https://verify.salal.example/cis/v1#{payload}.s3");
    assert!((290..=310).contains(&text.len()), "{}", text.len());
    text
}

fn row(
    key: &str,
    columns: usize,
    doses: &[NaiveDate],
    requirement: Requirement,
    status: Option<ComplianceStatus>,
) -> CisRow {
    CisRow {
        label_key: format!("print.cis.row.{key}"),
        columns,
        doses: doses.to_vec(),
        month_only: Vec::new(),
        requirement,
        status,
    }
}

/// A CIS with every row of the form; influenza has more doses than columns.
pub fn cis(lang: Lang) -> Cis {
    use ComplianceStatus::{Complete, Conditional};
    use Requirement::{ChildCareOnly, NotRequired, SchoolAndChildCare};
    let rows = vec![
        row(
            "hepb",
            3,
            &[date(2019, 3, 7), date(2019, 4, 10), date(2019, 9, 12)],
            SchoolAndChildCare,
            Some(Complete),
        ),
        row(
            "rotavirus",
            3,
            &[date(2019, 5, 9), date(2019, 7, 11)],
            NotRequired,
            None,
        ),
        row(
            "dtap",
            5,
            &[
                date(2019, 5, 9),
                date(2019, 7, 11),
                date(2019, 9, 12),
                date(2020, 6, 15),
            ],
            SchoolAndChildCare,
            Some(Conditional),
        ),
        row("tdap", 2, &[], SchoolAndChildCare, None),
        row(
            "hib",
            4,
            &[
                date(2019, 5, 9),
                date(2019, 7, 11),
                date(2019, 9, 12),
                date(2020, 3, 16),
            ],
            ChildCareOnly,
            Some(Complete),
        ),
        row(
            "pneumococcal",
            4,
            &[
                date(2019, 5, 9),
                date(2019, 7, 11),
                date(2019, 9, 12),
                date(2020, 3, 16),
            ],
            ChildCareOnly,
            Some(Complete),
        ),
        row(
            "polio",
            4,
            &[date(2019, 5, 9), date(2019, 7, 11), date(2019, 9, 12)],
            SchoolAndChildCare,
            Some(Conditional),
        ),
        row(
            "influenza",
            2,
            &[
                date(2019, 10, 1),
                date(2019, 11, 2),
                date(2020, 10, 5),
                date(2021, 10, 6),
                date(2022, 10, 7),
                date(2023, 10, 9),
                date(2024, 10, 1),
            ],
            NotRequired,
            None,
        ),
        row(
            "mmr",
            2,
            &[date(2020, 3, 16)],
            SchoolAndChildCare,
            Some(Conditional),
        ),
        row(
            "varicella",
            2,
            &[date(2020, 3, 16)],
            SchoolAndChildCare,
            Some(Conditional),
        ),
        row(
            "hepa",
            2,
            &[date(2020, 3, 16), date(2020, 9, 17)],
            NotRequired,
            None,
        ),
        row("meningococcal", 1, &[], NotRequired, None),
        row("hpv", 3, &[], NotRequired, None),
        row("covid19", 2, &[date(2022, 8, 1)], NotRequired, None),
    ];
    let (school, care, note) = match lang {
        Lang::En => (
            "School, grades K–6 (grade from age)",
            "Child care / preschool",
            "Rule for this grade is not confirmed by DOH sources",
        ),
        Lang::Es => (
            "Escuela, grados K–6 (grado según la edad)",
            "Guardería / preescolar",
            "La regla para este grado no está confirmada por fuentes del DOH",
        ),
    };
    Cis {
        lang,
        clinic: clinic(),
        child: child(),
        rows,
        varicella_history: None,
        statuses: vec![
            SettingStatus {
                setting: school.to_owned(),
                status: Conditional,
                notes: vec![note.to_owned()],
            },
            SettingStatus {
                setting: care.to_owned(),
                status: Complete,
                notes: Vec::new(),
            },
        ],
        stamp: RegistryStamp::ConfirmedAt(at(2024, 8, 20, 9, 30)),
        issued_at: at(2024, 8, 21, 14, 5),
        qr: qr_text(),
    }
}

/// A dose.
pub fn dose(vaccine: &str, on: NaiveDate, lot: &str, place: &str) -> RecordDose {
    RecordDose {
        vaccine: vaccine.to_owned(),
        date: on,
        month_only: false,
        lot: lot.to_owned(),
        provider: "Dra. Ana María Gutiérrez".to_owned(),
        place: place.to_owned(),
    }
}

/// A record with a handful of doses and three due lines.
pub fn record(lang: Lang) -> ImmunizationRecord {
    ImmunizationRecord {
        lang,
        clinic: clinic(),
        child: child(),
        doses: vec![
            dose(
                "Hep B, pediatric",
                date(2019, 3, 7),
                "HB-7731Ñ",
                "This clinic",
            ),
            dose(
                "DTaP-IPV-Hib-HepB (Vaxelis)",
                date(2019, 5, 9),
                "VX-0912",
                "This clinic",
            ),
            dose(
                "Rotavirus, pentavalent (RotaTeq)",
                date(2019, 5, 9),
                "RT-5521",
                "elsewhere: Hospital Central",
            ),
            dose(
                "Pneumococcal conjugate PCV15",
                date(2019, 7, 11),
                "PC-4410",
                "This clinic",
            ),
            dose("MMR", date(2020, 3, 16), "MM-2231", "This clinic"),
        ],
        due: vec![
            DueLine {
                vaccine: "Polio (IPV)".to_owned(),
                dose_number: Some(4),
                when: DueWhen::Overdue(date(2023, 3, 7)),
            },
            DueLine {
                vaccine: "MMR".to_owned(),
                dose_number: Some(2),
                when: DueWhen::Now,
            },
            DueLine {
                vaccine: "Influenza".to_owned(),
                dose_number: None,
                when: DueWhen::On(date(2025, 9, 1)),
            },
        ],
        stamp: RegistryStamp::NotConfirmed,
        issued_at: at(2024, 8, 21, 14, 5),
        qr: qr_text(),
    }
}

/// A consent form.
pub fn consent(lang: Lang, kind: ConsentKind) -> ConsentForm {
    ConsentForm {
        lang,
        kind,
        clinic: clinic(),
        child: child(),
        guardian: "María Peña Ortiz".to_owned(),
        address: vec![
            "482 Orchard Avenue, Apt 3".to_owned(),
            "Wenatchee, WA 98801".to_owned(),
        ],
        date: date(2024, 8, 21),
    }
}

/// A recall letter.
pub fn letter(lang: Lang) -> RecallLetter {
    RecallLetter {
        lang,
        clinic: clinic(),
        address_block: vec![
            "Parent or guardian of José Ángel Núñez Peña".to_owned(),
            "482 Orchard Avenue, Apt 3".to_owned(),
            "Wenatchee, WA 98801".to_owned(),
        ],
        child: child(),
        due: record(lang).due,
        date: date(2024, 8, 21),
    }
}

/// Mailing labels "Familia Núñez 01" ….
pub fn labels(n: usize) -> Vec<MailingLabel> {
    (1..=n)
        .map(|i| MailingLabel {
            lines: vec![
                format!("Familia Núñez {i:02}"),
                format!("{} Orchard Avenue", 100 + i),
                "Wenatchee, WA 98801".to_owned(),
            ],
        })
        .collect()
}

// ---------------------------------------------------------------- tools

/// A scratch folder holding `pdf` as doc.pdf.
pub struct Scratch {
    pub dir: tempfile::TempDir,
    pub pdf: PathBuf,
}

pub fn scratch(pdf: &[u8]) -> Scratch {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).expect("write pdf");
    Scratch { dir, pdf: path }
}

fn run(program: &str, args: &[&str]) -> Vec<u8> {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} (install poppler-utils / zbar-tools): {e}")
        });
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

/// `pdftotext -layout` of every page.
pub fn text(pdf: &[u8]) -> String {
    let s = scratch(pdf);
    String::from_utf8(run("pdftotext", &["-layout", path_str(&s.pdf), "-"])).expect("utf-8 text")
}

/// `pdftotext -layout` of one page (1-based).
pub fn page_text(pdf: &[u8], page: usize) -> String {
    let s = scratch(pdf);
    let n = page.to_string();
    String::from_utf8(run(
        "pdftotext",
        &["-layout", "-f", &n, "-l", &n, path_str(&s.pdf), "-"],
    ))
    .expect("utf-8 text")
}

/// Page count from `pdfinfo`.
pub fn pages(pdf: &[u8]) -> usize {
    let s = scratch(pdf);
    let info = String::from_utf8(run("pdfinfo", &[path_str(&s.pdf)])).expect("utf-8");
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo prints Pages:")
}

/// `pdffonts` output.
pub fn fonts(pdf: &[u8]) -> String {
    let s = scratch(pdf);
    String::from_utf8(run("pdffonts", &[path_str(&s.pdf)])).expect("utf-8")
}

/// A greyscale page image.
pub struct Gray {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

/// Parse a binary PGM (P5, 8-bit).
pub fn parse_pgm(bytes: &[u8]) -> Gray {
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'#' {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..i]).into_owned());
    }
    assert_eq!(fields[0], "P5", "binary greyscale PGM");
    let width: usize = fields[1].parse().expect("width");
    let height: usize = fields[2].parse().expect("height");
    assert_eq!(fields[3], "255", "8-bit PGM");
    let pixels = bytes[i + 1..].to_vec();
    assert_eq!(pixels.len(), width * height, "PGM size");
    Gray {
        width,
        height,
        pixels,
    }
}

/// Every page rendered by `pdftoppm -gray` at `dpi`.
pub fn render_gray(pdf: &[u8], dpi: u32) -> Vec<Gray> {
    let s = scratch(pdf);
    let prefix = s.dir.path().join("page");
    run(
        "pdftoppm",
        &[
            "-r",
            &dpi.to_string(),
            "-gray",
            path_str(&s.pdf),
            path_str(&prefix),
        ],
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(s.dir.path())
        .expect("read temp dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "pgm"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| parse_pgm(&std::fs::read(f).expect("read pgm")))
        .collect()
}

/// Assert no page has a non-white pixel within `mm` of its edges.
pub fn assert_edges_clear(pdf: &[u8], mm: f32) {
    let dpi = 50;
    let pages = render_gray(pdf, dpi);
    assert!(!pages.is_empty(), "no pages rendered");
    let band = (mm / 25.4 * dpi as f32).floor() as usize;
    for (n, page) in pages.iter().enumerate() {
        // US Letter at 50 dpi.
        assert!(
            page.width >= 400 && page.height >= 540,
            "page size {}x{}",
            page.width,
            page.height
        );
        for y in 0..page.height {
            for x in 0..page.width {
                let near =
                    x < band || y < band || x >= page.width - band || y >= page.height - band;
                if near && page.pixels[y * page.width + x] < 250 {
                    panic!(
                        "page {}: ink at ({x}, {y}) px, within {mm} mm of the edge",
                        n + 1
                    );
                }
            }
        }
        assert!(
            page.pixels.iter().any(|&p| p < 128),
            "page {} is blank",
            n + 1
        );
    }
}

/// The text of the QR code on page 1, decoded by `zbarimg`.
pub fn decode_qr(pdf: &[u8]) -> String {
    let s = scratch(pdf);
    let prefix = s.dir.path().join("qr");
    run(
        "pdftoppm",
        &[
            "-r",
            "200",
            "-f",
            "1",
            "-l",
            "1",
            "-png",
            "-singlefile",
            path_str(&s.pdf),
            path_str(&prefix),
        ],
    );
    let png = s.dir.path().join("qr.png");
    let out = run("zbarimg", &["--raw", "-q", path_str(&png)]);
    String::from_utf8(out)
        .expect("utf-8")
        .trim_end_matches('\n')
        .to_owned()
}

/// Collapse runs of spaces, so `-layout` column gaps do not split phrases.
pub fn squeeze(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        out.push_str(&line.split_whitespace().collect::<Vec<_>>().join(" "));
        out.push('\n');
    }
    out
}

/// A record with 40 doses (lots LOT-0001 …) and 25 due lines (Vaccine group 01 …).
pub fn long_record(lang: Lang) -> ImmunizationRecord {
    let mut record = record(lang);
    record.doses = (0..40u32)
        .map(|i| {
            let on = date(2019, 3, 7) + chrono::Days::new(u64::from(i) * 45);
            dose(
                &format!("Vacuna número {:02} (José)", i + 1),
                on,
                &format!("LOT-{:04}", i + 1),
                "This clinic",
            )
        })
        .collect();
    record.due = (0..25u32)
        .map(|i| DueLine {
            vaccine: format!("Vaccine group {:02}", i + 1),
            dose_number: Some(i % 4 + 1),
            when: match i % 3 {
                0 => DueWhen::Overdue(date(2024, 1, 1) + chrono::Days::new(u64::from(i))),
                1 => DueWhen::Now,
                _ => DueWhen::On(date(2025, 1, 1) + chrono::Days::new(u64::from(i))),
            },
        })
        .collect();
    record
}

/// Very long words and sentences, repeated.
pub fn huge_text() -> String {
    vec!["Ñandú-Supercalifragilístico"; 60].join(" ")
}

/// A CIS with absurdly long fields and a 40-dose row.
pub fn stress_cis(lang: Lang) -> Cis {
    let huge = huge_text();
    let mut cis = cis(lang);
    cis.child.name.first = huge.clone();
    cis.child.name.last = huge.clone();
    cis.clinic.clinic_name = huge.clone();
    cis.varicella_history = Some(huge.clone());
    cis.statuses[0].setting = huge.clone();
    cis.statuses[0].notes = vec![huge.clone(); 3];
    cis.rows.push(CisRow {
        label_key: huge,
        columns: 40,
        doses: (0..40)
            .map(|i| date(2020, 1, 1) + chrono::Days::new(i))
            .collect(),
        month_only: Vec::new(),
        requirement: Requirement::SchoolAndChildCare,
        status: Some(ComplianceStatus::OutOfCompliance),
    });
    cis
}

/// A letter with a long address, a long clinic name and 50 due lines.
pub fn stress_letter(lang: Lang) -> RecallLetter {
    let huge = huge_text();
    let mut letter = letter(lang);
    letter.address_block = vec![huge.clone(); 12];
    letter.due = long_record(lang).due;
    letter.due.extend(long_record(lang).due);
    letter.clinic.clinic_name = huge;
    letter
}
