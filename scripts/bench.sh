#!/usr/bin/env bash
# The benchmark: builds the release app twice (the client in one piece, kept aside, then split by
# route as it ships), starts it and the tutorial's Node server (../shared/peers/seed-node, or
# SEED_NODE_DIR) on the project's PostgreSQL (separate databases), loads both with wrk, measures the
# PostgreSQL floor with pgbench, then loads the sign-in page and the Admin board in the system
# Chromium with network and CPU throttling, split and unsplit builds side by side. Prints one table
# (ours, peer or unsplit, ratio, target) also written as JSON to target/bench/results.json.
# Takes about 7 minutes once both release builds exist (BENCH_ROUNDS=3, BENCH_SECONDS=5,
# BENCH_CLIENT_RUNS=5).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib/tools.sh
source scripts/lib/pg.sh
out=target/bench
mkdir -p "$out"

if ! command -v wrk >/dev/null 2>&1; then
  apt_install wrk || { echo "wrk is missing: install it (Debian: apt-get install wrk)" >&2; exit 1; }
fi
seed_src="${SEED_NODE_DIR:-$root/../shared/peers/seed-node}"
[ -f "$seed_src/server.js" ] || { echo "the peer is not at $seed_src (set SEED_NODE_DIR)" >&2; exit 1; }

# The unsplit build, kept aside with its own server binary (it reads hash.txt from its own folder),
# then the split one, as shipped. Each prints its sizes; the JSON forms go to the report.
hashes="${CARGO_TARGET_DIR:-target}/release/hash.txt"
scripts/release.sh --unsplit >&2
python3 scripts/lib/client_size.py target/site/pkg "$hashes" --json >"$out/client-size-unsplit.json"
rm -rf "$out/unsplit" && mkdir -p "$out/unsplit"
cp "${CARGO_TARGET_DIR:-target}/release/server" "$hashes" "$out/unsplit/"
cp -r target/site "$out/unsplit/site"
scripts/release.sh >&2
python3 scripts/lib/client_size.py target/site/pkg "$hashes" --json >"$out/client-size-split.json"
ensure_e2e

pg_ensure
[ "${PG_STARTED_HERE:-0}" = 1 ] && trap pg_stop EXIT
admin_url="${DATABASE_URL%/*}/postgres"
for db in bench_ours bench_seed; do
  psql "$admin_url" -qc "drop database if exists $db with (force)" -c "create database $db" >/dev/null
done

# The peer's folder is read-only: run a copy with its locked dependencies installed.
seed_dir=.data/bench/seed-node
if [ ! -d "$seed_dir/node_modules" ] || [ "$seed_src/package-lock.json" -nt "$seed_dir/package-lock.json" ]; then
  rm -rf "$seed_dir" && mkdir -p "$seed_dir"
  (cd "$seed_src" && tar --exclude=node_modules -cf - .) | (cd "$seed_dir" && tar -xf -)
  (cd "$seed_dir" && npm ci --omit=dev --no-audit --no-fund >&2)
fi

SEED_DIR="$root/$seed_dir" python3 scripts/bench/run.py
