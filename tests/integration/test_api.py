"""The HTTP API against the real binary: every route with a real HTTP client (http.client),
after sending mail with smtplib. Long-poll, Server-Sent Events, time control through a
greylisting window, scenario swaps (bad ones refused, good ones atomic under load), metrics."""
import http.client
import json
import re
import smtplib
import threading
import time
import urllib.parse

import pytest

from conftest import http_call as call, strip_received


# ---- helpers ---------------------------------------------------------------------------

def get_json(server, path, status=200, **kw):
    code, headers, body = call(server, "GET", path, **kw)
    assert code == status, body
    assert headers["content-type"].startswith("application/json")
    return json.loads(body)


def send(server, sender, rcpts, subject="hello", body="body line\r\n"):
    msg = f"From: {sender}\r\nTo: {', '.join(rcpts)}\r\nSubject: {subject}\r\n\r\n{body}"
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.sendmail(sender, rcpts, msg.encode())
    return msg.encode()


def rcpt_code(server, rcpt, sender="sender@example.test"):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo("client.test")
        assert s.mail(sender)[0] == 250
        return s.rcpt(rcpt)


RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


# ---- messages --------------------------------------------------------------------------

def test_messages_list_detail_raw_and_delete(bounceback):
    server = bounceback()
    raw1 = send(server, "alice@a.test", ["bob@b.test"], subject="first")
    send(server, "carol@c.test", ["dave@d.test", "erin@e.test"], subject="Second one")

    listing = get_json(server, "/api/v1/messages")
    assert listing["total"] == 2
    newest, oldest = listing["messages"]
    assert newest["subject"] == "Second one" and oldest["subject"] == "first"
    assert newest["from"] == "carol@c.test"
    assert newest["to"] == ["dave@d.test", "erin@e.test"]
    for m in listing["messages"]:
        assert set(m) >= {"id", "from", "to", "subject", "size", "received_at", "session_id"}
        assert RFC3339.match(m["received_at"])
        assert m["client_ip"] == "127.0.0.1"  # the timeline's rows show the client
    # size counts the stored copy: what the client sent plus the server's Received header.
    code, _, stored1 = call(server, "GET", f"/api/v1/messages/{oldest['id']}/raw")
    assert oldest["size"] == len(stored1) > len(raw1)

    # Filters: exact address (case-insensitive), glob, subject substring, limit.
    assert get_json(server, "/api/v1/messages?from=ALICE@a.test")["total"] == 1
    assert get_json(server, "/api/v1/messages?to=erin@e.test")["messages"][0]["id"] == newest["id"]
    assert get_json(server, "/api/v1/messages?to=" + urllib.parse.quote("*@b.test"))["total"] == 1
    assert get_json(server, "/api/v1/messages?to=rin@e.test")["total"] == 0
    assert get_json(server, "/api/v1/messages?subject=second")["total"] == 1
    limited = get_json(server, "/api/v1/messages?limit=1")
    assert limited["total"] == 2 and len(limited["messages"]) == 1
    assert call(server, "GET", "/api/v1/messages?limit=x")[0] == 400

    detail = get_json(server, f"/api/v1/messages/{oldest['id']}")
    assert detail["id"] == oldest["id"] and detail["to"] == ["bob@b.test"]
    assert detail["tls"] is False and detail["auth_user"] is None
    assert detail["client_ip"] == "127.0.0.1"
    assert {"name": "Subject", "value": "first"} in detail["headers"]
    assert detail["recipients"][0]["address"] == "bob@b.test"
    assert detail["session"]["id"] == oldest["session_id"]
    assert "params" in detail

    code, headers, body = call(server, "GET", f"/api/v1/messages/{oldest['id']}/raw")
    assert code == 200 and headers["content-type"] == "message/rfc822"
    assert strip_received(body) == raw1

    code, _, body = call(server, "DELETE", f"/api/v1/messages/{oldest['id']}")
    assert code == 200, body
    assert call(server, "GET", f"/api/v1/messages/{oldest['id']}")[0] == 404
    assert call(server, "DELETE", f"/api/v1/messages/{oldest['id']}")[0] == 404
    assert get_json(server, "/api/v1/messages")["total"] == 1
    code, _, body = call(server, "DELETE", "/api/v1/messages")
    assert code == 200 and json.loads(body)["deleted"] == 1
    assert get_json(server, "/api/v1/messages") == {"total": 0, "start": 0, "count": 0,
                                                    "messages": []}


