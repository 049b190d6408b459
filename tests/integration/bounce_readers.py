"""Runs the bounce processors mailers use on DSN files: Sisimai (libsisimai-perl) and
flufl.bounce (python3-flufl.bounce), through the scripts in classifiers/. A missing one skips
the test (fails it under CI)."""
import json
import os
import subprocess

from conftest import missing_tool, need_tool

HERE = os.path.join(os.path.dirname(__file__), "classifiers")


def sisimai(paths):
    """Sisimai's records of `paths`: one dict per (file, recipient) with reason,
    deliverystatus, action, softbounce, diagnosticcode."""
    need_tool("perl")
    run = subprocess.run(["perl", os.path.join(HERE, "sisimai_classify.pl"), *paths],
                         capture_output=True, text=True)
    if "Can't locate Sisimai.pm" in run.stderr:
        missing_tool("Sisimai is not installed (libsisimai-perl)")
    assert run.returncode == 0, run.stderr
    return [json.loads(line) for line in run.stdout.splitlines()]


def flufl(paths):
    """flufl.bounce's reading of `paths`: per file, the temporary and permanent failures."""
    run = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "flufl_classify.py"), *paths],
                         capture_output=True, text=True)
    if "No module named 'flufl'" in run.stderr:
        missing_tool("flufl.bounce is not installed (python3-flufl.bounce)")
    assert run.returncode == 0, run.stderr
    return {r["file"]: r for r in map(json.loads, run.stdout.splitlines())}
