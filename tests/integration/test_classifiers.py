"""Fidelity: real bounce processors read every reply Bounceback can send as the failure it
stands for. A private Postfix (a real outbound MTA) relays to Bounceback address-encoded
recipients covering every catalogue entry, and the recipients and senders the built-in
personas' rules answer; Postfix defers or bounces each one and mails its DSNs to a second
Bounceback; Sisimai and flufl.bounce then classify those DSNs, and each recipient's reading is
checked against the catalogue (docs/codes.md, "Fidelity")."""
import json
import os
import smtplib
import subprocess
import time
import tomllib
import urllib.parse
from dataclasses import dataclass

import pytest

from conftest import http_call, missing_tool, need_tool
from private_postfix import PrivatePostfix

HERE = os.path.join(os.path.dirname(__file__), "classifiers")
SCENARIOS = os.path.join(os.environ.get("BOUNCEBACK_SOURCE_DIR", "."), "scenarios")
# One recipient per message: Sisimai 4.25 pairs a multi-recipient Postfix DSN's diagnostic
# codes with the wrong recipients (and a real DSN usually names one recipient per domain).

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


# Readings that differ from the subject's on purpose, each what the real reply also gets
# (docs/codes.md lists them). Keyed by recipient (catalogue) or "persona:recipient".
DOCUMENTED = {
    # RFC 5321's own 421 text ("<host> Service not available, closing transmission channel"), as
    # Postfix and most servers send it: Sisimai files it as "blocked".
    "421@reply.test": "blocked",
    # 471 means a local error at the receiver (its filter); Sisimai reads "local problem" as
    # "systemerror", which is what the catalogue's meaning says, whatever the 4.7.0.
    "471@reply.test": "systemerror",
    # Providers that name an unknown recipient with a code of another subject: Outlook.com's
    # "550 5.5.0 Requested action not taken: mailbox unavailable", Exchange Online's
    # "550 5.4.1 Recipient address rejected: Access denied", read as the unknown users they are.
    "outlook:unknown@example.test": "userunknown",
    "outlook:notfound@example.test": "userunknown",
    # Orange's over-quota reply carries 5.1.1: "552 5.1.1 Boite du destinataire pleine", and
    # its content refusal 5.2.0: "550 5.2.0 Mail rejete. Mail rejected" (read as spam).
    "orange:full@example.test": "mailboxfull",
    "orange:rejected@example.test": "spamdetected",
    # Yahoo refuses unknown users after DATA without an enhanced code ("554 delivery error:
    # dd This user doesn't have a ... account", "552 1 ... mailbox not found"): Sisimai files
    # both as "filtered", as it does the real replies.
    "yahoo:unknown@example.test": "filtered",
    "yahoo:notfound@example.test": "filtered",
}


@dataclass
class Case:
    rcpt: str
    code: int
    enhanced: str  # "" when the reply has none
    bounce: str  # the catalogue's "soft"/"hard" for (code, enhanced)
    sender: str = ""  # "" for a sender of its own
    label: str = ""  # how a failure names it (default: rcpt)

    @property
    def key(self):
        return self.label or self.rcpt
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
            cases.append(Case(f"{row['code']}@reply.test", int(row["code"]), enhanced,
                              x["bounce"]))
    pairs = []
    for row in codes["enhanced"]:
        e = row["enhanced"]
        klasses = ["4", "5"] if e.startswith("X.") else [e[0]] if e[0] in "45" else []
        pairs += [k + e[1:] for k in klasses]
    pairs += [f"{k}.{s}.99" for k in "45" for s in "01234567"]  # not in the catalogue
    for e in pairs:
        code = 451 if e[0] == "4" else 550
        x = explain(server, f"{code} {e}")
        cases.append(Case(f"{code}-{e}@reply.test", code, e, x["bounce"]))
    # The policy rejection at the end of DATA, as the design names it.
    cases.append(Case("data-554-5.7.1@reply.test", 554, "5.7.1", "hard"))
    return cases


def reply_codes(reply):
    """(code, enhanced) of a rule's reply (a string or a list of lines)."""
    first = (reply[0] if isinstance(reply, list) else reply).replace("-", " ", 1).split()
    enhanced = first[1] if len(first) > 1 and first[1][:2] in ("4.", "5.") else ""
    return int(first[0]), enhanced


# Rule keys a persona rule may have for the test to reproduce it with a plain Postfix
# (no TLS, small messages, loopback): others (size_over, client_ip, counts, ...) are skipped.
PLAIN_KEYS = {"on", "rcpt", "from", "reply", "disconnect", "tls"}


