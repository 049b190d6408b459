"""Classifies every DSN file given on the command line with flufl.bounce (Debian
python3-flufl.bounce) and prints one JSON object per line: file, temporary and permanent
failures (the addresses it found in each set)."""
import email
import json
import sys

from flufl.bounce import all_failures


def text(address):
    return address.decode() if isinstance(address, bytes) else address


for path in sys.argv[1:]:
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f)
    temporary, permanent = all_failures(msg)
    print(json.dumps({"file": path,
                      "temporary": sorted(text(a) for a in temporary),
                      "permanent": sorted(text(a) for a in permanent)}))
