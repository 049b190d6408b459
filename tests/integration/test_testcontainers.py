"""docs/fixtures.md's Testcontainers recipes, run as written: the image built from the
repository's Dockerfile, a container waited on /healthz, a greylisting retry asserted through
the API; Python (the testcontainers package: not in Debian 12, so installed by whoever runs
this with an engine) and Node (testcontainers@10 and nodemailer from npm, installed into a
temporary folder as the other Node tests do). A container engine must answer at DOCKER_HOST or
/var/run/docker.sock: where none does (our CI and development machines have the docker CLI at
most), each test skips, saying why, under CI too."""
import http.client
import os
import re
import socket
import subprocess
import sys
import urllib.parse

import pytest

from conftest import SOURCE_DIR, missing_tool, need_tool

CHECKOUT = os.path.abspath(SOURCE_DIR)
TIMEOUT = 1800  # the first image build compiles the server


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=5)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(5)
        self.sock.connect(self.path)


def engine_or_skip():
    """Skips unless a container engine answers the Docker API's ping (`docker info` asks the
    same first). Testcontainers talks to that API, not to the CLI."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    url = urllib.parse.urlsplit(host)
    try:
        conn = (UnixHTTPConnection(url.path) if url.scheme == "unix"
                else http.client.HTTPConnection(url.hostname, url.port or 2375, timeout=5))
        conn.request("GET", "/_ping")
        answer = conn.getresponse()
        if answer.status == 200:
            return
        reason = f"answered {answer.status}"
    except OSError as e:
        reason = str(e)
    pytest.skip(f"no container engine at {host} ({reason}): the Testcontainers recipes need "
                "one (docs/fixtures.md); none runs here")


def recipe(language):
    doc = open(os.path.join(SOURCE_DIR, "docs", "fixtures.md"), encoding="utf-8").read()
    section = doc.split("## Testcontainers (Python and Node)", 1)[1].split("\n## ", 1)[0]
    return re.search(rf"```{language}\n(.*?)```", section, re.S).group(1)


def test_recipes_are_in_the_docs():
    """What the engine tests run is there even where they skip: both build the image from the
    Dockerfile and wait on /healthz."""
    python, node = recipe("python"), recipe("js")
    assert 'DockerImage(path=CHECKOUT' in python and 'HttpWaitStrategy(8025, "/healthz")' in python
    assert "fromDockerfile(checkout)" in node and 'Wait.forHttp("/healthz", 8025)' in node
    compile(python, "fixtures.md", "exec")  # at least valid Python


def test_python_recipe(tmp_path):
    engine_or_skip()
    pytest.importorskip("testcontainers.core.wait_strategies",
                        reason="testcontainers is not packaged by Debian 12: pip install "
                               "testcontainers (4.x) to run this recipe")
    (tmp_path / "test_mailer.py").write_text(recipe("python"))
    env = dict(os.environ, BOUNCEBACK_SOURCE_DIR=CHECKOUT,
               PYTHONPATH=os.path.join(CHECKOUT, "clients", "python", "src"),
               PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "test_mailer.py"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=TIMEOUT)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "1 passed" in run.stdout, run.stdout[-2000:]


def test_node_recipe(tmp_path):
    engine_or_skip()
    node = need_tool("node")
    need_tool("npm")
    (tmp_path / "package.json").write_text('{"name": "mailer-tests", "private": true}')
    install = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent",
                              "testcontainers@10", "nodemailer@6",
                              os.path.join(CHECKOUT, "clients", "node")],
                             cwd=tmp_path, capture_output=True, text=True, timeout=300)
    if install.returncode != 0:
        missing_tool("npm install testcontainers failed (offline?): " + install.stderr[-500:])
    (tmp_path / "mailer.test.mjs").write_text(recipe("js"))
    run = subprocess.run([node, "--test", "mailer.test.mjs"], cwd=tmp_path,
                         env=dict(os.environ, BOUNCEBACK_SOURCE_DIR=CHECKOUT),
                         capture_output=True, text=True, timeout=TIMEOUT)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "# pass 1" in run.stdout, run.stdout[-2000:]
