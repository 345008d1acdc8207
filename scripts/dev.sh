#!/usr/bin/env bash
# Runs the app for development: installs what is missing, starts the local database (unless
# DATABASE_URL is set) and MailDev (unless SMTP_URL is set), then `cargo leptos watch` (rebuilds
# and reloads on every change). Open http://localhost:3000 once it says "listening" (localhost, not
# 127.0.0.1: browsers refuse passkeys on an IP address); mail the app sends is at
# http://127.0.0.1:1080.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib/tools.sh
source scripts/lib/pg.sh
source scripts/lib/mail.sh
ensure_build_tools
pg_ensure
mail_ensure
exec cargo leptos watch "$@"
