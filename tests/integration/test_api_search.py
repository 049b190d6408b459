"""`?query=` search (docs/api.md, "Search") against the real binary: mail sent with smtplib, then
words, phrases, Mailpit's from:/to:/subject: prefixes and exclusions over the list, the
long-poll and the event stream; bad queries and unknown parameters are 400s naming them."""
import http.client
import json
import smtplib
import threading
import time
import urllib.parse
from email.message import EmailMessage

from conftest import http_call as call


def get(server, path):
    code, _, body = call(server, "GET", path)
    return code, json.loads(body)


def ids(server, query):
    code, body = get(server, "/api/v1/messages?query=" + urllib.parse.quote(query))
    assert code == 200, body
    return sorted(m["subject"] for m in body["messages"])


def send(server, sender, rcpt, subject, text, cte="quoted-printable"):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = rcpt
    msg["Subject"] = subject
    msg.set_content(text, cte=cte)
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.send_message(msg)


def test_query_searches_sender_recipient_subject_and_body(bounceback):
    server = bounceback()
    send(server, "shop@store.test", "bob@example.test", "Votre reçu", "Merci pour votre achat.\n")
    send(server, "auth@app.test", "alice@example.test", "Reset your password",
         "Open https://app.test/reset?token=xyz to continue.\n", cte="base64")
    send(server, "auth@app.test", "bob@example.test", "Welcome", "Hello Bob, welcome aboard.\n")

    assert ids(server, "reset") == ["Reset your password"]
    assert ids(server, "token=xyz") == ["Reset your password"]  # base64 body, decoded
    assert ids(server, "from:auth@app.test") == ["Reset your password", "Welcome"]
    assert ids(server, "to:bob@") == ["Votre reçu", "Welcome"]
    assert ids(server, "subject:reçu") == ["Votre reçu"]
    assert ids(server, 'from:auth "welcome aboard"') == ["Welcome"]
    assert ids(server, "from:auth -reset") == ["Welcome"]
    assert ids(server, "bob achat") == ["Votre reçu"]
    assert ids(server, "nothing-like-this") == []
    # query= combines with the other filters and paging.
    code, body = get(server, "/api/v1/messages?to=bob@example.test&query=welcome&limit=0")
    assert code == 200 and body["total"] == 1 and body["messages"] == []
    # The long-poll takes it too.
    code, body = get(server, "/api/v1/messages/wait?timeout=1s&query=" +
                     urllib.parse.quote("subject:welcome"))
    assert code == 200 and body["subject"] == "Welcome"


def test_bad_queries_and_unknown_parameters_are_400(bounceback):
    server = bounceback()
    code, body = get(server, "/api/v1/messages?query=" + urllib.parse.quote("is:unread"))
    assert code == 400 and '"is:" is not supported' in body["error"]
    code, body = get(server, "/api/v1/messages?query=" + urllib.parse.quote('"open'))
    assert code == 400 and "quote" in body["error"]
    code, body = get(server, "/api/v1/events?query=" + urllib.parse.quote("before:2024"))
    assert code == 400
    for path in ("/api/v1/messages?serch=x", "/api/v1/messages/wait?q=x",
                 "/api/v1/sessions?query=x", "/api/v1/codes?x=1", "/healthz?verbose=1"):
        code, body = get(server, path)
        assert code == 400, path
        name = path.split("?")[1].split("=")[0]
        assert f'unknown query parameter "{name}"' in body["error"], body


def test_a_pending_wait_and_a_stream_match_content_as_messages_arrive(bounceback):
    """The SMTP thread checks only a waiter's envelope filter; subject= and query= are read on
    the API's thread (issue 20). A pending wait still wakes for the first later match only,
    and a filtered event stream still carries only matching messages, in order."""

    server = bounceback()
    stream = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    stream.request("GET", "/api/v1/events?query=" + urllib.parse.quote("needle"))
    events = stream.getresponse()
    assert events.status == 200
    assert events.fp.readline().startswith(b"retry:")

    result = {}

    def wait():
        result["wait"] = get(server, "/api/v1/messages/wait?subject=later&timeout=10s")

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.3)  # the wait is pending (were it not, it would still answer "later one")
    send(server, "a@x.test", "b@x.test", "first", "no match here\n")
    send(server, "a@x.test", "b@x.test", "second", "a needle in the body\n", cte="base64")
    send(server, "a@x.test", "b@x.test", "later one", "no match either\n")
    waiter.join(15)
    code, body = result["wait"]
    assert code == 200 and body["subject"] == "later one", body

    send(server, "a@x.test", "b@x.test", "third NEEDLE", "\n")
    subjects = []
    while len(subjects) < 2:
        line = events.fp.readline()
        assert line, subjects
        if line.startswith(b"data: "):
            subjects.append(json.loads(line[6:])["subject"])
    assert subjects == ["second", "third NEEDLE"]
    stream.close()
