"""Mailpit's search has no cursor, so under --api-scan-budget it scans on past the budget until
its page is complete (docs/api.md, "Mailpit clients"): a deep page is never short, a client
stepping `start` by `limit` while `start < messages_count` reads every match exactly once, and
`messages_count` is exact once the scan reaches the oldest message, else counts the matches
found, at least one more than the page."""
import json
import smtplib
import urllib.parse

from conftest import http_call

MATCHES = 20  # of 60 messages, one in three


def search(server, **params):
    code, _, body = http_call(server, "GET",
                              "/mailpit/api/v1/search?" + urllib.parse.urlencode(params))
    assert code == 200, body
    return json.loads(body)


def subjects(page):
    return [m["Subject"] for m in page["messages"]]


def test_a_deep_page_is_complete_under_a_small_budget(bounceback):
    server = bounceback("--api-scan-budget", "4")
    sent = [f"s{n} needle" if n % 3 == 0 else f"s{n}" for n in range(60)]
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
        for subject in sent:
            smtp.sendmail("app@x.test", ["u@x.test"], f"Subject: {subject}\r\n\r\nhi\r\n")
    expected = [subject for subject in reversed(sent) if subject.endswith("needle")]
    assert len(expected) == MATCHES

    # A page 15 matches deep: 45 messages back, ten budgets of 4.
    deep = search(server, query="needle", start=15, limit=3)
    assert subjects(deep) == expected[15:18]
    assert (deep["start"], deep["count"]) == (15, 3)
    assert deep["messages_count"] > 18  # more matches exist: at least one more is counted
    assert deep["total"] == 60

    # The last page reaches the oldest message: the count is exact.
    last = search(server, query="needle", start=18, limit=5)
    assert subjects(last) == expected[18:]
    assert last["messages_count"] == MATCHES

    # Paging as Mailpit's web page and clients do reads every match once, in order.
    seen, start = [], 0
    while True:
        page = search(server, query="needle", start=start, limit=4)
        assert page["count"] == len(page["messages"])
        seen += subjects(page)
        start += 4
        if start >= page["messages_count"]:
            break
    assert seen == expected

    # A page past the last match is empty, with the exact count.
    beyond = search(server, query="needle", start=25, limit=5)
    assert beyond["messages"] == [] and beyond["messages_count"] == MATCHES

    # A search that matches nothing scans the whole store: 0, not "maybe more".
    assert search(server, query="nothing-matches")["messages_count"] == 0
