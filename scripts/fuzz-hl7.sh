#!/usr/bin/env bash
# Fuzzes salal-hl7's parser and batch reader for a bounded time each.
#
#   scripts/fuzz-hl7.sh SECONDS     (default 60 per target)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`) and a C++ compiler
# (libfuzzer-sys builds libFuzzer). Works on a stable toolchain:
# RUSTC_BOOTSTRAP=1 lets stable rustc take the -Z flags cargo-fuzz passes,
# and --sanitizer none avoids AddressSanitizer, which needs nightly's std.
# The corpus starts from the shared HL7 samples and lives, with the build
# and any crashing input, under the cargo target dir (never in the clone).
# Exits non-zero when a target crashes, naming the saved input.
set -euo pipefail

seconds="${1:-60}"
case "$seconds" in
    ''|*[!0-9]*) echo "usage: $0 SECONDS" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "$0")/.." && pwd)"
fuzz_dir="$root/hl7/fuzz"
samples="${SALAL_HL7_DIR:-$root/../shared/hl7}/samples"
work="${CARGO_TARGET_DIR:-$HOME/.cache/salal/target}/fuzz"
export CARGO_TARGET_DIR="$work/target"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: run \`cargo install cargo-fuzz --locked\`" >&2
    exit 2
fi

status=0
for target in parse batch; do
    corpus="$work/corpus/$target"
    artifacts="$work/artifacts/$target/"
    mkdir -p "$corpus" "$artifacts"
    if [ -d "$samples" ]; then
        cp -n "$samples"/*.hl7 "$corpus"/ 2>/dev/null || true
    fi
    echo "== fuzzing $target for ${seconds}s"
    if ! (cd "$fuzz_dir" && cargo fuzz run --sanitizer none "$target" "$corpus" -- \
            -max_total_time="$seconds" -max_len=65536 -artifact_prefix="$artifacts"); then
        echo "== $target FAILED: the input is in $artifacts" >&2
        status=1
    fi
done
exit "$status"
