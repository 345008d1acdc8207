#!/usr/bin/env bash
# Builds the release app (server binary + size-optimised wasm client with wasm-opt, assets
# precompressed with gzip and brotli) and prints the client's size, raw and gzipped.
#   target/release/server       the server binary ($CARGO_TARGET_DIR/release/ when that is set)
#   target/release/hash.txt     the client files' content hashes (keep it beside the binary)
#   target/site/                what it serves (run it from the repository root)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib/tools.sh
ensure_build_tools
cargo leptos build --release --precompress >&2
pkg=target/site/pkg
# cargo-leptos writes the .gz files at a fast level (the wasm: 362 KB); at -9 it is 309 KB. Redo
# them, so browsers that take gzip but not brotli get the size printed below.
for file in "$pkg"/*; do
  if [ -f "$file.gz" ] && [ "${file%.gz}" = "$file" ]; then gzip -9 -n -c "$file" >"$file.gz"; fi
done
size() { stat -c %s "$1"; }
gz() { gzip -9 -c "$1" | wc -c; }
printf '%-22s %10s %10s\n' file raw gzip
total_raw=0 total_gz=0
# With hash-files the names carry a content hash (rust-auth.<hash>.wasm), listed in hash.txt beside
# the server binary: older builds' files may still lie in the folder.
hashes="${CARGO_TARGET_DIR:-target}/release/hash.txt"
client_file() { echo "$pkg/rust-auth.$(sed -n "s/^$1: *//p" "$hashes").$1"; }
for file in "$(client_file wasm)" "$(client_file js)" "$(client_file css)"; do
  raw=$(size "$file") z=$(gz "$file")
  printf '%-22s %10s %10s\n' "rust-auth.${file##*.}" "$raw" "$z"
  case "$file" in *.css) ;; *) total_raw=$((total_raw + raw)) total_gz=$((total_gz + z)) ;; esac
done
printf '%-22s %10s %10s\n' "client (wasm + js)" "$total_raw" "$total_gz"
