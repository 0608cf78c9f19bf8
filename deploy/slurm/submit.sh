#!/usr/bin/env bash
# Submits a sharded radtriage run to Slurm: an array of N shard tasks, at most M at once, and the merge
# with --dependency=afterok on the whole array. Prints "array <job id>" and "merge <job id>".
#
#   deploy/slurm/submit.sh N [M]         (M defaults to N: no throttle)
#
# Environment: see shard.sbatch and merge.sbatch (RADTRIAGE_STUDIES and RADTRIAGE_WORK are required).
# Extra sbatch options (partition, account, time limit) go in SBATCH_* variables, e.g. SBATCH_PARTITION.
# With MaxArraySize below N, give fewer shards: each task then takes more studies.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shards=${1:?usage: submit.sh N [M]}
throttle=${2:-$shards}
: "${RADTRIAGE_STUDIES:?set RADTRIAGE_STUDIES to the studies folder}"
: "${RADTRIAGE_WORK:?set RADTRIAGE_WORK to a shared folder for the shards and the worklists}"
mkdir -p "$RADTRIAGE_WORK/logs" "$RADTRIAGE_WORK/shards"
# A task id that is no longer in the array (a run with fewer shards before) must not reach the merge.
for folder in "$RADTRIAGE_WORK"/shards/task-*; do
    [ -e "$folder" ] || continue
    id=${folder##*/task-}
    [ "$id" -ge "$shards" ] 2>/dev/null && mv "$folder" "$RADTRIAGE_WORK/shards/.retired-task-$id-$(date +%s)"
done
array=$(sbatch --parsable --array="0-$((shards - 1))%$throttle" --export=ALL \
    --output="$RADTRIAGE_WORK/logs/shard-%A_%a.out" "$here/shard.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes --export=ALL \
    --output="$RADTRIAGE_WORK/logs/merge-%j.out" "$here/merge.sbatch")
merge=${merge%%;*}
echo "array $array"
echo "merge $merge"
