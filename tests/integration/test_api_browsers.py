"""The API against a hostile web page (issue 12, item 2), with http.client on the real
binary: DNS rebinding (a foreign Host), cross-site requests that change state (Origin,
Sec-Fetch-Site), CORS for --api-cors origins with preflights, and the headers that keep
browsers from sniffing or running what the API serves. docs/security.md, "Browsers"."""
import json
import smtplib

import pytest

from conftest import http_call


def call(server, method, path, headers=None, body=None, host=None):
    return http_call(server, method, path, body=body, headers=headers, host=host)


def send(server, subject="hello"):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.sendmail("a@example.test", ["b@example.test"],
                   f"Subject: {subject}\r\n\r\nbody\r\n".encode())


def message_count(server):
    status, _, body = call(server, "GET", "/api/v1/messages")
    assert status == 200
    return json.loads(body)["total"]


SCENARIO = 'name = "evil"\n[[rule]]\non = "rcpt"\nreply = "550 5.1.1 no"\n'


# ---- DNS rebinding ---------------------------------------------------------------------

@pytest.mark.parametrize("host", ["rebind.evil.example", "rebind.evil.example:{port}",
                                  "localhost.evil.example", "127.0.0.1.evil.example",
                                  "evil.example:{port}"])
def test_foreign_host_gets_no_answer_and_changes_nothing(bounceback, host):
    server = bounceback()
    send(server)
    host = host.format(port=server.http_port)
    for method, path, body in [("GET", "/api/v1/messages", None),
                               ("GET", "/api/v1/sessions", None),
                               ("GET", "/metrics", None),
                               ("GET", "/", None),
                               ("PUT", "/api/v1/scenario", SCENARIO),
                               ("DELETE", "/api/v1/messages", None),
                               ("POST", "/api/v1/clock/advance?by=1h", None)]:
        status, headers, data = call(server, method, path, body=body, host=host)
        assert status == 421, (method, path, status, data)
        assert json.loads(data)["error"].startswith("Host not allowed")
        assert b"b@example.test" not in data
    # Nothing ran: the message is still there, the scenario and the clock unchanged.
    assert message_count(server) == 1
    assert call(server, "GET", "/api/v1/scenario")[1].get("x-bounceback-scenario") != "evil"
    assert json.loads(call(server, "GET", "/api/v1/clock")[2])["offset_ms"] == 0


@pytest.mark.parametrize("host", ["localhost", "localhost:{port}", "LOCALHOST:{port}",
                                  "app.localhost:{port}", "127.0.0.1", "127.0.0.1:{port}",
                                  "127.1.2.3:{port}", "[::1]:{port}", "mx.bounceback.test:{port}",
                                  "ci.example.test", "a.b.wild.example.test:{port}"])
def test_loopback_and_configured_hosts_are_answered(bounceback, host):
    server = bounceback("--hostname", "mx.bounceback.test",
                        "--api-allowed-host", "ci.example.test",
                        "--api-allowed-host", "*.wild.example.test")
    status, _, data = call(server, "GET", "/api/v1/messages",
                           host=host.format(port=server.http_port))
    assert status == 200, data


@pytest.mark.parametrize("host", ["", "bad host", "localhost:port", "localhost:99999",
                                  "user@localhost", "::1"])
def test_malformed_host_is_400(bounceback, host):
    server = bounceback()
    status, _, data = call(server, "GET", "/api/v1/messages", host=host)
    assert status == 400, data


def test_allowed_host_from_the_config_file(bounceback, tmp_path):
    config = tmp_path / "bounceback.toml"
    config.write_text('api-allowed-host = ["mx.ci.test", "other.ci.test"]\n'
                      'api-cors = "http://localhost:3000"\n')
    server = bounceback("--config", str(config))
    assert call(server, "GET", "/healthz", host="other.ci.test:80")[0] == 200
    assert call(server, "GET", "/healthz", host="third.ci.test")[0] == 421
    status, headers, _ = call(server, "GET", "/healthz",
                              headers={"Origin": "http://localhost:3000"})
    assert headers.get("access-control-allow-origin") == "http://localhost:3000"


def test_allowed_host_star_turns_the_check_off(bounceback):
    server = bounceback("--api-allowed-host", "*")
    assert call(server, "GET", "/api/v1/messages", host="rebind.evil.example")[0] == 200


def test_listener_address_and_wildcard_listener(bounceback):
    # Bound to 0.0.0.0: any address literal is answered (a literal cannot be rebound),
    # names only when allowed.
    server = bounceback("--http", "0.0.0.0:0")
    assert call(server, "GET", "/healthz", host=f"10.20.30.40:{server.http_port}")[0] == 200
    assert call(server, "GET", "/healthz", host="rebind.evil.example")[0] == 421


# ---- cross-site requests (CSRF) --------------------------------------------------------

CHANGES = [("POST", "/api/v1/scenario/reset", None),
           ("POST", "/api/v1/clock/advance?by=1h", None),
           ("PUT", "/api/v1/scenario", SCENARIO),
           ("DELETE", "/api/v1/messages", None)]


@pytest.mark.parametrize("method,path,body", CHANGES, ids=lambda x: str(x)[:30])
def test_cross_origin_state_changes_are_refused(bounceback, method, path, body):
    server = bounceback()
    send(server)
    for headers in [{"Origin": "http://evil.example"},
                    {"Origin": "null"},
                    {"Origin": f"http://localhost:{server.http_port + 1}"},
                    {"Sec-Fetch-Site": "cross-site"},
                    {"Origin": "http://evil.example", "Content-Type": "text/plain"}]:
        status, resp_headers, data = call(server, method, path, headers=headers, body=body)
        assert status == 403, (headers, status, data)
        assert "access-control-allow-origin" not in resp_headers
    assert message_count(server) == 1
    assert json.loads(call(server, "GET", "/api/v1/clock")[2])["offset_ms"] == 0
    assert call(server, "GET", "/api/v1/scenario")[1].get("x-bounceback-scenario") != "evil"


