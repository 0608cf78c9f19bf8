#!/usr/bin/env bash
# One sharded run on Kubernetes: the Indexed Job of shards, then, once every index has succeeded, the
# merge Job. Kubernetes has no dependency between Jobs, so this waits for the first to complete.
#   deploy/kubernetes/run.sh [NAMESPACE]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
namespace=${1:-default}
kubectl -n "$namespace" delete job radtriage-shards radtriage-merge --ignore-not-found --wait
kubectl -n "$namespace" apply -f "$here/shards-job.yaml"
# Complete: every index succeeded. Failed: an index failed (bad input, or its retries used up).
while :; do
    conditions=$(kubectl -n "$namespace" get job radtriage-shards -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type} {end}')
    case " $conditions" in
        *" Complete "*) break ;;
        *" Failed "*) echo "radtriage-shards failed; no merge (kubectl describe job radtriage-shards)" >&2; exit 1 ;;
    esac
    sleep 20
done
kubectl -n "$namespace" apply -f "$here/merge-job.yaml"
kubectl -n "$namespace" wait job/radtriage-merge --for=condition=Complete --timeout=2h
