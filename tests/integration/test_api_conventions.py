"""HTTP API conventions against the real binary, with a real HTTP client (http.client):
unknown query parameters are refused on every route, `to` and `rcpt` are one filter, a `+` in
a query stays a `+` (RFC 3986 decoding), and every list pages with start= and limit=."""
import http.client
import json
import smtplib
import urllib.parse

import pytest

from conftest import http_call


def call(server, method, path, body=None):
    status, _, data = http_call(server, method, path, body=body)
    return status, data


def get_json(server, path):
    code, body = call(server, "GET", path)
    assert code == 200, (path, body)
    return json.loads(body)


def send_many(server, sender, rcpts_per_message, subject="hello"):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        for i, rcpts in enumerate(rcpts_per_message):
            msg = f"From: {sender}\r\nTo: {rcpts[0]}\r\nSubject: {subject} {i}\r\n\r\nbody\r\n"
            s.sendmail(sender, rcpts, msg.encode())


# Every route, with a path that exists (ids of the right shape): a misspelt parameter is a
# 400 that names it, before the handler runs.
ROUTES = [
    ("GET", "/"), ("GET", "/healthz"), ("GET", "/metrics"),
    ("GET", "/api/v1/messages"), ("DELETE", "/api/v1/messages"),
    ("GET", "/api/v1/messages/wait"), ("GET", "/api/v1/messages/x-1.1"),
    ("DELETE", "/api/v1/messages/x-1.1"), ("GET", "/api/v1/messages/x-1.1/raw"),
    ("GET", "/api/v1/sessions"), ("GET", "/api/v1/sessions/x-1"),
    ("GET", "/api/v1/attempts"), ("GET", "/api/v1/scenario"), ("PUT", "/api/v1/scenario"),
    ("POST", "/api/v1/scenario/reset"), ("GET", "/api/v1/codes"),
    ("GET", "/api/v1/codes/550"), ("GET", "/api/v1/clock"),
    ("POST", "/api/v1/clock/advance"), ("GET", "/api/v1/events"),
]


def test_unknown_query_parameters_are_refused_on_every_route(bounceback):
    server = bounceback()
    for method, path in ROUTES:
        code, body = call(server, method, path + "?tto=x", body="" if method != "GET" else None)
        assert code == 400, (method, path, body)
        error = json.loads(body)["error"]
        assert 'unknown query parameter "tto"' in error, (method, path, error)
    # HEAD runs the GET route's checks: the same 400, without a body.
    for path in ["/api/v1/messages", "/api/v1/sessions", "/metrics"]:
        assert call(server, "HEAD", path + "?tto=x")[0] == 400, path
        assert call(server, "HEAD", path)[0] == 200, path
    # Nothing was changed by the refused requests.
    assert get_json(server, "/api/v1/clock")["offset_ms"] == 0


def test_a_misspelt_filter_fails_instead_of_matching_everything(bounceback):
    server = bounceback()
    send_many(server, "app@example.test", [["someone@example.test"]])
    code, body = call(server, "GET", "/api/v1/messages?too=nobody@example.test")
    assert code == 400
    error = json.loads(body)["error"]
    assert '"too"' in error and "to (or rcpt)" in error and "subject" in error
    # The long-poll too: a typo must not answer at once with an unrelated message.
    code, body = call(server, "GET", "/api/v1/messages/wait?rcpt_to=nobody@x.test&timeout=1s")
    assert code == 400 and '"rcpt_to"' in json.loads(body)["error"]
    # A parameter given twice is ambiguous: refused, also through its alias.
    assert call(server, "GET", "/api/v1/messages?to=a@x.test&to=b@x.test")[0] == 400
    code, body = call(server, "GET", "/api/v1/messages?to=a@x.test&rcpt=b@x.test")
    assert code == 400 and "twice" in json.loads(body)["error"]


