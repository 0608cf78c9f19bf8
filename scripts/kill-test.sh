#!/usr/bin/env bash
# Crash-safety soak test: SIGKILL `radtriage run` at random moments, many times, and check after every
# kill that each worklist file is either the previous one or the complete new one, and that the state
# database passes PRAGMA integrity_check; at the end, a normal run must give byte for byte the worklist
# of a run that was never interrupted. The test suite does the same 20 times; this does it N times.
#
#   scripts/kill-test.sh [ITERATIONS]      (default 200; BIN=path/to/radtriage to test another build)
set -euo pipefail
iterations=${1:-200}
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then
    swift build -c release -Xswiftc -target-cpu -Xswiftc haswell >/dev/null
    BIN=.build/release/radtriage
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now=2026-11-23T10:00:00Z
studies=$work/studies out=$work/out reference=$work/reference previous=$work/previous

"$BIN" synth --out "$studies" --studies 2 --slices 40 --matrix 128 --seed 5 >/dev/null
"$BIN" run --studies "$studies" --out "$out" --now $now --log-level error >/dev/null
mkdir -p "$previous" && cp "$out"/worklist.* "$previous"/
"$BIN" synth --out "$studies" --studies 6 --first-study 3 --slices 40 --matrix 128 --seed 5 >/dev/null
start=$(date +%s.%N)
"$BIN" run --studies "$studies" --out "$reference" --now $now --log-level error >/dev/null
seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
echo "uninterrupted run: ${seconds} s; killing $iterations runs at random moments within it"

# Opened read-write, as the next run would: SQLite rolls back the journal of a transaction cut short.
integrity() {
    python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("pragma integrity_check").fetchone()[0])' \
        "$out/radtriage-state.sqlite"
}

killed=0
for ((i = 1; i <= iterations; i++)); do
    extra=()
    if (( i % 2 == 0 )); then extra=(--full); fi
    "$BIN" run --studies "$studies" --out "$out" --now $now --log-level error "${extra[@]}" >/dev/null 2>&1 &
    pid=$!
    sleep "$(awk -v r=$RANDOM -v s="$seconds" 'BEGIN { printf "%.3f", r / 32767 * s * 1.1 }')"
    kill -9 $pid 2>/dev/null || true
    status=0
    wait $pid 2>/dev/null || status=$?
    if (( status == 137 )); then killed=$((killed + 1)); fi
    for f in worklist.csv worklist.json worklist.html; do
        if ! cmp -s "$out/$f" "$previous/$f" && ! cmp -s "$out/$f" "$reference/$f"; then
            echo "FAIL after kill $i: $f is neither the previous nor the complete new worklist"; exit 1
        fi
    done
    check=$(integrity)
    if [ "$check" != ok ]; then echo "FAIL after kill $i: integrity_check says: $check"; exit 1; fi
done
"$BIN" run --studies "$studies" --out "$out" --now $now --log-level error >/dev/null
for f in worklist.csv worklist.json worklist.html; do
    cmp "$out/$f" "$reference/$f" || { echo "FAIL: final $f differs from the uninterrupted run's"; exit 1; }
done
echo "PASS: $iterations runs ($killed killed mid-run): every worklist file was the previous or the complete new one," \
     "the state passed integrity_check each time, and the final worklist equals the uninterrupted run's"
