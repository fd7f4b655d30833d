//! Times the documents that must be fast: one CIS (median of 50) and one PDF
//! of 1,000 recall letters. Run in release:
//!
//! `cargo run --release -p salal-print --example print-bench`

#[path = "../tests/support/mod.rs"]
mod support;

use salal_core::i18n::Lang;
use std::time::{Duration, Instant};

fn main() -> Result<(), salal_print::PrintError> {
    // The first document parses the fonts; time the steady state.
    let warm = Instant::now();
    salal_print::cis_pdf(&support::cis(Lang::En))?;
    println!("first cis (parses fonts): {:.1} ms", ms(warm.elapsed()));

    let cis = support::cis(Lang::Es);
    let mut times = Vec::with_capacity(50);
    let mut size = 0;
    for _ in 0..50 {
        let start = Instant::now();
        size = salal_print::cis_pdf(&cis)?.len();
        times.push(start.elapsed());
    }
    times.sort();
    println!(
        "cis: {:.1} ms ({} KB)",
        ms(times[times.len() / 2]),
        size / 1024
    );

    let letters: Vec<_> = (0..1000)
        .map(|i| support::letter(if i % 3 == 0 { Lang::Es } else { Lang::En }))
        .collect();
    let start = Instant::now();
    let pdf = salal_print::recall_letters_pdf(&letters, &mut |_, _| {})?;
    println!(
        "1000 letters: {:.2} s ({} KB)",
        start.elapsed().as_secs_f64(),
        pdf.len() / 1024
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
