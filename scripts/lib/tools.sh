# shellcheck shell=bash
# Installs what building and testing need, only when it is missing. Source this file.
#
# Everything comes from the package registries (crates.io, npm, Debian): cargo-leptos would
# otherwise download wasm-bindgen and wasm-opt from GitHub, which may be unreachable.

TOOLS_ROOT="${TOOLS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# shellcheck source=apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"
CARGO_LEPTOS_VERSION=0.3.5

tools_log() { printf '\033[35m[tools]\033[0m %s\n' "$*" >&2; }

ensure_wasm_target() {
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown && return 0
  tools_log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown >&2
}

ensure_cargo_leptos() {
  if cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then return 0; fi
  tools_log "installing cargo-leptos $CARGO_LEPTOS_VERSION (compiles once, about 20 minutes on 2 cores)"
  cargo install --locked cargo-leptos --version "$CARGO_LEPTOS_VERSION" >&2
}

SQLX_CLI_VERSION=0.8.6

# sqlx-cli, matching the sqlx in Cargo.lock, for `cargo sqlx prepare` (scripts/sqlx-prepare.sh).
ensure_sqlx_cli() {
  if cargo sqlx --version 2>/dev/null | grep -q " $SQLX_CLI_VERSION\$"; then return 0; fi
  tools_log "installing sqlx-cli $SQLX_CLI_VERSION (PostgreSQL only; compiles once, a few minutes)"
  cargo install sqlx-cli --version "=$SQLX_CLI_VERSION" --no-default-features --features postgres,rustls --locked >&2
}

# wasm-bindgen's CLI must match the library version in Cargo.lock exactly.
ensure_wasm_bindgen() {
  local want
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$TOOLS_ROOT/Cargo.lock")
  if wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then return 0; fi
  tools_log "installing wasm-bindgen-cli $want"
  cargo install wasm-bindgen-cli --version "=$want" >&2
}

# The npm tools pinned in tools/package-lock.json: wasm-opt (binaryen) and MailDev.
ensure_npm_tools() {
  local dir="$TOOLS_ROOT/tools"
  if [ ! -x "$dir/node_modules/.bin/wasm-opt" ] || [ ! -x "$dir/node_modules/.bin/maildev" ] \
    || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    tools_log "installing the npm tools (binaryen's wasm-opt, MailDev)"
    npm ci --prefix "$dir" --no-audit --no-fund >&2
  fi
}

# wasm-opt (release builds only), on PATH for cargo-leptos.
ensure_wasm_opt() {
  ensure_npm_tools || return 1
  export PATH="$TOOLS_ROOT/tools/node_modules/.bin:$PATH"
}

# MailDev, the local mail catcher (see scripts/lib/mail.sh).
ensure_maildev() {
  ensure_npm_tools
}

# Playwright and the browser it drives: Debian's Chromium (Playwright cannot download its own here).
ensure_e2e() {
  local dir="$TOOLS_ROOT/end2end"
  if [ ! -d "$dir/node_modules/@playwright/test" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    tools_log "installing the end-to-end test dependencies (npm ci)"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$dir" --no-audit --no-fund >&2
  fi
  if ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROMIUM_PATH:-}" ]; then
    tools_log "installing Chromium (apt-get install chromium)"
    apt_install chromium || tools_log "no Chromium found: Playwright will use its own browser if one is installed"
  fi
}

# Python tools pinned in tools/requirements.txt (the SMTP server the Rust tests start), in a venv.
ensure_python_tools() {
  local venv="$TOOLS_ROOT/tools/.venv"
  if [ ! -x "$venv/bin/python" ] || [ "$TOOLS_ROOT/tools/requirements.txt" -nt "$venv/.installed" ]; then
    tools_log "installing the Python test tools (tools/requirements.txt)"
    python3 -m venv "$venv" >&2 && "$venv/bin/pip" install -q -r "$TOOLS_ROOT/tools/requirements.txt" >&2 \
      && touch "$venv/.installed"
  fi
}

# Everything `cargo leptos` needs.
ensure_build_tools() {
  ensure_wasm_target && ensure_cargo_leptos && ensure_wasm_bindgen && ensure_wasm_opt
}
