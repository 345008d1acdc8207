#!/usr/bin/env bash
# Runs every test:
#   1. the Rust unit and integration tests, against PostgreSQL (each test on a fresh database) and
#      a real SMTP server each mail test starts (aiosmtpd);
#   2. the Playwright suite in Chromium, against the real server as it ships: the release build with
#      the client split by route (cargo-leptos `--release --split`), reading mail from MailDev;
#   3. schemathesis against the running server, driven by its OpenAPI description;
#   4. our tokens verified by two libraries we did not write (PyJWT, npm jose) against that server's
#      JWKS: a valid token accepted, a tampered one refused, and one whose key was retired refused;
#   5. the cluster: 3 release instances behind HAProxy (scripts/cluster.sh): a revocation on one
#      refused on all (p50/p99 over 200 trials), throttling counted once, two-factor finished on
#      another instance, the browser smoke tests through the proxy, a rolling restart under load
#      (0 failed, 0 lost), one instance SIGKILLed, and PostgreSQL restarted under load.
# Installs what is missing first; uses DATABASE_URL's server when set (the environment's or .env's),
# else the local cluster; SMTP_URL likewise, else MailDev.
#
# Steps 2, 3 and 5 DROP AND RECREATE the databases `app_e2e`, `app_fuzz` and `app_cluster` on that
# server: never point DATABASE_URL at a server where those names hold anything of value. Step 5
# restarts PostgreSQL only when it is the project-local one this script started or found.
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
fuzz_pid=""
cluster_up=0
cleanup() {
  if [ -n "$fuzz_pid" ]; then kill "$fuzz_pid" 2>/dev/null || true; fi
  if [ "$cluster_up" = 1 ]; then scripts/cluster.sh stop || true; fi
  mail_stop
  if [ "${PG_STARTED_HERE:-0}" = 1 ]; then pg_stop; fi
}
trap cleanup EXIT

server_url="${DATABASE_URL%/*}"
fresh_database() {
  psql "$server_url/postgres" -qc "drop database if exists $1 with (force)" -c "create database $1" >/dev/null
  echo "$server_url/$1"
}

step "Rust tests (unit + integration against $DATABASE_URL)"
cargo test --locked -p app -p server --features app/ssr

step "End-to-end tests (Playwright, Chromium; recreates the database app_e2e)"
export DATABASE_URL
DATABASE_URL=$(fresh_database app_e2e)
export E2E_PORT="${E2E_PORT:-3400}"
export LEPTOS_SITE_ADDR="127.0.0.1:$E2E_PORT"
export LEPTOS_RELOAD_PORT=$((E2E_PORT + 1))
# The browser opens the app as http://localhost:PORT, not 127.0.0.1: WebAuthn refuses IP-address
# origins, and the passkey suite uses the same origin as every other test. (The app's public URL,
# mail links and passkey origin default to that too.)
export BASE_URL="http://localhost:$E2E_PORT"
JWT_SECRET=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
export JWT_SECRET
# Both e2e servers (and the CLI the key checks run) share one server key, as instances must: it
# opens the signing keys in the database.
ENCRYPTION_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export ENCRYPTION_KEY
export BCRYPT_COST="${E2E_BCRYPT_COST:-6}" # fast enough for many sign-ins, same code path as 12
export AUTH_OPEN_ROLE_SIGNUP=false
export RUST_LOG="${RUST_LOG:-warn}"
# Every browser test runs from 127.0.0.1, in parallel, against one server: the per-address limits
# would make them depend on each other. The per-account limits, which the suite tests, stay as they are.
export SIGNUP_MAX_PER_ADDRESS=100000 SIGNIN_MAX_FAILURES_PER_ADDRESS=100000 SIGNIN_MAX_ATTEMPTS_PER_ADDRESS=100000 \
  RECOVERY_MAX_PER_ADDRESS=100000
export MAIL_RETRY_SECS=1
# Access tokens live 20 s, so the app renews its session by itself during the suite (and a test
# waits for a token to expire); sessions themselves keep their default lifetimes.
export JWT_EXPIRES_IN=20
# The first administrator, created the way an operator would (the suite signs in as them).
export E2E_ADMIN_USERNAME=root E2E_ADMIN_PASSWORD="root-$(head -c 9 /dev/urandom | base64 | tr -d '/+=')"
ADMIN_PASSWORD="$E2E_ADMIN_PASSWORD" cargo run --locked --quiet -p server -- \
  create-admin --name "Root Admin" --username "$E2E_ADMIN_USERNAME" --email root@example.com

# cargo-leptos builds the release app with the client split by route (as scripts/release.sh does),
# starts the server, runs end2end/run.mjs (which waits for /readyz, then Playwright) and does not
# stop the server when the suite fails: run it in its own process group and end that whole group
# afterwards, whatever happened.
set +e
setsid cargo leptos end-to-end --release --split --lib-features split &
e2e_pid=$!
wait "$e2e_pid"
status=$?
set -e
kill -TERM -- "-$e2e_pid" 2>/dev/null || true
if [ "$status" -ne 0 ]; then
  echo "end-to-end tests failed (exit $status); screenshots and traces: end2end/test-results/" >&2
  exit "$status"
