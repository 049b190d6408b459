"""The browser defences in a real browser (issue 12, item 2): headless Chromium loads a page
from another origin (a small Python server on another port) whose script calls the API, and
a page through a rebound name. What the page could do is written into its DOM, and the
server's state is checked through the API afterwards."""
import http.server
import json
import smtplib
import subprocess
import threading
import urllib.request

import pytest

from conftest import need_tool

PAGE = """<!doctype html><html><body><pre id="out">running</pre><script>
const api = "%(api)s";
async function attempt(name, f) {
  try { return name + ":" + await f(); } catch (e) { return name + ":blocked"; }
}
(async () => {
  const out = [];
  // A read with the token header: preflighted, then the answer is readable only with CORS.
  out.push(await attempt("read", async () => {
    const r = await fetch(api + "/api/v1/messages", { headers: { Authorization: "Bearer t" } });
    return r.status + ":" + (await r.json()).total;
  }));
  // A simple cross-site POST: no preflight; the browser sends it whatever the answer.
  out.push(await attempt("advance", async () => {
    const r = await fetch(api + "/api/v1/clock/advance?by=1h", { method: "POST", mode: "no-cors" });
    return "sent";
  }));
  // A DELETE: preflighted; runs only when the preflight allows it.
  out.push(await attempt("delete", async () => {
    const r = await fetch(api + "/api/v1/messages", { method: "DELETE" });
    return r.status;
  }));
  document.getElementById("out").textContent = "done " + out.join(" ");
})();
</script></body></html>"""


class PageServer:
    """Serves PAGE on 127.0.0.1, another origin than the API's; `api` is set once known."""

    def __init__(self):
        self.api = ""
        page = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = (PAGE % {"api": page.api}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def chromium(tmp_path, *args):
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000"]
    run = subprocess.run([need_tool("chromium"), *flags, *args], capture_output=True, timeout=90)
    return run.stdout.decode("utf-8", "replace")


def api_json(server, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{server.http_port}{path}", timeout=10) as r:
        return json.load(r)


def send(server):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.sendmail("a@example.test", ["secret@example.test"], b"Subject: secret\r\n\r\nx\r\n")


def result(dom):
    start = dom.find("done ")
    assert start >= 0, dom[-2000:]
    return dom[start:dom.find("<", start)].split()[1:]


@pytest.mark.parametrize("cors", [False, True], ids=["other-origin", "api-cors-origin"])
def test_a_page_from_another_origin(bounceback, tmp_path, cors):
    page = PageServer()
    try:
        server = bounceback(*(("--api-cors", page.origin) if cors else ()))
        page.api = f"http://127.0.0.1:{server.http_port}"
        send(server)
        got = result(chromium(tmp_path, "--dump-dom", page.origin + "/"))
    finally:
        page.close()
    offset = api_json(server, "/api/v1/clock")["offset_ms"]
    total = api_json(server, "/api/v1/messages")["total"]
    if cors:
        # Allowed: it reads, and its state changes run.
        assert got == ["read:200:1", "advance:sent", "delete:200"], got
        assert offset == 3600 * 1000 and total == 0
    else:
        # Not allowed: nothing readable, and nothing changed, even by the request the
        # browser sent without asking (the no-cors POST).
        assert got == ["read:blocked", "advance:sent", "delete:blocked"], got
        assert offset == 0 and total == 1


def test_a_page_through_a_rebound_name_gets_nothing(bounceback, tmp_path):
    # DNS rebinding's last step: the browser, for a page of rebind.evil.example, connects to
    # 127.0.0.1 (the resolver rule plays the attacker's DNS) and calls the API as its own
    # origin. The Host it sends gives it away.
    server = bounceback()
    send(server)
    url = f"http://rebind.evil.example:{server.http_port}/"
    rule = "--host-resolver-rules=MAP rebind.evil.example 127.0.0.1"
    dom = chromium(tmp_path, rule, "--dump-dom", url)
    assert "Host not allowed" in dom, dom[-2000:]
    assert "secret@example.test" not in dom
    # The same page by its loopback name works.
    dom = chromium(tmp_path, rule, "--dump-dom", f"http://localhost:{server.http_port}/")
    assert "secret@example.test" in dom, dom[-2000:]
