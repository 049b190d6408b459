"""A message's HTML as a document of its own (docs/api.md, "A message's HTML as a document"):
POST /api/v1/messages/{id}/html issues a single-use capability (with --api-token, only with the
token); GET .../html?capability= serves the HTML under a Content-Security-Policy that runs no
script and loads remote images only in the remote variant; a capability cannot be reused,
forged, moved to another message or kept past the newest 64. smtplib sends, http.client reads.
The browser side (nothing loads before the click, the image after it) is in
test_web_page_browser.py."""
import json
import secrets
import smtplib
from email.message import EmailMessage

from conftest import http_call

TOKEN = {"Authorization": "Bearer s3cret"}


def send_html(server, html="<p>Hi <img src='http://192.0.2.1/pixel.gif'></p>"):
    m = EmailMessage()
    m["From"] = "app@example.test"
    m["To"] = "user@example.test"
    m["Subject"] = "html"
    m.set_content("text")
    m.add_alternative(html, subtype="html")
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.send_message(m)


def newest_id(server, headers=None):
    status, _, body = http_call(server, "GET", "/api/v1/messages", headers=headers)
    assert status == 200, body
    return json.loads(body)["messages"][0]["id"]


def issue(server, message_id, query="", headers=None):
    return http_call(server, "POST", f"/api/v1/messages/{message_id}/html{query}", "",
                     headers=headers)


def test_a_capability_opens_the_html_once_under_a_strict_policy(bounceback):
    server = bounceback()
    send_html(server)
    mid = newest_id(server)
    for query, remote in (("", False), ("?remote=false", False), ("?remote=true", True)):
        status, _, body = issue(server, mid, query)
        assert status == 200, body
        grant = json.loads(body)
        assert grant["remote"] is remote and grant["expires_in_ms"] == 60000
        assert grant["url"].startswith(f"/api/v1/messages/{mid}/html?capability=")
        status, headers, page = http_call(server, "GET", grant["url"])
        assert status == 200 and page.strip() == b"<p>Hi <img src='http://192.0.2.1/pixel.gif'></p>"
        assert headers["content-type"] == "text/html; charset=utf-8"
        csp = headers["content-security-policy"]
        directives = dict((d.split(" ", 1) + [""])[:2] for d in csp.split("; "))
        assert directives["default-src"] == "'none'" and "script-src" not in directives
        assert "sandbox" in directives and directives["sandbox"] == ""
        assert directives["frame-ancestors"] == "'self'"
        assert directives["img-src"] == ("data: http: https:" if remote else "data:")
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"
        # Single use.
        status, _, body = http_call(server, "GET", grant["url"])
        assert status == 403 and b"capability" in body


def test_a_capability_cannot_be_forged_moved_or_left_out(bounceback):
    server = bounceback()
    send_html(server)
    send_html(server, "<p>other</p>")
    other, mid = [m["id"] for m in json.loads(http_call(server, "GET", "/api/v1/messages")[2])["messages"]]
    assert http_call(server, "GET", f"/api/v1/messages/{mid}/html")[0] == 403
    forged = secrets.token_hex(16)
    assert http_call(server, "GET", f"/api/v1/messages/{mid}/html?capability={forged}")[0] == 403
    grant = json.loads(issue(server, mid, "?remote=true")[2])
    capability = grant["url"].split("capability=")[1]
    # Presented for another message: refused, and used up.
    assert http_call(server, "GET", f"/api/v1/messages/{other}/html?capability={capability}")[0] == 403
    assert http_call(server, "GET", grant["url"])[0] == 403
    # The newest 64 are kept: the 65th issued pushes the first out.
    first = json.loads(issue(server, mid)[2])["url"]
    for _ in range(64):
        last = json.loads(issue(server, mid)[2])["url"]
    assert http_call(server, "GET", first)[0] == 403
    assert http_call(server, "GET", last)[0] == 200
    # Bad requests.
    assert issue(server, mid, "?remote=yes")[0] == 400
    assert issue(server, "no-such-id")[0] == 404
    plain = EmailMessage()
    plain["Subject"] = "plain"
    plain.set_content("no html here")
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.send_message(plain, "app@example.test", ["user@example.test"])
    status, _, body = issue(server, newest_id(server))
    assert status == 404 and b"no HTML part" in body


def test_with_the_token_only_an_authenticated_call_issues_one(bounceback):
    server = bounceback("--api-token", "s3cret")
    send_html(server)
    mid = newest_id(server, TOKEN)
    status, headers, _ = issue(server, mid, "?remote=true")
    assert status == 401 and headers["www-authenticate"] == "Bearer"
    status, _, body = issue(server, mid, "?remote=true", TOKEN)
    assert status == 200
    url = json.loads(body)["url"]
    # The frame's GET carries no token: the capability is enough, once.
    status, _, page = http_call(server, "GET", url)
    assert status == 200 and b"pixel.gif" in page
    assert http_call(server, "GET", url)[0] == 403
    assert http_call(server, "GET", url, headers=TOKEN)[0] == 403  # the token is no capability
