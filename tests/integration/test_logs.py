"""Log lines of the real binary, parsed: --log-format json (json.loads, typed values) and
--log-format text (logfmt, read by a strict parser below). At info level: one line per
accepted message and one per refused reply, with the fields docs/running.md lists."""
import http.client
import json
import re
import smtplib

import pytest

REFUSING = r'''name = "refusing"
[[rule]]
on = "rcpt"
rcpt = "*@refuse.test"
reply = "550 5.1.1 <{rcpt}>: \"no\" such user"
'''


def parse_logfmt(line):
    """key=value pairs; a value is bare (no space, '=' or '"') or a quoted string with
    \\" \\\\ \\n \\r \\t \\uXXXX escapes. Raises ValueError on anything else."""
    out, i, n = {}, 0, len(line)
    while i < n:
        m = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)=").match(line, i)
        if not m:
            raise ValueError(f"expected key= at {i}: {line!r}")
        key, i = m.group(1), m.end()
        if key in out:
            raise ValueError(f"duplicate key {key}: {line!r}")
        if i < n and line[i] == '"':
            value, i = [], i + 1
            while True:
                if i >= n:
                    raise ValueError(f"unterminated quote: {line!r}")
                c = line[i]
                if c == '"':
                    i += 1
                    break
                if c == "\\":
                    e = line[i + 1]
                    if e == "u":
                        value.append(chr(int(line[i + 2:i + 6], 16)))
                        i += 6
                        continue
                    value.append({'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}[e])
                    i += 2
                    continue
                if ord(c) < 0x20:
                    raise ValueError(f"raw control character: {line!r}")
                value.append(c)
                i += 1
            out[key] = "".join(value)
        else:
            m = re.compile(r'[^\s="\\]+').match(line, i)
            if not m:
                raise ValueError(f"empty bare value for {key}: {line!r}")
            out[key], i = m.group(0), m.end()
        if i < n:
            if line[i] != " ":
                raise ValueError(f"expected a space at {i}: {line!r}")
            i += 1
    return out


def test_the_logfmt_parser_is_strict():
    assert parse_logfmt('a=1 b="x \\"y\\"\\n\\u0001"') == {"a": "1", "b": 'x "y"\n\x01'}
    for bad in ['a=1 b', 'a="x', 'a=x"y', 'a=1  b=2', 'a=', 'a=1 a=2', 'a="\x01"']:
        with pytest.raises((ValueError, KeyError, IndexError)):
            parse_logfmt(bad)


def put(server, path, body):
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    conn.request("PUT", path, body=body)
    resp = conn.getresponse()
    assert resp.status == 200, resp.read()
    resp.read()
    conn.close()


def get(server, path):
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    conn.request("GET", path)
    resp = conn.getresponse()
    body = json.loads(resp.read())
    conn.close()
    return body


def run(bounceback, fmt):
    server = bounceback("--log-format", fmt)
    put(server, "/api/v1/scenario", REFUSING)
    msg = b"From: app@example.test\r\nSubject: hi\r\n\r\nbody\r\n"
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo("client.test")
        assert s.sendmail("app@example.test", ["u1@example.test", "u2+tag@example.test"],
                          msg) == {}
        s.mail("app@example.test")
        assert s.rcpt("a=b@refuse.test")[0] == 550
        s.rset()
        s.mail("app@example.test")
        assert s.rcpt("data-554-5.7.1@reply.test")[0] == 250
        assert s.data(msg)[0] == 554
        # Refusals the session gives on its own, with no rule: sequence and size limits.
        assert s.docmd("RCPT TO:<late@example.test>")[0] == 503
        assert s.docmd("MAIL FROM:<app@example.test> SIZE=999999999999")[0] == 552
    [accepted] = get(server, "/api/v1/messages")["messages"]
    accepted["sent_size"] = len(msg)
    assert server.wait_for_log("session closed")
    assert server.stop() == 0
    lines = [l.rstrip("\n") for l in server.lines if l.strip()]
    return accepted, lines


def check(records, accepted):
    """The same assertions for both formats, on parsed records with typed values."""
    by_msg = {}
    for r in records:
        assert set(r) >= {"ts", "level", "msg"}, r
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", r["ts"]), r
        by_msg.setdefault(r["msg"], []).append(r)

    [ready] = by_msg["ready"]
    assert any(x.startswith("smtp=127.0.0.1:") for x in ready["listeners"])
    assert any(x.startswith("http=127.0.0.1:") for x in ready["listeners"])

    [acc] = by_msg["message accepted"]  # the refused message after DATA is not accepted
    assert acc["level"] == "info"
    assert acc["id"] == accepted["id"] and acc["session"] == accepted["session_id"]
    assert acc["from"] == "app@example.test"
    assert acc["rcpt"] == ["u1@example.test", "u2+tag@example.test"]
    # The log counts the bytes the client sent; the API's size also counts the Received header.
    assert acc["rcpt_count"] == 2 and acc["size"] == accepted["sent_size"] < accepted["size"]
    assert acc["client"] == "127.0.0.1"

    refused = {(r["stage"], r["code"]): r for r in by_msg["refused"]}
    assert set(refused) == {("rcpt", 550), ("message", 554), ("rcpt", 503), ("mail", 552)}, \
        by_msg["refused"]
    r = refused[("rcpt", 550)]
    assert r["code"] == 550 and r["enhanced"] == "5.1.1"
    assert r["text"] == '<a=b@refuse.test>: "no" such user'
    assert r["rcpt"] == "a=b@refuse.test" and r["from"] == "app@example.test"
    assert r["session"] == accepted["session_id"] and r["client"] == "127.0.0.1"
    m = refused[("message", 554)]
    assert m["enhanced"] == "5.7.1"
    assert m["rcpt"] == ["data-554-5.7.1@reply.test"]
    seq = refused[("rcpt", 503)]
    assert seq["enhanced"] == "5.5.1" and "MAIL" in seq["text"]
    assert "late@example.test" in seq["rcpt"] and seq["session"] == accepted["session_id"]
    size = refused[("mail", 552)]
    assert size["enhanced"] == "5.3.4" and size["client"] == "127.0.0.1"

    [closed] = by_msg["session closed"]
    assert closed["messages"] == 1 and closed["tls"] is False
    [stopped] = by_msg["stopped"]
    assert stopped["messages"] == 1


def test_json_logs_have_typed_values(bounceback):
    accepted, lines = run(bounceback, "json")
    records = [json.loads(l) for l in lines]  # every line is one JSON object
    assert all(isinstance(r, dict) for r in records)
    check(records, accepted)


def test_text_logs_are_logfmt(bounceback):
    accepted, lines = run(bounceback, "text")
    records = [parse_logfmt(l) for l in lines]  # every line parses

    def typed(r):
        """logfmt has only strings: read the documented types back."""
        r = dict(r)
        for k in ("rcpt_count", "size", "code", "messages"):
            if k in r:
                r[k] = int(r[k])
        if "tls" in r:
            r["tls"] = {"true": True, "false": False}[r["tls"]]
        for k in ("listeners",) + (("rcpt",) if r["msg"] != "refused" or r.get("stage") != "rcpt"
                                   else ()):
            if k in r:
                r[k] = r[k].split(",")
        return r

    check([typed(r) for r in records], accepted)
    # The quoting is the one a logfmt reader needs, seen on the raw line.
    [raw] = [l for l in lines if "msg=refused code=550" in l]
    assert 'text="<a=b@refuse.test>: \\"no\\" such user"' in raw
    assert 'rcpt="a=b@refuse.test"' in raw
