"""The store's address index and the bounded scan (docs/api.md, "Paging") through the real API:
an exact to=/from= (read from the index) lists the same messages, in the same order, with the
same total, as the same filter as a glob (which scans), across case differences, a recipient
named twice, eviction by --max-messages, DELETE of one message and of all; the wait finds by
address after those; a search over --api-scan-budget answers a short page with `more` and a
`next` cursor, and following `before=` reads every match exactly once."""
import json
import socket
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


def test_a_search_term_with_a_whole_address_matches_the_envelope_or_the_headers(bounceback):
    """to:/from: with a whole address (Bounceback's and Mailpit's search) is that address
    exactly, case folded, in the envelope or in the To/Cc (to:) or From (from:) header, as in
    Mailpit; a partial address is a substring of both. (9dbf832 had a whole address read the
    envelope's index only, so "hdr" was not found: this test asserted that and now asserts the
    header match.) Such a term is read from the search's address index: under
    --api-scan-budget 10 a native search of 34 messages answers whole, with no `more` (it said
    `more` while it scanned, ff9b708); a partial address still scans and says `more`; Mailpit's
    search reads on until its page is complete."""
    server = bounceback("--api-scan-budget", "10")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.sendmail("app@x.test", ["rare@x.test"], "To: rare@x.test\r\nSubject: r1\r\n\r\nhi\r\n")
        s.sendmail("Other@X.test", ["RARE@x.test"], "To: rare@x.test\r\nSubject: r2\r\n\r\nhi\r\n")
        s.sendmail("app@x.test", ["team@x.test"], "To: rare@x.test\r\nSubject: hdr\r\n\r\nhi\r\n")
        s.sendmail("app@x.test", ["team@x.test"],  # longer addresses that contain it: not it
                   "To: notrare@x.test, <rare@x.test.org>\r\nSubject: longer\r\n\r\nhi\r\n")
        for n in range(30):
            s.sendmail("app@x.test", [f"u{n}@x.test"], f"Subject: s{n}\r\n\r\nhi\r\n")

    def search(query, path="/api/v1/messages", **params):
        params = {"limit": 50, "query": query, **params}
        query = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)  # a space as %20
        return get(server, f"{path}?{query}")

    def every(query):
        """A native search followed through its `next` cursors: each match once, newest first."""
        out, before = [], None
        for _ in range(20):  # 34 messages, 10 a request
            page = search(query, **({"before": before} if before else {}))
            out += [m["subject"] for m in page["messages"]]
            if not page.get("more"):
                return out
            before = page["next"]
        raise AssertionError(f"{query}: no end after 20 requests")

    found = search("to:rare@x.test")
    assert "more" not in found and found["total"] == 3  # the index: no budget spent
    assert [m["subject"] for m in found["messages"]] == ["hdr", "r2", "r1"]
    assert search("to:rare@")["more"] is True  # a partial address scans, cut by the budget
    assert every("to:rare@x.test") == ["hdr", "r2", "r1"]
    assert every("to:Rare@X.test from:other@x.test") == ["r2"]
    negated = every("-to:rare@x.test")
    assert len(negated) == 31 and "longer" in negated and "hdr" not in negated
    # Mailpit's search: its page complete, the same three, an exact count.
    mailpit = search("to:rare@x.test", "/mailpit/api/v1/search")
    assert [m["Subject"] for m in mailpit["messages"]] == ["hdr", "r2", "r1"]
    assert mailpit["messages_count"] == 3
    # A partial address is a substring of the envelope and the headers: the longer ones too.
    mailpit = search("to:rare@", "/mailpit/api/v1/search")
    assert [m["Subject"] for m in mailpit["messages"]] == ["longer", "hdr", "r2", "r1"]