def test_encoded_subjects_are_decoded_for_the_api_and_rules(bounceback, tmp_path):
    """A mailer encodes a non-ASCII Subject (RFC 2047); the API lists it and filters on it as
    a mail client shows it, and header rules match the decoded text."""
    from email.message import EmailMessage
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\non = "message"\nheader.Subject = "re:(?i)cassé"\n'
                     'reply = "554 5.7.1 content rejected"\n', encoding="utf-8")
    server = bounceback("--scenario", str(rules))

    def message(subject):
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = "a@x.test", "b@x.test", subject
        m.set_content("hello")
        return m

    accepted = message("Café crème ☕")
    assert "=?utf-8?" in accepted.as_string().lower()  # what goes on the wire is encoded
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.send_message(accepted)
        with pytest.raises(smtplib.SMTPDataError) as refused:
            s.send_message(message("Prix cassés"))
    assert refused.value.smtp_code == 554

    listing = get_json(server, "/api/v1/messages")
    assert [m["subject"] for m in listing["messages"]] == ["Café crème ☕"]
    quoted = urllib.parse.quote("crème")
    assert get_json(server, f"/api/v1/messages?subject={quoted}")["total"] == 1


def test_ids_are_validated(bounceback):
    server = bounceback()
    for bad in ["..%2F..%2Fetc%2Fpasswd", "a%00b", "x" * 65, "%2e%2e"]:
        code, _, body = call(server, "GET", f"/api/v1/messages/{bad}")
        assert code == 400, (bad, body)
        assert "error" in json.loads(body)
    assert call(server, "GET", "/api/v1/messages/../../etc/passwd")[0] in (400, 404)
    assert call(server, "GET", "/api/v1/messages/nope-1.1")[0] == 404
    assert call(server, "GET", "/api/v1/sessions/nope-1")[0] == 404
    assert call(server, "GET", "/api/v1/sessions/a%2Fb")[0] == 400


# ---- long-poll ---------------------------------------------------------------------------

def test_wait_wakes_when_a_matching_message_arrives(bounceback):
    server = bounceback()
    result = {}

    def waiter():
        t0 = time.monotonic()
        result["resp"] = call(server, "GET", "/api/v1/messages/wait?to=late@x.test&timeout=20s",
                              timeout=30)
        result["elapsed"] = time.monotonic() - t0

    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.5)
    send(server, "a@x.test", ["other@x.test"])  # does not match: keeps waiting
    time.sleep(0.3)
    assert t.is_alive()
    send(server, "a@x.test", ["late@x.test"], subject="awaited")
    t.join(10)
    assert not t.is_alive()
    code, _, body = result["resp"]
    assert code == 200, body
    got = json.loads(body)
    assert got["subject"] == "awaited" and got["to"] == ["late@x.test"]
    assert result["elapsed"] < 10


def test_wait_returns_existing_match_and_times_out_with_408(bounceback):
    server = bounceback()
    send(server, "a@x.test", ["here@x.test"])
    t0 = time.monotonic()
    got = get_json(server, "/api/v1/messages/wait?to=here@x.test&timeout=5s")
    assert got["to"] == ["here@x.test"] and time.monotonic() - t0 < 2

    t0 = time.monotonic()
    code, _, body = call(server, "GET", "/api/v1/messages/wait?to=never@x.test&timeout=500ms")
    elapsed = time.monotonic() - t0
    assert code == 408 and "error" in json.loads(body)
    assert 0.4 <= elapsed < 5
    assert call(server, "GET", "/api/v1/messages/wait?timeout=soon")[0] == 400


# ---- Server-Sent Events ----------------------------------------------------------------

def test_events_stream_emits_message_events(bounceback):
    server = bounceback()
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    conn.request("GET", "/api/v1/events")
    resp = conn.getresponse()
    assert resp.status == 200
    assert resp.getheader("Content-Type").startswith("text/event-stream")
    send(server, "a@x.test", ["sse@x.test"], subject="streamed")
    event, data = None, None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        line = resp.fp.readline().decode().rstrip("\n")
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: ") and event == "message":
            data = json.loads(line[6:])
            break
    conn.close()
    assert data is not None
    assert data["subject"] == "streamed" and data["to"] == ["sse@x.test"]


def test_events_stream_emits_session_and_refusal_events(bounceback):
    server = bounceback()
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    conn.request("GET", "/api/v1/events")
    resp = conn.getresponse()
    assert resp.status == 200
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.ehlo()
        s.mail("a@x.test")
        assert s.rcpt("550-5.1.1@reply.test")[0] == 550
    seen, event = {}, None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "session_closed" not in seen:
        line = resp.fp.readline().decode().rstrip("\n")
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            seen[event] = json.loads(line[6:])
    conn.close()
    assert seen["session_opened"]["client_ip"] == "127.0.0.1"
    rejected = seen["message_rejected"]
    assert rejected["stage"] == "rcpt" and rejected["to"] == ["550-5.1.1@reply.test"]
    assert rejected["reply"].startswith("550 5.1.1")
    assert rejected["session_id"] == seen["session_opened"]["id"] == seen["session_closed"]["id"]


