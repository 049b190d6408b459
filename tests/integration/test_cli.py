"""The command line seen by a user: the real binary run with subprocess. --help and --version
anywhere, each verb's usage, `scenarios NAME`, "did you mean" for unknown scenario names,
unreadable files with the system's reason, `explain` on every code a built-in scenario uses;
and the version in GET /healthz and bounceback_build_info."""
import json
import os
import pathlib
import re
import subprocess
import urllib.request

import pytest

from conftest import BIN, SOURCE_DIR

SCENARIOS = pathlib.Path(SOURCE_DIR) / "scenarios"


def run(*args, timeout=20):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)


def cmake_version():
    text = (pathlib.Path(SOURCE_DIR) / "CMakeLists.txt").read_text()
    return re.search(r"project\(bounceback VERSION (\S+)", text).group(1)


# ---- --version -------------------------------------------------------------------------------

def test_version_is_cmakes_project_version():
    p = run("--version")
    assert p.returncode == 0 and p.stderr == ""
    assert re.fullmatch(r"bounceback (\S+)( \(\S+\))?\n", p.stdout), p.stdout
    assert p.stdout.split()[1] == cmake_version()
    assert run("version").stdout == p.stdout
    assert run("serve", "--smtp", "127.0.0.1:0", "--version").stdout == p.stdout  # nothing served


def test_healthz_and_build_info_carry_the_version(bounceback):
    server = bounceback()
    version = run("--version").stdout.split()[1]
    with urllib.request.urlopen(f"http://127.0.0.1:{server.http_port}/healthz", timeout=10) as r:
        health = json.loads(r.read())
    assert health["status"] == "ok" and health["version"] == version
    with urllib.request.urlopen(f"http://127.0.0.1:{server.http_port}/metrics", timeout=10) as r:
        metrics = r.read().decode()
    assert "# TYPE bounceback_build_info gauge" in metrics
    m = re.search(r'^bounceback_build_info\{version="([^"]*)",revision="([^"]*)"\} 1$', metrics,
                  re.M)
    assert m and m.group(1) == version and m.group(2) == health["revision"], metrics[:400]


# ---- --help ----------------------------------------------------------------------------------

@pytest.mark.parametrize("args, expect", [
    (["--help"], "serve options"),
    (["-h"], "serve options"),
    (["help"], "serve options"),
    (["serve", "--help"], "serve options"),
    (["serve", "--smtp", "x", "--help"], "serve options"),  # anywhere; x is never parsed
    (["--no-such-option", "--help"], "serve options"),
    (["check", "--help"], "Usage: bounceback check FILE..."),
    (["check", "a.toml", "-h"], "Usage: bounceback check FILE..."),
    (["explain", "--help"], "Usage: bounceback explain CODE"),
    (["explain", "550", "--help"], "Usage: bounceback explain CODE"),
    (["scenarios", "--help"], "Usage: bounceback scenarios [NAME]"),
    (["help", "check"], "Usage: bounceback check FILE..."),
])
def test_help_for_every_verb_anywhere_exits_0(args, expect):
    p = run(*args)
    assert p.returncode == 0, p.stderr
    assert expect in p.stdout and p.stderr == ""


def test_serve_usage_lists_every_option_of_the_docs():
    usage = run("--help").stdout
    for option in ("--starttls", "--received-header", "--smtp", "--tls-cert", "--store-dir"):
        assert option in usage


def test_unknown_verb_and_bad_usage_exit_2():
    p = run("frobnicate")
    assert p.returncode == 2 and "unknown verb 'frobnicate'" in p.stderr
    assert run("check").returncode == 2
    assert run("explain").returncode == 2
    assert run("scenarios", "a", "b").returncode == 2


# ---- scenarios NAME --------------------------------------------------------------------------

def test_scenarios_lists_and_prints_each_builtin_exactly():
    listing = run("scenarios")
    assert listing.returncode == 0
    names = [line.split()[0] for line in listing.stdout.splitlines()]
    files = sorted(p.stem for p in SCENARIOS.glob("*.toml"))
    assert sorted(names) == files
    for name in files:
        p = run("scenarios", name)
        assert p.returncode == 0, p.stderr
        assert p.stdout == (SCENARIOS / f"{name}.toml").read_text(), name


