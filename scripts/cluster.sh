#!/usr/bin/env bash
# N release instances of the server on one PostgreSQL, behind HAProxy (deploy/haproxy.cfg), as an
# operator would run them: APP_ENV=production with only the settings a deployer chooses.
#   scripts/cluster.sh start [N]     build the release app if needed, start N instances (default 3)
#                                    and the proxy; prints the proxy's address
#   scripts/cluster.sh stop          stop the proxy and every instance (SIGTERM, as systemd would)
#   scripts/cluster.sh status        the proxy's view of the instances
#   scripts/cluster.sh restart I     SIGTERM instance I, start it again, wait until the proxy has it
#   scripts/cluster.sh rolling       restart every instance in turn
#   scripts/cluster.sh kill I        SIGKILL instance I (no drain, no grace)
#   scripts/cluster.sh env I         print instance I's settings (to run `server` commands as it)
# The proxy listens on http://localhost:$CLUSTER_PORT (default 3600), instance I on 127.0.0.1:
# CLUSTER_PORT+I, the proxy's stats on CLUSTER_PORT+90. The database is CLUSTER_DATABASE_URL, else
# `app_cluster` on DATABASE_URL's server (else the project-local one); mail goes to SMTP_URL, else
# MailDev. Settings in the environment (BCRYPT_COST, limits, ...) reach every instance.
# State, logs and the generated proxy config: target/cluster/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib/apt.sh

