#!/usr/bin/env bash
# Creates an administrator account in the app's database (the local one unless DATABASE_URL is set):
#   scripts/admin.sh --name "Thomas" --username thomas --email thomas@example.com
# The password is asked for on the terminal (or taken from ADMIN_PASSWORD).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib/pg.sh
pg_ensure
exec cargo run --quiet -p server -- create-admin "$@"
