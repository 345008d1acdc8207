# shellcheck shell=bash
# The local mail catcher. Source this file (after tools.sh), then call `mail_ensure`.
#
# When SMTP_URL is set, mail goes there and nothing is started. Otherwise MailDev (npm, pinned in
# tools/package.json) is started on 127.0.0.1 (SMTP on port 1025, web inbox on 1080), or reused if
# it already runs, and SMTP_URL is exported for it: every mail the app sends can be read at
# http://127.0.0.1:1080, and through its REST API (GET /api/email) by the browser tests.

MAIL_ROOT="${MAIL_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# shellcheck source=apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"
MAILDEV_SMTP_PORT="${MAILDEV_SMTP_PORT:-1025}"
MAILDEV_WEB_PORT="${MAILDEV_WEB_PORT:-1080}"

mail_log() { printf '\033[33m[mail]\033[0m %s\n' "$*" >&2; }

mail_up() { curl -fsS "http://127.0.0.1:$MAILDEV_WEB_PORT/api/healthz" >/dev/null 2>&1; }

# Ensures SMTP_URL points at a mail server; exports MAILDEV_URL when it is the local MailDev.
mail_ensure() {
  configured SMTP_URL mail_log && return 0
  ensure_maildev || return 1
  if ! mail_up; then
    mkdir -p "$MAIL_ROOT/.data"
    mail_log "starting MailDev: SMTP 127.0.0.1:$MAILDEV_SMTP_PORT, inbox http://127.0.0.1:$MAILDEV_WEB_PORT"
    nohup "$MAIL_ROOT/tools/node_modules/.bin/maildev" --ip 127.0.0.1 --web-ip 127.0.0.1 \
      --smtp "$MAILDEV_SMTP_PORT" --web "$MAILDEV_WEB_PORT" >"$MAIL_ROOT/.data/maildev.log" 2>&1 &
    MAILDEV_PID=$!
    MAILDEV_STARTED_HERE=1
    local tries=0
    until mail_up; do
      tries=$((tries + 1))
      if [ "$tries" -gt 100 ]; then
        mail_log "MailDev did not start; see .data/maildev.log"
        tail -n 20 "$MAIL_ROOT/.data/maildev.log" >&2
        return 1
      fi
      sleep 0.1
    done
  fi
  export SMTP_URL="smtp://127.0.0.1:$MAILDEV_SMTP_PORT"
  export MAILDEV_URL="http://127.0.0.1:$MAILDEV_WEB_PORT"
  mail_log "mail goes to MailDev: read it at $MAILDEV_URL"
}

# Stops the MailDev this shell started (one that was already running is left alone).
mail_stop() {
  if [ "${MAILDEV_STARTED_HERE:-0}" = 1 ] && [ -n "${MAILDEV_PID:-}" ]; then
    kill "$MAILDEV_PID" 2>/dev/null || true
  fi
}