def test_from_finds_the_from_header_behind_a_verp_return_path(bounceback):
    """An ESP sends with a VERP return path (envelope sender bounces+1@esp.test) and
    From: Alice <alice@shop.test>: `from:alice@shop.test` finds it, natively and through
    Mailpit's search (what the mailpit-api client calls), and so does the return path; a Cc'd
    address that is not an envelope recipient is found by to:."""
    server = bounceback()
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.sendmail("bounces+1@esp.test", ["bob@x.test"],
                   "From: Alice <Alice@Shop.test>\r\nTo: bob@x.test\r\n"
                   "Cc: \"Carol C.\" <carol@x.test>\r\nSubject: verp\r\n\r\nhi\r\n")
        s.sendmail("alice@shop.test.example", ["bob@x.test"],
                   "From: <xalice@shop.test>\r\nSubject: other\r\n\r\nhi\r\n")

    def native(query):
        body = get(server, "/api/v1/messages?query=" + urllib.parse.quote(query))
        return [m["subject"] for m in body["messages"]]

    def mailpit(query):
        body = get(server, "/mailpit/api/v1/search?query=" + urllib.parse.quote(query))
        return [m["Subject"] for m in body["messages"]], body["messages_count"]

    assert native("from:alice@shop.test") == ["verp"]
    assert mailpit("from:alice@shop.test") == (["verp"], 1)
    assert mailpit("from:ALICE@shop.test subject:verp") == (["verp"], 1)
    assert native("from:bounces+1@esp.test") == ["verp"]
    assert native("to:carol@x.test") == ["verp"]
    assert mailpit("to:carol@x.test") == (["verp"], 1)
    assert native("-from:alice@shop.test") == ["other"]
    assert native("to:alice@shop.test") == []  # From: is not to:


def test_a_wait_on_a_whole_address_search_wakes_for_a_header_match(bounceback):
    """A wait on from:alice@shop.test is answered by the message whose From header names her,
    though its envelope sender is a VERP return path (the SMTP thread cannot rule it out)."""
    server = bounceback()
    got = {}

    def wait():
        got["wait"] = http_call(server, "GET", "/api/v1/messages/wait?timeout=15s&query=" +
                                urllib.parse.quote("from:alice@shop.test"))

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.3)  # the wait is subscribed
    send(server, "app@x.test", ["bob@x.test"], "not this one")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.sendmail("bounces+1@esp.test", ["bob@x.test"],
                   "From: Alice <alice@shop.test>\r\nSubject: this one\r\n\r\nhi\r\n")
    waiter.join(20)
    status, _, body = got["wait"]
    assert status == 200, body
    assert json.loads(body)["subject"] == "this one"


def test_a_wait_on_a_whole_address_search_wakes_for_that_address(bounceback):
    """A wait on to:RARE@x.test, with another recipient's message first, answers with the
    message to rare@X.test (case folded), not a 408. (ec3b62d's SMTP-thread check of a positive
    whole address is gone, since a header may name it; the API thread reads the rest.)"""
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


