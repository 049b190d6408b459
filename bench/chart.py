#!/usr/bin/env python3
"""chart.py MEDIANS.tsv OUT.png|OUT.svg - grouped bars of median msgs/s per configuration and
server, from the medians.tsv written by run.sh (columns: config server msgs_per_s ...).
Needs matplotlib (Debian: python3-matplotlib, run with /usr/bin/python3)."""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

src, dst = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(src), delimiter="\t"))
configs = list(dict.fromkeys(r["config"] for r in rows))
servers = list(dict.fromkeys(r["server"] for r in rows))
rate = {(r["config"], r["server"]): float(r["msgs_per_s"]) for r in rows}
labels = {"a": "a: 20 sess, 1 msg/conn, 1 KiB", "b": "b: 20 persistent, 1 KiB",
          "c2": "c2: 20 persistent, 100 KiB", "d": "d: 200 sess, 1 msg/conn, 1 KiB"}
width = 0.8 / len(servers)
fig, ax = plt.subplots(figsize=(10, 5.2))
for i, s in enumerate(servers):
    xs = [c + (i - (len(servers) - 1) / 2) * width for c in range(len(configs))]
    ys = [rate.get((c, s), 0) for c in configs]
    bars = ax.bar(xs, ys, width, label=s)
    for x, y in zip(xs, ys):
        if y:
            ax.text(x, y, f"{y:.0f}", ha="center", va="bottom", fontsize=7, rotation=90)
ax.set_xticks(range(len(configs)))
ax.set_xticklabels([labels.get(c, c) for c in configs], fontsize=8)
ax.set_ylabel("messages/s (median)")
ax.set_title("Bounceback vs Postfix smtp-sink, driven by smtp-source on loopback (2 vCPU)")
ax.legend(fontsize=8)
ax.margins(y=0.15)
fig.tight_layout()
fig.savefig(dst, dpi=110)
print(f"chart: {dst}")
