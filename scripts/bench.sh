#!/usr/bin/env bash
# Core gateway benchmark: the same load against the mock model server
# directly, through a bare httputil.ReverseProxy, and through Palisade (with
# an app secret; with allow_commit_before_fsync; with a guard that allows
# everything; and as a signed-in user of the built-in identity provider
# with 20 conditional access policies), in
# one run on one machine, interleaved round by round so machine noise falls
# on all alike.
#
# The server under test (proxy or Palisade) is pinned to CPU 0; the mock
# model server and the load generator share CPU 1. Results: a Markdown table
# on stdout and raw JSON under $OUT (default ./bench-out).
#
# Usage: scripts/bench.sh [ROUNDS] [SECONDS_PER_RUN]
# Env:   OUT=dir  SAT_CONC=32 (saturation concurrency)
#        PALISADE_BENCH_DATA=dir (Palisade's data directory; default a temp
#        directory on disk; a tmpfs path shows the cost without fsync)
#        BENCH_POSTGRES=1 adds a target with the PostgreSQL store: a
#        throwaway cluster (scripts/pg-test-cluster.sh) pinned to CPU 1, so
#        the record's database work leaves Palisade's core (it then shares
#        CPU 1 with the load generator and the mock)
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
pg=${BENCH_POSTGRES:-}
pgdir=/tmp/palisade-bench-pg.$$
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  if [ -n "$pg" ]; then scripts/pg-test-cluster.sh stop "$pgdir" >/dev/null 2>&1 || true; fi
  rm -rf "$bin"
}
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
# start_palisade NAME EXTRA_STORE_YAML [EXTRA_YAML]: start Palisade pinned
# to CPU 0 with its own data directory; sets pal_url, pal_port and pal_pid.
start_palisade() {
  local name=$1 store=$2 extra=${3:-} port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$data/$name"
  cat >"$bin/$name.yaml" <<YAML
server:
  addr: 127.0.0.1:$port
data_dir: $data/$name
store:
  driver: ${driver:-sqlite}
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
      zone: loopback
apps:
  - name: bench
    secrets: ["\${env:BENCH_SECRET}"]
    client_ids: [bench-cli]
    agents: [bench]
roles:
  - name: bench
    members: {apps: [bench], all_users: true}
    permissions: {agents: [bench]}
$extra
YAML
  if [ "$name" = auth ]; then
    printf '%s\n' "$secret" | BENCH_SECRET=$secret "$bin/palisade" users add benchuser --config "$bin/$name.yaml" >/dev/null
  fi
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
# The same with a guard policy that allows every finding (UNSAFE), to show
# what the content guard costs.
start_palisade noguard "" "guard:
  default_policy: open
  policies:
    - name: open
      inbound: {pii: allow, phi: allow, secret: allow, injection: allow, custom: allow}
      outbound: {pii: allow, phi: allow, secret: allow, output: allow, custom: allow}
      content: audit"
noguard=$pal_url; noguard_pid=$pal_pid
# A signed-in user: an access token from the built-in identity provider
# (verified, then cached), roles from the user, and 20 compiled conditional
# access policies evaluated on every request.
policies=""
for i in $(seq 1 20); do
  policies+="    - {name: p$i, action: deny, when: '(\"local:g$i\" in groups && !mfa) || ip_in(ip, \"198.18.$i.0/24\") || time.hour == 25'}"$'\n'
done
start_palisade auth "" "identity:
  local:
    access_token_ttl: 2h
    clients: [{id: bench-cli, redirect_uris: [\"http://127.0.0.1/callback\"]}]
access:
  policies:
$policies"
auth=$pal_url; auth_pid=$pal_pid
targets="direct proxy palisade nofsync noguard auth"
pg_pid=""
if [ -n "$pg" ]; then
  # The same default configuration with the PostgreSQL store; the server
  # (every process of the cluster inherits the affinity) runs on CPU 1.
  dsn=$(taskset -c 1 scripts/pg-test-cluster.sh start "$pgdir")
  dsn=${dsn#*=} # the script prints NAME=DSN
  driver=postgres start_palisade postgres "  dsn: $dsn"
  postgres=$pal_url; pg_pid=$pal_pid
  targets="$targets postgres"
fi
user_token=$(printf '%s\n' "$secret" | "$bin/palisade-bench" login --issuer "$auth/idp" --client bench-cli --user benchuser)

load() { # name url concurrency round
  local cred=$secret
  [ "$1" = auth ] && cred=$user_token
  taskset -c 1 "$bin/palisade-bench" load --url "$2" --concurrency "$3" --duration "${secs}s" \
    --model bench --header "Authorization: Bearer $cred" --json >"$out/$1-c$3-r$4.json"
}
# Warm up every path once.
url_of() { case $1 in direct) echo "$mock";; proxy) echo "$proxy";; palisade) echo "$palisade";; nofsync) echo "$nofsync";; noguard) echo "$noguard";; auth) echo "$auth";; postgres) echo "$postgres";; esac; }
for t in $targets; do
  cred=$secret
  [ "$t" = auth ] && cred=$user_token
  u=$(url_of "$t")
  taskset -c 1 "$bin/palisade-bench" load --url "$u" --concurrency 4 --duration 1s --model bench \
    --header "Authorization: Bearer $cred" --json >/dev/null
