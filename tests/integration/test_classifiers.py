"""Fidelity: real bounce processors read every reply Bounceback can send as the failure it
stands for. A private Postfix (a real outbound MTA) relays to Bounceback address-encoded
recipients covering every catalogue entry; Postfix defers or bounces each one and mails its
DSNs back through Bounceback; Sisimai and flufl.bounce then classify those DSNs, and each
recipient's reading is checked against the catalogue (docs/codes.md, "Fidelity")."""
import json
import os
import smtplib
import subprocess
import time
import urllib.parse

import pytest

from conftest import http_call, missing_tool, need_tool
from private_postfix import PrivatePostfix

HERE = os.path.join(os.path.dirname(__file__), "classifiers")
# Recipients per message. One: Sisimai 4.25 pairs a multi-recipient Postfix DSN's diagnostic
# codes with the wrong recipients, and a real DSN usually names one recipient per domain anyway.
BATCH = 1

# What Sisimai may call a failure of each RFC 3463 subject (X.1 addressing ... X.7 policy).
# A reading outside its subject's set means the reply text says another kind of failure.
SUBJECT_REASONS = {
    "0": {"undefined", "onhold", "systemerror", "rejected", "blocked", "securityerror"},
    "1": {"userunknown", "hostunknown", "hasmoved", "filtered", "rejected", "notaccept",
          "systemerror", "onhold"},
    "2": {"mailboxfull", "suspend", "filtered", "exceedlimit", "mesgtoobig", "userunknown"},
    "3": {"systemerror", "systemfull", "notaccept", "mesgtoobig", "undefined", "onhold"},
    "4": {"networkerror", "expired", "hostunknown", "systemerror", "systemfull", "toomanyconn",
          "notaccept", "undefined", "onhold"},
    "5": {"systemerror", "toomanyconn", "securityerror", "syntaxerror", "undefined", "onhold",
          "networkerror"},
    "6": {"contenterror", "spamdetected", "virusdetected", "systemerror", "undefined", "onhold"},
    "7": {"securityerror", "blocked", "policyviolation", "spamdetected", "rejected", "suspend",
          "hasmoved", "mesgtoobig", "toomanyconn", "norelaying", "notaccept", "virusdetected",
          "expired"},
}


# Readings that differ from the subject's on purpose, each what the real reply also gets.
DOCUMENTED = {
    # RFC 5321's own 421 text ("Service not available, closing transmission channel"), as
    # Postfix and most servers send it: Sisimai files it as "blocked".
    "421@reply.test": "blocked",
    # 471 means a local error at the receiver (its filter); Sisimai reads "local problem" as
    # "systemerror", which is what the catalogue's meaning says, whatever the 4.7.0.
    "471@reply.test": "systemerror",
}
# Reasons by which Sisimai calls the address itself bad (its "hard" bounces).
SISIMAI_HARD = {"userunknown", "hostunknown", "hasmoved"}


def explain(server, query):
    status, _, body = http_call(server, "GET", "/api/v1/codes/" + urllib.parse.quote(query))
    assert status == 200, (query, body)
    return json.loads(body)


def catalogue_cases(server):
    """(recipient, reply code, enhanced code, bounce) for every catalogue entry that a server
    can refuse with, plus one enhanced code per class and subject the catalogue lacks."""
    status, _, body = http_call(server, "GET", "/api/v1/codes")
    assert status == 200
    codes = json.loads(body)
    cases = []
    for row in codes["codes"]:
        if row["class"] in ("temporary", "permanent"):
            x = explain(server, row["code"])
            enhanced = x["example"].split()[1] if x["example"] else ""
            cases.append((f"{row['code']}@reply.test", int(row["code"]), enhanced, x["bounce"]))
    pairs = []
    for row in codes["enhanced"]:
        e = row["enhanced"]
        klasses = ["4", "5"] if e.startswith("X.") else [e[0]] if e[0] in "45" else []
        pairs += [k + e[1:] for k in klasses]
    pairs += [f"{k}.{s}.99" for k in "45" for s in "01234567"]  # not in the catalogue
    for e in pairs:
        code = 451 if e[0] == "4" else 550
        x = explain(server, f"{code} {e}")
        cases.append((f"{code}-{e}@reply.test", code, e, x["bounce"]))
    # The policy rejection at the end of DATA, as the design names it.
    cases.append(("data-554-5.7.1@reply.test", 554, "5.7.1", "hard"))
    return cases


def alone(case):
    """Replies after which a client starts over: a 421 closes the session; 452 4.5.3 makes
    Postfix defer the rest of the transaction."""
    _, code, enhanced, _ = case
    return code == 421 or code == 452 or enhanced.endswith(".5.3")


def send_all(postfix, cases):
    messages = [[c] for c in cases if alone(c)]
    batched = [c for c in cases if not alone(c)]
    messages += [batched[i:i + BATCH] for i in range(0, len(batched), BATCH)]
    with smtplib.SMTP("127.0.0.1", postfix.smtpd_port, timeout=30) as smtp:
        for n, group in enumerate(messages):
            body = (f"From: app{n}@sender.test\r\nTo: list@reply.test\r\n"
                    f"Subject: fidelity {n}\r\n\r\nhello\r\n")
            refused = smtp.sendmail(f"app{n}@sender.test", [c[0] for c in group], body)
            assert not refused


