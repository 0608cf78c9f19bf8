#!/usr/bin/env bash
# The sharded run on a real Slurm: a one-node cluster on loopback only, the array of deploy/slurm/
# (4 shards) and the merge submitted with afterok, and the merged worklists compared byte for byte
# with one `radtriage run` over the same studies. Shuts the cluster down and checks that none of its
# processes is left. See Docs (README "Sharded runs") and /work/shared/scale-out.md for the reasons.
#
#   Tests/Cluster/slurm-array-test.sh [RADTRIAGE_BINARY]     (default: .build/debug/radtriage)
#
# Needs root (or passwordless sudo) to install Slurm from Debian's packages and to start slurmd.
# Runs inside a private network and UTS namespace (`unshare --net --uts`) where the kernel allows
# it; otherwise only when the hostname resolves to a 127.x address; else it says SKIPPED and why.
set -euo pipefail

repository=$(cd "$(dirname "$0")/../.." && pwd)
shards=4
packages="slurmctld slurmd slurm-client munge iproute2"

skip() {
    echo "=== SKIPPED: the Slurm array test did not run: $* ===" >&2
    exit 0
}

if [ "${1:-}" != "--inside" ]; then
    binary=$(realpath "${1:-$repository/.build/debug/radtriage}")
    [ -x "$binary" ] || { echo "slurm-array-test: no radtriage binary at $binary (build first)" >&2; exit 2; }
    if [ "$(id -u)" -ne 0 ]; then
        if sudo -n true 2>/dev/null; then exec sudo -n "$0" "$binary"; fi
        skip "it needs root or passwordless sudo (to install Slurm and run slurmd)"
    fi
    missing=$(for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || printf '%s ' "$p"; done)
    if [ -n "$missing" ]; then
        echo "slurm-array-test: installing $missing" >&2
        # Without systemd the packages' maintainer scripts start the daemons through /etc/init.d; a
        # policy-rc.d that says 101 ("not allowed") keeps them stopped. Only ours is removed afterwards.
        guard=""
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
            chmod 755 /usr/sbin/policy-rc.d
            guard=/usr/sbin/policy-rc.d
        fi
        # shellcheck disable=SC2086
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing; } \
            >/tmp/radtriage-slurm-install.log 2>&1 || { [ -n "$guard" ] && rm -f "$guard"; cat /tmp/radtriage-slurm-install.log >&2; exit 2; }
        [ -n "$guard" ] && rm -f "$guard"
    fi
    work=$(mktemp -d /tmp/radtriage-slurm.XXXXXX)
    # munged refuses a socket under a folder that is not o+x or is group/other writable.
    chmod 755 "$work"
    if unshare --net --uts true 2>/dev/null; then
        status=0
        unshare --net --uts "$0" --inside "$work" "$binary" namespace || status=$?
    else
        address=$(getent hosts "$(hostname)" | awk '{print $1; exit}')
        case "$address" in
            127.*) echo "slurm-array-test: no private network namespace here; $(hostname) resolves to $address, loopback" >&2 ;;
            *) rm -rf "$work"; skip "no private network namespace (unshare --net) and the hostname $(hostname) resolves to '${address:-nothing}', not 127.x: the daemons would listen beyond loopback" ;;
        esac
        status=0
        "$0" --inside "$work" "$binary" host || status=$?
    fi
    [ "$status" -eq 0 ] && rm -rf "$work"
    [ "$status" -eq 0 ] || echo "slurm-array-test: FAILED (status $status); files kept in $work" >&2
    exit "$status"
fi

# ---- inside: the namespace (or loopback-only host) -------------------------------------------
work=$2
binary=$3
started=$(date +%s.%N)
if [ "$4" = namespace ]; then
    # A fresh network namespace has only `lo`, down; the UTS namespace's hostname is ours to set.
    ip link set lo up
    # Slurm resolves names with AI_ADDRCONFIG, which glibc answers with nothing for IPv4 when 127.0.0.1
    # is the only IPv4 address: a second loopback address (still only on lo) makes it resolve.
    ip addr add 127.0.0.2/8 dev lo
    hostname localhost
