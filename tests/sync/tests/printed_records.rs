//! Printed records across clinics, through a real registry: a certificate
//! printed after a sync says the registry confirmed it, and a certificate
//! printed at one clinic verifies at another once the clinics' signing keys
//! have travelled through the registry.

use salal_sync_tests::{Registry, Replica};
use std::process::Command;

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} must be installed (scripts/setup.sh): {e}"));
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_certificate_verifies_at_another_clinic_after_keys_sync() {
    let registry = Registry::start();
    let org_a = registry.add_org("Clínica del Valle");
    let org_b = registry.add_org("Mount Vernon Family Clinic");
    let a = Replica::new();
    a.ok(&["init", "--clinic", "Clínica del Valle", "--admin", "admin"]);
    let child = a.add_patient("Lucía", "Gómez", "2020-02-02");
    let _dose = a.add_dose(&child, "03", "2021-02-10");
    a.ok(&[
        "enroll",
        "--registry",
        &registry.url(),
        "--code",
        &registry.enroll_code(&org_a),
    ]);

    let pdf = a.dir.path().join("cis.pdf");
    a.ok(&[
        "print",
        "cis",
        &child,
        "--lang",
        "en",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    let text = tool("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]);
    assert!(
        text.contains("Registry data as of"),
        "synced and confirmed: {text}"
    );

    let prefix = a.dir.path().join("page");
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
    let png = std::fs::read_dir(a.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "png"))
        .expect("rendered page");
    let qr = tool("zbarimg", &["--raw", "-q", png.to_str().unwrap()])
        .trim_end()
        .to_owned();

    let b = Replica::new();
    b.ok(&[
        "init",
        "--clinic",
        "Mount Vernon Family Clinic",
        "--admin",
        "admin",
    ]);
    let out = b.run(&["verify", &qr]);
    assert_eq!(out.status.code(), Some(1), "B does not know A's key yet");

    // A publishes its key on its next sync; B learns it on its first.
    let (pushed, _, _) = a.sync();
    assert_eq!(
        pushed, 0,
        "nothing new to push; the key travels beside the changes"
    );
    b.ok(&[
        "enroll",
        "--registry",
        &registry.url(),
        "--code",
        &registry.enroll_code(&org_b),
    ]);
    let verified = b.ok(&["verify", &qr]);
    assert!(
        verified.starts_with(
            "valid: Lucía Gómez, 2020-02-02, 1 doses, issued by Clínica del Valle on "
        ),
        "{verified}"
    );
}
