//! Matching quality on the labelled corpus: precision and recall of automatic merges, false
//! merges, the review queue, and comparisons per second.
//!
//! ```text
//! cargo run --release -p salal-matching --example quality -- --pairs 10000 --seed 1
//! ```
//!
//! Add `--verbose` to print the pairs decided wrongly (false merges, missed matches, reviews).

use salal_matching::Decision;
use salal_matching::corpus::{self, Corruption, LabelledPair, PairKind};
use salal_matching::{Comparison, Matcher, Rule, blocking_keys};
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Instant;

struct Args {
    pairs: usize,
    seed: u64,
    verbose: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        pairs: 10_000,
        seed: 1,
        verbose: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--pairs" => {
                let value = it.next().ok_or("--pairs needs a number")?;
                args.pairs = value.parse().map_err(|e| format!("--pairs {value}: {e}"))?;
            }
            "--seed" => {
                let value = it.next().ok_or("--seed needs a number")?;
                args.seed = value.parse().map_err(|e| format!("--seed {value}: {e}"))?;
            }
            "--verbose" => args.verbose = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn ratio(part: usize, whole: usize) -> f64 {
    percent(part, whole) / 100.0
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        #[allow(clippy::cast_precision_loss)]
        let ratio = part as f64 / whole as f64;
        100.0 * ratio
    }
}