# ---- sessions and attempts -------------------------------------------------------------

def test_sessions_with_transcripts(bounceback):
    server = bounceback()
    send(server, "a@x.test", ["b@x.test"])
    listing = get_json(server, "/api/v1/sessions")
    assert listing["total"] >= 1
    s = listing["sessions"][0]
    assert set(s) >= {"id", "client_ip", "started_at", "ended_at", "tls", "auth_user",
                      "transcript"}
    one = get_json(server, f"/api/v1/sessions/{s['id']}")
    assert one["id"] == s["id"] and one["client_ip"] == "127.0.0.1" and one["tls"] is False
    dirs = {line["dir"] for line in one["transcript"]}
    assert dirs == {"in", "out"}
    assert one["transcript"][0]["dir"] == "out" and one["transcript"][0]["line"].startswith("220")
    assert any(l["line"].upper().startswith("MAIL FROM") for l in one["transcript"])
    assert all(RFC3339.match(l["at"]) for l in one["transcript"])


def test_an_open_session_shows_what_it_has_done_so_far(bounceback):
    # The session's greeting and messages are shown while the client is still connected,
    # not only once it has left (they were null/false/0 until the session ended).
    server = bounceback()
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
        smtp.ehlo("client.example.test")
        smtp.sendmail("a@x.test", ["b@x.test"], b"Subject: open\r\n\r\nbody\r\n")
        message = get_json(server, "/api/v1/messages")["messages"][0]
        for session in (get_json(server, f"/api/v1/sessions/{message['session_id']}"),
                        get_json(server, f"/api/v1/messages/{message['id']}")["session"]):
            assert session["ended_at"] is None
            assert session["helo"] == "client.example.test" and session["esmtp"] is True
            assert session["messages"] == 1
        smtp.helo("other.example.test")
        session = get_json(server, f"/api/v1/sessions/{message['session_id']}")
        assert session["helo"] == "other.example.test" and session["esmtp"] is False


def test_attempts_with_replies_and_gaps(bounceback):
    server = bounceback()
    rcpt = "451-4.7.1-1times@reply.test"
    assert rcpt_code(server, rcpt)[0] == 451
    time.sleep(0.05)
    assert rcpt_code(server, rcpt)[0] == 250
    got = get_json(server, "/api/v1/attempts?rcpt=" + urllib.parse.quote(rcpt))["attempts"]
    assert len(got) == 2
    assert got[0]["reply"].startswith("451 4.7.1") and got[1]["reply"].startswith("250")
    assert got[0]["from"] == "sender@example.test" and got[0]["client_ip"] == "127.0.0.1"
    assert got[0]["gap_ms"] is None and got[1]["gap_ms"] >= 40
    assert all(RFC3339.match(a["at"]) and a["session_id"] for a in got)
    assert get_json(server, "/api/v1/attempts?from=nobody@x.test")["attempts"] == []


# ---- scenario and time -----------------------------------------------------------------

GREYLIST = """name = "grey"
[[rule]]
on = "rcpt"
greylist = { retry_after = "5m", expire = "4h" }
reply = "451 4.7.1 <{rcpt}>: Greylisted, try again later"
"""


def test_clock_advance_through_a_greylist_window(bounceback):
    server = bounceback()
    code, _, body = call(server, "PUT", "/api/v1/scenario", body=GREYLIST)
    assert code == 200, body
    assert rcpt_code(server, "x@y.test")[0] == 451
    assert rcpt_code(server, "x@y.test")[0] == 451  # still inside the 5 minutes
    code, _, body = call(server, "POST", "/api/v1/clock/advance", body={"by": "6m"})
    assert code == 200, body
    clock = json.loads(body)
    assert clock["offset_ms"] == 360000 and RFC3339.match(clock["now"])
    assert rcpt_code(server, "x@y.test")[0] == 250
    assert get_json(server, "/api/v1/clock")["offset_ms"] == 360000
    assert call(server, "POST", "/api/v1/clock/advance?by=1s")[0] == 200
    assert call(server, "POST", "/api/v1/clock/advance", body={"by": "soon"})[0] == 400
    # reset forgets the greylist: the next attempt is greylisted again
    assert call(server, "POST", "/api/v1/scenario/reset")[0] == 200
    assert rcpt_code(server, "x@y.test")[0] == 451


