#!/usr/bin/env bash
# libFuzzer sessions for every harness under Fuzz/Harnesses (Fuzz/README.md).
#   scripts/fuzz.sh build                   the fuzz build (ASan + libFuzzer) in .build/fuzz-debug
#                                           (FUZZ_CONFIGURATION=release: .build/fuzz-release, faster)
#   scripts/fuzz.sh replay [harness...]     every seed and every past crash, once each: a regression test
#   scripts/fuzz.sh session SECS [harness...]   a bounded session per harness, one after another
#   scripts/fuzz.sh runs N [harness...]     a session of N executions per harness
#   scripts/fuzz.sh ci [SECS]               build, replay, then a SECS-second session per harness (default 10)
# Exit status: 0 clean; 1 a harness crashed, timed out, leaked or ran out of memory (the reproducer is
# kept in $FUZZ_ARTIFACTS/<harness>/, default .build/fuzz-artifacts); 2 the build failed.
set -uo pipefail
cd "$(dirname "$0")/.."
# debug keeps assert() as an extra oracle (CI); release runs several times faster (long sessions).
CONFIGURATION=${FUZZ_CONFIGURATION:-debug}
SCRATCH=${FUZZ_SCRATCH:-.build/fuzz-$CONFIGURATION}
ART=${FUZZ_ARTIFACTS:-.build/fuzz-artifacts}
WORK=${FUZZ_WORK:-.build/fuzz-corpus}
BIN="$SCRATCH/$CONFIGURATION"
export SWIFT_BACKTRACE=enable=no   # let libFuzzer, not the Swift backtracer, report traps
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:symbolize=1:detect_leaks=1}

all_harnesses() { for d in Fuzz/Harnesses/Fuzz*/; do n=$(basename "$d"); [ "$n" = FuzzSupport ] || echo "$n"; done; }

build() {
    mkdir -p "$ART"
    for t in $(all_harnesses); do
        nice -n 10 swift build -c "$CONFIGURATION" --scratch-path "$SCRATCH" --product "$t" \
            --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=address \
            -Xswiftc -DFUZZING -Xswiftc -use-ld=lld >"$ART/build.log" 2>&1 \
            || { tail -30 "$ART/build.log"; echo "fuzz build of $t failed"; exit 2; }
    done
}

# Extra libFuzzer flags of a harness: its dictionary, and Fuzz/Harnesses/<h>/libfuzzer.options if any.
flags() {
    local t=$1
    [ -f "Fuzz/dict/$t.dict" ] && echo "-dict=Fuzz/dict/$t.dict"
    [ -f "Fuzz/Harnesses/$t/libfuzzer.options" ] && cat "Fuzz/Harnesses/$t/libfuzzer.options"
}

replay() {
    local status=0
    for t in "$@"; do
        mapfile -t files < <(find "Fuzz/corpus/$t" "Fuzz/crashes/$t" -type f 2>/dev/null | sort)
        [ ${#files[@]} -gt 0 ] || { echo "=== $t: replay skipped: no seeds in Fuzz/corpus/$t and no past crashes in Fuzz/crashes/$t"; continue; }
        mkdir -p "$ART/$t"
        if "$BIN/$t" -timeout=10 -rss_limit_mb=2048 "${files[@]}" >"$ART/$t/replay.log" 2>&1; then
            echo "=== $t: ${#files[@]} seeds and past crashes replayed, all clean"
        else
            status=1
            echo "!!! $t failed on a seed or past crash:"; grep -m3 -E 'Running:|ERROR|Fatal error' "$ART/$t/replay.log"
        fi
    done
    return $status
}

session() {   # session <libFuzzer bound flag> harness...
    local bound=$1 status=0; shift
    for t in "$@"; do
        mkdir -p "$ART/$t" "$WORK/$t"
        nice -n 10 "$BIN/$t" "$WORK/$t" "Fuzz/corpus/$t" $bound -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=65536 \
            -print_final_stats=1 -artifact_prefix="$ART/$t/" $(flags "$t") >"$ART/$t/fuzz.log" 2>&1
        local rc=$?
        local runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$ART/$t/fuzz.log" | grep -o '[0-9]*$')
        local cov=$(grep -oE '(#[0-9]+|DONE).*cov: [0-9]+ ft: [0-9]+' "$ART/$t/fuzz.log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+')
        local rate=$(grep -oE 'exec/s: [0-9]+' "$ART/$t/fuzz.log" | tail -1 | grep -oE '[0-9]+$')
        echo "=== $t: ${runs:-0} executions, ${rate:-0}/s, $cov (edges: cov, features: ft)"
        if [ $rc -ne 0 ]; then
            status=1
            echo "!!! $t failed (rc=$rc); reproducer(s):"; ls "$ART/$t"/{crash,timeout,oom,leak}-* 2>/dev/null
            grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|Fatal error' "$ART/$t/fuzz.log"
        fi
    done
    return $status
}

command=${1:-ci}; shift || true
case "$command" in
    build) build ;;
    replay) [ $# -gt 0 ] || set -- $(all_harnesses); replay "$@" ;;
    session) secs=${1:-60}; shift || true; [ $# -gt 0 ] || set -- $(all_harnesses); session "-max_total_time=$secs" "$@" ;;
    runs) n=${1:-1000000}; shift || true; [ $# -gt 0 ] || set -- $(all_harnesses); session "-runs=$n" "$@" ;;
    ci) secs=${1:-10}; build && replay $(all_harnesses) && session "-max_total_time=$secs" $(all_harnesses) ;;
    *) sed -n 2,9p "$0"; exit 64 ;;
esac