fi

step "API fuzzing (schemathesis against /api/openapi.json; recreates the database app_fuzz)"
# Its own server and database, so what the fuzzer creates and throttles touches nothing else. It
# signs in as an admin of its own, and leaves out what would end that session: the three sign-outs
# and ending a session by id (schemathesis reuses ids it read in earlier answers, its own included).
fuzz_port=$((E2E_PORT + 10))
fuzz_base="http://127.0.0.1:$fuzz_port"
DATABASE_URL=$(fresh_database app_fuzz)
export LEPTOS_SITE_ADDR="127.0.0.1:$fuzz_port" JWT_EXPIRES_IN=3600
fuzz_password="fuzz-$(head -c 9 /dev/urandom | base64 | tr -d '/+=')"
ADMIN_PASSWORD="$fuzz_password" cargo run --locked --quiet -p server -- \
  create-admin --name "Fuzz Admin" --username fuzzer --email fuzzer@example.com
cargo run --locked --quiet -p server &
fuzz_pid=$!
for _ in $(seq 1 120); do
  curl -fsS "$fuzz_base/readyz" >/dev/null 2>&1 && break
  sleep 0.5
done
token=$(curl -fsS "$fuzz_base/api/auth/signin" -H 'content-type: application/json' \
  -d "{\"username\": \"fuzzer\", \"password\": \"$fuzz_password\"}" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["accessToken"])')
tools/.venv/bin/schemathesis run "$fuzz_base/api/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing --max-examples "${FUZZ_EXAMPLES:-25}" --max-time "${FUZZ_SECONDS:-90}" \
  --exclude-path /api/auth/signout --exclude-path /api/auth/signout-all --exclude-path /api/auth/signout-others \
  --exclude-path '/api/auth/sessions/{id}' \
  -H "Authorization: Bearer $token" --no-color --report junit --report-dir target/schemathesis

step "Our tokens verified by PyJWT and jose against $fuzz_base/.well-known/jwks.json"
verify() { # <token> accepted|refused
  tools/.venv/bin/python scripts/lib/verify_token.py "$fuzz_base" "$1" "$2"
  (cd end2end && node tools/verify-token.mjs "$fuzz_base" "$1" "$2")
}
# The token the fuzzing used (signed in before it: the fuzzing's own sign-ins from this address
# exhaust the sign-in limits, as they should).
tampered=$(python3 -c 'import sys; h, p, s = sys.argv[1].split("."); print(".".join([h, p[:-1] + ("A" if p[-1] != "A" else "B"), s]))' "$token")
kid=$(python3 -c 'import base64, json, sys; h = sys.argv[1].split(".")[0]; print(json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))["kid"])' "$token")
verify "$token" accepted
verify "$tampered" refused
code=$(curl -s -o /dev/null -w '%{http_code}' "$fuzz_base/api/test/user" -H "Authorization: Bearer $token")
echo "before the retirement the server answers $code"
[ "$code" = 200 ]
cargo run --locked --quiet -p server -- keys rotate
cargo run --locked --quiet -p server -- keys retire "$kid"
verify "$token" refused
# The server itself refuses it too, once it has read the change (announced, or within 30 s).
for _ in $(seq 1 60); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$fuzz_base/api/test/user" -H "Authorization: Bearer $token")
  [ "$code" = 401 ] && break
  sleep 0.5
done
echo "the server answers $code to the retired key's token"
[ "$code" = 401 ]

kill "$fuzz_pid" 2>/dev/null || true
wait "$fuzz_pid" 2>/dev/null || true
fuzz_pid=""

step "Cluster: 3 release instances behind HAProxy (recreates the database app_cluster)"
CLUSTER_DATABASE_URL=$(fresh_database app_cluster)
export CLUSTER_DATABASE_URL
# Production settings, as a deployer would set them (cluster.sh adds APP_ENV=production and the
# rest); the load generator is one address, so the per-address limits are lifted as for the
# browser suite, and the per-account ones stay (the throttling check counts them).
export BCRYPT_COST=10 JWT_EXPIRES_IN=900 RUST_LOG=warn
unset LEPTOS_SITE_ADDR LEPTOS_RELOAD_PORT
cluster_up=1
CLUSTER_BUILD=0 scripts/cluster.sh start 3
python3 scripts/lib/cluster_check.py functional
(cd end2end && BASE_URL="http://localhost:${CLUSTER_PORT:-3600}" npx playwright test \
  --grep 'renders and hydrates|a reload keeps you signed in|add a passkey, sign out|create an account with a passkey')
python3 scripts/lib/cluster_check.py rolling
python3 scripts/lib/cluster_check.py kill
if [ -n "${PG_DATA:-}" ]; then
  PG_RESTART_CMD="scripts/db.sh restart" \
    python3 scripts/lib/cluster_check.py pg-restart
else
  echo "PostgreSQL restart under load skipped: DATABASE_URL is not the project-local server" >&2
fi
scripts/cluster.sh stop
cluster_up=0

step "all tests passed"
