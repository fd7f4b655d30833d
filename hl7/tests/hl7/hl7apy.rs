//! An independent check: every built message is parsed by hl7apy (a Python
//! HL7 library written without reference to this crate), which must read the
//! same MSH-9 and the same segments. CI installs it (`pip install hl7apy`);
//! without it this test fails rather than skips.

use crate::builders::built_messages;
use std::io::Write as _;
use std::process::{Command, Stdio};

/// Reads one ER7 message on stdin; prints MSH-9, then one segment name a line.
const SCRIPT: &str = r#"
import sys
from hl7apy.parser import parse_message
from hl7apy.consts import VALIDATION_LEVEL
text = sys.stdin.buffer.read().decode("utf-8")
message = parse_message(text, validation_level=VALIDATION_LEVEL.TOLERANT, find_groups=False)
print(message.msh.msh_9.to_er7())
for child in message.children:
    print(child.name)
"#;

fn hl7apy_available() -> bool {
    Command::new("python3")
        .args(["-c", "import hl7apy"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

#[test]
fn hl7apy_reads_every_built_message_the_same_way() {
    assert!(
        hl7apy_available(),
        "the independent HL7 check needs the Python package hl7apy: run `pip install hl7apy` \
         (python3 must be on PATH)"
    );
    for (name, message, _) in built_messages() {
        let text = message.encode();
        let mut child = Command::new("python3")
            .args(["-c", SCRIPT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 starts");
        child
            .stdin
            .take()
            .expect("piped stdin")
            .write_all(text.as_bytes())
            .expect("message written");
        let output = child.wait_with_output().expect("python3 finishes");
        assert!(
            output.status.success(),
            "{name}: hl7apy could not parse it: {}\n{}",
            String::from_utf8_lossy(&output.stderr),
            text.replace('\r', "\n")
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        let mut lines = stdout.lines();
        let message_type = lines.next().unwrap_or_default();
        let expected_type = message
            .header()
            .and_then(|h| h.field(9))
            .map(|f| {
                f.repetitions
                    .first()
                    .map(|r| {
                        r.components
                            .iter()
                            .map(|c| c.first())
                            .collect::<Vec<_>>()
                            .join("^")
                    })
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        assert_eq!(message_type, expected_type, "{name}: MSH-9");
        let segments: Vec<&str> = lines.collect();
        let expected: Vec<&str> = message.segments.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(segments, expected, "{name}: segment names");
    }
}