def test_to_and_rcpt_are_one_filter_everywhere(bounceback):
    server = bounceback()
    send_many(server, "app@example.test", [["a@x.test"], ["b@x.test"]])
    for name in ("to", "rcpt"):
        listing = get_json(server, f"/api/v1/messages?{name}=b@x.test")
        assert listing["total"] == 1 and listing["messages"][0]["to"] == ["b@x.test"]
        waited = get_json(server, f"/api/v1/messages/wait?{name}=a@x.test&timeout=1s")
        assert waited["to"] == ["a@x.test"]
        attempts = get_json(server, f"/api/v1/attempts?{name}=a@x.test&from=app@example.test")
        assert [a["rcpt"] for a in attempts["attempts"]] == ["a@x.test"]
    # The event stream accepts both names (it answers its header, then streams).
    for name in ("to", "rcpt"):
        conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
        conn.request("GET", f"/api/v1/events?{name}=a@x.test")
        resp = conn.getresponse()
        assert resp.status == 200 and resp.getheader("Content-Type") == "text/event-stream"
        conn.close()


def test_plus_addressing_survives_the_query_string(bounceback):
    server = bounceback()
    send_many(server, "app+bounces@example.test", [["user+tag@example.test"], ["user@example.test"]],
              subject="a+b")
    for path in ["/api/v1/messages?to=user+tag@example.test",
                 "/api/v1/messages?rcpt=user%2Btag@example.test",
                 "/api/v1/messages?from=app+bounces@example.test&to=user+tag@example.test"]:
        listing = get_json(server, path)
        assert listing["total"] == 1, path
        assert listing["messages"][0]["to"] == ["user+tag@example.test"]
    assert get_json(server, "/api/v1/messages?to=user+tag@example.test")["total"] == 1
    # RFC 3986: '+' is not a space; %20 is.
    assert get_json(server, "/api/v1/messages?subject=a+b%200")["total"] == 1
    assert get_json(server, "/api/v1/messages?subject=a%20b")["total"] == 0
    attempts = get_json(server, "/api/v1/attempts?to=user+tag@example.test")["attempts"]
    assert [a["rcpt"] for a in attempts] == ["user+tag@example.test"]


def test_messages_page_with_start_and_limit(bounceback):
    server = bounceback()
    send_many(server, "app@example.test", [[f"u{i}@x.test"] for i in range(60)])
    first = get_json(server, "/api/v1/messages")
    assert first["total"] == 60 and first["start"] == 0 and first["count"] == 50
    assert len(first["messages"]) == 50  # the documented default page
    assert first["messages"][0]["to"] == ["u59@x.test"]  # newest first
    rest = get_json(server, "/api/v1/messages?start=50")
    assert rest["total"] == 60 and rest["start"] == 50 and rest["count"] == 10
    assert rest["messages"][-1]["to"] == ["u0@x.test"]
    seen = [m["id"] for m in first["messages"] + rest["messages"]]
    assert len(set(seen)) == 60
    page = get_json(server, "/api/v1/messages?start=5&limit=3")
    assert [m["to"][0] for m in page["messages"]] == ["u54@x.test", "u53@x.test", "u52@x.test"]
    assert get_json(server, "/api/v1/messages?start=100") == {
        "total": 60, "start": 100, "count": 0, "messages": []}
    counted = get_json(server, "/api/v1/messages?limit=0&to=u1*@x.test")
    assert counted["total"] == 11 and counted["messages"] == []  # u1, u10..u19
    assert len(get_json(server, "/api/v1/messages?limit=1000")["messages"]) == 60
    for bad in ["limit=1001", "limit=-1", "limit=x", "start=-1", "start=", "limit="]:
        code, body = call(server, "GET", "/api/v1/messages?" + bad)
        assert code == 400, bad
        assert json.loads(body)["error"].startswith(bad.split("=")[0] + ":")
    # The long-poll's list of matches is one match by default; it scans only as far as the
    # page it was asked for (start + limit matches), never every match.
    waited = get_json(server, "/api/v1/messages/wait?limit=2&start=1")
    assert waited["total"] == 3 and waited["count"] == 2 and waited["more"] is True
    assert waited["to"] == ["u59@x.test"]  # the newest match, whatever the page
    assert [m["to"][0] for m in waited["messages"]] == ["u58@x.test", "u57@x.test"]
    one = get_json(server, "/api/v1/messages/wait")
    assert (one["total"], one["count"], one["more"]) == (1, 1, True)
    assert [m["to"] for m in one["messages"]] == [["u59@x.test"]]
    whole = get_json(server, "/api/v1/messages/wait?to=u1*@x.test&limit=1000")
    assert (whole["total"], whole["count"], whole["more"]) == (11, 11, False)
    assert call(server, "GET", "/api/v1/messages/wait?limit=1001")[0] == 400


