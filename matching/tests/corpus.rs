//! The matcher against the labelled corpus: twins, siblings, blocking and overall quality.

use salal_matching::corpus::{self, LabelledPair, PairKind};
use salal_matching::{Decision, Matcher, blocking_keys};

fn matcher() -> Matcher {
    Matcher::embedded().expect("embedded matcher")
}

fn pairs(count: usize, seed: u64) -> Vec<LabelledPair> {
    corpus::generate(matcher().nicknames(), count, seed)
}

#[test]
fn generated_twins_are_never_merged() {
    let m = matcher();
    let mut twins = 0;
    let mut distinct = 0;
    for seed in 1..=3 {
        for pair in pairs(6000, seed)
            .iter()
            .filter(|p| p.kind == PairKind::Twins)
        {
            twins += 1;
            let c = m.compare(&pair.a, &pair.b);
            assert_ne!(c.decision, Decision::Merge, "{pair:?}\n{c:?}");
            assert_ne!(m.compare(&pair.b, &pair.a).decision, Decision::Merge);
            if c.decision == Decision::Distinct {
                distinct += 1;
            }
        }
    }
    assert!(twins >= 2000, "{twins}");
    // First names are always clearly different, so twins are normally told apart outright.
    assert!(distinct * 100 >= twins * 99, "{distinct} of {twins}");
}

#[test]
fn generated_siblings_are_distinct() {
    let m = matcher();
    let siblings: Vec<LabelledPair> = pairs(6000, 11)
        .into_iter()
        .filter(|p| p.kind == PairKind::Siblings)
        .collect();
    assert!(siblings.len() >= 700);
    let distinct = siblings
        .iter()
        .filter(|p| m.compare(&p.a, &p.b).decision == Decision::Distinct)
        .count();
    for pair in &siblings {
        assert_ne!(m.compare(&pair.a, &pair.b).decision, Decision::Merge);
    }
    assert!(distinct * 100 >= siblings.len() * 99, "{distinct}");
}

#[test]
fn blocking_keys_cover_every_true_pair() {
    for seed in [1, 2] {
        for pair in pairs(10_000, seed).iter().filter(|p| p.is_match()) {
            let a = blocking_keys(&pair.a);
            let b = blocking_keys(&pair.b);
            assert!(
                a.iter().any(|k| b.contains(k)),
                "no shared key: {pair:?}\n{a:?}\n{b:?}"
            );
        }
    }
}

#[test]
fn blocking_is_selective() {
    // Random pairs rarely share a key (the index stays cheap).
    let random: Vec<LabelledPair> = pairs(10_000, 5)
        .into_iter()
        .filter(|p| p.kind == PairKind::Random)
        .collect();
    let sharing = random
        .iter()
        .filter(|p| {
            let b = blocking_keys(&p.b);
            blocking_keys(&p.a).iter().any(|k| b.contains(k))
        })
        .count();
    assert!(
        sharing * 100 <= random.len() * 5,
        "{sharing} of {}",
        random.len()
    );
}

#[test]
fn quality_on_ten_thousand_pairs() {
    let m = matcher();
    let corpus = pairs(10_000, 1);
    let true_matches = corpus.iter().filter(|p| p.is_match()).count();
    let mut merged_true = 0;
    let mut false_merges = Vec::new();
    let mut reviews = 0;
    for pair in &corpus {
        let c = m.compare(&pair.a, &pair.b);
        match (c.decision, pair.is_match()) {
            (Decision::Merge, true) => merged_true += 1,
            (Decision::Merge, false) => false_merges.push(pair.kind),
            (Decision::Review, _) => reviews += 1,
            (Decision::Distinct, _) => {}
        }
    }
    assert!(false_merges.is_empty(), "false merges: {false_merges:?}");
    #[allow(clippy::cast_precision_loss)]
    let recall = f64::from(merged_true) / true_matches as f64;
    #[allow(clippy::cast_precision_loss)]
    let queue = f64::from(reviews) / corpus.len() as f64;
    assert!(recall >= 0.95, "recall {recall}");
    assert!(queue <= 0.03, "review queue {queue}");
}
