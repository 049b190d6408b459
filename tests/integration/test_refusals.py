"""GET /api/v1/refusals and the "refusal" event (docs/api.md, "Refusals"): every 4xx/5xx the
server sent, by a rule or on its own, at the banner, HELO, MAIL, RCPT, DATA or after the message,
newest first, filtered by class, paged, bounded; smtplib sends, http.client reads."""
import json
import smtplib
import socket
import threading
import time
import urllib.parse

from conftest import http_call


def refusals(server, query=""):
    status, _, body = http_call(server, "GET", "/api/v1/refusals" + query)
    assert status == 200, body
    return json.loads(body)


def send_mixed(server):
    """One message to an accepted recipient and two refused ones (a 550 and a 451)."""
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.ehlo("client.example.test")
        s.mail("app@example.test")
        assert s.rcpt("ok@example.test")[0] == 250
        assert s.rcpt("550-5.1.1@reply.test")[0] == 550
        assert s.rcpt("451-4.7.1@reply.test")[0] == 451
        s.data(b"Subject: mixed\r\n\r\nhello\r\n")


def test_refusals_newest_first_with_codes_stage_and_session(bounceback):
    server = bounceback()
    send_mixed(server)
    page = refusals(server)
    assert page["total"] == 2 and page["count"] == 2 and page["start"] == 0
    newest, older = page["refusals"]
    assert newest["code"] == 451 and newest["enhanced"] == "4.7.1"
    assert newest["class"] == "temporary" and newest["rcpt"] == "451-4.7.1@reply.test"
    assert older["code"] == 550 and older["class"] == "permanent"
    assert older["reply"].startswith("550 5.1.1 ") and older["text"] in older["reply"]
    assert newest["id"] > older["id"]
    for r in page["refusals"]:
        assert r["stage"] == "rcpt" and r["from"] == "app@example.test"
        assert r["client_ip"] == "127.0.0.1" and r["recipients"] == 1
        assert r["at"].endswith("Z")
    # The session id is the one of the stored message.
    status, _, body = http_call(server, "GET", "/api/v1/messages")
    assert json.loads(body)["messages"][0]["session_id"] == newest["session_id"]


def test_refusals_by_class_and_paged(bounceback):
    server = bounceback()
    for _ in range(3):
        send_mixed(server)
    assert refusals(server)["total"] == 6
    temporary = refusals(server, "?class=temporary")
    assert temporary["total"] == 3 and {r["code"] for r in temporary["refusals"]} == {451}
    permanent = refusals(server, "?class=permanent&start=1&limit=1")
    assert permanent["total"] == 3 and permanent["count"] == 1
    assert permanent["refusals"][0]["code"] == 550
    ids = [r["id"] for r in refusals(server, "?class=permanent")["refusals"]]
    assert permanent["refusals"][0]["id"] == ids[1] and ids == sorted(ids, reverse=True)
    status, _, body = http_call(server, "GET", "/api/v1/refusals?class=soft")
    assert status == 400 and b"temporary or permanent" in body
    status, _, _ = http_call(server, "GET", "/api/v1/refusals?limit=100000")
    assert status == 400
    status, _, body = http_call(server, "DELETE", "/api/v1/refusals")
    assert status == 200 and json.loads(body) == {"deleted": 6}
    assert refusals(server)["total"] == 0