def test_scenario_get_put_and_bad_put_keeps_the_old_one(bounceback):
    server = bounceback()
    code, headers, body = call(server, "GET", "/api/v1/scenario")
    assert code == 200
    assert call(server, "PUT", "/api/v1/scenario", body=GREYLIST)[0] == 200
    code, headers, body = call(server, "GET", "/api/v1/scenario")
    assert body.decode() == GREYLIST

    bad = 'name = "bad"\n[[rule]]\non = "rcpt"\nattempts = "x-y"\nreply = "550 no"\n'
    code, _, body = call(server, "PUT", "/api/v1/scenario", body=bad)
    assert code == 400
    err = json.loads(body)
    assert err["error"] and err["line"] == 4 and err["column"] >= 1
    bad_toml = 'name = "broken\n'
    code, _, body = call(server, "PUT", "/api/v1/scenario", body=bad_toml)
    assert code == 400 and json.loads(body)["line"] == 1
    assert call(server, "GET", "/api/v1/scenario")[2].decode() == GREYLIST
    assert rcpt_code(server, "still@grey.test")[0] == 451


def test_scenario_swap_is_atomic_under_load(bounceback):
    server = bounceback()
    a = 'name = "a"\n[[rule]]\non = "rcpt"\nreply = "550 5.1.1 scenario A says no"\n'
    b = 'name = "b"\n[[rule]]\non = "rcpt"\nreply = "452 4.2.2 scenario B says later"\n'
    allowed = {(550, b"5.1.1 scenario A says no"), (452, b"4.2.2 scenario B says later")}
    assert call(server, "PUT", "/api/v1/scenario", body=a)[0] == 200
    stop = threading.Event()
    seen, bad, errors = [], [], []

    def sender(n):
        try:
            with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
                s.ehlo("load.test")
                while not stop.is_set():
                    s.mail(f"s{n}@load.test")
                    reply = s.rcpt(f"r{n}@load.test")
                    seen.append(reply)
                    if reply not in allowed:
                        bad.append(reply)
                    s.rset()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for i in range(40):
        assert call(server, "PUT", "/api/v1/scenario", body=b if i % 2 == 0 else a)[0] == 200
        time.sleep(0.01)
    stop.set()
    for t in threads:
        t.join(15)
    assert not errors, errors
    assert not bad, bad[:5]
    assert len(seen) > 40
    assert {code for code, _ in seen} == {550, 452}


# ---- catalogue, health, metrics, page ------------------------------------------------

def test_codes(bounceback):
    server = bounceback()
    listing = get_json(server, "/api/v1/codes")
    assert any(c["code"] == "550" for c in listing["codes"])
    assert any(e["enhanced"].endswith(".1.1") for e in listing["enhanced"])
    c = get_json(server, "/api/v1/codes/550")
    assert c["code"] == "550" and c["class"] == "permanent" and c["bounce"] == "hard"
    assert c["meaning"] and c["action"]
    e = get_json(server, "/api/v1/codes/4.7.1")
    assert e["enhanced"] == "4.7.1" and e["class"] == "temporary" and e["bounce"] == "soft"
    both = get_json(server, "/api/v1/codes/" + urllib.parse.quote("550 5.7.26"))
    assert both["code"] == "550" and both["enhanced"] == "5.7.26"
    assert call(server, "GET", "/api/v1/codes/999")[0] == 404
    assert call(server, "GET", "/api/v1/codes/abc")[0] == 400
    assert both["provider"] is None


def test_codes_read_a_pasted_provider_reply(bounceback):
    """A whole reply line: a provider's marker picks its row (Yahoo's 552 "mailbox not found"
    is an unknown user, hard, where a bare 552 is a full mailbox, soft)."""
    server = bounceback()
    listing = get_json(server, "/api/v1/codes")
    assert {"Yahoo", "Microsoft", "Orange"} <= {p["provider"] for p in listing["providers"]}
    line = "552 1 Requested mail action aborted, mailbox not found"
    yahoo = get_json(server, "/api/v1/codes/" + urllib.parse.quote(line, safe=""))
    assert (yahoo["provider"], yahoo["bounce"], yahoo["code"]) == ("Yahoo", "hard", "552")
    assert get_json(server, "/api/v1/codes/552")["bounce"] == "soft"
    tss = "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred; see https://x.test/a"
    found = get_json(server, "/api/v1/codes/" + urllib.parse.quote(tss, safe=""))
    assert found["provider"] == "Yahoo" and found["enhanced"] == "4.7.0"
    assert call(server, "GET", "/api/v1/codes/" + "5" * 600)[0] == 400  # longer than a reply


