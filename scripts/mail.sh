#!/usr/bin/env bash
# The local mail catcher, MailDev (see scripts/lib/mail.sh): SMTP on 127.0.0.1:1025, the inbox at
# http://127.0.0.1:1080.
#   scripts/mail.sh start    start it (installing it on first use) and print its SMTP_URL
#   scripts/mail.sh stop     stop it
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib/tools.sh
source scripts/lib/mail.sh
unset SMTP_URL # this script is about the local catcher, whatever the shell has set
command="${1:-}"
case "$command" in
  start) mail_ensure && echo "$SMTP_URL" ;;
  stop) pkill -f "maildev --ip 127.0.0.1" && mail_log "stopped" || mail_log "was not running" ;;
  *) sed -n '2,5s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
