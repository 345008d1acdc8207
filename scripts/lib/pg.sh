# shellcheck shell=bash
# The project-local PostgreSQL cluster. Source this file, then call `pg_ensure`.
#
# When DATABASE_URL is set, it is used as is and nothing is started. Otherwise a cluster is created
# once under .data/pg (git-ignored), started on a private port on 127.0.0.1 (TCP only, trust
# authentication for the local `app` role: a development database, never a production one) and
# DATABASE_URL is exported for it. Later calls reuse the running cluster, or restart the stopped one
# with its data. Running as root, the server runs as the `postgres` user, since PostgreSQL refuses root.

PG_ROOT="${PG_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# shellcheck source=apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"
PG_STATE="$PG_ROOT/.data"
PG_DB_NAME="${PG_DB_NAME:-app}"
PG_FIRST_PORT=54329

pg_log() { printf '\033[36m[db]\033[0m %s\n' "$*" >&2; }

# Finds initdb/pg_ctl: the newest /usr/lib/postgresql/*/bin, else PATH; installs them (as root) when missing.
pg_find_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$dir" ] && command -v pg_ctl >/dev/null 2>&1; then
    dir=$(dirname "$(command -v pg_ctl)")
  fi
  if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
    pg_log "installing PostgreSQL server binaries (apt-get install postgresql)"
    if apt_install postgresql; then
      dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    fi
  fi
  [ -n "$dir" ] && [ -x "$dir/initdb" ] || { pg_log "PostgreSQL server binaries not found; install PostgreSQL or set DATABASE_URL"; return 1; }
  PG_BIN="$dir"
}

# Runs a server binary as the cluster's owner.
pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Picks the data directory: .data/pg, or a private folder under /var/tmp when the postgres user
# cannot reach the checkout (e.g. a clone under /root). Both survive restarts.
pg_pick_dir() {
  PG_DATA="$PG_STATE/pg"
  mkdir -p "$PG_STATE"
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$PG_STATE"; then
    local key
    key=$(printf '%s' "$PG_ROOT" | md5sum | cut -c1-10)
    PG_DATA="/var/tmp/rust-auth-pg-$key/pg"
    pg_log "the postgres user cannot enter $PG_STATE; keeping the cluster in $PG_DATA"
  fi
  PG_LOGFILE="$(dirname "$PG_DATA")/postgres.log"
  PG_PORTFILE="$PG_STATE/pg.port"
}

pg_port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pg_init_cluster() {
  pg_log "creating the local cluster in $PG_DATA"
  mkdir -p "$PG_DATA"
  touch "$PG_LOGFILE"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PG_DATA" "$PG_LOGFILE"; fi
  chmod 700 "$PG_DATA"
  pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U app --auth=trust -E UTF8 --no-locale >/dev/null \
    || { pg_log "initdb failed"; return 1; }
}

pg_start_cluster() {
  local port
  port=$(cat "$PG_PORTFILE" 2>/dev/null || true)
  if [ -z "$port" ] || ! pg_port_free "$port"; then
    port=$PG_FIRST_PORT
    while ! pg_port_free "$port"; do port=$((port + 1)); done
    echo "$port" >"$PG_PORTFILE"
  fi
  pg_log "starting PostgreSQL on 127.0.0.1:$port"
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOGFILE" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=400" \
    start >/dev/null || { pg_log "could not start; see $PG_LOGFILE"; tail -n 20 "$PG_LOGFILE" >&2; return 1; }
  PG_STARTED_HERE=1
}

pg_running() { pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

# Ensures DATABASE_URL points at a running server with the app database: the environment's, else
# the one .env sets, else the project-local cluster.
pg_ensure() {
  configured DATABASE_URL pg_log && return 0
  pg_find_bin || return 1
  pg_pick_dir
  [ -f "$PG_DATA/PG_VERSION" ] || pg_init_cluster || return 1
  pg_running || pg_start_cluster || return 1
  PG_PORT=$(cat "$PG_PORTFILE")
  local admin_url="postgres://app@127.0.0.1:$PG_PORT/postgres"
  if [ "$(psql "$admin_url" -tAc "select 1 from pg_database where datname = '$PG_DB_NAME'")" != 1 ]; then
    psql "$admin_url" -qc "create database \"$PG_DB_NAME\"" >/dev/null || return 1
  fi
  export DATABASE_URL="postgres://app@127.0.0.1:$PG_PORT/$PG_DB_NAME"
  pg_log "DATABASE_URL=$DATABASE_URL"
}

# Stops the local cluster (its data stays).
pg_stop() {
  pg_find_bin || return 1
  pg_pick_dir
  if [ -f "$PG_DATA/PG_VERSION" ] && pg_running; then
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null && pg_log "stopped"
  fi
}
