"""Prints the client's size: what the first visit downloads, and what each page loaded on first
visit adds (its chunks, some shared with other pages). Raw, gzip -9 and brotli, as served.

usage: client_size.py <site pkg dir> <hash.txt> [--json]
"""
import json
import os
import sys


def sizes(pkg, name, served_raw_when_unpacked=False):
    raw = os.path.getsize(os.path.join(pkg, name))
    packed = [os.path.join(pkg, name + ext) for ext in (".gz", ".br")]
    missing = raw if served_raw_when_unpacked else 0
    gz, br = (os.path.getsize(p) if os.path.exists(p) else missing for p in packed)
    return raw, gz, br


def snippets(pkg):
    """The JavaScript the wasm-bindgen glue imports (`inline_js` shims, such as the passkey one):
    loaded with the first page, and served as they are when no compressed copy sits beside them."""
    found = []
    for folder, _, files in os.walk(os.path.join(pkg, "snippets")):
        for name in files:
            if name.endswith(".js"):
                found.append(os.path.relpath(os.path.join(folder, name), pkg))
    return sorted(found)


def main():
    pkg, hash_file = sys.argv[1], sys.argv[2]
    hashes = dict(
        (key.strip(), value.strip())
        for key, value in (line.split(":", 1) for line in open(hash_file) if ":" in line)
    )
    first = [f"rust-auth.{hashes['wasm']}.wasm", f"rust-auth.{hashes['js']}.js"]
    parts = [sizes(pkg, f) for f in first] + [sizes(pkg, f, served_raw_when_unpacked=True) for f in snippets(pkg)]
    rows = {"first load (wasm + js)": [sum(col) for col in zip(*parts)]}
    css = sizes(pkg, f"rust-auth.{hashes['css']}.css")
    if "manifest" in hashes:
        manifest = json.load(open(os.path.join(pkg, f"__wasm_split_manifest.{hashes['manifest']}.json")))
        loader = sizes(pkg, f"__wasm_split.{hashes['split']}.js")
        for split, chunks in sorted(manifest.items()):
            page = split.rsplit("_", 1)[0]
            parts = [sizes(pkg, chunk + ".wasm") for chunk in chunks] + [loader]
            rows[f"+ {page} (first visit)"] = [sum(col) for col in zip(*parts)]
    if "--json" in sys.argv:
        print(json.dumps({name: dict(zip(("raw", "gzip", "brotli"), v)) for name, v in rows.items()}))
        return
    print(f"{'':36} {'raw':>10} {'gzip -9':>10} {'brotli':>10}")
    for name, (raw, gz, br) in rows.items():
        print(f"{name:36} {raw:>10,} {gz:>10,} {br:>10,}")
    print(f"{'stylesheet':36} {css[0]:>10,} {css[1]:>10,} {css[2]:>10,}")


main()
