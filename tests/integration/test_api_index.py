"""The store's address index and the bounded scan (docs/api.md, "Paging") through the real API:
an exact to=/from= (read from the index) lists the same messages, in the same order, with the
same total, as the same filter as a glob (which scans), across case differences, a recipient
named twice, eviction by --max-messages, DELETE of one message and of all; the wait finds by
address after those; a search over --api-scan-budget answers a short page with `more` and a
`next` cursor, and following `before=` reads every match exactly once."""
import json
import smtplib
import threading
import time
import urllib.parse

from conftest import http_call


def get(server, path):
    code, _, body = http_call(server, "GET", path)
    assert code == 200, (path, code, body)
    return json.loads(body)


def send(server, sender, rcpts, subject):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.sendmail(sender, rcpts, f"Subject: {subject}\r\n\r\nbody of {subject}\r\n")


def listing(server, **params):
    body = get(server, "/api/v1/messages?" + urllib.parse.urlencode(params))
    return body["total"], [m["subject"] for m in body["messages"]]


def same_as_scan(server, field, address, expected):
    """The indexed exact filter, and the same address as a glob (a scan), list `expected`."""
    glob = address[:-1] + "*"  # the last letter as '*': no other address here ends like it
    for page in ({}, {"limit": 1}, {"start": 1, "limit": 2}):
        assert listing(server, **{field: address}, **page) == \
            listing(server, **{field: glob}, **page), (field, address, page)
    assert listing(server, **{field: address})[1] == expected, (field, address)


def test_exact_filters_read_the_index_and_agree_with_a_scan(bounceback):
    server = bounceback("--max-messages", "6")
    send(server, "s@x.test", ["a@x.test", "b@x.test"], "m1")
    send(server, "S@X.TEST", ["A@X.Test"], "m2")
    send(server, "t@x.test", ["b@x.test", "B@x.test"], "m3")  # b twice: listed once
    send(server, "s@x.test", ["c@x.test"], "m4")
    same_as_scan(server, "to", "a@x.test", ["m2", "m1"])
    same_as_scan(server, "to", "B@X.TEST", ["m3", "m1"])
    same_as_scan(server, "from", "s@x.test", ["m4", "m2", "m1"])
    assert listing(server, to="a@x.test", subject="m1") == (1, ["m1"])  # index, then a check
    assert listing(server, to="a@x.test", **{"from": "t@x.test"}) == (0, [])

    for n in range(5, 9):  # m1 and m2 are evicted by --max-messages 6
        send(server, "u@x.test", ["a@x.test"], f"m{n}")
    same_as_scan(server, "to", "a@x.test", ["m8", "m7", "m6", "m5"])
    same_as_scan(server, "to", "b@x.test", ["m3"])
    same_as_scan(server, "from", "s@x.test", ["m4"])

    m6 = next(m["id"] for m in get(server, "/api/v1/messages")["messages"] if m["subject"] == "m6")
    assert http_call(server, "DELETE", f"/api/v1/messages/{m6}")[0] == 200
    same_as_scan(server, "to", "a@x.test", ["m8", "m7", "m5"])
    wait = get(server, "/api/v1/messages/wait?to=A@x.test&start=1&limit=5&timeout=1s")
    assert wait["subject"] == "m8"  # the newest match, whatever the page
    assert [m["subject"] for m in wait["messages"]] == ["m7", "m5"]
    assert (wait["total"], wait["more"]) == (3, False)
    wait = get(server, "/api/v1/messages/wait?to=a@x.test&limit=1&timeout=1s")
    assert (wait["total"], wait["more"], wait["subject"]) == (1, True, "m8")

    assert http_call(server, "DELETE", "/api/v1/messages")[0] == 200
    assert listing(server, to="a@x.test") == (0, [])
    assert listing(server, **{"from": "s@x.test"}) == (0, [])
    code, _, _ = http_call(server, "GET", "/api/v1/messages/wait?to=a@x.test&timeout=200ms")
    assert code == 408
    send(server, "s@x.test", ["a@x.test"], "m9")
    same_as_scan(server, "to", "a@x.test", ["m9"])
    assert get(server, "/api/v1/messages/wait?to=a@x.test&timeout=1s")["subject"] == "m9"
    # Mailpit's `latest` is the newest message, read without a copy of the store's list.
    assert get(server, "/mailpit/api/v1/message/latest")["Subject"] == "m9"


