//! HL7 escape sequences (v2.5.1 section 2.7): `\F\` field, `\S\` component,
//! `\T\` subcomponent, `\R\` repetition, `\E\` escape, and `\Xhh..\` hex data.
//!
//! Decoding never fails: an unknown sequence (`\H\`, `\N\`, `\.br\`, `\Zxx\`,
//! character-set switches) and an unterminated `\` are kept as written, so no
//! text is lost. Hex data is read as UTF-8 when it is, and as Latin-1 bytes
//! otherwise.

use crate::message::Delimiters;

/// The text with escape sequences resolved.
#[must_use]
pub fn decode(text: &str, delimiters: &Delimiters) -> String {
    let Some(escape) = delimiters.escape else {
        return text.to_owned();
    };
    if !text.contains(escape) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((before, after)) = rest.split_once(escape) {
        out.push_str(before);
        let Some((body, tail)) = after.split_once(escape) else {
            // Unterminated: keep the rest as written.
            out.push(escape);
            out.push_str(after);
            return out;
        };
        match decode_sequence(body, delimiters) {
            Some(decoded) => out.push_str(&decoded),
            None => {
                out.push(escape);
                out.push_str(body);
                out.push(escape);
            }
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

fn decode_sequence(body: &str, d: &Delimiters) -> Option<String> {
    match body {
        "F" => Some(d.field.to_string()),
        "S" => Some(d.component.to_string()),
        "T" => Some(d.subcomponent.to_string()),
        "R" => Some(d.repetition.to_string()),
        "E" => d.escape.map(|e| e.to_string()),
        _ => {
            let hex = body.strip_prefix('X')?;
            if hex.is_empty() || hex.len() % 2 != 0 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let bytes: Vec<u8> = hex
                .as_bytes()
                .chunks(2)
                .filter_map(|pair| std::str::from_utf8(pair).ok())
                .filter_map(|pair| u8::from_str_radix(pair, 16).ok())
                .collect();
            Some(match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(e) => e.into_bytes().into_iter().map(char::from).collect(),
            })
        }
    }
}

/// Appends `text` to `out` with every delimiter escaped.
pub(crate) fn encode_into(text: &str, d: &Delimiters, out: &mut String) {
    let escape = d.escape.unwrap_or('\\');
    for c in text.chars() {
        let code = if c == d.field {
            Some('F')
        } else if c == d.component {
            Some('S')
        } else if c == d.subcomponent {
            Some('T')
        } else if c == d.repetition {
            Some('R')
        } else if c == escape {
            Some('E')
        } else {
            None
        };
        match code {
            Some(code) => {
                out.push(escape);
                out.push(code);
                out.push(escape);
            }
            // A segment ends at CR or LF, so they cannot appear raw in a value.
            None if c == '\r' || c == '\n' => {
                out.push(escape);
                out.push_str(if c == '\r' { "X0D" } else { "X0A" });
                out.push(escape);
            }
            None => out.push(c),
        }
    }
}

/// `text` with every delimiter escaped.
#[must_use]
pub fn encode(text: &str, delimiters: &Delimiters) -> String {
    let mut out = String::with_capacity(text.len());
    encode_into(text, delimiters, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &str, decoded: &str) {
        assert_eq!(
            decode(raw, &Delimiters::default()),
            decoded,
            "decoding {raw:?}"
        );
    }

    #[test]
    fn standard_sequences_decode() {
        check(r"PCV \T\ PPSV", "PCV & PPSV");
        check(r"a\F\b\S\c\R\d\E\e", r"a|b^c~d\e");
        check(r"caf\XC3A9\", "café");
        check(r"\X41\", "A");
        check(r"latin \XE9\", "latin é");
    }

    #[test]
    fn unknown_and_broken_sequences_are_kept() {
        check(r"\H\bold\N\", r"\H\bold\N\");
        check(r"line\.br\next", r"line\.br\next");
        check(r"\Zlocal\", r"\Zlocal\");
        check(r"trailing \", r"trailing \");
        check(r"\X4\", r"\X4\");
        check(r"\XZZ\", r"\XZZ\");
    }

    #[test]
    fn encoding_round_trips() {
        let d = Delimiters::default();
        for text in ["a|b^c~d\\e&f", "plain", "", "\"\"", "x\ry"] {
            assert_eq!(decode(&encode(text, &d), &d), text);
        }
    }
}
