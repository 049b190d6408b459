"""The decoded content of a message in the API (docs/api.md, "GET /api/v1/messages/{id}"): mail
built by Python's email package (multipart/alternative inside multipart/mixed, attachments with
RFC 2231 names, an attached message, Latin-1 and Windows-1252 text) sent with smtplib to the
real binary, then `text`, `html`, `attachments`, `links` and the attachment download asserted."""
import json
import smtplib
import urllib.parse
from email.message import EmailMessage

from conftest import http_call as call

PDF = bytes(range(256)) * 40  # binary: every byte value, base64 on the wire


def get_json(server, path, status=200, **kw):
    code, headers, body = call(server, "GET", path, **kw)
    assert code == status, body
    return json.loads(body)


def send(server, msg, rcpts=("user@example.test",)):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.send_message(msg, from_addr="app@example.test", to_addrs=list(rcpts))
    listing = get_json(server, "/api/v1/messages?limit=1")
    return listing["messages"][0]["id"]


def reset_mail():
    msg = EmailMessage()
    msg["From"] = "app@example.test"
    msg["To"] = "user@example.test"
    msg["Subject"] = "Réinitialisez votre mot de passe"  # non-ASCII: RFC 2047 on the wire
    msg.set_content("Bonjour,\nouvrez https://app.example.test/reset?token=abc&u=1 pour continuer.\n"
                    "Café ✓\n")
    msg.add_alternative('<p>Bonjour, <a href="https://app.example.test/reset?token=abc&amp;u=1">'
                        'réinitialiser</a> <img src="cid:logo@x"></p>', subtype="html")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="facture été.pdf")
    inner = EmailMessage()
    inner["Subject"] = "original"
    inner.set_content("the original message\n")
    msg.add_attachment(inner)
    return msg


def test_text_html_attachments_and_links_are_decoded(bounceback):
    server = bounceback()
    mid = send(server, reset_mail())
    m = get_json(server, f"/api/v1/messages/{mid}")
    assert m["subject"] == "Réinitialisez votre mot de passe"
    assert "https://app.example.test/reset?token=abc&u=1 pour continuer" in m["text"]
    assert "Café ✓" in m["text"]
    assert '<a href="https://app.example.test/reset?token=abc&amp;u=1">réinitialiser</a>' in m["html"]
    # The link is found in both bodies and listed once, its &amp; decoded.
    assert m["links"] == ["https://app.example.test/reset?token=abc&u=1"]
    pdf, attached = m["attachments"]
    assert pdf["name"] == "facture été.pdf"
    assert pdf["type"] == "application/pdf" and pdf["disposition"] == "attachment"
    assert pdf["size"] == len(PDF)
    assert pdf["url"] == f"/api/v1/messages/{mid}/attachments/{pdf['id']}"
    assert attached["type"] == "message/rfc822"
    assert m["mime"] == {"text_truncated": False, "html_truncated": False,
                         "attachments_omitted": 0, "parts_omitted": False,
                         "links_omitted": False, "unknown_charsets": []}

    code, headers, body = call(server, "GET", pdf["url"])
    assert code == 200 and body == PDF
    assert headers["content-type"] == "application/pdf"
    assert headers["content-disposition"].startswith("attachment; ")
    assert urllib.parse.quote("facture été.pdf") in headers["content-disposition"]
    assert "sandbox" in headers["content-security-policy"]
    code, _, body = call(server, "GET", attached["url"])
    assert code == 200 and b"the original message" in body


def test_charsets_and_transfer_encodings(bounceback):
    server = bounceback()
    msg = EmailMessage()
    msg["Subject"] = "charsets"
    msg.set_content("prix: 5 € — “cité”\n", charset="windows-1252", cte="quoted-printable")
    mid = send(server, msg)
    # Line breaks are as sent: CRLF on the wire in a quoted-printable body.
    assert get_json(server, f"/api/v1/messages/{mid}")["text"] == "prix: 5 € — “cité”\r\n"

    msg = EmailMessage()
    msg["Subject"] = "latin9"
    msg.set_content("œuvre 10 €\n", charset="iso-8859-15", cte="base64")
    mid = send(server, msg)
    assert get_json(server, f"/api/v1/messages/{mid}")["text"] == "œuvre 10 €\n"  # base64 keeps the LF it encoded

    # An unknown charset is passed as it is (bad UTF-8 as U+FFFD) and named.
    raw = (b"Subject: koi8\r\nContent-Type: text/plain; charset=koi8-r\r\n"
           b"Content-Transfer-Encoding: 8bit\r\n\r\n\xf0\xd2\xc9\xd7\xc5\xd4 ok\r\n")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.sendmail("app@example.test", ["user@example.test"], raw)
    mid = get_json(server, "/api/v1/messages?limit=1")["messages"][0]["id"]
    m = get_json(server, f"/api/v1/messages/{mid}")
    assert m["text"] == "\ufffd" * 6 + " ok\r\n"
    assert m["mime"]["unknown_charsets"] == ["koi8-r"]


def test_hostile_structure_is_bounded(bounceback):
    server = bounceback()
    # 20 nested multiparts (the bound is 8) and an unterminated boundary: answered, flagged.
    body = b""
    for depth in range(20):
        body += (b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (depth, depth))
    body += b"Content-Type: text/plain\r\n\r\ndeep text\r\n"
    raw = b"Subject: deep\r\n" + body
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.sendmail("app@example.test", ["user@example.test"], raw)
    mid = get_json(server, "/api/v1/messages?limit=1")["messages"][0]["id"]
    m = get_json(server, f"/api/v1/messages/{mid}")
    assert m["mime"]["parts_omitted"] is True
    assert "deep text" not in m["text"]


def test_attachment_route_errors_and_token(bounceback):
    server = bounceback("--api-token", "s3cret")
    auth = {"Authorization": "Bearer s3cret"}
    msg = EmailMessage()
    msg["Subject"] = "one file"
    msg.set_content("see attached\n")
    msg.add_attachment(b"hello", maintype="text", subtype="html", filename="x.html")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.send_message(msg, from_addr="app@example.test", to_addrs=["user@example.test"])
    mid = get_json(server, "/api/v1/messages", headers=auth)["messages"][0]["id"]
    att = get_json(server, f"/api/v1/messages/{mid}", headers=auth)["attachments"][0]
    assert att["name"] == "x.html" and att["id"] == "2"
    assert call(server, "GET", att["url"])[0] == 401
    code, headers, body = call(server, "GET", att["url"], headers=auth)
    assert code == 200 and body == b"hello"
    assert headers["content-disposition"].startswith('attachment; filename="x.html"')
    assert call(server, "GET", f"/api/v1/messages/{mid}/attachments/9", headers=auth)[0] == 404
    assert call(server, "GET", f"/api/v1/messages/{mid}/attachments/x", headers=auth)[0] == 400
    assert call(server, "GET", f"/api/v1/messages/nope/attachments/1", headers=auth)[0] == 404
