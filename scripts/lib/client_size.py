"""Prints the client's size: what the first visit downloads, and what each page loaded on first
visit adds (its chunks, some shared with other pages). Raw, gzip -9 and brotli, as served.

usage: client_size.py <site pkg dir> <hash.txt> [--json]
"""
import json
import os
import sys


def sizes(pkg, name):
    raw = os.path.getsize(os.path.join(pkg, name))
    packed = [os.path.join(pkg, name + ext) for ext in (".gz", ".br")]
    gz, br = (os.path.getsize(p) if os.path.exists(p) else 0 for p in packed)
    return raw, gz, br


def main():
    pkg, hash_file = sys.argv[1], sys.argv[2]
    hashes = dict(
        (key.strip(), value.strip())
        for key, value in (line.split(":", 1) for line in open(hash_file) if ":" in line)
    )
    first = [f"rust-auth.{hashes['wasm']}.wasm", f"rust-auth.{hashes['js']}.js"]
    rows = {"first load (wasm + js)": [sum(col) for col in zip(*(sizes(pkg, f) for f in first))]}
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
