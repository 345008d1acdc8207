#!/usr/bin/env bash
# Builds the release app: the server binary and the size-optimised wasm client, split by route
# (cargo-leptos `--split`: the pages in app/src/ui/routes.rs become chunks loaded on first visit),
# with wasm-opt, assets precompressed with gzip -9 and brotli. Prints what a first visit downloads
# and what each lazily loaded page adds, raw, gzip and brotli.
#   target/release/server       the server binary ($CARGO_TARGET_DIR/release/ when that is set)
#   target/release/hash.txt     the client files' content hashes (keep it beside the binary)
#   target/site/                what it serves
# `--unsplit` builds the same client in one piece (for comparison: scripts/bench.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib/tools.sh
ensure_build_tools
split=(--split --lib-features split)
[ "${1:-}" = "--unsplit" ] && split=()
# cargo-leptos would leave the files of earlier builds beside the new ones.
rm -rf target/site/pkg
cargo leptos build --release --precompress "${split[@]}" >&2
pkg=target/site/pkg
# cargo-leptos writes the .gz files at a fast level; -9 saves about 15%. Redo them, so browsers
# that take gzip but not brotli get the sizes printed below.
for file in "$pkg"/*; do
  if [ -f "$file.gz" ] && [ "${file%.gz}" = "$file" ]; then gzip -9 -n -c "$file" >"$file.gz"; fi
done
python3 scripts/lib/client_size.py "$pkg" "${CARGO_TARGET_DIR:-target}/release/hash.txt"
