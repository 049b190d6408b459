"""The web page in headless Chromium, driven by puppeteer-core (web_page/check.mjs): the
timeline shows accepted mail and refusals (filters, paging counts), a message opens with its
text, sandboxed HTML, headers, raw source, envelope and DSN parameters, transcript with the
refused lines highlighted, attachment download and attempt chart; search; a live update
without reload; the attempts chart of the run; the scenario (an error at its line and column,
a swap) and the clock; a narrow window; the --api-token flow (asked once, kept, sent on reads,
downloads and the event stream); and a hostile message whose script must never run and whose
remote image loads only after "Load remote content". smtplib sends the mail. Screenshots of each view are kept in
BUILD/test-artifacts/web_page (the path is printed).

Needs node, npm and chromium; installs puppeteer-core (web_page/package.json, pinned) from the
npm registry into a temporary directory once per run, and skips (fails under CI) when one of
them is missing or the registry cannot be reached."""
import http.server
import os
import shutil
import smtplib
import subprocess
import sys
import threading
import time
import urllib.request
from email.message import EmailMessage

import pytest

from conftest import BIN, http_call, missing_tool, need_tool

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "web_page")
SHOTS = os.path.join(os.path.dirname(os.path.abspath(BIN)), "test-artifacts", "web_page")


@pytest.fixture(scope="module")
def puppeteer(tmp_path_factory):
    """A directory with check.mjs and puppeteer-core installed."""
    need_tool("node")
    need_tool("npm")
    need_tool("chromium")
    work = tmp_path_factory.mktemp("web_page")
    for name in ("package.json", "check.mjs"):
        shutil.copy(os.path.join(HERE, name), work / name)
    install = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"],
                             cwd=work, capture_output=True, text=True, timeout=300,
                             env=dict(os.environ, PUPPETEER_SKIP_DOWNLOAD="1"))
    if install.returncode != 0:
        missing_tool("npm install puppeteer-core failed (offline?): " + install.stderr[-500:])
    os.makedirs(SHOTS, exist_ok=True)
    sys.__stderr__.write(f"\nweb page screenshots: {SHOTS}\n")
    return work


def walk(work, server, mode, tmp_path, on_need=None, token=""):
    """Runs check.mjs in `mode`; answers each "need NAME" it prints by calling on_need(NAME)."""
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    env = dict(os.environ, API=f"http://127.0.0.1:{server.http_port}", MODE=mode, SHOTS=SHOTS,
               CHROMIUM=need_tool("chromium"), DOWNLOADS=str(downloads), TOKEN=token)
    proc = subprocess.Popen(["node", "check.mjs"], cwd=work, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    timer = threading.Timer(150, proc.kill)
    timer.start()
    out = []
    try:
        for line in proc.stdout:
            out.append(line)
            if line.startswith("need "):
                on_need(line[5:].strip())
                proc.stdin.write("go\n")
                proc.stdin.flush()
        proc.wait()
    finally:
        timer.cancel()
    text = "".join(out)
    assert proc.returncode == 0 and "page: ok" in text, text
    return text


def welcome():
    m = EmailMessage()
    m["From"] = "App <app@example.test>"
    m["To"] = "user@example.test"
    m["Subject"] = "Welcome aboard"
    m.set_content("Hello,\nreset your password: https://app.example.test/reset?t=abc\n")
    m.add_alternative("<p>Hello <b>there</b></p>", subtype="html")
    m.add_attachment(b"%PDF-1.4 test", maintype="application", subtype="pdf",
                     filename="facture.pdf")
    return m.as_bytes()


def send_mixed(server):
    """One message to user@example.test (DSN parameters given) and two refused recipients."""
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.ehlo("client.example.test")
        s.mail("app@example.test", ["RET=HDRS", "ENVID=QQ314159"])
        assert s.rcpt("user@example.test", ["NOTIFY=FAILURE,DELAY"])[0] == 250
        assert s.rcpt("550-5.1.1@reply.test")[0] == 550
        assert s.rcpt("451-4.7.1@reply.test")[0] == 451
        assert s.data(welcome())[0] == 250


def send_live(server):
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.ehlo("client.example.test")
        s.mail("app@example.test")
        s.rcpt("watcher@example.test")
        assert s.rcpt("552-5.2.2@reply.test")[0] == 552
        s.data(b"Subject: Sent while watching\r\n\r\nlive\r\n")


def send_retries(server):
    """Two attempts to retry@example.test, ten minutes apart on the scenario clock."""
    for i in range(2):
        with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
            s.sendmail("app@example.test", ["retry@example.test"], b"Subject: retry\r\n\r\nx\r\n")
        if i == 0:
            assert http_call(server, "POST", "/api/v1/clock/advance?by=10m")[0] == 200


def test_timeline_message_search_live_attempts_scenario_clock(bounceback, puppeteer, tmp_path):
    server = bounceback()
    send_mixed(server)
    actions = {"live": lambda: send_live(server), "retries": lambda: send_retries(server)}
    out = walk(puppeteer, server, "main", tmp_path, lambda name: actions[name]())
    # What the page did is visible from the outside too: the scenario and the clock moved.
    status, _, body = http_call(server, "GET", "/api/v1/scenario")
    assert b'name = "page-test"' in body
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.ehlo("client.example.test")
        s.mail("app@example.test")
        assert s.rcpt("blocked@example.test") == (550, b"5.7.1 Blocked by the page")
    assert "ok: the clock advanced" in out


def test_token_asked_once_and_sent_everywhere(bounceback, puppeteer, tmp_path):
    server = bounceback("--api-token", "s3cret-page")
    send_mixed(server)
    walk(puppeteer, server, "token", tmp_path, lambda name: send_live(server), token="s3cret-page")


def test_the_timeline_pages_through_messages_and_refusals_merged(bounceback, puppeteer,
                                                                  tmp_path):
    scenario = tmp_path / "refuse.toml"
    scenario.write_text('name = "refuse"\n[[rule]]\non = "rcpt"\nrcpt = "refuse-*@example.test"\n'
                        'reply = "550 5.1.1 <{rcpt}>: User unknown"\n')
    server = bounceback("--scenario", str(scenario))
    # Refusal n (at RCPT) then message n, for n = 0..39, a few ms apart: the timeline orders by
    # time at millisecond resolution (docs/web.md), so newest first reads message n, refusal n,
    # message n-1, ...
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.ehlo("client.example.test")
        for n in range(40):
            s.mail("app@example.test")
            s.rcpt(f"n{n:02d}@example.test")
            assert s.rcpt(f"refuse-n{n:02d}@example.test")[0] == 550
            s.data(f"Subject: n{n:02d}\r\n\r\nx\r\n".encode())
            time.sleep(0.003)
    walk(puppeteer, server, "paging", tmp_path)


def test_a_search_beyond_the_scan_budget_reads_on_with_older(bounceback, puppeteer, tmp_path):
    server = bounceback("--api-scan-budget", "4")
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        for n in range(10):
            subject = "needle" if n == 0 else f"hay {n}"
            s.sendmail("app@example.test", [f"n{n}@example.test"],
                       f"Subject: {subject}\r\n\r\nx\r\n".encode())
    walk(puppeteer, server, "budget", tmp_path)


def test_drops_resets_and_hangs_in_the_timeline(bounceback, puppeteer, tmp_path):
    scenario = tmp_path / "silent.toml"
    scenario.write_text('name = "silent"\n'
                        '[[rule]]\non = "rcpt"\nrcpt = "drop@example.test"\ndrop = true\n'
                        '[[rule]]\non = "rcpt"\nrcpt = "reset@example.test"\ndrop = "reset"\n'
                        '[[rule]]\non = "rcpt"\nrcpt = "hang@example.test"\nhang = true\n'
                        '[[rule]]\non = "rcpt"\nrcpt = "no@example.test"\n'
                        'reply = "550 5.1.1 <{rcpt}>: User unknown"\n')
    server = bounceback("--scenario", str(scenario))
    for rcpt in ("no", "drop", "reset", "hang"):
        s = smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=1)
        s.ehlo("client.example.test")
        s.mail("app@example.test")
        try:
            assert s.rcpt(rcpt + "@example.test")[0] == 550
        except (smtplib.SMTPServerDisconnected, OSError):
            pass  # the drop, the reset, the hang's timeout
        s.close()
        time.sleep(0.005)  # distinct milliseconds: the timeline's order is by time
    walk(puppeteer, server, "silent", tmp_path)


