//! The synthetic people of the benchmark generators (`birth_feed_gen` and
//! `hl7_bench`, which include this file with `#[path]`): a small
//! deterministic generator and the name lists it draws from.

/// SplitMix64: small, fast, deterministic.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// One of `items` (empty when there are none).
    pub(crate) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let len = u64::try_from(items.len()).unwrap_or(1);
        items
            .get(usize::try_from(self.below(len)).unwrap_or(0))
            .copied()
            .unwrap_or_default()
    }

    /// A surname of three syllables: one of `ONSET`, `MIDDLE` and `CODA` each.
    pub(crate) fn surname(&mut self) -> String {
        format!(
            "{}{}{}",
            self.pick(ONSET),
            self.pick(MIDDLE),
            self.pick(CODA)
        )
    }
}

/// `name` with its accented vowels and `ñ` as plain ASCII letters (`Lucía`
/// as `Lucia`).
#[allow(
    dead_code,
    reason = "not every example that includes this file spells names in ASCII"
)]
pub(crate) fn ascii(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'á' => 'a',
            'é' => 'e',
            'í' => 'i',
            'ó' => 'o',
            'ú' | 'ü' => 'u',
            'ñ' => 'n',
            'Á' => 'A',
            'É' => 'E',
            'Í' => 'I',
            'Ó' => 'O',
            'Ú' | 'Ü' => 'U',
            'Ñ' => 'N',
            other => other,
        })
        .collect()
}

pub(crate) const FIRST: &[&str] = &[
    "Ana", "Lucía", "Sofía", "Valeria", "Camila", "Emma", "Olivia", "Ava", "Mia", "Isla", "Mateo",
    "Santiago", "Tomás", "Diego", "Liam", "Noah", "Elias", "Owen", "Leo", "Felix", "Nora", "Ivy",
    "Jonah", "Ezra", "Rosa", "Ines", "Marco", "Hugo", "Clara", "Elena",
];
/// Surnames are made of three syllables (4,000 of them), so blocking keys
/// stay as selective as a real population's.
pub(crate) const ONSET: &[&str] = &[
    "Al", "Bar", "Cor", "Dal", "Es", "Fen", "Gar", "Hol", "Ib", "Jur", "Kes", "Lin", "Mor", "Nov",
    "Och", "Pry", "Quin", "Riv", "Sal", "Tor",
];
pub(crate) const MIDDLE: &[&str] = &[
    "a", "e", "i", "o", "u", "an", "en", "in", "on", "ul", "ar", "er", "ir", "or", "ur", "as",
    "es", "is", "os", "us",
];
pub(crate) const CODA: &[&str] = &[
    "do", "ga", "ton", "ez", "ley", "mann", "vik", "ro", "sa", "well",
];
pub(crate) const CITY: &[&str] = &[
    "Yakima",
    "Wapato",
    "Toppenish",
    "Sunnyside",
    "Granger",
    "Zillah",
];