def test_a_search_over_its_budget_pages_on_with_next(bounceback):
    server = bounceback("--api-scan-budget", "10")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        for n in range(40):
            word = " needle" if n % 3 == 0 else ""
            s.sendmail("app@x.test", [f"u{n}@x.test"], f"Subject: s{n}{word}\r\n\r\nhi\r\n")
    expected = [f"s{n} needle" for n in reversed(range(40)) if n % 3 == 0]  # 14, newest first

    # The unfiltered list and an exact address have no budget: exact totals, no cursor.
    whole = get(server, "/api/v1/messages?limit=5")
    assert whole["total"] == 40 and "more" not in whole and "next" not in whole
    assert get(server, "/api/v1/messages?to=u3@x.test")["total"] == 1

    first = get(server, "/api/v1/messages?query=needle&limit=50")
    assert first["more"] is True  # 10 messages read of 40
    assert [m["subject"] for m in first["messages"]] == expected[:len(first["messages"])]
    assert first["total"] == len(first["messages"]) < 14

    seen, before, rounds = [], None, 0
    while True:
        params = {"query": "needle", "limit": 3}
        if before is not None:
            params["before"] = before
        page = get(server, "/api/v1/messages?" + urllib.parse.urlencode(params))
        seen += [m["subject"] for m in page["messages"]]
        rounds += 1
        assert rounds < 30
        if not page.get("more"):
            break
        before = page["next"]
    assert seen == expected  # every match once, in order, across the budget's stops

    # before= works on any list: only older messages, and a total of those.
    detail = get(server, "/api/v1/messages/" + whole["messages"][2]["id"])
    older = get(server, f"/api/v1/messages?before={detail['sequence']}&limit=2")
    assert older["total"] == 37
    assert [m["subject"] for m in older["messages"]] == ["s36 needle", "s35"]
    for bad in ("x", "-1", "", "1" * 20):
        code, _, body = http_call(server, "GET", "/api/v1/messages?before=" + bad)
        assert code == 400 and b"before" in body, (bad, body)

    # A wait's look honours the budget too: a match 40 messages back is beyond it (408, the
    # oldest message was not read), one within the 10 newest is found, and a new match wakes it.
    code, _, body = http_call(server, "GET", "/api/v1/messages/wait?query=s0&timeout=300ms")
    assert code == 408, body
    code, _, body = http_call(server, "GET", "/api/v1/messages/wait?subject=s1&timeout=300ms")
    assert code == 408, body  # s1 is 38 back, s10-s19 20-29 back: all beyond the budget
    wait = get(server, "/api/v1/messages/wait?subject=s33&timeout=1s")
    assert (wait["subject"], wait["more"]) == ("s33 needle", True)
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.sendmail("app@x.test", ["late@x.test"], "Subject: s0 again\r\n\r\nhi\r\n")
    assert get(server, "/api/v1/messages/wait?query=s0&timeout=1s")["subject"] == "s0 again"