def test_same_origin_and_plain_clients_still_change_state(bounceback):
    server = bounceback()
    own = f"http://127.0.0.1:{server.http_port}"
    assert call(server, "POST", "/api/v1/clock/advance?by=1m", headers={"Origin": own})[0] == 200
    assert call(server, "POST", "/api/v1/clock/advance?by=1m",
                headers={"Sec-Fetch-Site": "same-origin", "Origin": own})[0] == 200
    assert call(server, "POST", "/api/v1/clock/advance?by=1m")[0] == 200  # curl, scripts
    assert json.loads(call(server, "GET", "/api/v1/clock")[2])["offset_ms"] == 180000
    # A cross-origin read is answered, but without CORS headers the browser hides it.
    status, headers, _ = call(server, "GET", "/api/v1/messages",
                              headers={"Origin": "http://evil.example"})
    assert status == 200 and "access-control-allow-origin" not in headers


def test_token_is_still_required(bounceback):
    server = bounceback("--api-token", "s3cret", "--api-cors", "http://localhost:3000")
    own = f"http://127.0.0.1:{server.http_port}"
    assert call(server, "POST", "/api/v1/scenario/reset", headers={"Origin": own})[0] == 401
    assert call(server, "POST", "/api/v1/scenario/reset",
                headers={"Origin": "http://localhost:3000"})[0] == 401
    assert call(server, "POST", "/api/v1/scenario/reset",
                headers={"Origin": "http://evil.example",
                         "Authorization": "Bearer s3cret"})[0] == 403
    assert call(server, "POST", "/api/v1/scenario/reset",
                headers={"Origin": "http://localhost:3000",
                         "Authorization": "Bearer s3cret"})[0] == 200


# ---- CORS ------------------------------------------------------------------------------

def test_cors_for_allowed_origins_only(bounceback):
    app = "http://localhost:3000"
    server = bounceback("--api-cors", app, "--api-cors", "http://127.0.0.1:5173")
    send(server)
    # Preflight of a DELETE with the token header.
    status, headers, body = call(server, "OPTIONS", "/api/v1/messages", headers={
        "Origin": app, "Access-Control-Request-Method": "DELETE",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert status == 204 and body == b""
    assert "content-length" not in headers
    assert headers["access-control-allow-origin"] == app
    assert "Origin" in headers["vary"]
    assert "DELETE" in headers["access-control-allow-methods"]
    allowed = headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert int(headers["access-control-max-age"]) > 0

    # The actual requests: the origin echoed, Vary: Origin.
    status, headers, body = call(server, "GET", "/api/v1/messages", headers={"Origin": app})
    assert status == 200 and headers["access-control-allow-origin"] == app
    assert "Origin" in headers["vary"]
    status, headers, _ = call(server, "DELETE", "/api/v1/messages",
                              headers={"Origin": "http://127.0.0.1:5173"})
    assert status == 200 and headers["access-control-allow-origin"] == "http://127.0.0.1:5173"
    assert message_count(server) == 0

    # Another origin: no CORS headers anywhere, its preflight refused.
    status, headers, _ = call(server, "OPTIONS", "/api/v1/messages", headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "DELETE"})
    assert status == 403
    assert not any(h.startswith("access-control-") for h in headers)
    status, headers, _ = call(server, "GET", "/api/v1/messages",
                              headers={"Origin": "http://evil.example"})
    assert status == 200 and not any(h.startswith("access-control-") for h in headers)


def test_no_cors_headers_without_api_cors(bounceback):
    server = bounceback()
    status, headers, _ = call(server, "OPTIONS", "/api/v1/messages", headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"})
    assert status == 403 and not any(h.startswith("access-control-") for h in headers)


# ---- headers ---------------------------------------------------------------------------

def test_nosniff_everywhere_and_strict_csp_on_page_and_raw(bounceback):
    server = bounceback()
    send(server, subject="<script>alert(1)</script>")
    msg_id = json.loads(call(server, "GET", "/api/v1/messages")[2])["messages"][0]["id"]
    for method, path in [("GET", "/"), ("GET", "/healthz"), ("GET", "/metrics"),
                         ("GET", "/api/v1/messages"), ("GET", f"/api/v1/messages/{msg_id}/raw"),
                         ("GET", "/api/v1/nothing"), ("POST", "/healthz"),
                         ("GET", "/api/v1/messages/%zz")]:
        status, headers, _ = call(server, method, path)
        assert headers.get("x-content-type-options") == "nosniff", (method, path, status)
        assert "content-security-policy" in headers, (method, path)

    _, headers, page = call(server, "GET", "/")
    csp = [d.strip() for d in headers["content-security-policy"].split(";")]
    assert "default-src 'none'" in csp
    assert "connect-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    # Only the page's own script file runs: no inline script, no eval. Inline styles are
    # allowed (the sandboxed frame showing a message's HTML inherits this policy; docs/web.md).
    assert next(d for d in csp if d.startswith("script-src")) == "script-src 'self'"
    assert next(d for d in csp if d.startswith("style-src")) == "style-src 'self' 'unsafe-inline'"
    assert "img-src 'self' data:" in csp  # no remote image, in the page or a message's frame

    _, headers, raw = call(server, "GET", f"/api/v1/messages/{msg_id}/raw")
    assert b"<script>" in raw
    assert headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert headers["content-type"].startswith("message/rfc822")
    assert headers["content-disposition"].startswith("attachment")
    assert f'filename="{msg_id}.eml"' in headers["content-disposition"]
