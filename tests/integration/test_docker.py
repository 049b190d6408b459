"""Dockerfile, docker-compose.yml and the image's scripts, checked without a Docker engine (none
runs here): the compose file validates and publishes on 127.0.0.1 only; the Dockerfile has its
stages, non-root user, ports, and installs the .deb; docker/entrypoint.sh passes verbs and
--help through and serves on 0.0.0.0 otherwise, and docker/healthcheck.sh follows the --http
port the running server was given. The scripts run here with the real binary on PATH."""
import http.client
import json
import os
import re
import socket
import subprocess
import urllib.parse

import yaml

from conftest import BIN, Server, need_tool

ROOT = os.environ.get("BOUNCEBACK_SOURCE_DIR", ".")
ENTRYPOINT = os.path.join(ROOT, "docker", "entrypoint.sh")
HEALTHCHECK = os.path.join(ROOT, "docker", "healthcheck.sh")


def read(name):
    with open(os.path.join(ROOT, name), encoding="utf-8") as f:
        return f.read()


def dockerfile_json_array(text, instruction):
    m = re.search(rf"^{instruction}\s+(?:CMD\s+)?(\[.*\])\s*$", text, re.M)
    assert m, instruction
    return json.loads(m.group(1))


def image_path(tmp_path, fake=False):
    """PATH as in the image: bounceback (real, or a stand-in printing its argv) beside the
    scripts under their image names."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    target = bindir / "bounceback"
    if target.exists():
        pass
    elif fake:
        target.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
        target.chmod(0o755)
    else:
        target.symlink_to(os.path.abspath(BIN))
    return f"{bindir}:{os.environ['PATH']}"


def entrypoint(tmp_path, *args, fake=False):
    return subprocess.run([ENTRYPOINT, *args], capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, PATH=image_path(tmp_path, fake)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_compose_file_publishes_on_loopback_only():
    doc = yaml.safe_load(read("docker-compose.yml"))
    services = doc["services"]
    bb = services["bounceback"]
    assert bb["build"] == "."
    ports = [p.split("#")[0].strip() for p in bb["ports"]]
    assert ports == ["127.0.0.1:1025:1025", "127.0.0.1:1465:1465", "127.0.0.1:8025:8025"]
    assert bb["healthcheck"]["test"] == ["CMD", "bounceback-healthcheck"]
    client = services["client"]
    assert client["depends_on"]["bounceback"]["condition"] == "service_healthy"
    script = client["command"][-1]
    compile(script, "compose-client", "exec")  # the one-shot client is valid Python
    # The docs say how to open the ports, and that a token goes with it.
    recipes = read("docs/recipes.md")
    assert "0.0.0.0:8025:8025" in recipes and "--api-token" in recipes


def test_dockerfile_stages_user_ports_scripts_and_deb():
    text = read("Dockerfile")
    froms = re.findall(r"^FROM\s+(\S+)", text, re.M)
    assert froms == ["debian:12", "debian:12-slim"]
    assert re.search(r"^USER\s+(?!root\b|0\b)\S+", text, re.M)
    assert re.search(r"^EXPOSE\s+1025\s+1465\s+8025\s*$", text, re.M)
    assert dockerfile_json_array(text, "ENTRYPOINT") == ["bounceback-entrypoint"]
    assert dockerfile_json_array(text, "CMD") == []
    assert dockerfile_json_array(text, "HEALTHCHECK --interval=\\S+ --timeout=\\S+ "
                                 "--retries=\\S+") == ["bounceback-healthcheck"]
    assert "COPY docker/entrypoint.sh /usr/local/bin/bounceback-entrypoint" in text
    assert "COPY docker/healthcheck.sh /usr/local/bin/bounceback-healthcheck" in text
    # The runtime gets its libraries from the .deb's Depends (.ci/check-deb proves them).
    build, runtime = text.split("FROM debian:12-slim", 1)
    assert "cpack -G DEB" in build
    assert re.search(r"apt-get install .*/tmp/bounceback\.deb", runtime)
    # The build stage installs the packages .ci/install-deps builds with, and copies what
    # `cmake --install` needs.
    deps = subprocess.run([os.path.join(ROOT, ".ci", "install-deps"), "--print"],
                          capture_output=True, text=True, check=True).stdout.split()
    for pkg in deps:
        assert re.search(rf"\b{re.escape(pkg)}\b", build), pkg
    for path in ["docs", "LICENSE", "CHANGELOG.md", "README.md", "src", "scenarios", "cmake"]:
        assert re.search(rf"^COPY .*\b{re.escape(path)}\b", build, re.M), path
    ignore = read(".dockerignore")
    assert "build*/" in ignore and ".git" in ignore


def test_entrypoint_assembles_serve_with_container_listeners(tmp_path):
    def argv(*args):
        run = entrypoint(tmp_path, *args, fake=True)
        assert run.returncode == 0, run.stderr
        return run.stdout.splitlines()

    listeners = ["--smtp", "0.0.0.0:1025", "--smtps", "0.0.0.0:1465", "--http", "0.0.0.0:8025"]
    assert argv() == ["serve", *listeners]
    assert argv("--scenario", "greylisting") == ["serve", *listeners, "--scenario", "greylisting"]
    assert argv("serve", "--threads", "2") == ["serve", *listeners, "--threads", "2"]
    # A listener the arguments give replaces that kind's default only.
    assert argv("--http", "0.0.0.0:9025") == ["serve", "--smtp", "0.0.0.0:1025", "--smtps",
                                              "0.0.0.0:1465", "--http", "0.0.0.0:9025"]
    assert argv("--smtp=0.0.0.0:2525") == ["serve", "--smtps", "0.0.0.0:1465", "--http",
                                           "0.0.0.0:8025", "--smtp=0.0.0.0:2525"]
    # Verbs and help go to the binary untouched.
    assert argv("explain", "550") == ["explain", "550"]
    assert argv("check", "f.toml") == ["check", "f.toml"]
    assert argv("--help") == ["--help"]
    assert argv("--version") == ["--version"]


def test_entrypoint_verbs_and_help_on_the_real_binary(tmp_path):
    help_ = entrypoint(tmp_path, "--help")
    assert help_.returncode == 0 and "bounceback check FILE" in help_.stdout, help_.stderr
    explain = entrypoint(tmp_path, "explain", "550")
    assert explain.returncode == 0 and "550" in explain.stdout, explain.stderr
    assert "greylisting" in entrypoint(tmp_path, "scenarios").stdout
    good = tmp_path / "ok.toml"
    good.write_text('name = "ok"\n')
    assert entrypoint(tmp_path, "check", str(good)).returncode == 0
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[[rule]]\nbogus = 1\n')
    checked = entrypoint(tmp_path, "check", str(bad))
    assert checked.returncode == 1 and "bad.toml:" in checked.stdout + checked.stderr


def test_healthcheck_follows_the_servers_http_port(tmp_path):
    need_tool("bash")
    port = free_port()
    env = dict(os.environ, PATH=image_path(tmp_path))
    # The entrypoint with the listeners a user changed (loopback here, the image uses 0.0.0.0).
    proc = subprocess.Popen([ENTRYPOINT, "--smtp", "127.0.0.1:0", "--http", f"127.0.0.1:{port}",
                             "--smtps", "127.0.0.1:0"], env=env, stderr=subprocess.PIPE)
    try:
        for line in proc.stderr:
            if b"ready" in line:
                break
        check = subprocess.run([HEALTHCHECK], env=dict(env, BOUNCEBACK_PID=str(proc.pid)),
                               capture_output=True, text=True, timeout=10)
        assert check.returncode == 0, check.stderr
    finally:
        proc.terminate()
        assert proc.wait(15) == 0
    # A process whose --http names the port now closed: unhealthy.
    gone = subprocess.Popen(["/usr/bin/python3", "-c", "import time; time.sleep(30)",
                             "--http", f"127.0.0.1:{port}"])
    try:
        down = subprocess.run([HEALTHCHECK], env=dict(env, BOUNCEBACK_PID=str(gone.pid)),
                              capture_output=True, text=True, timeout=10)
        assert down.returncode != 0 and f"127.0.0.1/{port}" in down.stderr, down.stderr
    finally:
        gone.kill()
        gone.wait()


def test_compose_command_serves_the_client_by_service_name():
    """Compose's command on the real binary (listeners on loopback port 0): the API answers
    the client's requests, whose Host is the service name in its API URL."""
    services = yaml.safe_load(read("docker-compose.yml"))["services"]
    api = urllib.parse.urlsplit(services["client"]["environment"]["API"])
    assert api.hostname == "bounceback"
    server = Server(["--smtps", "127.0.0.1:0", *services["bounceback"]["command"]])
    try:
        assert server.http_port and server.smtps_port
        conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
        conn.request("GET", "/api/v1/messages", headers={"Host": f"{api.hostname}:{api.port}"})
        response = conn.getresponse()
        assert response.status == 200, response.read()
        conn.close()
    finally:
        assert server.stop() == 0, server.log()


def test_docker_compose_config_validates():
    """`docker-compose config` checks the file against the Compose schema; no engine needed."""
    need_tool("docker-compose")
    out = subprocess.run(["docker-compose", "-f", os.path.join(ROOT, "docker-compose.yml"),
                          "config", "-q"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
