#!/usr/bin/env bash
# Refreshes the committed query data in .sqlx/ after a query or a migration changes.
#
# Applies every migration to a scratch database on the local cluster (or DATABASE_URL's server),
# then type-checks each crate's SQL against it with SQLX_OFFLINE_DIR set, which makes the query
# macros write one JSON file per query. Builds then use that data offline (see .cargo/config.toml).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib/pg.sh
pg_ensure
scratch="${DATABASE_URL%/*}/sqlx_prepare"
admin="${DATABASE_URL%/*}/postgres"
psql "$admin" -qc 'drop database if exists sqlx_prepare' -c 'create database sqlx_prepare' >/dev/null
for file in migrations/*.sql; do
  psql "$scratch" -q -v ON_ERROR_STOP=1 -f "$file" >/dev/null
done
rm -rf .sqlx && mkdir .sqlx
# Touch the sources so every query macro runs again, not only those in changed files.
find app/src server/src server/tests -name '*.rs' -exec touch {} +
SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$root/.sqlx" DATABASE_URL="$scratch" \
  cargo check --quiet -p app --features ssr --all-targets
SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$root/.sqlx" DATABASE_URL="$scratch" \
  cargo check --quiet -p server --all-targets
echo "wrote $(ls .sqlx | wc -l) query files to .sqlx/"
