"""Runs the Node client's own tests (clients/node/test, `node --test`) against the real binary,
with nodemailer installed from npm into a temporary directory (the package itself has no
dependencies), then docs/fixtures.md's Node example as written, with the package installed
from its path. Skips (fails under CI) when node, npm or the registry is missing."""
import os
import re
import subprocess

from conftest import BIN, SOURCE_DIR, missing_tool, need_tool


def test_node_client(tmp_path):
    node = need_tool("node")
    need_tool("npm")
    package = os.path.abspath(os.path.join(SOURCE_DIR, "clients", "node"))
    (tmp_path / "package.json").write_text('{"name": "mailer-tests", "private": true}')
    install = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent",
                              "nodemailer@6"], cwd=tmp_path, capture_output=True, text=True,
                             timeout=180)
    if install.returncode != 0:
        missing_tool("npm install nodemailer failed (offline?): " + install.stderr[-500:])
    local = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", package],
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert local.returncode == 0, local.stderr  # a path install needs no registry
    env = dict(os.environ, BOUNCEBACK_BIN=os.path.abspath(BIN), NODEMAILER_DIR=str(tmp_path))
    run = subprocess.run([node, "--test", "test/"], cwd=package, env=env, capture_output=True,
                         text=True, timeout=240)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout and "# pass 0" not in run.stdout, run.stdout[-2000:]

    doc = open(os.path.join(SOURCE_DIR, "docs", "fixtures.md")).read().split("## Node", 1)[1]
    (tmp_path / "example.test.mjs").write_text(re.search(r"```js\n(.*?)```", doc, re.S).group(1))
    run = subprocess.run([node, "--test", "example.test.mjs"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "# pass 1" in run.stdout, run.stdout[-2000:]
