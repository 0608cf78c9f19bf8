#!/usr/bin/env bash
# One run against N shard processes on this machine, over the same studies: wall seconds of each, the
# fastest of ROUNDS interleaved rounds (the machine is shared and noisy), every round shown.
#
#   scripts/shard-scaling.sh RADTRIAGE STUDIES [ROUNDS] [SHARD COUNTS...]
#   e.g. scripts/shard-scaling.sh .build/release/radtriage /tmp/studies 3 2 4
#
# "one run" is `radtriage run --jobs <cores>`; "N shards" is N processes `run --shard K/N --jobs 1`, at
# most <cores> at once (as a throttled Slurm array on one node would run them), then `merge`. Every
# measurement starts from empty output folders, so every study is scored. The merged worklists are
# checked against the single run's, byte for byte.
set -euo pipefail
radtriage=$(realpath "$1")
studies=$(realpath "$2")
rounds=${3:-3}
counts=("${@:4}")
[ ${#counts[@]} -gt 0 ] || counts=(2 4)
cores=$(nproc)
now=2026-11-23T10:00:00Z
work=$(mktemp -d /tmp/radtriage-scaling.XXXXXX)
trap 'rm -rf "$work"' EXIT

seconds() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }

single_run() {
    rm -rf "$work/single"
    local start; start=$(date +%s.%N)
    "$radtriage" run --studies "$studies" --out "$work/single" --now "$now" --jobs "$cores" >/dev/null 2>&1 || [ $? -eq 1 ]
    seconds "$start" "$(date +%s.%N)"
}

sharded_run() {
    local count=$1
    rm -rf "$work/shards" "$work/merged"
    mkdir -p "$work/shards"
    local start; start=$(date +%s.%N)
    seq 0 $((count - 1)) | xargs -P "$cores" -I{} sh -c \
        "'$radtriage' run --studies '$studies' --out '$work/shards/{}' --shard {}/$count --jobs 1 >/dev/null 2>&1; [ \$? -le 1 ]"
    local scored; scored=$(date +%s.%N)
    "$radtriage" merge "$work"/shards/* --out "$work/merged" --now "$now" >/dev/null 2>&1
    local end; end=$(date +%s.%N)
    for file in "$work"/single/worklist*; do cmp -s "$file" "$work/merged/${file##*/}" || { echo "merged ${file##*/} differs from the single run's" >&2; exit 1; }; done
    echo "$(seconds "$start" "$end") $(seconds "$scored" "$end")"
}

declare -A best all
for round in $(seq "$rounds"); do
    value=$(single_run)
    all[single]+="$value "
    best[single]=$(awk -v a="${best[single]:-1e9}" -v b="$value" 'BEGIN {print (b < a) ? b : a}')
    for count in "${counts[@]}"; do
        read -r total merge < <(sharded_run "$count")
        all[$count]+="$total "
        all[merge$count]+="$merge "
        best[$count]=$(awk -v a="${best[$count]:-1e9}" -v b="$total" 'BEGIN {print (b < a) ? b : a}')
    done
done
echo "studies: $(ls "$studies" | wc -l) in $studies; $cores cores; fastest of $rounds rounds"
echo "one run --jobs $cores: ${best[single]} s (rounds: ${all[single]})"
for count in "${counts[@]}"; do
    ratio=$(awk -v a="${best[single]}" -v b="${best[$count]}" 'BEGIN {printf "%.2f", a / b}')
    echo "$count shards (--jobs 1, $cores at once) + merge: ${best[$count]} s (rounds: ${all[$count]}; of which merge: ${all[merge$count]}); one run / sharded = $ratio"
done