def metrics(server):
    out = {}
    for line in http_call(server, "GET", "/metrics")[2].decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def test_max_store_bytes_drops_the_oldest_and_counts_them(bounceback):
    server = bounceback("--max-store-bytes", "10KiB", "--received-header", "off")
    body = "x" * 3000
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        for n in range(5):
            s.sendmail("app@x.test", ["a@x.test"], f"Subject: m{n}\r\n\r\n{body}\r\n")
    # Each stored copy is ~3 KB: three fit in 10 KiB, the two oldest were dropped.
    assert listing(server) == (3, ["m4", "m3", "m2"])
    assert listing(server, to="a@x.test") == (3, ["m4", "m3", "m2"])  # the index followed
    m = metrics(server)
    assert m['bounceback_messages_evicted_total{bound="max_store_bytes"}'] == 2
    assert m['bounceback_messages_evicted_total{bound="max_messages"}'] == 0
    assert 9000 < m["bounceback_messages_stored_bytes"] <= 10 * 1024

    # A message larger than the bound is kept alone: the newest is never dropped.
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.sendmail("app@x.test", ["a@x.test"], "Subject: big\r\n\r\n" + "y" * 20000 + "\r\n")
    assert listing(server) == (1, ["big"])
    m = metrics(server)
    assert m['bounceback_messages_evicted_total{bound="max_store_bytes"}'] == 5
    assert m["bounceback_messages_stored_bytes"] > 20000
    assert http_call(server, "DELETE", "/api/v1/messages")[0] == 200
    assert metrics(server)["bounceback_messages_stored_bytes"] == 0


def test_a_search_term_with_a_whole_address_reads_the_index(bounceback):
    """to:/from: with a whole address (Bounceback's and Mailpit's search) is the envelope's
    address exactly, read from the index: an old match is found whole under a budget of 10
    messages that a scan would spend on the newer ones; a partial address still scans the
    envelope and the headers."""
    server = bounceback("--api-scan-budget", "10")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.sendmail("app@x.test", ["rare@x.test"], "To: rare@x.test\r\nSubject: r1\r\n\r\nhi\r\n")
        s.sendmail("Other@X.test", ["RARE@x.test"], "To: rare@x.test\r\nSubject: r2\r\n\r\nhi\r\n")
        s.sendmail("app@x.test", ["team@x.test"], "To: rare@x.test\r\nSubject: hdr\r\n\r\nhi\r\n")
        for n in range(30):
            s.sendmail("app@x.test", [f"u{n}@x.test"], f"Subject: s{n}\r\n\r\nhi\r\n")

    def search(query, path="/api/v1/messages"):
        return get(server, f"{path}?limit=50&query=" + urllib.parse.quote(query))

    found = search("to:rare@x.test")
    assert [m["subject"] for m in found["messages"]] == ["r2", "r1"]
    assert found["total"] == 2 and not found.get("more")
    found = search("to:Rare@X.test from:other@x.test")
    assert [m["subject"] for m in found["messages"]] == ["r2"] and not found.get("more")
    assert search("-to:rare@x.test")["more"] is True  # a negation scans, within its budget
    # Mailpit's search: the same two, its page complete.
    mailpit = search("to:rare@x.test", "/mailpit/api/v1/search")
    assert [m["Subject"] for m in mailpit["messages"]] == ["r2", "r1"]
    assert mailpit["messages_count"] == 2
    # A partial address is a substring of the envelope and the headers: the To header counts.
    mailpit = search("to:rare@", "/mailpit/api/v1/search")
    assert [m["Subject"] for m in mailpit["messages"]] == ["hdr", "r2", "r1"]


def test_a_wait_on_a_whole_address_search_wakes_for_that_address(bounceback):
    """The SMTP thread checks a waiting search's whole addresses itself (no wake for other
    addresses): a wait on to:RARE@x.test, with another recipient's message first, answers with
    the message to rare@X.test (case folded), not a 408."""
    server = bounceback()
    got = {}

    def wait():
        got["wait"] = http_call(server, "GET", "/api/v1/messages/wait?timeout=15s&query=" +
                                urllib.parse.quote("to:RARE@x.test from:app@x.test"))

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.3)  # the wait is subscribed
    send(server, "app@x.test", ["other@x.test"], "not this one")
    send(server, "nobody@x.test", ["rare@x.test"], "nor this one")
    send(server, "app@x.test", ["rare@X.test"], "this one")
    waiter.join(20)
    status, _, body = got["wait"]
    assert status == 200, body
    assert json.loads(body)["subject"] == "this one"