def test_whole_address_search_reads_the_index_through_deletes_and_evictions(bounceback):
    """The search's address index through the real API, with --api-scan-budget 10 (so a scan
    would say `more`) and --max-messages 300: a header-only To address and a VERP sender's From
    found among 320 messages in one request each, exact totals, paged by start/limit,
    natively and through Mailpit's search; then after DELETE of one match, the
    eviction of the oldest, DELETE of all and new messages, the answers follow the store."""
    server = bounceback("--api-scan-budget", "10", "--max-messages", "300")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        for n in range(320):
            if n % 40 == 5:  # 8 of them: header To differs from the envelope recipient
                s.sendmail("app@x.test", [f"list{n}@x.test"],
                           f"To: Team <Team@X.test>\r\nSubject: t{n}\r\n\r\nhi\r\n")
            elif n % 100 == 7:  # 4 of them: a VERP return path, Alice in From
                s.sendmail(f"bounces+{n}@esp.test", ["bob@x.test"],
                           f"From: \"Alice\" <alice@shop.test>\r\nSubject: v{n}\r\n\r\nhi\r\n")
            else:
                s.sendmail("app@x.test", [f"u{n}@x.test"],
                           f"To: u{n}@x.test, not-team@x.test\r\nSubject: s{n}\r\n\r\nhi\r\n")

    def native(query, **params):
        params = {"query": query, **params}
        return get(server, "/api/v1/messages?" +
                   urllib.parse.urlencode(params, quote_via=urllib.parse.quote))

    def subjects(body, key="subject"):
        return [m[key] for m in body["messages"]]

    def mailpit(query, **params):
        body = get(server, "/mailpit/api/v1/search?" + urllib.parse.urlencode(
            {"query": query, **params}, quote_via=urllib.parse.quote))
        return subjects(body, "Subject"), body["messages_count"]

    # 320 sent, 300 kept: t5 (and s0-s4, s6-s19 ...) evicted; 7 of the 8 t's remain.
    team = [f"t{n}" for n in range(319, -1, -1) if n % 40 == 5 and n >= 20]
    alice = [f"v{n}" for n in range(319, -1, -1) if n % 100 == 7 and n >= 20]
    first = native("to:team@x.test", limit=3)
    assert "more" not in first and "next" not in first  # complete: no cursor needed
    assert first["total"] == len(team) == 7
    assert subjects(first) == team[:3]
    assert subjects(native("to:team@x.test", start=3, limit=3)) == team[3:6]
    assert subjects(native("to:team@x.test", start=6, limit=3)) == team[6:]
    assert mailpit("to:TEAM@x.test", start=6, limit=3) == (team[6:], 7)
    assert mailpit("from:alice@shop.test") == (alice, 3)
    assert subjects(native("from:bounces+207@esp.test")) == ["v207"]  # the envelope too
    assert native("to:not-team@x.test", limit=1)["total"] == 300 - 7 - 3
    assert native("to:team@x.test from:alice@shop.test")["total"] == 0

    # DELETE the newest match (t285); 100 more messages evict the 99 oldest left (seq 21-119).
    one = native("to:team@x.test", limit=1)["messages"][0]
    assert one["subject"] == "t285"
    assert http_call(server, "DELETE", f"/api/v1/messages/{one['id']}")[0] == 200
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        for n in range(320, 420):
            s.sendmail("app@x.test", [f"u{n}@x.test"], f"Subject: s{n}\r\n\r\nhi\r\n")
    assert subjects(native("to:team@x.test")) == ["t245", "t205", "t165", "t125"]
    assert mailpit("from:alice@shop.test") == (["v307", "v207"], 2)

    # The index's metrics: every stored message held, each parsed once (320 + 100 sent, less
    # the 20 evicted before the first search; the 99 evicted later were parsed before).
    m = metrics(server)
    assert m["bounceback_search_index_messages"] == 300
    assert m["bounceback_search_index_parsed_total"] == 300 + 100
    assert http_call(server, "DELETE", "/api/v1/messages")[0] == 200
    assert native("to:team@x.test")["total"] == 0
    assert metrics(server)["bounceback_search_index_messages"] == 0
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.sendmail("bounces+9@esp.test", ["x@x.test"],
                   "From: alice@shop.test\r\nCc: team@x.test\r\nSubject: after\r\n\r\nhi\r\n")
    assert subjects(native("to:team@x.test")) == ["after"]
    assert mailpit("from:Alice@Shop.test") == (["after"], 1)


def fill_fast(server, count, batch=500):
    """`count` messages on one connection, `batch` pipelined BDAT transactions per write;
    message n is to u{n % 100}@x.test, and every 1,000th Ccs rare@x.test in its header only."""
    with socket.create_connection(("127.0.0.1", server.smtp_port), timeout=60) as s:
        f = s.makefile("rb")

        def replies(n):
            for _ in range(n):
                while True:
                    line = f.readline()
                    assert line[:1] in (b"2", b"3"), line
                    if line[3:4] == b" ":
                        break

        replies(1)
        s.sendall(b"EHLO fill.test\r\n")
        replies(1)
        for first in range(0, count, batch):
            out = []
            for n in range(first, min(first + batch, count)):
                cc = "Cc: Rare <rare@x.test>\r\n" if n % 1000 == 999 else ""
                body = f"To: u{n % 100}@x.test\r\n{cc}Subject: m{n}\r\n\r\nhi\r\n".encode()
                out.append(b"MAIL FROM:<app@x.test>\r\nRCPT TO:<u%d@x.test>\r\n" % (n % 100) +
                           b"BDAT %d LAST\r\n" % len(body) + body)
            s.sendall(b"".join(out))
            replies(3 * len(out))
        s.sendall(b"QUIT\r\n")


