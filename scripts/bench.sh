#!/usr/bin/env bash
# The benchmark: builds the release server, starts it and the tutorial's Node server
# (../shared/peers/seed-node, or SEED_NODE_DIR) on the project's PostgreSQL (separate databases),
# loads both with wrk, measures the PostgreSQL floor with pgbench, and prints one table
# (ours, peer, ratio, target) also written as JSON to target/bench/results.json.
# Takes about 3 minutes once the release build exists (BENCH_ROUNDS=3, BENCH_SECONDS=5).
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

# The release build, and the client's size.
scripts/release.sh >&2
raw=0 gz=0
hashes="${CARGO_TARGET_DIR:-target}/release/hash.txt"
for kind in wasm js; do
  file="target/site/pkg/rust-auth.$(sed -n "s/^$kind: *//p" "$hashes").$kind"
  raw=$((raw + $(stat -c %s "$file"))) gz=$((gz + $(gzip -9 -c "$file" | wc -c)))
done
printf '{"raw": %d, "gzip": %d}\n' "$raw" "$gz" >"$out/client-size.json"

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
