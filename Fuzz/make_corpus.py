#!/usr/bin/env python3
"""Writes the seed corpora under Fuzz/Corpus/<Target>/ from the byte fixtures in Tests/.

Every `[UInt8]` literal made only of 0xNN bytes (comments allowed) in the chosen test
files becomes one seed, with the selector or split byte that the target reads first.
The FuzzServerSession and FuzzChunkDecoder corpora also get the bytes a real client
session sends, which the FuzzServerSession binary writes when SEALCAST_FUZZ_WRITE_SEEDS
names a folder (scripts/fuzz.sh passes it). Rerun after changing fixtures; existing
seeds are kept.
"""
import glob
import hashlib
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "Fuzz", "Corpus")
MAX_SEEDS = 40

ARRAY = re.compile(r"\[((?:\s|,|//[^\n]*|0x[0-9A-Fa-f]{2})+)\]")
BYTE = re.compile(r"0x([0-9A-Fa-f]{2})")


def fixtures(pattern):
    """Returns the byte arrays of the test files matching `pattern`, in file order."""
    arrays = []
    for path in sorted(glob.glob(os.path.join(ROOT, "Tests", pattern))):
        text = open(path, encoding="utf-8").read()
        for match in ARRAY.finditer(text):
            body = re.sub(r"//[^\n]*", "", match.group(1))
            values = bytes(int(value, 16) for value in BYTE.findall(body))
            if len(values) >= 2:
                arrays.append(values)
    return arrays


def write(target, seeds):
    """Writes up to MAX_SEEDS distinct seeds, named by their SHA-1 like libFuzzer's own."""
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    unique = list(dict.fromkeys(seeds))[:MAX_SEEDS]
    for seed in unique:
        name = hashlib.sha1(seed).hexdigest()
        with open(os.path.join(folder, name), "wb") as file:
            file.write(seed)
    print(f"{target}: {len(unique)} seeds")


def main():
    client_scripts = []
    if len(sys.argv) > 1:
        for path in sorted(glob.glob(os.path.join(sys.argv[1], "client-*"))):
            client_scripts.append(open(path, "rb").read())

    write("FuzzAMF0", fixtures("AMFTests/AMF0*.swift"))
    write("FuzzAMF3", fixtures("AMFTests/AMF3*.swift"))

    flv = []
    for array in fixtures("FLVTests/*.swift"):
        # selector 0: an FLV file; selector 1: one message payload
        flv.append((b"\x00" if array.startswith(b"FLV") else b"\x01") + array)
    write("FuzzFLVTags", flv)

    chunks = [b"\x00" + array for array in fixtures("RTMPTests/ChunkFixtureTests.swift")]
    chunks += [b"\x03" + array for array in fixtures("RTMPTests/AggregateMessageTests.swift")]
    write("FuzzChunkDecoder", client_scripts + chunks)
    write("FuzzServerSession", client_scripts + chunks[:20])

    # split byte, flags (bit 0: sign C1 with a digest, bit 1: scheme 1), then C0 + C1 + C2 + extra
    c1 = bytes(range(256)) * 6
    c2 = bytes(1536)
    handshakes = [
        b"\x00\x00" + b"\x03" + c1 + c2,
        b"\x05\x01" + b"\x03" + c1 + c2,
        b"\x09\x03" + b"\x03" + c1 + c2 + b"\x02\x00\x00",
        b"\x01\x00" + b"\x03" + c1[:100],
        b"\x00\x00" + b"\x06" + c1[:8],
        b"\x02\x00" + b"\x16\x03\x01\x00",
    ]
    write("FuzzHandshake", handshakes)


if __name__ == "__main__":
    main()
