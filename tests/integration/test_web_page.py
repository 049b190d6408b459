"""The web page at / in a real browser, with nothing but Debian's chromium: headless Chromium
loads it, runs its script under the page's Content-Security-Policy against the live API, and
renders the timeline and a session's transcript. The walk through every view (puppeteer-core)
is test_web_page_browser.py."""
import json
import os
import shutil
import smtplib
import subprocess
import urllib.request

from conftest import need_tool


def chromium(tmp_path, *args):
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,900",
             "--virtual-time-budget=5000"]
    return subprocess.run([need_tool("chromium"), *flags, *args], capture_output=True, timeout=90)


def test_page_lists_messages_and_sessions(bounceback, tmp_path):
    server = bounceback()
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.sendmail("web@example.test", ["viewer@example.test"],
                   b"Subject: Shown in the browser\r\n\r\nhello\r\n")
    url = f"http://127.0.0.1:{server.http_port}/"
    # The page runs under its strict Content-Security-Policy (its own script file only, no
    # inline script, no eval): what follows shows the browser let its script and fetch() run.
    with urllib.request.urlopen(url, timeout=10) as r:
        csp = r.headers["Content-Security-Policy"]
    script_src = [d for d in csp.split(";") if d.strip().startswith("script-src")][0]
    assert script_src.strip() == "script-src 'self'", csp
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    dom = chromium(tmp_path, "--dump-dom", url).stdout.decode("utf-8", "replace")
    # The subject and addresses come from the API through the page's own fetch calls.
    assert "Shown in the browser" in dom
    assert "viewer@example.test" in dom
    shot = tmp_path / "page.png"
    chromium(tmp_path, f"--screenshot={shot}", url)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 10_000  # a rendered page, not a blank canvas
    if os.environ.get("BOUNCEBACK_KEEP_SCREENSHOT"):
        shutil.copy(shot, os.environ["BOUNCEBACK_KEEP_SCREENSHOT"])


def test_page_marks_where_a_long_transcript_was_elided(bounceback, tmp_path):
    server = bounceback("--max-transcript-bytes", "16KiB")
    with server.connect() as s:
        f = s.makefile("rb")
        f.readline()
        s.sendall(b"".join(b"NOOP %06d\r\n" % i for i in range(2000)) + b"QUIT\r\n")
        for _ in range(2001):
            f.readline()
    url = f"http://127.0.0.1:{server.http_port}/api/v1/sessions?limit=1"
    session_id = json.loads(urllib.request.urlopen(url, timeout=10).read())["sessions"][0]["id"]
    # The page shows /sessions/{id}, the whole transcript the log kept (a list cuts it more).
    url = f"http://127.0.0.1:{server.http_port}/api/v1/sessions/{session_id}"
    with urllib.request.urlopen(url, timeout=10) as r:
        elided = json.load(r)["elided"]
    assert elided and elided["lines"] > 0
    dom = chromium(tmp_path, "--dump-dom",
                   f"http://127.0.0.1:{server.http_port}/#session/{session_id}")
    dom = dom.stdout.decode("utf-8", "replace")
    assert f"... {elided['lines']} lines / {elided['bytes']} bytes elided ..." in dom
    assert "NOOP 000000" in dom and "NOOP 001999" in dom  # the first and the last command