fi
node=$(hostname)

# Every process of this cluster carries this mark (sbatch exports it to the jobs), so that the end
# can check that exactly these processes are gone, without looking for anything by name.
export RADTRIAGE_SLURM_TEST_MARK="radtriage-slurm-$$-$RANDOM"
export SLURM_CONF="$work/slurm.conf"
pids=()

stop_cluster() {
    scontrol shutdown >/dev/null 2>&1 || true
    for _ in $(seq 50); do
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ $alive -eq 0 ] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop_cluster EXIT

marked_processes() {
    for environ in /proc/[0-9]*/environ; do
        pid=${environ#/proc/}; pid=${pid%/environ}
        [ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
        { tr '\0' '\n' < "$environ"; } 2>/dev/null | grep -qx "RADTRIAGE_SLURM_TEST_MARK=$RADTRIAGE_SLURM_TEST_MARK" && echo "$pid"
    done
    return 0
}

# ---- the studies, and one single-machine run over them ---------------------------------------
studies="$work/studies"
config="$repository/Docs/radtriage.example.yaml"
now="2026-11-23T10:00:00Z"
"$binary" synth --out "$studies" --studies 11 --slices 24 --matrix 64 --seed 1515 --lesion-probability 0.5 >/dev/null
mkdir "$studies/S9999"   # no sidecar: a failed study, which must reach the merged worklist as well
"$binary" run --studies "$studies" --out "$work/single" --config "$config" --now "$now" --jobs 1 >"$work/single.log" 2>&1 \
    || [ $? -eq 1 ] || { cat "$work/single.log" >&2; exit 1; }

# ---- the cluster: munge, slurmctld, slurmd, all in $work ------------------------------------
mkdir -p "$work/munge" "$work/spool" "$work/state" "$work/log"
chmod 755 "$work/munge"
mungekey --create --keyfile="$work/munge/munge.key" 2>/dev/null || dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 600 "$work/munge/munge.key"
munged --foreground --socket="$work/munge/munge.sock" --key-file="$work/munge/munge.key" --pid-file="$work/munge/munged.pid" \
    --seed-file="$work/munge/munged.seed" --log-file="$work/log/munged.log" --origin=127.0.0.1 >"$work/log/munged.out" 2>&1 &
pids+=($!)

memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 2048 ))
[ "$memory" -gt 1024 ] && memory=1024
cat > "$SLURM_CONF" <<EOF
ClusterName=radtriage-test
SlurmctldHost=$node(127.0.0.1)
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$(( 20000 + RANDOM % 20000 ))
SlurmdPort=$(( 40000 + RANDOM % 20000 ))
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=kill_invalid_depend,batch_sched_delay=0
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

for _ in $(seq 50); do [ -S "$work/munge/munge.sock" ] && break; sleep 0.1; done
slurmctld -D -f "$SLURM_CONF" >"$work/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$work/log/slurmd.out" 2>&1 &
pids+=($!)

daemons_alive() { for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || return 1; done; }
up=""
state=""
for _ in $(seq 150); do
    daemons_alive || break
    state=$(timeout 5 sinfo -h -n "$node" -o %T 2>/dev/null || true)
    if [ "$state" = idle ]; then up=yes; break; fi
    sleep 0.2
