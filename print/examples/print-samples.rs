//! Writes every document, for the sample child, in English and Spanish, to a
//! folder (default `target/print-samples`), to look at them.
//!
//! `cargo run -p salal-print --example print-samples -- /tmp/samples`

#[path = "../tests/support/mod.rs"]
mod support;

use salal_core::i18n::Lang;
use salal_print::model::ConsentKind;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/print-samples"), PathBuf::from);
    std::fs::create_dir_all(&dir)?;
    for lang in Lang::ALL {
        let code = lang.code();
        let write = |name: &str, bytes: Vec<u8>| {
            std::fs::write(dir.join(format!("{name}-{code}.pdf")), bytes)
        };
        write("cis", salal_print::cis_pdf(&support::cis(lang))?)?;
        write("record", salal_print::record_pdf(&support::record(lang))?)?;
        write(
            "long-record",
            salal_print::record_pdf(&support::long_record(lang))?,
        )?;
        write(
            "consent-registry",
            salal_print::consent_pdf(&support::consent(lang, ConsentKind::RegistryDecline))?,
        )?;
        write(
            "consent-mailings",
            salal_print::consent_pdf(&support::consent(lang, ConsentKind::MailingsDecline))?,
        )?;
        write(
            "stress-cis",
            salal_print::cis_pdf(&support::stress_cis(lang))?,
        )?;
        write(
            "stress-letter",
            salal_print::recall_letters_pdf(&[support::stress_letter(lang)], &mut |_, _| {})?,
        )?;
        let letters = [support::letter(lang), support::letter(lang)];
        write(
            "letters",
            salal_print::recall_letters_pdf(&letters, &mut |_, _| {})?,
        )?;
    }
    std::fs::write(
        dir.join("labels.pdf"),
        salal_print::mailing_labels_pdf(&support::labels(31))?,
    )?;
    println!("wrote samples to {}", dir.display());
    Ok(())
}
