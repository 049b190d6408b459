"""The fixture's lifecycle, seen from a nested pytest run (pytester): per test or per session,
and a crash failing the test with the server's log."""
import os


def run(pytester, source, *args):
    pytester.makepyfile(source)
    return pytester.runpytest_subprocess("-p", "bounceback.pytest_plugin", "-p",
                                         "no:cacheprovider", *args)


PORTS = """
import json, os, smtplib
def send(server):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.sendmail("a@example.test", ["b@example.test"], "Subject: x\\r\\n\\r\\nx\\r\\n")
def record(server):
    with open("ports.txt", "a") as f:
        f.write(f"{server.http_port} {server.client.messages().total}\\n")
def test_one(bounceback):
    record(bounceback); send(bounceback)
    bounceback.client.use_scenario("unknown-user")
def test_two(bounceback):
    record(bounceback)
    assert "accept-all" in bounceback.client.scenario()
"""


def test_a_server_per_test_by_default(pytester):
    result = run(pytester, PORTS)
    result.assert_outcomes(passed=2)
    lines = (pytester.path / "ports.txt").read_text().split("\n")[:2]
    assert lines[0].split()[0] != lines[1].split()[0]  # two servers
    assert [line.split()[1] for line in lines] == ["0", "0"]


def test_one_server_per_session_cleaned_between_tests(pytester):
    result = run(pytester, PORTS, "--bounceback-scope=session")
    result.assert_outcomes(passed=2)
    lines = (pytester.path / "ports.txt").read_text().split("\n")[:2]
    assert lines[0].split()[0] == lines[1].split()[0]  # one server
    assert [line.split()[1] for line in lines] == ["0", "0"]  # the message was forgotten


def test_the_ini_option_selects_the_scope(pytester):
    pytester.makeini("[pytest]\nbounceback_scope = session\n")
    result = run(pytester, PORTS)
    result.assert_outcomes(passed=2)
    lines = (pytester.path / "ports.txt").read_text().split("\n")[:2]
    assert lines[0].split()[0] == lines[1].split()[0]


def test_a_crash_fails_the_test_with_the_log(pytester):
    result = run(pytester, """
import os, signal, time
def test_crashes(bounceback):
    os.kill(bounceback.proc.pid, signal.SIGKILL)
    bounceback.proc.wait()
""")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*bounceback exited -9 during the test*", "*msg=ready*"])


def test_a_failing_test_shows_the_log_and_the_marker_passes_options(pytester):
    result = run(pytester, """
import pytest
@pytest.mark.bounceback("--hostname", "mx.fixture.test")
def test_fails(bounceback):
    assert False, "on purpose"
""")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*bounceback log*", "*msg=ready*"])
    assert "mx.fixture.test" in result.stdout.str()


def test_a_missing_binary_is_a_clear_error(pytester, monkeypatch):
    monkeypatch.setenv("BOUNCEBACK_BIN", "")
    monkeypatch.setenv("PATH", "/nonexistent")
    result = run(pytester, "def test_x(bounceback):\n    pass\n")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*set BOUNCEBACK_BIN or put it on PATH*"])
