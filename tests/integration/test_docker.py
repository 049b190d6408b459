"""Dockerfile and docker-compose.yml, checked without a Docker engine (none runs in CI here):
the compose file parses as YAML (python3-yaml) with the expected services, the Dockerfile has
its two stages, non-root user, ports and listener flags, its runtime packages cover the
binary's shared libraries, and the image's entrypoint arguments start the real binary."""
import os
import re
import shlex
import subprocess

import pytest
import yaml

from conftest import BIN, Server, need_tool
ROOT = os.environ.get("BOUNCEBACK_SOURCE_DIR", ".")


def read(name):
    with open(os.path.join(ROOT, name), encoding="utf-8") as f:
        return f.read()


def dockerfile_json_array(text, instruction):
    m = re.search(rf"^{instruction}\s+(\[.*\])\s*$", text, re.M)
    assert m, instruction
    import json
    return json.loads(m.group(1))


def test_compose_file_is_valid_yaml_with_bounceback_and_a_client():
    doc = yaml.safe_load(read("docker-compose.yml"))
    services = doc["services"]
    bb = services["bounceback"]
    assert bb["build"] == "."
    ports = {p.split("#")[0].strip() for p in bb["ports"]}
    assert {"1025:1025", "1465:1465", "8025:8025"} <= ports
    assert "healthcheck" in bb
    client = services["client"]
    assert client["depends_on"]["bounceback"]["condition"] == "service_healthy"
    script = client["command"][-1]
    compile(script, "compose-client", "exec")  # the one-shot client is valid Python


def test_dockerfile_stages_user_ports_and_flags():
    text = read("Dockerfile")
    froms = re.findall(r"^FROM\s+(\S+)", text, re.M)
    assert froms == ["debian:12", "debian:12-slim"]
    assert re.search(r"^USER\s+(?!root\b|0\b)\S+", text, re.M)
    assert re.search(r"^EXPOSE\s+1025\s+1465\s+8025\s*$", text, re.M)
    entry = dockerfile_json_array(text, "ENTRYPOINT")
    assert entry[:2] == ["bounceback", "serve"]
    for flag, addr in [("--smtp", "0.0.0.0:1025"), ("--smtps", "0.0.0.0:1465"),
                       ("--http", "0.0.0.0:8025")]:
        assert entry[entry.index(flag) + 1] == addr
    # The build stage installs the packages .ci/install-deps builds with.
    deps = read(".ci/install-deps")
    for pkg in ["libboost1.81-dev", "libboost-json1.81-dev", "libssl-dev", "libtomlplusplus-dev",
                "libre2-dev", "cmake", "ninja-build"]:
        assert pkg in deps and pkg in text, pkg
    ignore = read(".dockerignore")
    assert "build*/" in ignore and ".git" in ignore


def test_runtime_packages_cover_the_binary_libraries():
    """Every non-libc library ldd lists comes from a package the runtime stage installs."""
    text = read("Dockerfile")
    runtime = text.split("FROM debian:12-slim", 1)[1]
    need_tool("ldd")
    ldd = subprocess.run(["ldd", BIN], capture_output=True, text=True, check=True).stdout
    base = {"libc6", "libgcc-s1", "libstdc++6"}  # in debian:12-slim already
    for path in re.findall(r"=>\s+(/\S+)", ldd):
        owner = subprocess.run(["dpkg", "-S", os.path.realpath(path)], capture_output=True,
                               text=True)
        if owner.returncode != 0:
            owner = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
        if owner.returncode != 0:
            continue  # not from a package (e.g. a local build); nothing to check
        pkg = owner.stdout.split(":", 1)[0]
        if pkg in base or re.match(r"lib(asan|ubsan|tsan)\d", pkg):
            continue  # sanitizer runtimes: only in the ASan/TSan builds CI also tests
        if pkg.startswith("libcrypto") or pkg == "libssl3":
            pkg = "libssl3"
        assert re.search(rf"\b{re.escape(pkg)}\b", runtime), f"{path} ({pkg}) not installed"


def test_entrypoint_and_compose_arguments_start_the_binary(bounceback):
    """The image's arguments (ports made 0) plus the compose command, on the real binary."""
    entry = dockerfile_json_array(read("Dockerfile"), "ENTRYPOINT")
    compose = yaml.safe_load(read("docker-compose.yml"))["services"]["bounceback"]["command"]
    args = [re.sub(r":\d+$", ":0", a) if a.startswith("0.0.0.0:") else a for a in entry[2:]]
    server = Server(args + list(compose))  # conftest adds --smtp/--http 127.0.0.1:0 first
    try:
        assert server.http_port and server.smtps_port
    finally:
        assert server.stop() == 0, server.log()


def test_docker_compose_config_validates():
    """`docker-compose config` checks the file against the Compose schema; no engine needed."""
    need_tool("docker-compose")
    out = subprocess.run(["docker-compose", "-f", os.path.join(ROOT, "docker-compose.yml"),
                          "config", "-q"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