state="$root/target/cluster"
proxy_port="${CLUSTER_PORT:-3600}"
stats_port=$((proxy_port + 90))
target_dir="${CARGO_TARGET_DIR:-$root/target}"
binary="$target_dir/release/server"
log() { printf '\033[32m[cluster]\033[0m %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

instances() { cat "$state/count" 2>/dev/null || echo 0; }
port_of() { echo $((proxy_port + $1)); }
pid_of() { cat "$state/app$1.pid" 2>/dev/null || true; }
alive() { local pid; pid=$(pid_of "$1"); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

ensure_haproxy() {
  command -v haproxy >/dev/null 2>&1 && return 0
  log "installing HAProxy (apt-get install haproxy)"
  apt_install haproxy || die "HAProxy is missing and cannot be installed here (apt-get install haproxy as root)"
}

# The settings of instance $1: what a deployer chooses, nothing about the client build.
instance_env() {
  local port
  port=$(port_of "$1")
  cat <<EOF
APP_ENV=production
LEPTOS_ENV=PROD
LEPTOS_SITE_ADDR=127.0.0.1:$port
LEPTOS_SITE_ROOT=$root/target/site
DATABASE_URL=$(cat "$state/database_url")
ENCRYPTION_KEY=$(cat "$state/encryption.key")
PUBLIC_URL=http://localhost:$proxy_port
SMTP_URL=$(cat "$state/smtp_url")
TRUSTED_PROXIES=127.0.0.1/32
SHUTDOWN_DRAIN_SECS=${SHUTDOWN_DRAIN_SECS:-2}
SHUTDOWN_GRACE_SECS=${SHUTDOWN_GRACE_SECS:-20}
BCRYPT_COST=${BCRYPT_COST:-10}
RUST_LOG=${RUST_LOG:-warn}
EOF
}

start_instance() {
  local i=$1
  alive "$i" && return 0
  (
    cd "$state"
    set -a
    # shellcheck disable=SC1090
    source <(instance_env "$i")
    set +a
    exec "$binary" >>"$state/app$i.log" 2>&1
  ) &
  echo $! >"$state/app$i.pid"
}

# Waits until instance $1 answers /readyz itself, then until the proxy counts it up.
wait_up() {
  local i=$1 port
  port=$(port_of "$i")
  for _ in $(seq 1 240); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && break
    alive "$i" || die "instance $i exited; see $state/app$i.log"
    sleep 0.25
  done
  for _ in $(seq 1 120); do
    [ "$(server_state "app$i")" = UP ] && return 0
    sleep 0.25
  done
  die "the proxy does not count instance $i up"
}

# The proxy's state of server $1 (UP, DOWN, ...).
server_state() {
  curl -fsS "http://127.0.0.1:$stats_port/stats;csv" 2>/dev/null |
    awk -F, -v name="$1" '$1 == "instances" && $2 == name { print $18 }'
}

stop_instance() {
  local i=$1 signal=${2:-TERM} pid
  pid=$(pid_of "$i")
  [ -n "$pid" ] || return 0
  kill "-$signal" "$pid" 2>/dev/null || true
  for _ in $(seq 1 200); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "instance $i still running after 50 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$state/app$i.pid"
}

write_proxy_config() {
  local n=$1 servers="" i
  for i in $(seq 1 "$n"); do
    servers+="    server app$i 127.0.0.1:$(port_of "$i") check\n"
  done
  awk -v bind="    bind 127.0.0.1:$proxy_port" -v stats="    bind 127.0.0.1:$stats_port" -v servers="$servers" '
    /# cluster.sh: bind/ { print bind; next }
    /# cluster.sh: stats/ { print stats; next }
    /# cluster.sh: servers/ { if (!done) { printf "%s", servers; done = 1 } next }
    { print }' deploy/haproxy.cfg >"$state/haproxy.cfg"
  haproxy -c -q -f "$state/haproxy.cfg"
}

start() {
  local n=${1:-3}
  [[ "$n" =~ ^[1-9][0-9]?$ ]] || die "N must be 1 to 99"
  [ "$(instances)" = 0 ] || [ "$(instances)" = "$n" ] || die "already running $(instances) instances; stop first"
  mkdir -p "$state"
  ensure_haproxy
  source scripts/lib/tools.sh
  source scripts/lib/pg.sh
  source scripts/lib/mail.sh
  if [ -z "${CLUSTER_DATABASE_URL:-}" ]; then
    pg_ensure
    CLUSTER_DATABASE_URL="${DATABASE_URL%/*}/app_cluster"
    if [ "$(psql "${DATABASE_URL%/*}/postgres" -tAc "select 1 from pg_database where datname = 'app_cluster'")" != 1 ]; then
      psql "${DATABASE_URL%/*}/postgres" -qc "create database app_cluster" >/dev/null
    fi
  fi
  mail_ensure
  echo "$CLUSTER_DATABASE_URL" >"$state/database_url"
  echo "$SMTP_URL" >"$state/smtp_url"
  # One server key for every instance (they open the same signing keys and sealed secrets).
  if [ -n "${ENCRYPTION_KEY:-}" ]; then
    echo "$ENCRYPTION_KEY" >"$state/encryption.key"
  elif [ ! -s "$state/encryption.key" ]; then
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$state/encryption.key")
  fi
  if [ "${CLUSTER_BUILD:-1}" = 1 ]; then
    ensure_build_tools
    log "building the release app (cargo leptos build --release --split)"
    cargo leptos build --release --split --lib-features split >&2
  fi
  [ -x "$binary" ] || die "no release binary at $binary"
  echo "$n" >"$state/count"
  # The first instance applies the migrations alone; the others start once it is ready.
  start_instance 1
  write_proxy_config "$n"
  if [ ! -f "$state/haproxy.pid" ] || ! kill -0 "$(cat "$state/haproxy.pid")" 2>/dev/null; then
    haproxy -D -f "$state/haproxy.cfg" -p "$state/haproxy.pid"
  fi
  wait_up 1
  for i in $(seq 2 "$n"); do start_instance "$i"; done
  for i in $(seq 2 "$n"); do wait_up "$i"; done
  log "$n instances up behind HAProxy: http://localhost:$proxy_port (stats http://127.0.0.1:$stats_port/stats)"
  echo "http://localhost:$proxy_port"
}

stop() {
  local n i
  n=$(instances)
  if [ -f "$state/haproxy.pid" ]; then
    kill "$(cat "$state/haproxy.pid")" 2>/dev/null || true
    rm -f "$state/haproxy.pid"
  fi
  for i in $(seq 1 "$n"); do stop_instance "$i" & done
  wait
  rm -f "$state/count"
  log "stopped"
}

restart() {
  local i=$1
  stop_instance "$i"
  start_instance "$i"
  wait_up "$i"
  log "instance $i restarted"
}

command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
  start) start "$@" ;;
  stop) stop ;;
  status) curl -fsS "http://127.0.0.1:$stats_port/stats;csv" | awk -F, '$1 == "instances" { print $2, $18 }' ;;
  restart) restart "${1:?which instance}" ;;
  rolling) for i in $(seq 1 "$(instances)"); do restart "$i"; done ;;
  kill) stop_instance "${1:?which instance}" KILL ;;
  env) instance_env "${1:?which instance}" ;;
  *) sed -n '2,16s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
