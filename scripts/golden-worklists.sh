#!/usr/bin/env bash
# Writes the expected worklists of the golden tests (Tests/TriagePipelineTests/GoldenWorklistTests.swift)
# with a radtriage binary: SampleData/ and a synthetic folder, ranked as of a fixed time, with the model
# and configuration pinned in Tests/TriagePipelineTests/Golden/. With --state it also keeps the run state
# that the binary wrote for SampleData, which the tests open with today's code (a state file of an older
# release must upgrade without re-scoring anything): only do that with a released binary.
#
#   scripts/golden-worklists.sh [--state] .build/release/radtriage
#
# The tests themselves rewrite the expected worklists with today's code when RADTRIAGE_UPDATE_GOLDEN=1:
#   RADTRIAGE_UPDATE_GOLDEN=1 swift test --filter GoldenWorklistTests
# Do that only for a change that alters the worklists on purpose (model, ranking, synthesis), and say so.
set -euo pipefail
cd "$(dirname "$0")/.."
keep_state=0
if [ "${1:-}" = "--state" ]; then keep_state=1; shift; fi
binary=$(realpath "${1:?usage: $0 [--state] RADTRIAGE_BINARY}")
golden=Tests/TriagePipelineTests/Golden
# The inputs the tests build: keep these in step with GoldenWorklistTests.
now=2026-11-23T08:00:00Z
work=/tmp/radtriage-golden   # a fixed path: the state keys studies by their absolute folder
mtime=1767225600             # every input file's modification time (the state fingerprints it)
rm -rf "$work" && mkdir -p "$work"
cp -r SampleData "$work/SampleData"
rm -f "$work/SampleData/README.md" "$work/SampleData/make-sample-data.sh"
find "$work/SampleData" -type f -exec touch -d "@$mtime" {} +
"$binary" synth --out "$work/synth" --studies 4 --slices 24 --matrix 64 --seed 11 --lesion-probability 0.5 > /dev/null
for set in SampleData synth; do
  out="$work/out-$set"
  status=0
  "$binary" run --studies "$work/$set" --out "$out" --model "$golden/model" --config "$golden/radtriage.yaml" \
    --now "$now" --jobs 2 --log-level error || status=$?
  [ "$status" -le 1 ] || { echo "run over $set exited $status" >&2; exit 1; }
  target="$golden/$( [ "$set" = SampleData ] && echo sample || echo synth )"
  rm -rf "$target" && mkdir -p "$target"
  cp "$out"/worklist*.csv "$out"/worklist*.json "$out"/worklist*.html "$target/"
done
if [ "$keep_state" = 1 ]; then
  mkdir -p "$golden/state"
  cp "$work/out-SampleData/radtriage-state.sqlite" "$golden/state/radtriage-state.sqlite"
  "$binary" --version > "$golden/state/written-by-version.txt"
fi
echo "expected worklists written to $golden/"