def test_the_servers_own_refusals_and_those_of_every_stage(bounceback, tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text('name = "stages"\n'
                        '[[rule]]\non = "helo"\nhelo = "bad.example.test"\n'
                        'reply = "550 5.7.1 Not you"\n'
                        '[[rule]]\non = "data"\nreply = "554 5.7.1 No data today"\n')
    server = bounceback("--scenario", str(scenario))
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        assert s.ehlo("bad.example.test")[0] == 550
        assert s.ehlo("good.example.test")[0] == 250
        assert s.docmd("RCPT TO:<early@example.test>")[0] == 503  # the server's own
        s.mail("app@example.test")
        s.rcpt("one@example.test")
        s.rcpt("two@example.test")
        assert s.docmd("DATA")[0] == 554
    by_stage = {r["stage"]: r for r in refusals(server)["refusals"]}
    assert set(by_stage) == {"helo", "rcpt", "data"}
    assert by_stage["helo"]["text"] == "Not you"
    assert by_stage["rcpt"]["code"] == 503 and by_stage["rcpt"]["rcpt"] == "early@example.test"
    assert by_stage["data"]["rcpt"] == "one@example.test, two@example.test"
    assert by_stage["data"]["recipients"] == 2


def test_a_refusal_is_an_event_on_the_stream(bounceback):
    server = bounceback()
    sock = socket.create_connection(("127.0.0.1", server.http_port), timeout=10)
    sock.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    got = b""
    while b": connected" not in got:
        got += sock.recv(4096)
    threading.Thread(target=send_mixed, args=(server,)).start()
    deadline = time.time() + 10
    while got.count(b"event: refusal\n") < 2 and time.time() < deadline:
        got += sock.recv(65536)
    sock.close()
    events = [block for block in got.decode().split("\n\n") if "event: refusal" in block]
    assert len(events) == 2, got
    data = [json.loads(line[6:]) for e in events for line in e.split("\n")
            if line.startswith("data: ")]
    assert [d["code"] for d in data] == [550, 451]
    assert data[0]["id"] == refusals(server, "?class=permanent")["refusals"][0]["id"]


def test_refusals_need_the_token(bounceback):
    server = bounceback("--api-token", "s3cret")
    send_mixed(server)
    status, headers, _ = http_call(server, "GET", "/api/v1/refusals")
    assert status == 401 and headers["www-authenticate"] == "Bearer"
    status, _, body = http_call(server, "GET", "/api/v1/refusals",
                                headers={"Authorization": "Bearer s3cret"})
    assert status == 200 and json.loads(body)["total"] == 2


def test_every_refusal_of_the_servers_own_reaches_the_log_with_its_command(bounceback):
    """Unknown commands, syntax errors, AUTH before TLS, a line too long: each 4xx/5xx the
    session sends on its own is kept once, staged by the command it answers."""
    server = bounceback("--starttls", "on")
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        assert s.ehlo("client.example.test")[0] == 250
        assert s.docmd("FROBNICATE")[0] == 502
        assert s.docmd("RSET", "now")[0] == 501
        assert s.docmd("VRFY")[0] == 501
        assert s.docmd("AUTH", "PLAIN dGVzdAB0ZXN0AHRlc3Q=")[0] >= 500  # no TLS yet
        assert s.docmd("NOOP " + "x" * 2000)[0] == 500  # line too long
        assert s.noop()[0] == 250 and s.rset()[0] == 250  # no refusal, nothing kept
    got = refusals(server)["refusals"]
    assert [r["stage"] for r in got] == ["unknown", "auth", "vrfy", "rset", "unknown"], got
    assert [r["code"] for r in got][2:] == [501, 501, 502]
    assert got[0]["code"] == 500 and "too long" in got[0]["text"].lower(), got[0]
    assert all(r["client_ip"] == "127.0.0.1" and r["session_id"] for r in got)


def test_drops_resets_and_hangs_are_refusals_without_a_reply(bounceback, tmp_path):
    """A rule's drop (FIN), drop = "reset" (RST) and hang answer nothing; each is listed with
    its outcome, code 0 and an empty reply, as temporary, beside the 4xx/5xx (outcome reply)."""
    scenario = tmp_path / "silent.toml"
    scenario.write_text('name = "silent"\n'
                        '[[rule]]\non = "rcpt"\nrcpt = "drop@example.test"\ndrop = true\n'
                        '[[rule]]\non = "rcpt"\nrcpt = "reset@example.test"\ndrop = "reset"\n'
                        '[[rule]]\non = "rcpt"\nrcpt = "hang@example.test"\nhang = true\n'
                        '[[rule]]\non = "message"\nrcpt = "stored@example.test"\ndrop = true\n'
                        '[[rule]]\non = "rcpt"\nrcpt = "no@example.test"\n'
                        'reply = "550 5.1.1 <{rcpt}>: User unknown"\n')
    server = bounceback("--scenario", str(scenario))

    def rcpt_to(address, timeout=10):
        s = smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=timeout)
        s.ehlo("client.example.test")
        s.mail("app@example.test")
        try:
            return s.rcpt(address)[0]
        except (smtplib.SMTPServerDisconnected, ConnectionResetError, socket.timeout) as e:
            return type(e).__name__ + ": " + str(e)
        finally:
            s.close()

    assert rcpt_to("no@example.test") == 550
    assert rcpt_to("drop@example.test").startswith("SMTPServerDisconnected")
    assert "reset" in rcpt_to("reset@example.test").lower()
    assert "timed out" in rcpt_to("hang@example.test", timeout=1)
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo("client.example.test")
        s.mail("app@example.test")
        s.rcpt("stored@example.test")
        try:
            s.data(b"Subject: stored then dropped\r\n\r\nx\r\n")
            raise AssertionError("the message got a reply")
        except smtplib.SMTPServerDisconnected:
            pass
    deadline = time.time() + 5
    while refusals(server)["total"] < 5 and time.time() < deadline:
        time.sleep(0.05)
    got = refusals(server)["refusals"]
    assert [(r["outcome"], r["stage"], r["rcpt"]) for r in got] == [
        ("drop", "message", "stored@example.test"),
        ("hang", "rcpt", "hang@example.test"),
        ("reset", "rcpt", "reset@example.test"),
        ("drop", "rcpt", "drop@example.test"),
        ("reply", "rcpt", "no@example.test")], got
    for r in got[:4]:
        assert (r["code"], r["enhanced"], r["text"], r["reply"], r["class"]) == \
            (0, None, "", "", "temporary"), r
        assert r["from"] == "app@example.test" and r["session_id"] and r["recipients"] == 1
    assert got[4]["code"] == 550 and got[4]["reply"].startswith("550 5.1.1 ")
    # The message dropped after it was read was stored all the same.
    status, _, body = http_call(server, "GET", "/api/v1/messages?to=stored@example.test")
    assert json.loads(body)["total"] == 1
    assert refusals(server, "?class=temporary")["total"] == 4
    assert refusals(server, "?class=permanent")["total"] == 1
    assert [r["rcpt"] for r in refusals(server, "?query=hang")["refusals"]] == ["hang@example.test"]


