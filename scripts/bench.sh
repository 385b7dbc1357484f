#!/usr/bin/env bash
# Core gateway benchmark: the same load against the mock model server
# directly, through a bare httputil.ReverseProxy, and through Palisade, in
# one run on one machine, interleaved round by round so machine noise falls
# on all three alike.
#
# The server under test (proxy or Palisade) is pinned to CPU 0; the mock
# model server and the load generator share CPU 1. Results: a Markdown table
# on stdout and raw JSON under $OUT (default ./bench-out).
#
# Usage: scripts/bench.sh [ROUNDS] [SECONDS_PER_RUN]
# Env:   OUT=dir  SAT_CONC=32 (saturation concurrency)
#        PALISADE_BENCH_DATA=dir (Palisade's data directory; default a temp
#        directory on disk; a tmpfs path shows the cost without fsync)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
secs=${2:-5}
sat=${SAT_CONC:-32}
out=${OUT:-./bench-out}
mkdir -p "$out"
bin=$(mktemp -d /tmp/palisade-bench.XXXXXX)
data=${PALISADE_BENCH_DATA:-$bin/data}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$bin"; }
trap cleanup EXIT

go build -o "$bin/palisade" ./cmd/palisade
go build -o "$bin/palisade-bench" ./cmd/palisade-bench

first_line() { # wait for a process's first stdout line (its URL)
  local f=$1
  for _ in $(seq 1 100); do
    if [ -s "$f" ]; then head -1 "$f"; return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for $f" >&2; return 1
}

taskset -c 1 "$bin/palisade-bench" mock --mode instant --for 2h >"$bin/mock.url" 2>"$bin/mock.err" &
pids+=($!)
mock=$(first_line "$bin/mock.url")
taskset -c 0 "$bin/palisade-bench" proxy --upstream "$mock" --for 2h >"$bin/proxy.url" 2>"$bin/proxy.err" &
proxy_pid=$!; pids+=($proxy_pid)
proxy=$(first_line "$bin/proxy.url")

secret="bench-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# start_palisade NAME EXTRA_STORE_YAML: start Palisade pinned to CPU 0 with
# its own data directory; sets pal_url and pal_pid.
start_palisade() {
  local name=$1 store=$2 port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$data/$name"
  cat >"$bin/$name.yaml" <<YAML
server:
  addr: 127.0.0.1:$port
data_dir: $data/$name
store:
  driver: sqlite
$store
environments:
  - name: bench
    region: local
agents:
  - name: bench
    environment: bench
    kind: openai
    upstream:
      url: $mock/v1
      model: bench-model
apps:
  - name: bench
    secrets: ["\${env:BENCH_SECRET}"]
    agents: [bench]
roles:
  - name: bench
    members: {apps: [bench]}
    permissions: {agents: [bench]}
YAML
  BENCH_SECRET=$secret taskset -c 0 "$bin/palisade" serve --config "$bin/$name.yaml" --log-level warn >"$bin/$name.out" 2>"$bin/$name.err" &
  pal_pid=$!; pids+=($pal_pid)
  first_line "$bin/$name.out" >/dev/null
  pal_url="http://127.0.0.1:$port"
}
# The default, durable configuration: every answer waits for its audit
# record to be fsynced.
start_palisade palisade ""
palisade=$pal_url; palisade_pid=$pal_pid
# The same with store.allow_commit_before_fsync (UNSAFE), to show what the
# per-request flush costs.
start_palisade nofsync "  allow_commit_before_fsync: true"
nofsync=$pal_url; nofsync_pid=$pal_pid

load() { # name url concurrency round
  taskset -c 1 "$bin/palisade-bench" load --url "$2" --concurrency "$3" --duration "${secs}s" \
    --model bench --header "Authorization: Bearer $secret" --json >"$out/$1-c$3-r$4.json"
}
# Warm up every path once.
for t in direct proxy palisade nofsync; do
  case $t in direct) u=$mock;; proxy) u=$proxy;; palisade) u=$palisade;; nofsync) u=$nofsync;; esac
  taskset -c 1 "$bin/palisade-bench" load --url "$u" --concurrency 4 --duration 1s --model bench \
    --header "Authorization: Bearer $secret" --json >/dev/null
done
for r in $(seq 1 "$rounds"); do
  for c in 1 "$sat"; do
    load direct "$mock" "$c" "$r"
    load proxy "$proxy" "$c" "$r"
    load palisade "$palisade" "$c" "$r"
    load nofsync "$nofsync" "$c" "$r"
  done
done
hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
echo "{\"proxy_hwm_kb\": $(hwm $proxy_pid), \"palisade_hwm_kb\": $(hwm $palisade_pid), \"nofsync_hwm_kb\": $(hwm $nofsync_pid)}" >"$out/rss.json"

python3 - "$out" "$rounds" "$sat" "$secs" <<'PY'
import json, statistics, sys, os
out, rounds, sat = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def runs(name, c):
    return [json.load(open(os.path.join(out, f"{name}-c{c}-r{r}.json"))) for r in range(1, rounds + 1)]
med = statistics.median
rows = {}
for name in ("direct", "proxy", "palisade", "nofsync"):
    one, satr = runs(name, 1), runs(name, sat)
    rows[name] = {
        "p50": med(x["latency_ms"]["p50"] for x in one) * 1000,
        "p99": med(x["latency_ms"]["p99"] for x in one) * 1000,
        "rps1": med(x["rps"] for x in one),
        "rps": med(x["rps"] for x in satr),
        "satp99": med(x["latency_ms"]["p99"] for x in satr) * 1000,
        "failed": sum(x["failed"] for x in one + satr),
    }
rss = json.load(open(os.path.join(out, "rss.json")))
d, p, g, n = rows["direct"], rows["proxy"], rows["palisade"], rows["nofsync"]
print(f"| target | c=1 p50 µs | c=1 p99 µs | added p50 vs direct | added p99 vs direct | req/s c={sat} | p99 µs c={sat} | failed | peak RSS |")
print("|---|---|---|---|---|---|---|---|---|")
for name, r, rs in (("direct to mock", d, "-"), ("bare ReverseProxy", p, f"{rss['proxy_hwm_kb']/1024:.1f} MiB"), ("Palisade", g, f"{rss['palisade_hwm_kb']/1024:.1f} MiB"), ("Palisade, allow_commit_before_fsync (UNSAFE)", n, f"{rss['nofsync_hwm_kb']/1024:.1f} MiB")):
    print(f"| {name} | {r['p50']:.0f} | {r['p99']:.0f} | {r['p50']-d['p50']:+.0f} | {r['p99']-d['p99']:+.0f} | {r['rps']:.0f} | {r['satp99']:.0f} | {r['failed']} | {rs} |")
print()
print(f"Palisade / proxy throughput at c={sat}: {g['rps']/p['rps']:.2f}x (target >= 0.8x)")
print(f"Palisade p99 above the proxy at c=1: {g['p99']-p['p99']:+.0f} µs (target <= 150 µs)")
print(f"Without the per-request fsync (UNSAFE): {n['rps']/p['rps']:.2f}x the proxy's throughput, p99 {n['p99']-p['p99']:+.0f} µs above it at c=1")
print(f"Rounds: {rounds} of {sys.argv[4]} s per run; medians across rounds.")
PY