def test_a_first_search_on_a_large_store_builds_the_index_in_steps(bounceback):
    """The search's address index is built 2,048 messages per step, the API running other
    requests between steps: the first whole-address search at 30,000 stored (the native list,
    Mailpit's, a wait) answers complete and exact, as a later one does, after several steps."""
    server = bounceback("--max-messages", "40000", "--api-scan-budget", "100")
    fill_fast(server, 30_000)
    rare = [f"m{n}" for n in range(29_999, -1, -1) if n % 1000 == 999]
    first = get(server, "/api/v1/messages?" + urllib.parse.urlencode({"query": "to:rare@x.test"}))
    assert [m["subject"] for m in first["messages"]] == rare  # all 30, not cut by the budget
    assert first["total"] == 30 and "more" not in first
    m = metrics(server)
    assert m["bounceback_search_index_parsed_total"] == 30_000
    assert m["bounceback_search_index_steps_total"] >= 15  # 30,000 / 2,048
    fill_fast(server, 9_000)  # 39,000 stored: the second search catches up in 2 steps
    body = get(server, "/mailpit/api/v1/search?" + urllib.parse.urlencode(
        {"query": "to:rare@x.test", "limit": 5}, quote_via=urllib.parse.quote))
    assert body["messages_count"] == 39
    assert metrics(server)["bounceback_search_index_steps_total"] >= 20  # 9,000 more: 5 steps
    fill_fast(server, 9_000)  # 40,000 kept: a wait's first look steps through 9,000 more
    waited = get(server, "/api/v1/messages/wait?" + urllib.parse.urlencode(
        {"query": "to:rare@x.test", "limit": 50, "timeout": "5s"}))
    assert waited["total"] == 40 and len(waited["messages"]) == 40
    assert metrics(server)["bounceback_search_index_messages"] == 40_000


def test_mailpit_delete_by_search_reads_the_index(bounceback):
    """DELETE /mailpit/api/v1/search erases exactly the matches: a whole-address term through
    the search's address index (built in steps at 6,000 stored), with another term checked
    per match, then a term that scans; the index follows the erasures."""
    server = bounceback("--max-messages", "10000", "--api-scan-budget", "100")
    fill_fast(server, 6_000)  # rare@ in the Cc of m999, m1999, ... m5999; u{n % 100} in To

    def delete(query):
        code, _, body = http_call(server, "DELETE", "/mailpit/api/v1/search?" +
                                  urllib.parse.urlencode({"query": query},
                                                         quote_via=urllib.parse.quote))
        assert (code, body) == (200, b"ok"), (code, body)

    def count(query):
        return get(server, "/mailpit/api/v1/search?" + urllib.parse.urlencode(
            {"query": query, "limit": 1}, quote_via=urllib.parse.quote))["messages_count"]

    delete("to:rare@x.test -subject:m999")  # 5 of the 6: m999 stays
    assert count("to:rare@x.test") == 1
    assert metrics(server)["bounceback_messages_stored"] == 6_000 - 5
    delete("to:u7@x.test")  # 60 (n % 100 == 7), none of them rare
    assert count("to:u7@x.test") == 0
    assert metrics(server)["bounceback_messages_stored"] == 6_000 - 5 - 60
    delete("subject:m12")  # a scan: m12, m120-m129, m1200-m1299 (m1207 already gone)
    gone = [n for n in range(6_000) if str(n).startswith("12") and n % 100 != 7]
    assert metrics(server)["bounceback_messages_stored"] == 6_000 - 5 - 60 - len(gone)
    assert count("to:rare@x.test") == 1 and count("subject:m1299") == 0
