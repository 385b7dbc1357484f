#!/usr/bin/env bash
# Crash soak: runs the crash harness (e2e TestCrashAudit) with KILLS rounds
# (default 500). Each round starts `palisade serve`, loads it with
# concurrent clients, kills it with SIGKILL at a random moment and checks
# that every answered request's audit record survived, that the log's Seqs
# have no gap and that `palisade audit verify` passes.
#
# Usage: scripts/crash-soak.sh [KILLS]
# Env:   PALISADE_CRASH_SEED=N replays the kill moments of an earlier run
#        (its seed is printed first). The full log is kept in $LOG
#        (default a temporary file, printed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-500}
log=${LOG:-$(mktemp /tmp/palisade-crash-soak.XXXXXX.log)}
echo "crash soak: $kills kills; full log in $log"
start=$(date +%s)
status=0
PALISADE_CRASH_KILLS=$kills go test -count=1 -timeout 0 -run '^TestCrashAudit$' -v ./e2e >"$log" 2>&1 || status=$?
took=$(( $(date +%s) - start ))
grep -E 'crash harness|^(--- )?(PASS|FAIL|ok)' "$log" | sed 's/^ *//' || true
if [ "$status" -ne 0 ]; then
  echo "== failures:"
  grep -E 'LOST|skips from|TAMPERED|verify|failed|want' "$log" | head -50 || true
  echo "crash soak FAILED after ${took}s (see $log)"
  exit "$status"
fi
echo "crash soak passed: $kills kills in ${took}s"