def test_printed_scenario_is_a_valid_file(tmp_path):
    copy = tmp_path / "mine.toml"
    copy.write_text(run("scenarios", "greylisting").stdout)
    assert run("check", str(copy)).returncode == 0


# ---- unknown names, unreadable files ----------------------------------------------------------

def test_unknown_scenario_name_suggests_the_nearest(tmp_path):
    p = run("serve", "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--scenario", "greylistng")
    assert p.returncode == 2
    assert "unknown scenario 'greylistng'; did you mean greylisting?" in p.stderr, p.stderr
    p = run("scenarios", "gmial")
    assert p.returncode == 2 and "did you mean gmail?" in p.stderr, p.stderr
    p = run("scenarios", "zzzzzzzz")
    assert p.returncode == 2 and "built-in scenarios: accept-all" in p.stderr, p.stderr


def test_unreadable_files_say_why_without_a_dummy_position(tmp_path):
    missing = tmp_path / "missing.toml"
    p = run("check", str(missing))
    assert p.returncode == 2
    out = p.stdout + p.stderr
    assert f"{missing}: cannot open: No such file or directory" in out and ":0:0:" not in out
    p = run("check", str(tmp_path))  # a directory
    assert p.returncode == 2 and "Is a directory" in p.stdout + p.stderr
    p = run("serve", "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--scenario", str(missing))
    assert p.returncode == 2
    assert f"{missing}: cannot open: No such file or directory" in p.stderr and ":0:0:" not in p.stderr
    if os.geteuid() != 0:  # root reads anything
        secret = tmp_path / "secret.toml"
        secret.write_text('name = "s"\n')
        secret.chmod(0)
        p = run("check", str(secret))
        assert p.returncode == 2 and "Permission denied" in p.stdout + p.stderr


# ---- explain ---------------------------------------------------------------------------------

def scenario_codes():
    codes = set()
    for f in SCENARIOS.glob("*.toml"):
        for line in f.read_text().splitlines():
            if line.lstrip().startswith("#"):
                continue
            codes.update(re.findall(r'"([245]\d\d)[ -]([245]\.\d{1,3}\.\d{1,3})\b', line))
    return sorted(codes)


def test_explain_knows_every_code_a_builtin_scenario_uses():
    codes = scenario_codes()
    assert ("451", "4.7.651") in codes and ("550", "5.7.606") in codes
    for code, enhanced in codes:
        for query in (f"{code} {enhanced}", enhanced):
            p = run("explain", query)
            assert p.returncode == 0, (query, p.stderr)
            assert "Warning" not in p.stdout, query
            assert "not in the IANA registry" not in p.stdout, query


def test_explain_microsoft_codes_say_what_they_mean():
    def text(query):
        return " ".join(run("explain", query).stdout.split())  # unwrapped
    assert "rate-limits the sending IP because of its reputation" in text("451 4.7.651")
    assert "fails DMARC and publishes a reject policy" in text("550 5.7.509")
    assert "on Microsoft's own block list" in text("5.7.606")
    assert "temporary" in run("explain", "4.7.500").stdout.splitlines()[0]


def test_explain_warns_when_the_classes_disagree():
    p = run("explain", "550 4.7.1")
    assert p.returncode == 0
    first, second = p.stdout.splitlines()[:2]
    assert first.startswith("550 4.7.1 — permanent")
    assert second.startswith("Warning:") and "550 is permanent" in p.stdout
    assert "4.7.1 is temporary" in " ".join(p.stdout.split())


def test_state_share_takes_a_list_of_known_words_each_once():
    for bad in ("", "tables,", "table", "tables,tables", "capture,messages"):
        p = run("serve", "--state-share", bad)
        assert p.returncode == 2 and "--state-share: expected a list" in p.stderr, (bad, p.stderr)