def parse_prometheus(text):
    """Minimal exposition-format parser: {(name, labels): value}; fails on any odd line."""
    samples = {}
    sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)$')
    for line in text.splitlines():
        if not line or line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        m = sample.match(line)
        assert m, f"bad metrics line: {line!r}"
        samples[(m.group(1), m.group(3) or "")] = float(m.group(4))
    return samples


def test_healthz_metrics_and_page(bounceback):
    server = bounceback()
    assert get_json(server, "/healthz")["status"] == "ok"
    send(server, "a@x.test", ["b@x.test"])
    rcpt_code(server, "550@reply.test")
    code, headers, body = call(server, "GET", "/metrics")
    assert code == 200 and headers["content-type"].startswith("text/plain")
    m = parse_prometheus(body.decode())
    assert m[("bounceback_messages_accepted_total", "")] == 1
    assert m[("bounceback_sessions_total", "")] >= 2
    assert ("bounceback_open_connections", "") in m
    assert m[("bounceback_received_bytes_total", "")] > 0
    assert m[("bounceback_address_encoded_hits_total", "")] >= 1
    assert m[('bounceback_replies_total', 'code="550"')] >= 1
    assert m[('bounceback_replies_total', 'code="250"')] >= 3
    assert ("bounceback_tls_handshakes_total", 'result="success"') in m
    assert ("bounceback_tls_handshakes_total", 'result="failure"') in m
    for name in ["bounceback_timeouts_total", "bounceback_connections_refused_total",
                 "bounceback_sent_bytes_total", "bounceback_messages_stored_bytes"]:
        assert (name, "") in m
    assert ("bounceback_messages_evicted_total", 'bound="max_messages"') in m
    # rule hits appear once a scenario is in force
    call(server, "PUT", "/api/v1/scenario", body=GREYLIST)
    rcpt_code(server, "hit@x.test")
    m = parse_prometheus(call(server, "GET", "/metrics")[2].decode())
    assert any(k[0] == "bounceback_rule_hits_total" and v >= 1 for k, v in m.items())

    code, headers, body = call(server, "GET", "/")
    assert code == 200 and headers["content-type"].startswith("text/html")
    assert b'<script src="/app.js"' in body and b'href="/app.css"' in body
    code, headers, body = call(server, "GET", "/app.js")
    assert code == 200 and headers["content-type"].startswith("text/javascript")
    assert b"/api/v1/messages" in body and b"/api/v1/refusals" in body
    code, headers, _ = call(server, "GET", "/app.css")
    assert code == 200 and headers["content-type"].startswith("text/css")


# ---- errors and the token --------------------------------------------------------------

def test_errors(bounceback):
    server = bounceback()
    code, _, body = call(server, "GET", "/api/v1/nothing")
    assert code == 404 and json.loads(body)["error"]
    code, headers, body = call(server, "POST", "/api/v1/messages")
    assert code == 405 and "GET" in headers["allow"]
    code, _, body = call(server, "PUT", "/api/v1/scenario", body=b"x" * (2 * 1024 * 1024))
    assert code == 413 and json.loads(body)["error"]
    assert call(server, "GET", "/api/v1/messages?to=%zz")[0] == 400
    # keep-alive: several requests on one connection
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    for _ in range(3):
        conn.request("GET", "/healthz")
        r = conn.getresponse()
        assert r.status == 200
        r.read()
    conn.close()


def test_api_token(bounceback):
    server = bounceback("--api-token", "s3cret")
    code, headers, body = call(server, "GET", "/api/v1/messages")
    assert code == 401 and json.loads(body)["error"]
    assert call(server, "GET", "/api/v1/messages",
                headers={"Authorization": "Bearer wrong"})[0] == 401
    assert call(server, "GET", "/metrics")[0] == 401
    assert call(server, "GET", "/api/v1/messages",
                headers={"Authorization": "Bearer s3cret"})[0] == 200
    assert call(server, "GET", "/healthz")[0] == 200


def test_sigterm_ends_open_event_streams_and_long_polls(bounceback):
    server = bounceback()
    sse = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    sse.request("GET", "/api/v1/events")
    assert sse.getresponse().status == 200
    outcome = []

    def wait():
        try:  # 503, or the connection closed by the exiting server
            outcome.append(call(server, "GET", "/api/v1/messages/wait?to=never@x.test&timeout=60s",
                                timeout=70)[0])
        except (http.client.HTTPException, OSError) as e:
            outcome.append(e)

    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    assert server.stop() == 0, server.log()
    assert time.monotonic() - t0 < 5
    waiter.join(5)
    assert outcome and outcome[0] != 200
    sse.close()
