#!/usr/bin/env python3
"""Writes the seed corpora from the golden transcripts (tests/transcripts/*.txt): each one's
client bytes (C:/R: lines, escapes expanded) become a session and a command seed, and the
bytes after its first DATA line a data_decoder seed. Scenario seeds are scenarios/*.toml,
read in place. Run again after adding transcripts; the output is committed."""
import pathlib
import re

HERE = pathlib.Path(__file__).resolve().parent
TRANSCRIPTS = HERE.parent / "transcripts"


def unescape(text):
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        i += 1
        e = text[i]
        if e in "rnt\\":
            out += {"r": b"\r", "n": b"\n", "t": b"\t", "\\": b"\\"}[e]
            i += 1
        elif e == "x":
            out.append(int(text[i + 1:i + 3], 16))
            i += 3
        elif e == "{":
            m = re.match(r"\{(\d+):([^}]*)\}", text[i:])
            out += unescape(m.group(2)) * int(m.group(1))
            i += m.end()
    return bytes(out)


def client_bytes(path):
    out = bytearray()
    for line in path.read_text().splitlines():
        if line.startswith("C:"):
            out += unescape(line[3:] if len(line) > 2 else "") + b"\r\n"
        elif line.startswith("R:"):
            out += unescape(line[3:])
    return bytes(out)


def main():
    for kind in ("session", "command", "data_decoder"):
        (HERE / "corpus" / kind).mkdir(parents=True, exist_ok=True)
    for t in sorted(TRANSCRIPTS.glob("*.txt")):
        stream = client_bytes(t)
        (HERE / "corpus" / "session" / f"seed-{t.stem}").write_bytes(stream)
        (HERE / "corpus" / "command" / f"seed-{t.stem}").write_bytes(stream[:4096])
        m = re.search(rb"(?im)^DATA\r\n", stream)
        if m:
            (HERE / "corpus" / "data_decoder" / f"seed-{t.stem}").write_bytes(stream[m.end():])


if __name__ == "__main__":
    main()
