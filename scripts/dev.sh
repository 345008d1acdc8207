#!/usr/bin/env bash
# Runs the app for development: installs what is missing, starts the local database (unless
# DATABASE_URL is set), then `cargo leptos watch` (rebuilds and reloads on every change).
# Open http://127.0.0.1:3000 once it says "listening".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib/tools.sh
source scripts/lib/pg.sh
ensure_build_tools
pg_ensure
exec cargo leptos watch "$@"