done
if [ -z "$up" ]; then
    echo "slurm-array-test: the node did not come up (state '${state:-}')" >&2
    for file in "$work"/log/*.log; do echo "--- $file" >&2; tail -n 20 "$file" >&2; done
    exit 1
fi

# Loopback only: every listening TCP socket of this network namespace is on 127.0.0.1.
beyond=$(awk 'NR > 1 && $4 == "0A" && $2 !~ /^0100007F:/ {print $2}' /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -v '^00000000000000000000000001000000:' || true)
if [ -n "$beyond" ]; then echo "slurm-array-test: sockets listening beyond loopback: $beyond" >&2; exit 1; fi

# ---- the array and the merge, through deploy/slurm/submit.sh ----------------------------------
export RADTRIAGE="$binary" RADTRIAGE_STUDIES="$studies" RADTRIAGE_WORK="$work/cluster" RADTRIAGE_CONFIG="$config" \
    RADTRIAGE_MERGE_NOW="$now" RADTRIAGE_JOBS=1
mkdir -p "$RADTRIAGE_WORK"
submitted=$("$repository/deploy/slurm/submit.sh" "$shards" 2)
echo "$submitted" >&2
array_job=$(echo "$submitted" | awk '/^array/ {print $2}')
merge_job=$(echo "$submitted" | awk '/^merge/ {print $2}')
[ -n "$array_job" ] && [ -n "$merge_job" ] || { echo "slurm-array-test: submit.sh did not report both jobs" >&2; exit 1; }

job_state() { timeout 5 scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | awk -F= '$1 == "JobState" {print $2; exit}'; }
final=""
for _ in $(seq 600); do
    daemons_alive || { echo "slurm-array-test: a daemon ended during the jobs" >&2; break; }
    final=$(job_state "$merge_job")
    case "$final" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE) break ;; esac
    sleep 0.2
done
array_states=$(timeout 5 scontrol show job "$array_job" 2>/dev/null | tr ' ' '\n' | awk -F= '$1 == "JobState" {print $2}' | sort | uniq -c | tr -s ' ')
echo "slurm-array-test: array $array_job:$array_states; merge $merge_job: $final" >&2
if [ "$final" != COMPLETED ]; then
    for file in "$RADTRIAGE_WORK"/logs/*; do echo "--- $file" >&2; cat "$file" >&2; done
    tail -n 20 "$work/log/slurmctld.log" >&2 || true
    exit 1
fi
echo "$array_states" | grep -qx " *$shards COMPLETED" || { echo "slurm-array-test: not every array task completed" >&2; exit 1; }
grep -q "$shards shards" "$RADTRIAGE_WORK"/logs/merge-*.out || { echo "slurm-array-test: the merge did not report $shards shards" >&2; exit 1; }

# ---- the merged worklists are the single run's, byte for byte ---------------------------------
single_files=$(cd "$work/single" && ls worklist*)
merged_files=$(cd "$RADTRIAGE_WORK/worklists" && ls worklist*)
[ "$single_files" = "$merged_files" ] || { echo "slurm-array-test: different worklist files: [$single_files] vs [$merged_files]" >&2; exit 1; }
for file in $single_files; do
    cmp "$work/single/$file" "$RADTRIAGE_WORK/worklists/$file" || { echo "slurm-array-test: $file differs" >&2; exit 1; }
done
rows=$(($(grep -c '' "$work/single/worklist.csv") - 1))

# ---- down, and nothing of it left -------------------------------------------------------------
# The check below must see the cluster's processes while they run, or it would pass for nothing.
seen=$(marked_processes | wc -l)
[ "$seen" -ge "${#pids[@]}" ] || { echo "slurm-array-test: sees $seen of the cluster's ${#pids[@]} daemons by their mark" >&2; exit 1; }
trap - EXIT
stop_cluster
left=$(marked_processes)
if [ -n "$left" ]; then
    echo "slurm-array-test: processes left running: $left" >&2
    for pid in $left; do kill "$pid" 2>/dev/null || true; done
    exit 1
fi
for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then echo "slurm-array-test: daemon $pid still running" >&2; exit 1; fi
done
echo "=== Slurm array test passed: $shards shards + merge (afterok) = single run, $(echo "$single_files" | wc -l) files, $rows rows, byte for byte; cluster down, nothing left ($(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s) ===" >&2