def persona_cases(server, persona):
    """A Case for each rule of a built-in scenario that refuses at MAIL, RCPT or after the
    message, chosen by a sender or recipient pattern: its recipient and sender are made from
    the patterns ('unknown*@*' → unknown1@example.test)."""
    with open(os.path.join(SCENARIOS, persona + ".toml"), "rb") as f:
        scenario = tomllib.load(f)
    cases = []
    for n, rule in enumerate(scenario.get("rule", [])):
        on = rule.get("on")
        if (set(rule) - PLAIN_KEYS or rule.get("tls", False) is not False or
                on not in ("mail", "rcpt", "message") or "reply" not in rule):
            continue
        code, enhanced = reply_codes(rule["reply"])
        if code < 400:
            continue
        def address(pattern, default_domain):
            local, _, domain = pattern.partition("@")
            local = local.replace("*", f"rule{n}")
            domain = default_domain if domain in ("", "*") else domain.replace("*", "x")
            return f"{local}@{domain}"
        rcpt = address(rule["rcpt"], "example.test") if "rcpt" in rule else f"rule{n}@example.test"
        sender = address(rule["from"], "sender.test") if "from" in rule else ""
        if any(c.rcpt == rcpt and c.sender == sender for c in cases):
            continue  # an earlier rule answers it
        x = explain(server, f"{code} {enhanced}".strip())
        cases.append(Case(rcpt, code, enhanced, x["bounce"], sender,
                          label=f"{persona}:{rcpt}" + (f" from {sender}" if sender else "")))
    assert cases, persona
    return cases


def send_all(postfix, cases):
    """One message per case, each with its own sender (the DSN names one recipient)."""
    with smtplib.SMTP("127.0.0.1", postfix.smtpd_port, timeout=30) as smtp:
        for n, case in enumerate(cases):
            sender = case.sender or f"app{n}@sender.test"
            body = (f"From: {sender}\r\nTo: {case.rcpt}\r\n"
                    f"Subject: fidelity {n}\r\n\r\nhello\r\n")
            assert not smtp.sendmail(sender, [case.rcpt], body)


def wait_until_done(postfix, cases, timeout=90):
    recipients = {c.rcpt.lower() for c in cases}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Deferred mail expires after maximal_queue_lifetime: then the queue is empty.
        statuses = postfix.statuses()
        if recipients <= statuses.keys() and postfix.queue_empty():
            return statuses
        time.sleep(0.5)
    pytest.fail("Postfix did not finish:\n" + postfix.log()[-4000:])


def collect_dsns(collector, directory):
    """Every message the collector got (the DSNs Postfix sent to sender.test), as files."""
    status, _, body = http_call(collector, "GET", "/api/v1/messages?limit=1000")
    assert status == 200
    paths = []
    for m in json.loads(body)["messages"]:
        status, _, raw = http_call(collector, "GET", f"/api/v1/messages/{m['id']}/raw")
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


def run_through_postfix(bounceback, tmp_path, server, cases):
    """Sends every case through a private Postfix relaying to `server`; returns what Postfix
    logged per recipient, and Sisimai's and flufl.bounce's readings of its DSNs."""
    collector = bounceback()
    domains = {"sender.test"} | {c.sender.split("@")[1] for c in cases if c.sender}
    postfix = PrivatePostfix(server.smtp_port, collector.smtp_port, domains)
    try:
        send_all(postfix, cases)
        statuses = wait_until_done(postfix, cases)
    finally:
        postfix.stop()
    dsn_dir = tmp_path / "dsn"
    dsn_dir.mkdir()
    paths = collect_dsns(collector, str(dsn_dir))
    sisimai = run_json_lines(["perl", os.path.join(HERE, "sisimai_classify.pl"), *paths])
    flufl = run_json_lines(["/usr/bin/python3", os.path.join(HERE, "flufl_classify.py"),
                            *paths])
    return statuses, sisimai, flufl


