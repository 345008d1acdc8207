#!/usr/bin/env bash
# Refreshes the committed query data in .sqlx/ after a query or a migration changes, or, with
# `--check`, fails when that data is stale (CI runs it that way).
#
# Applies every migration to a scratch database on the local cluster (or DATABASE_URL's server),
# then runs `cargo sqlx prepare` over the crates that hold queries (app with `ssr`, server, all
# targets, tests included). Builds use that data offline (SQLX_OFFLINE in .cargo/config.toml).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
check=()
case "${1:-}" in
  --check) check=(--check) ;;
  "") ;;
  *) echo "usage: scripts/sqlx-prepare.sh [--check]" >&2; exit 2 ;;
esac
source scripts/lib/tools.sh
source scripts/lib/pg.sh
ensure_sqlx_cli
pg_ensure
# Stop the local database again if this script started it (CI runs this before the tests, which
# would otherwise find it running, leave it running, and leave a server behind every run).
if [ "${PG_STARTED_HERE:-0}" = 1 ]; then trap pg_stop EXIT; fi
scratch="${DATABASE_URL%/*}/sqlx_prepare"
admin="${DATABASE_URL%/*}/postgres"
psql "$admin" -qc 'drop database if exists sqlx_prepare' -c 'create database sqlx_prepare' >/dev/null
for file in migrations/*.sql; do
  psql "$scratch" -q -v ON_ERROR_STOP=1 -f "$file" >/dev/null
done
DATABASE_URL="$scratch" cargo sqlx prepare --workspace "${check[@]}" -- \
  --quiet -p app -p server --features app/ssr --all-targets
[ ${#check[@]} -gt 0 ] && echo "the query data in .sqlx/ is current" || echo "$(ls .sqlx | wc -l) query files in .sqlx/"