fn show(pair: &LabelledPair, c: &Comparison) {
    println!(
        "  {} {:?} score {:.1} {:?} via {:?}",
        pair.kind.name(),
        pair.corruptions,
        c.score,
        c.decision,
        c.rule
    );
    println!("    a: {:?}", pair.a);
    println!("    b: {:?}", pair.b);
    let parts: Vec<String> = c
        .contributions
        .iter()
        .filter(|x| x.weight != 0.0)
        .map(|x| format!("{:?}={:?}({:+})", x.field, x.level, x.weight))
        .collect();
    println!("    {}", parts.join(" "));
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("quality: {message}");
            eprintln!("usage: quality [--pairs N] [--seed S] [--verbose]");
            return ExitCode::from(2);
        }
    };
    let matcher = match Matcher::embedded() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("quality: {e}");
            return ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    let pairs = corpus::generate(matcher.nicknames(), args.pairs, args.seed);
    let generated = started.elapsed();

    let started = Instant::now();
    let comparisons: Vec<Comparison> = pairs.iter().map(|p| matcher.compare(&p.a, &p.b)).collect();
    let elapsed = started.elapsed();

    let mut by_kind: BTreeMap<PairKind, [usize; 3]> = BTreeMap::new();
    let mut by_corruption: BTreeMap<Corruption, [usize; 3]> = BTreeMap::new();
    for (pair, c) in pairs.iter().zip(&comparisons) {
        let slot = match c.decision {
            Decision::Merge => 0,
            Decision::Review => 1,
            Decision::Distinct => 2,
        };
        by_kind.entry(pair.kind).or_default()[slot] += 1;
        if pair.is_match() {
            for corruption in &pair.corruptions {
                by_corruption.entry(*corruption).or_default()[slot] += 1;
            }
        }
    }

    let total = pairs.len();
    let true_matches = pairs.iter().filter(|p| p.is_match()).count();
    let merged = comparisons
        .iter()
        .filter(|c| c.decision == Decision::Merge)
        .count();
    let true_merges = pairs
        .iter()
        .zip(&comparisons)
        .filter(|(p, c)| p.is_match() && c.decision == Decision::Merge)
        .count();
    let false_merges = merged - true_merges;
    let reviews = comparisons
        .iter()
        .filter(|c| c.decision == Decision::Review)
        .count();
    let matches_reviewed = pairs
        .iter()
        .zip(&comparisons)
        .filter(|(p, c)| p.is_match() && c.decision == Decision::Review)
        .count();

    println!(
        "corpus: {total} pairs (seed {}), {true_matches} true matches, {} non-matches; generated in {:.2} s",
        args.seed,
        total - true_matches,
        generated.as_secs_f64()
    );
    println!();
    println!("| pairs | count | merge | review | distinct |");
    println!("|---|---|---|---|---|");
    for kind in PairKind::ALL {
        let [m, r, d] = by_kind.get(&kind).copied().unwrap_or_default();
        println!("| {} | {} | {m} | {r} | {d} |", kind.name(), m + r + d);
    }
    println!();
    println!("| true matches with corruption | count | merge | review | distinct |");
    println!("|---|---|---|---|---|");
    for corruption in Corruption::ALL {
        let [m, r, d] = by_corruption.get(&corruption).copied().unwrap_or_default();
        println!(
            "| {} | {} | {m} | {r} | {d} |",
            corruption.name(),
            m + r + d
        );
    }
    println!();
    println!(
        "auto-merge precision: {:.2}% ({true_merges} of {merged} merges)",
        percent(true_merges, merged)
    );
    println!(
        "auto-merge recall:    {:.2}% ({true_merges} of {true_matches} true matches)",
        percent(true_merges, true_matches)
    );
    println!("false merges:         {false_merges}");
    println!(
        "review queue:         {reviews} pairs = {:.2}% of all pairs, {:.2}% of true matches ({matches_reviewed} true matches, {} non-matches)",
        percent(reviews, total),
        percent(matches_reviewed, true_matches),
        reviews - matches_reviewed
    );
    // What the registry finds at all: a pair is compared only when the two
    // records share a blocking key.
    let shares_key = |p: &LabelledPair| {
        let b = blocking_keys(&p.b);
        blocking_keys(&p.a).iter().any(|k| b.contains(k))
    };
    let blocked: Vec<bool> = pairs.iter().map(shares_key).collect();
    let matches_blocked = pairs
        .iter()
        .zip(&blocked)
        .filter(|(p, b)| p.is_match() && **b)
        .count();
    let merged_blocked = pairs
        .iter()
        .zip(&comparisons)
        .zip(&blocked)
        .filter(|((p, c), b)| p.is_match() && c.decision == Decision::Merge && **b)
        .count();
    let keys_per_record: usize = pairs.iter().map(|p| blocking_keys(&p.a).len()).sum();
    println!(
        "blocking:             {matches_blocked} of {true_matches} true matches share a key ({:.2}%), \
         recall after blocking {:.2}%; {} of {} non-matches share one; {:.1} keys per record",
        percent(matches_blocked, true_matches),
        percent(merged_blocked, true_matches),
        pairs
            .iter()
            .zip(&blocked)
            .filter(|(p, b)| !p.is_match() && **b)
            .count(),
        total - true_matches,
        ratio(keys_per_record, total)
    );
    let closest = pairs
        .iter()
        .zip(&comparisons)
        .filter(|(p, c)| !p.is_match() && c.rule == Rule::Score)
        .max_by(|(_, x), (_, y)| x.score.total_cmp(&y.score));
    if let Some((p, c)) = closest {
        println!(
            "closest non-match:    score {:.1} ({}; highest decided by the thresholds, merge {:.1}, review {:.1})",
            c.score,
            p.kind.name(),
            matcher.weights().thresholds.merge,
            matcher.weights().thresholds.review
        );
    }
    let secs = elapsed.as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let rate = if secs > 0.0 { total as f64 / secs } else { 0.0 };
    println!(
        "throughput:           {rate:.0} comparisons/s ({total} in {:.3} s, one thread)",
        secs
    );

    if args.verbose {
        println!();
        println!("false merges:");
        for (p, c) in pairs.iter().zip(&comparisons) {
            if !p.is_match() && c.decision == Decision::Merge {
                show(p, c);
            }
        }
        println!("true matches not merged:");
        for (p, c) in pairs.iter().zip(&comparisons) {
            if p.is_match() && c.decision != Decision::Merge {
                show(p, c);
            }
        }
        println!("non-matches in review:");
        for (p, c) in pairs.iter().zip(&comparisons) {
            if !p.is_match() && c.decision == Decision::Review {
                show(p, c);
            }
        }
    }
    ExitCode::SUCCESS
}