def test_a_dsn_and_its_original_link_to_each_other(bounceback, puppeteer, tmp_path):
    server = bounceback()
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.sendmail("shop@example.test", ["dsn-550-5.1.1@reply.test"],
                   b"Subject: Order 42\r\n\r\nThanks for your order.\r\n")
    walk(puppeteer, server, "about", tmp_path)


# A 1x1 GIF a browser decodes (naturalWidth 1).
PIXEL = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00"
         b"\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


class Listener:
    """A local HTTP server standing for a remote host: it counts every request it gets."""

    def __init__(self):
        self.requests = []
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                listener.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/gif")
                self.end_headers()
                self.wfile.write(PIXEL)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_a_messages_script_never_runs_and_remote_content_loads_only_on_request(
        bounceback, puppeteer, tmp_path):
    """Shown, the hostile message runs nothing and fetches nothing (no image, style sheet,
    frame or meta refresh); after "Load remote content" the image, and only it, is fetched
    from the listener, and still no script runs."""
    remote = Listener()
    try:
        base = f"http://127.0.0.1:{remote.port}"
        html = (f"<html><head><link rel='stylesheet' href='{base}/style.css'>"
                f"<meta http-equiv='refresh' content='1;url={base}/refresh'></head><body>"
                "<p>Look at this</p>"
                f"<script>document.title = 'script ran'; new Image().src = '{base}/script';"
                "parent.document.title = 'pwned';</script>"
                f"<img src='{base}/pixel.gif' alt='tracker'>"
                f"<iframe src='{base}/frame'></iframe></body></html>")
        m = EmailMessage()
        m["From"] = "attacker@example.test"
        m["To"] = "user@example.test"
        m["Subject"] = "Hostile"
        m.set_content("see the HTML")
        m.add_alternative(html, subtype="html")
        server = bounceback()
        with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
            s.send_message(m)

        def on_need(name):
            if name == "nothing-loaded":
                assert remote.requests == [], remote.requests
            elif name == "image-loaded":
                assert remote.requests == ["/pixel.gif"], remote.requests

        walk(puppeteer, server, "hostile", tmp_path, on_need)
        # The listener is reachable (this request is ours), and got nothing else.
        with urllib.request.urlopen(base + "/probe", timeout=5):
            pass
        assert remote.requests == ["/pixel.gif", "/probe"], remote.requests
    finally:
        remote.close()
