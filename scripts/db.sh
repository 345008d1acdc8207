#!/usr/bin/env bash
# The project-local PostgreSQL (see scripts/lib/pg.sh). `scripts/dev.sh` leaves it running when the
# app stops, so the next start is instant; this stops it, or opens a psql session on it.
#   scripts/db.sh start    start it (creating it on first use) and print its DATABASE_URL
#   scripts/db.sh stop     stop it; the data stays in .data/pg
#   scripts/db.sh restart  restart it now (fast shutdown: open connections are cut)
#   scripts/db.sh psql     psql on the app database (more arguments go to psql)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib/pg.sh
unset DATABASE_URL # this script is about the local cluster, whatever the shell has set
command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
  start) pg_ensure && echo "$DATABASE_URL" ;;
  stop) pg_stop ;;
  restart) pg_find_bin && pg_pick_dir && pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w restart >/dev/null ;;
  psql) pg_ensure && exec psql "$DATABASE_URL" "$@" ;;
  *) sed -n '2,8s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
