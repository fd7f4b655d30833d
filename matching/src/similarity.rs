//! String similarity: the typing-error distance and a phonetic code.
//!
//! Typing errors are measured with the restricted Damerau-Levenshtein distance (optimal string
//! alignment: insertions, deletions, substitutions and swaps of two neighbouring letters each
//! count one), written here rather than taken from a crate. Two names are a typing error apart
//! when that distance is 1 and the longer has at least 3 letters, or 2 and the longer has at
//! least 8. The phonetic code is American Soundex over folded letters, used for blocking keys.

/// The restricted Damerau-Levenshtein (optimal string alignment) distance, in characters.
#[must_use]
pub fn damerau_levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    // Three rolling rows: two back (for swaps), previous, current.
    let mut before: Vec<usize> = vec![0; width];
    let mut previous: Vec<usize> = (0..width).collect();
    let mut current: Vec<usize> = vec![0; width];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..width {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[width - 1]
}

/// Whether two different folded strings are a typing error apart (see the module doc).
#[must_use]
pub fn typo_close(a: &str, b: &str) -> bool {
    let longest = a.chars().count().max(b.chars().count());
    if longest < 3 {
        return false;
    }
    // The distance is at least the difference in length: skip the table when it cannot pass.
    let shortest = a.chars().count().min(b.chars().count());
    let allowed = if longest >= 8 { 2 } else { 1 };
    if longest - shortest > allowed {
        return false;
    }
    let d = damerau_levenshtein(a, b);
    d >= 1 && d <= allowed
}

/// American Soundex of the ASCII letters of a folded word ("garcia" → "G620"); `None` if it
/// has no ASCII letter.
#[must_use]
pub fn soundex(word: &str) -> Option<String> {
    fn digit(c: char) -> Option<char> {
        match c {
            'b' | 'f' | 'p' | 'v' => Some('1'),
            'c' | 'g' | 'j' | 'k' | 'q' | 's' | 'x' | 'z' => Some('2'),
            'd' | 't' => Some('3'),
            'l' => Some('4'),
            'm' | 'n' => Some('5'),
            'r' => Some('6'),
            _ => None,
        }
    }
    let mut letters = word
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .filter(char::is_ascii_lowercase);
    let first = letters.next()?;
    let mut code = String::with_capacity(4);
    code.push(first.to_ascii_uppercase());
    let mut last = digit(first);
    for c in letters {
        let d = digit(c);
        if let Some(d) = d
            && last != Some(d)
        {
            code.push(d);
            if code.len() == 4 {
                break;
            }
        }
        // 'h' and 'w' do not separate equal codes; vowels do.
        if c != 'h' && c != 'w' {
            last = d;
        }
    }
    while code.len() < 4 {
        code.push('0');
    }
    Some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_swaps_as_one() {
        assert_eq!(damerau_levenshtein("garcia", "garica"), 1);
        assert_eq!(damerau_levenshtein("garcia", "garcia"), 0);
        assert_eq!(damerau_levenshtein("", "abc"), 3);
        assert_eq!(damerau_levenshtein("lopez", "lopes"), 1);
        assert_eq!(damerau_levenshtein("kitten", "sitting"), 3);
        assert_eq!(damerau_levenshtein("ca", "abc"), 3);
        assert_eq!(damerau_levenshtein("núñez", "nunez"), 2);
    }

    #[test]
    fn typo_rule_depends_on_length() {
        assert!(typo_close("garcia", "garica"));
        assert!(typo_close("ana", "ama"));
        assert!(!typo_close("al", "ak"));
        assert!(!typo_close("maria", "mario s"));
        assert!(typo_close("fernandez", "frenandes"));
        assert!(!typo_close("lopez", "perez"));
        assert!(!typo_close("same", "same"));
    }

    #[test]
    fn soundex_codes() {
        assert_eq!(soundex("robert").as_deref(), Some("R163"));
        assert_eq!(soundex("rupert").as_deref(), Some("R163"));
        assert_eq!(soundex("ashcraft").as_deref(), Some("A261"));
        assert_eq!(soundex("tymczak").as_deref(), Some("T522"));
        assert_eq!(soundex("pfister").as_deref(), Some("P236"));
        assert_eq!(soundex("lee").as_deref(), Some("L000"));
        assert_eq!(soundex("123"), None);
    }
}