def test_sessions_and_attempts_page(bounceback):
    server = bounceback()
    for i in range(25):
        send_many(server, "app@example.test", [["same@x.test"]])
    sessions = get_json(server, "/api/v1/sessions")
    assert sessions["total"] == 25 and sessions["count"] == 20 and len(sessions["sessions"]) == 20
    tail = get_json(server, "/api/v1/sessions?start=20&limit=100")
    assert tail["count"] == 5
    ids = {s["id"] for s in sessions["sessions"] + tail["sessions"]}
    assert len(ids) == 25
    assert call(server, "GET", "/api/v1/sessions?limit=101")[0] == 400

    attempts = get_json(server, "/api/v1/attempts?rcpt=same@x.test&limit=10&start=20")
    assert attempts["total"] == 25 and attempts["start"] == 20 and attempts["count"] == 5
    everything = get_json(server, "/api/v1/attempts?to=same@x.test")
    assert everything["count"] == 25  # within the default page of 100
    # oldest first: the page at start=20 is the tail of the full list
    assert attempts["attempts"] == everything["attempts"][20:]
    assert call(server, "GET", "/api/v1/attempts?limit=1001")[0] == 400


def test_attempt_filters_take_globs_like_the_message_filters(bounceback):
    server = bounceback()
    send_many(server, "app@example.test", [["a@one.test"], ["b@two.test"], ["c@one.test"]])
    send_many(server, "other@example.test", [["d@one.test"]])
    got = get_json(server, "/api/v1/attempts?rcpt=*@one.test")
    assert [a["rcpt"] for a in got["attempts"]] == ["a@one.test", "c@one.test", "d@one.test"]
    assert got["total"] == 3
    got = get_json(server, "/api/v1/attempts?to=*@ONE.test&from=app@*")
    assert [a["rcpt"] for a in got["attempts"]] == ["a@one.test", "c@one.test"]
    assert get_json(server, "/api/v1/attempts?from=*@nowhere.test")["attempts"] == []


@pytest.mark.parametrize("path", ["/api/v1/messages?subject=%zz", "/api/v1/messages?to=a%00b"])
def test_malformed_escapes_are_400(bounceback, path):
    server = bounceback()
    assert call(server, "GET", path)[0] == 400


def test_metrics_follow_prometheus_conventions(bounceback):
    """Parsed by the Prometheus client library's own text parser, and checked line by line:
    every sample belongs to a family with one HELP and one TYPE line before it; counters end
    in _total, byte counts in _bytes (_bytes_total for counters); no gauge says _current."""
    from prometheus_client.parser import text_string_to_metric_families
    server = bounceback()
    send_many(server, "app@example.test", [["a@x.test"]])
    code, body = call(server, "GET", "/metrics")
    assert code == 200
    text = body.decode()

    families = {f.name: f for f in text_string_to_metric_families(text)}
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for f in families.values() for s in f.samples}
    for f in families.values():
        assert f.documentation, f.name
        assert f.type in ("counter", "gauge"), (f.name, f.type)
        assert not f.name.endswith("_current"), f.name
        for s in f.samples:  # a size is in bytes, named last (before _total for a counter)
            unit = "_bytes_total" if f.type == "counter" else "_bytes"
            assert "bytes" not in s.name or s.name.endswith(unit), s.name

    assert samples[("bounceback_received_bytes_total", ())] > 0
    assert samples[("bounceback_sent_bytes_total", ())] > 0
    assert samples[("bounceback_open_connections", ())] >= 0
    assert samples[("bounceback_tls_handshakes_total", (("result", "success"),))] == 0
    assert samples[("bounceback_tls_handshakes_total", (("result", "failure"),))] == 0
    assert samples[("bounceback_messages_accepted_total", ())] == 1
    for old in ["bounceback_connections_current", "bounceback_tls_failures_total",
                "bounceback_bytes_in_total", "bounceback_bytes_out_total"]:
        assert old not in text

    # The exposition format itself: HELP then TYPE once per family, samples after their TYPE.
    helped, typed = set(), {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name = line.split()[2]
            assert name not in helped, line
            helped.add(name)
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            assert name in helped and name not in typed, line
            typed[name] = kind
            # (the library's parser appends _total to a counter that lacks it: check here)
            assert name.endswith("_total") == (kind == "counter"), line
        else:
            name = line.split("{")[0].split(" ")[0]
            assert name in typed, line
    assert text.endswith("\n")
