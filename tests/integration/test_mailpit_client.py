"""The real `mailpit-api` npm package against Bounceback's Mailpit surface (docs/api.md, "Mailpit
clients"): nodemailer sends multipart mail with an attachment over SMTP, then the client, with
its base URL at http://HOST:PORT/mailpit, lists, reads (`latest` too), fetches raw source,
headers and an attachment, searches with to:/from:/subject:, waits, deletes and asks for info
(tests/integration/mailpit_client/check.mjs). Needs node and npm; installs the pinned packages
of mailpit_client/package.json from the npm registry into a temporary directory, and skips
(fails under CI) when node, npm or the registry is missing."""
import os
import shutil
import subprocess

import pytest

from conftest import missing_tool, need_tool

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mailpit_client")


@pytest.mark.parametrize("token", [None, "s3cret"])
def test_mailpit_api_client(bounceback, tmp_path, token):
    need_tool("node")
    need_tool("npm")
    for name in ("package.json", "check.mjs"):
        shutil.copy(os.path.join(HERE, name), tmp_path / name)
    install = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=180)
    if install.returncode != 0:
        missing_tool("npm install mailpit-api failed (offline?): " + install.stderr[-500:])
    server = bounceback(*(["--api-token", token] if token else []))
    env = dict(os.environ, API=f"http://127.0.0.1:{server.http_port}",
               SMTP_PORT=str(server.smtp_port), TOKEN=token or "")
    run = subprocess.run(["node", "check.mjs"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "mailpit-api: ok" in run.stdout
