#!/usr/bin/env bash
# Runs Palisade's whole test suite: vet, gofmt, and every Go test under the
# race detector, against SQLite and a throwaway PostgreSQL cluster, including
# the end-to-end tests that drive the real binary with the official `openai`
# and `botframework-directlinejs` npm clients.
#
# Needs: Go, Node.js with npm, PostgreSQL server binaries under
# /usr/lib/postgresql/*/bin (on Debian: apt-get install postgresql), and
# Chromium for the tests that drive pages in a headless browser (on Debian:
# apt-get install chromium; or set PALISADE_CHROMIUM to a Chromium or Chrome
# binary). Without PostgreSQL, npm or Chromium the matching tests are
# skipped, except under CI=true, where anything missing is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== gofmt, go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './e2e/node_modules/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
go vet ./...
go vet -tags purego ./internal/guard/...

echo "== end-to-end client packages (npm ci)"
if command -v npm >/dev/null 2>&1; then
  (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
elif [ "${CI:-}" = "true" ]; then
  echo "npm is required under CI" >&2
  exit 1
fi

pgdir=""
cleanup() {
  if [ -n "$pgdir" ]; then scripts/pg-test-cluster.sh stop "$pgdir" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
if [ -z "${PALISADE_TEST_POSTGRES_DSN:-}" ]; then
  if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "== starting a throwaway PostgreSQL cluster"
    pgdir=$(mktemp -d /tmp/palisade-pg.XXXXXX)
    dsn_line=$(scripts/pg-test-cluster.sh start "$pgdir" | grep '^PALISADE_TEST_POSTGRES_DSN=')
    export "${dsn_line?}"
  elif [ "${CI:-}" = "true" ]; then
    echo "PostgreSQL server binaries are required under CI" >&2
    exit 1
  else
    echo "PostgreSQL not found: its tests will be skipped"
  fi
fi

echo "== go test -race"
go test -race -count=1 -timeout 12m ./...

echo "== the guard's detectors without their assembly (-tags purego)"
go test -count=1 -short -tags purego ./internal/guard/inject ./internal/guard/pii ./internal/guard/secrets