def wait_until_done(postfix, recipients, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Deferred mail expires after maximal_queue_lifetime: then the queue is empty.
        statuses = postfix.statuses()
        if recipients <= statuses.keys() and postfix.queue_empty():
            return statuses
        time.sleep(0.5)
    pytest.fail("Postfix did not finish:\n" + postfix.log()[-4000:])


def collect_dsns(server, directory, count_at_least):
    """The DSNs Postfix sent back (relayed to Bounceback, as to any sender domain), as files."""
    deadline = time.monotonic() + 20
    while True:
        status, _, body = http_call(server, "GET", "/api/v1/messages?limit=1000")
        messages = [m for m in json.loads(body)["messages"] if m["from"] in ("", "<>")]
        if len(messages) >= count_at_least or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    paths = []
    for m in messages:
        status, _, raw = http_call(server, "GET", f"/api/v1/messages/{m['id']}/raw")
        assert status == 200
        path = os.path.join(directory, m["id"].replace("/", "_") + ".eml")
        with open(path, "wb") as f:
            f.write(raw)
        paths.append(path)
    return paths


def run_json_lines(args):
    res = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return [json.loads(line) for line in res.stdout.splitlines() if line.strip()]


def need_classifiers():
    need_tool("postfix")
    need_tool("perl")
    if subprocess.run(["perl", "-MSisimai", "-e1"], capture_output=True).returncode:
        missing_tool("Sisimai is not installed (libsisimai-perl)")
    if subprocess.run(["/usr/bin/python3", "-c", "import flufl.bounce"],
                      capture_output=True).returncode:
        missing_tool("flufl.bounce is not installed (python3-flufl.bounce)")
    if os.geteuid() != 0:
        pytest.skip("a private Postfix instance needs root (its master drops to `postfix`)")


@pytest.fixture
def relay(bounceback, tmp_path):
    need_classifiers()
    server = bounceback()
    postfix = PrivatePostfix(server.smtp_port)
    try:
        yield server, postfix
    finally:
        postfix.stop()


def classify(server, postfix, cases, tmp_path):
    send_all(postfix, cases)
    recipients = {c[0].lower() for c in cases}
    statuses = wait_until_done(postfix, recipients)
    dsn_dir = tmp_path / "dsn"
    dsn_dir.mkdir()
    paths = collect_dsns(server, str(dsn_dir), 1)
    sisimai = run_json_lines(["perl", os.path.join(HERE, "sisimai_classify.pl"), *paths])
    flufl = run_json_lines(["/usr/bin/python3", os.path.join(HERE, "flufl_classify.py"),
                            *paths])
    return statuses, sisimai, flufl


def test_catalogue_replies_read_as_the_catalogue_says(relay, tmp_path):
    server, postfix = relay
    cases = catalogue_cases(server)
    statuses, sisimai, flufl = classify(server, postfix, cases, tmp_path)
    failed = {r["recipient"].lower(): r for r in sisimai if r["action"] != "delayed"}
    temporary = {a.lower() for f in flufl for a in f["temporary"]}
    permanent = {a.lower() for f in flufl for a in f["permanent"]}
    problems = []
    for rcpt, code, enhanced, bounce in cases:
        r = rcpt.lower()
        said = [s for s in statuses.get(r, []) if s[0] in ("deferred", "bounced")]
        # Postfix: a 4xx is deferred (and retried), a 5xx bounced at once.
        want = "deferred" if code < 500 else "bounced"
        if not said or said[0][0] != want:
            problems.append(f"{rcpt}: Postfix {said[:1]}, want {want}")
        # flufl.bounce: a deferred recipient is in a delay warning's temporary failures, a
        # bounced one only in the permanent failures.
        if (r in temporary) != (code < 500):
            problems.append(f"{rcpt}: flufl.bounce temporary={r in temporary}")
        if r not in permanent:
            problems.append(f"{rcpt}: flufl.bounce found no failure")
        s = failed.get(r)
        if not s:
            problems.append(f"{rcpt}: Sisimai found no failure")
            continue
        if f" {code} " not in f" {s['diagnosticcode']} ":
            problems.append(f"{rcpt}: Sisimai read another reply: {s['diagnosticcode']}")
        subject = (enhanced or "X.0.0").split(".")[1]
        allowed = ({DOCUMENTED[r]} if r in DOCUMENTED else
                   SUBJECT_REASONS[subject] | {"onhold", "undefined"})  # "cannot tell"
        if s["reason"] not in allowed:
            problems.append(f"{rcpt}: Sisimai reason {s['reason']!r} outside X.{subject} "
                            f"({s['diagnosticcode']})")
        # Sisimai's softbounce is about the address (only a bad address is hard); the
        # catalogue's bounce about the reply. A reply the catalogue calls soft must never read
        # as a bad address, and a bad-address reading needs a permanent, hard reply.
        # (A 4xx is deferred whatever Sisimai says: it reads the text, and RFC 5321's own 450
        # "mailbox unavailable" or a 451 4.1.1 "User unknown" reads as a bad address.)
        if s["softbounce"] == 0 and code >= 500 and bounce != "hard":
            problems.append(f"{rcpt}: Sisimai reads a bad address ({s['reason']}), the "
                            f"catalogue says {bounce} ({s['diagnosticcode']})")
        if s["reason"] in SISIMAI_HARD and s["softbounce"] != 0 and code >= 500:
            problems.append(f"{rcpt}: Sisimai {s['reason']} but softbounce=1")
    # The two readings issue 14 found wrong: a policy rejection, and a provider code that
    # borrowed "User unknown".
    for rcpt in ("554@reply.test", "data-554-5.7.1@reply.test"):
        if failed.get(rcpt, {}).get("reason") != "policyviolation":
            problems.append(f"{rcpt}: not a policy rejection to Sisimai: {failed.get(rcpt)}")
    if failed.get("550-5.7.606@reply.test", {}).get("reason") != "blocked":
        problems.append(f"550-5.7.606: not a blocked IP: {failed.get('550-5.7.606@reply.test')}")
    assert not problems, "\n".join(problems)