def check(cases, statuses, sisimai, flufl):
    """The problems found: each case against Postfix's, flufl.bounce's and Sisimai's readings."""
    failed = {r["recipient"].lower(): r for r in sisimai if r["action"] != "delayed"}
    temporary = {a.lower() for f in flufl for a in f["temporary"]}
    permanent = {a.lower() for f in flufl for a in f["permanent"]}
    problems = []
    for case in cases:
        r, code, name = case.rcpt.lower(), case.code, case.key
        said = [s for s in statuses.get(r, []) if s[0] in ("deferred", "bounced")]
        # Postfix: a 4xx is deferred (and retried), a 5xx bounced at once.
        want = "deferred" if code < 500 else "bounced"
        if not said or said[0][0] != want:
            problems.append(f"{name}: Postfix {said[:1]}, want {want}")
        elif f" {code} " not in f" {said[0][1]} ".replace("-", " "):
            problems.append(f"{name}: Postfix got another reply: {said[0][1]}")
        # flufl.bounce: a deferred recipient is in a delay warning's temporary failures; every
        # recipient ends among the permanent failures when Postfix gives up.
        if (r in temporary) != (code < 500):
            problems.append(f"{name}: flufl.bounce temporary={r in temporary}")
        if r not in permanent:
            problems.append(f"{name}: flufl.bounce found no failure")
        s = failed.get(r)
        if not s:
            problems.append(f"{name}: Sisimai found no failure")
            continue
        # (Postfix drops the codes from a multi-line reply's text: then the status says.)
        if (s["deliverystatus"] != case.enhanced if case.enhanced else
                f" {code} " not in f" {s['diagnosticcode']} "):
            problems.append(f"{name}: Sisimai read another reply: {s['deliverystatus']} "
                            f"{s['diagnosticcode']}")
        if name in DOCUMENTED:
            allowed = {DOCUMENTED[name]}
        elif case.enhanced:
            subject = case.enhanced.split(".")[1]
            allowed = SUBJECT_REASONS[subject] | {"onhold", "undefined"}  # "cannot tell"
        else:
            allowed = None  # no enhanced code: only the soft/hard rule below
        if allowed is not None and s["reason"] not in allowed:
            problems.append(f"{name}: Sisimai reason {s['reason']!r} outside {sorted(allowed)} "
                            f"({s['diagnosticcode']})")
        # Sisimai's softbounce is about the address (only a bad address is hard); the
        # catalogue's bounce about the reply. A permanent reply the catalogue calls soft must
        # never read as a bad address. (A 4xx is deferred whatever Sisimai says: it reads the
        # text, and RFC 5321's own 450 "mailbox unavailable" reads as a bad address.)
        if s["softbounce"] == 0 and code >= 500 and case.bounce != "hard":
            problems.append(f"{name}: Sisimai reads a bad address ({s['reason']}), the "
                            f"catalogue says {case.bounce} ({s['diagnosticcode']})")
    return problems, failed


def test_catalogue_replies_read_as_the_catalogue_says(bounceback, tmp_path):
    need_classifiers()
    server = bounceback()
    cases = catalogue_cases(server)
    problems, failed = check(cases, *run_through_postfix(bounceback, tmp_path, server, cases))
    # The two readings issue 14 found wrong: a policy rejection, and a provider code that
    # borrowed "User unknown".
    for rcpt in ("554@reply.test", "data-554-5.7.1@reply.test"):
        if failed.get(rcpt, {}).get("reason") != "policyviolation":
            problems.append(f"{rcpt}: not a policy rejection to Sisimai: {failed.get(rcpt)}")
    if failed.get("550-5.7.606@reply.test", {}).get("reason") != "blocked":
        problems.append(f"550-5.7.606: not a blocked IP: {failed.get('550-5.7.606@reply.test')}")
    assert not problems, "\n".join(problems)


PERSONAS = ["gmail", "outlook", "yahoo", "orange", "unknown-user", "mailbox-full",
            "policy-reject"]


def test_persona_rules_read_as_their_codes_say(bounceback, tmp_path):
    """Every plain rule of every built-in persona, all personas through one Postfix each."""
    need_classifiers()
    problems = []
    for persona in PERSONAS:
        server = bounceback("--scenario", persona)
        cases = persona_cases(server, persona)
        out = tmp_path / persona
        out.mkdir()
        found, failed = check(cases, *run_through_postfix(bounceback, out, server, cases))
        problems += found
        for case in cases:  # what each classifier said, in the test's output
            s = failed.get(case.rcpt.lower(), {})
            print(f"{case.key}: {case.code} {case.enhanced} -> {s.get('reason')} "
                  f"soft={s.get('softbounce')}")
    assert not problems, "\n".join(problems)


def test_greylisting_is_retried_through_by_a_real_postfix(bounceback):
    """The greylisting scenario as a real MTA meets it: deferred once with 451 4.7.1, then
    delivered on a retry once the greylist delay has passed on the scenario clock, once."""
    need_classifiers()
    server = bounceback("--scenario", "greylisting")
    collector = bounceback()
    postfix = PrivatePostfix(server.smtp_port, collector.smtp_port, lifetime="5m")
    try:
        send_all(postfix, [Case("user@example.test", 451, "4.7.1", "soft")])
        deadline = time.monotonic() + 30
        while not postfix.statuses().get("user@example.test") and time.monotonic() < deadline:
            time.sleep(0.2)
        first = postfix.statuses().get("user@example.test", [])
        assert first and first[0][0] == "deferred" and "451 4.7.1" in first[0][1], first
        status, _, _ = http_call(server, "POST", "/api/v1/clock/advance?by=61s")
        assert status == 200
        while time.monotonic() < deadline:
            said = [s[0] for s in postfix.statuses().get("user@example.test", [])]
            if "sent" in said:
                break
            time.sleep(0.2)
        assert "sent" in said, postfix.log()[-3000:]
        assert "bounced" not in said
    finally:
        postfix.stop()
    status, _, body = http_call(server, "GET", "/api/v1/messages?to=user@example.test")
    assert status == 200 and json.loads(body)["total"] == 1