def test_refusals_are_searched_with_the_messages_query_syntax(bounceback):
    server = bounceback()
    send_mixed(server)
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.ehlo("client.example.test")
        s.mail("other@example.test")
        assert s.rcpt("550-5.7.1@reply.test")[0] == 550

    def rcpts(query):
        return [r["rcpt"] for r in refusals(server, "?query=" + urllib.parse.quote(query))["refusals"]]

    assert rcpts("to:550-5.1.1@reply.test") == ["550-5.1.1@reply.test"]
    assert rcpts("from:other@") == ["550-5.7.1@reply.test"]
    assert rcpts("from:app@example.test") == ["451-4.7.1@reply.test", "550-5.1.1@reply.test"]
    assert rcpts("550") == ["550-5.7.1@reply.test", "550-5.1.1@reply.test"]
    assert rcpts('"550 5.1.1"') == ["550-5.1.1@reply.test"]
    assert rcpts("-from:other 550") == ["550-5.1.1@reply.test"]
    assert rcpts("subject:mixed") == []  # a refusal has no subject
    page = refusals(server, "?class=permanent&query=reply.test&start=1&limit=1")
    assert page["total"] == 2 and page["count"] == 1
    assert page["refusals"][0]["rcpt"] == "550-5.1.1@reply.test"
    status, _, body = http_call(server, "GET", "/api/v1/refusals?query=%22open")
    assert status == 400 and b"quote" in body
    status, _, body = http_call(server, "GET", "/api/v1/refusals?query=is:unread")
    assert status == 400 and b"not supported" in body
