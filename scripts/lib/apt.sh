# shellcheck shell=bash
# Installs Debian packages, refreshing the package lists first (once per run): on a fresh machine
# they may be empty or stale, and `apt-get install` then fails to find anything. Source this file.

APT_UPDATED="${APT_UPDATED:-0}"

# apt_install PACKAGE...: as root only; returns 1 when that is not possible here.
apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    return 1
  fi
  if [ "$APT_UPDATED" != 1 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || return 1
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2
}

# dotenv_value NAME: the value of NAME in the project's .env, if it sets it (quotes removed).
dotenv_value() {
  local file
  file="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.env"
  [ -f "$file" ] || return 0
  sed -n "s/^[[:space:]]*\(export[[:space:]]\{1,\}\)\{0,1\}$1=//p" "$file" | tail -n 1 | sed -e "s/^[\"']//" -e "s/[\"']$//"
}

# configured NAME LOG: true when NAME is set in the environment or, failing that, in .env (then
# exported from there); says which through the logger LOG.
configured() {
  local name=$1 log=$2 value
  if [ -n "${!name:-}" ]; then
    "$log" "using $name from the environment"
    return 0
  fi
  value=$(dotenv_value "$name")
  [ -n "$value" ] || return 1
  export "$name=$value"
  "$log" "using $name from .env"
}
