"""Runs the Node (nodemailer) recipe of docs/recipes.md against the real binary. Needs node
18+ and npm (Debian's nodejs and npm); installs nodemailer from the npm registry into a
temporary directory, and skips (fails under CI) when node, npm or the registry is missing."""
import os
import subprocess

from conftest import missing_tool, need_tool
from test_recipe_curl import recipe


def test_nodemailer_recipe(bounceback, tmp_path):
    need_tool("node")
    need_tool("npm")
    install = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent",
                              "nodemailer@6"], cwd=tmp_path, capture_output=True, text=True,
                             timeout=180)
    if install.returncode != 0:
        missing_tool("npm install nodemailer failed (offline?): " + install.stderr[-500:])
    (tmp_path / "send.mjs").write_text(recipe("node", "js"))
    server = bounceback()
    env = dict(os.environ, API=f"http://127.0.0.1:{server.http_port}",
               SMTP_PORT=str(server.smtp_port))
    run = subprocess.run(["node", "send.mjs"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "captured: Hello from Node" in run.stdout
    assert "rejected: 550" in run.stdout and "5.1.1" in run.stdout