done
for r in $(seq 1 "$rounds"); do
  for c in 1 "$sat"; do
    for t in $targets; do load "$t" "$(url_of "$t")" "$c" "$r"; done
  done
done
hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
echo "{\"proxy_hwm_kb\": $(hwm $proxy_pid), \"palisade_hwm_kb\": $(hwm $palisade_pid), \"nofsync_hwm_kb\": $(hwm $nofsync_pid), \"noguard_hwm_kb\": $(hwm $noguard_pid), \"auth_hwm_kb\": $(hwm $auth_pid), \"postgres_hwm_kb\": $([ -n "$pg_pid" ] && hwm "$pg_pid" || echo 0)}" >"$out/rss.json"

python3 - "$out" "$rounds" "$sat" "$secs" "$targets" <<'PY'
import json, statistics, sys, os
out, rounds, sat = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def runs(name, c):
    return [json.load(open(os.path.join(out, f"{name}-c{c}-r{r}.json"))) for r in range(1, rounds + 1)]
med = statistics.median
rows = {}
for name in sys.argv[5].split():
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
d, p, g, n, a, u = rows["direct"], rows["proxy"], rows["palisade"], rows["nofsync"], rows["auth"], rows["noguard"]
print(f"| target | c=1 p50 µs | c=1 p99 µs | added p50 vs direct | added p99 vs direct | req/s c={sat} | p99 µs c={sat} | failed | peak RSS |")
print("|---|---|---|---|---|---|---|---|---|")
for name, r, rs in (("direct to mock", d, "-"), ("bare ReverseProxy", p, f"{rss['proxy_hwm_kb']/1024:.1f} MiB"), ("Palisade", g, f"{rss['palisade_hwm_kb']/1024:.1f} MiB"), ("Palisade, allow_commit_before_fsync (UNSAFE)", n, f"{rss['nofsync_hwm_kb']/1024:.1f} MiB"), ("Palisade, guard allows everything (UNSAFE)", u, f"{rss['noguard_hwm_kb']/1024:.1f} MiB"), ("Palisade, signed-in user + 20 access policies", a, f"{rss['auth_hwm_kb']/1024:.1f} MiB")) + ((("Palisade, PostgreSQL store (server on CPU 1)", rows["postgres"], f"{rss['postgres_hwm_kb']/1024:.1f} MiB"),) if "postgres" in rows else ()):
    print(f"| {name} | {r['p50']:.0f} | {r['p99']:.0f} | {r['p50']-d['p50']:+.0f} | {r['p99']-d['p99']:+.0f} | {r['rps']:.0f} | {r['satp99']:.0f} | {r['failed']} | {rs} |")
print()
print(f"Palisade / proxy throughput at c={sat}: {g['rps']/p['rps']:.2f}x (target >= 0.8x)")
print(f"Palisade p99 above the proxy at c=1: {g['p99']-p['p99']:+.0f} µs (target <= 150 µs)")
print(f"Palisade with a user's token and 20 policies / proxy at c={sat}: {a['rps']/p['rps']:.2f}x (target >= 0.7x); / Palisade with an app secret: {a['rps']/g['rps']:.2f}x")
print(f"Without the per-request fsync (UNSAFE): {n['rps']/p['rps']:.2f}x the proxy's throughput, p99 {n['p99']-p['p99']:+.0f} µs above it at c=1")
print(f"What the content guard adds at c=1: p50 {g['p50']-u['p50']:+.0f} µs, p99 {g['p99']-u['p99']:+.0f} µs; throughput with it {g['rps']/u['rps']:.2f}x without it")
if "postgres" in rows:
    print(f"With the PostgreSQL store (its server off Palisade's core): {rows['postgres']['rps']/p['rps']:.2f}x the proxy's throughput; {rows['postgres']['rps']/g['rps']:.2f}x Palisade with SQLite")
print(f"Rounds: {rounds} of {sys.argv[4]} s per run; medians across rounds.")
PY
