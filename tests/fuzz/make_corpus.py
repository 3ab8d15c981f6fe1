#!/usr/bin/env python3
"""Cut the checked-in libFuzzer seed corpus (tests/fuzz/corpus/) out of real
binlogs: for every event type seen, a few small seeds of the form
FORMAT_DESCRIPTION [+ the TABLE_MAP a row event needs] + the event, without
the file magic (the decoder target takes an event stream; the file target
adds the magic itself). Seeds over 6 KB are skipped; at most 4 per type code.

  tests/fuzz/make_corpus.py OUT_DIR BINLOG...
"""
import hashlib
import os
import struct
import sys

MAX_SEED = 6 * 1024
PER_TYPE = 4
ROW_TYPES = set(range(20, 26)) | {30, 31, 32, 39} | set(range(166, 172))


def events(data):
    pos = 4
    while pos + 19 <= len(data):
        size = struct.unpack_from("<I", data, pos + 9)[0]
        if size < 19 or pos + size > len(data):
            return
        yield pos, data[pos + 4], data[pos:pos + size]
        pos += size


def main():
    out_dir, files = sys.argv[1], sys.argv[2:]
    os.makedirs(out_dir, exist_ok=True)
    per_type = {}
    total = 0
    for path in files:
        data = open(path, "rb").read()
        if data[:4] != b"\xfebin":
            continue
        fde = None
        last_map = b""
        for _, code, ev in events(data):
            if code in (15, 1):
                fde = ev
            if code == 19:
                last_map = ev
            if fde is None or per_type.get(code, 0) >= PER_TYPE:
                continue
            seed = fde + (last_map if code in ROW_TYPES and code != 19 else b"") + (ev if ev is not fde else b"")
            if len(seed) > MAX_SEED:
                continue
            name = f"t{code:03d}-{hashlib.sha1(seed).hexdigest()[:12]}"
            target = os.path.join(out_dir, name)
            if os.path.exists(target):
                continue
            with open(target, "wb") as f:
                f.write(seed)
            per_type[code] = per_type.get(code, 0) + 1
            total += len(seed)
    print(f"{sum(per_type.values())} seeds, {total} bytes, {len(per_type)} event types")


if __name__ == "__main__":
    main()
