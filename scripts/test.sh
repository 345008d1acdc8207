#!/usr/bin/env bash
# Runs every test: the Rust unit and integration tests against PostgreSQL, then the Playwright
# suite in Chromium against the real server (built by cargo-leptos) on its own fresh database.
# Installs what is missing first; uses DATABASE_URL's server when set, else the local cluster.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib/tools.sh
source scripts/lib/pg.sh
source scripts/lib/mail.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

ensure_build_tools
ensure_e2e
ensure_python_tools
pg_ensure
mail_ensure
cleanup() {
  mail_stop
  if [ "${PG_STARTED_HERE:-0}" = 1 ]; then pg_stop; fi
}
trap cleanup EXIT

step "Rust tests (unit + integration against $DATABASE_URL)"
cargo test --locked -p app -p server --features app/ssr

step "End-to-end tests (Playwright, Chromium)"
# A fresh database for the browser suite, on the same server.
e2e_db=app_e2e
admin_url="${DATABASE_URL%/*}/postgres"
psql "$admin_url" -qc "drop database if exists $e2e_db with (force)" -c "create database $e2e_db" >/dev/null
export DATABASE_URL="${DATABASE_URL%/*}/$e2e_db"
export E2E_PORT="${E2E_PORT:-3400}"
export LEPTOS_SITE_ADDR="127.0.0.1:$E2E_PORT"
export LEPTOS_RELOAD_PORT=$((E2E_PORT + 1))
export BASE_URL="http://$LEPTOS_SITE_ADDR"
JWT_SECRET=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
export JWT_SECRET
export BCRYPT_COST="${E2E_BCRYPT_COST:-6}" # fast enough for many sign-ins, same code path as 12
export AUTH_OPEN_ROLE_SIGNUP=false
# Every browser test runs from 127.0.0.1, in parallel, against one server: the per-address limits
# would make them depend on each other. The per-account limits, which the suite tests, stay as they are.
export SIGNUP_MAX_PER_ADDRESS=100000 SIGNIN_MAX_FAILURES_PER_ADDRESS=100000 RECOVERY_MAX_PER_ADDRESS=100000
export MAIL_RETRY_SECS=1
# Access tokens live 20 s, so the app renews its session by itself during the suite (and a test
# waits for a token to expire); sessions themselves keep their default lifetimes.
export JWT_EXPIRES_IN=20
export RUST_LOG="${RUST_LOG:-warn}"
# The first administrator, created the way an operator would (the suite signs in as them).
export E2E_ADMIN_USERNAME=root E2E_ADMIN_PASSWORD="root-$(head -c 9 /dev/urandom | base64 | tr -d '/+=')"
ADMIN_PASSWORD="$E2E_ADMIN_PASSWORD" cargo run --locked --quiet -p server -- \
  create-admin --name "Root Admin" --username "$E2E_ADMIN_USERNAME" --email root@example.com

# cargo-leptos starts the server, runs end2end/run.mjs (which waits for /readyz, then Playwright)
# and does not stop the server when the suite fails: run it in its own process group and end
# that whole group afterwards, whatever happened.
set +e
setsid cargo leptos end-to-end &
e2e_pid=$!
wait "$e2e_pid"
status=$?
set -e
kill -TERM -- "-$e2e_pid" 2>/dev/null || true
if [ "$status" -ne 0 ]; then
  echo "end-to-end tests failed (exit $status); screenshots and traces: end2end/test-results/" >&2
  exit "$status"
fi
step "all tests passed"
