#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/, replays the committed failure cases and
# seed corpora once, then fuzzes each target for N seconds (first argument, default 20).
# New inputs go to a temporary folder, so the committed corpora stay small; a crash
# leaves its input under Fuzz/.build/fuzz-artifacts/<target>/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/../Fuzz"
seconds=${1:-20}
targets=(FuzzHandshake FuzzChunkDecoder FuzzAMF0 FuzzAMF3 FuzzFLVTags FuzzServerSession)

# The default gold linker fails on sanitizer builds; the Swift toolchain ships ld.lld,
# and Debian's lld package provides it otherwise.
if ! command -v ld.lld >/dev/null; then
    echo "ld.lld not found; install it with: apt-get install -y lld" >&2
    exit 1
fi
build=(-c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld)
swift build "${build[@]}"
bin=$(swift build "${build[@]}" --show-bin-path)

# Let libFuzzer, not Swift's backtracer, report a crash and save its input.
export SWIFT_BACKTRACE=enable=no
limits=(-max_len=8192 -rss_limit_mb=2048 -malloc_limit_mb=1024)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() {
    local target=$1
    shift
    local artifacts=.build/fuzz-artifacts/$target
    mkdir -p "$artifacts"
    if ! "$bin/$target" "${limits[@]}" -artifact_prefix="$artifacts/" "$@" >"$work/$target.log" 2>&1; then
        tail -n 40 "$work/$target.log" >&2
        echo "$target failed; the input is in Fuzz/$artifacts/" >&2
        exit 1
    fi
}

# replay: -runs=0 runs every file of the given folders once and stops
for target in "${targets[@]}"; do
    inputs=("Corpus/$target")
    if [ -d "FailCases/$target" ]; then inputs+=("FailCases/$target"); fi
    run "$target" -runs=0 "${inputs[@]}"
    echo "$target: replayed $(find "${inputs[@]}" -type f | wc -l) files"
done

# fuzz: new inputs go to a scratch folder, seeded from the committed corpus
for target in "${targets[@]}"; do
    mkdir -p "$work/corpus-$target"
    run "$target" -max_total_time="$seconds" -print_final_stats=1 "$work/corpus-$target" "Corpus/$target"
    executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$target.log" | grep -o '[0-9]*$')
    echo "$target: ${executions:-?} executions in ${seconds} s, no failures"
done
