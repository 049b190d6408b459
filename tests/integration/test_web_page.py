"""The web page at / in a real browser: headless Chromium loads it, runs its script against
the live API, and renders the captured messages and sessions."""
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
    # The page runs under its strict Content-Security-Policy (hashes, no 'unsafe-inline'):
    # what follows shows the browser let its script and fetch() calls run.
    with urllib.request.urlopen(url, timeout=10) as r:
        csp = r.headers["Content-Security-Policy"]
    assert "script-src 'sha256-" in csp and "unsafe-inline" not in csp
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
