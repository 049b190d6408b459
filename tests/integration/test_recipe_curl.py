"""Runs the curl walk-through of docs/recipes.md, as written, against the real binary."""
import os
import re
import subprocess

from conftest import SOURCE_DIR, need_tool


def recipe(name, lang):
    with open(os.path.join(SOURCE_DIR, "docs", "recipes.md"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(rf"<!-- recipe-test: {name} -->\s*```{lang}\n(.*?)\n```", text, re.S)
    assert m, f"recipe block {name!r} not found in docs/recipes.md"
    return m.group(1)


def test_curl_walkthrough(bounceback, tmp_path):
    need_tool("curl")
    server = bounceback()
    env = dict(os.environ, API=f"http://127.0.0.1:{server.http_port}",
               SMTP=f"smtp://127.0.0.1:{server.smtp_port}")
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", recipe("curl", "sh")], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=60)
    out = run.stdout
    assert run.returncode == 0, run.stdout + run.stderr
    assert '{"status":"ok","version":' in out
    assert '"subject":"Welcome"' in out
    assert out.count("Hello!") >= 1                       # the raw message
    assert "deferred, as scripted" in out                 # 451 while greylisted
    assert '"offset_ms":360000' in out                    # the clock jump
    assert '"reply":"451 4.7.1' in out and '"reply":"250' in out  # attempts
    assert '"line":3' in out                              # the refused scenario
    assert 'name = "grey"' in out                         # ...and the old one kept
    assert '"enhanced":"5.7.26"' in out
    assert re.search(r"^bounceback_messages_accepted_total 2$", out, re.M)
