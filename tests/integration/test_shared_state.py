"""One MX, many replicas (issue 19): a real redis-server (loopback, free port, no persistence),
two Bounceback replicas with --state and --proxy-protocol behind a real HAProxy that sends
PROXY v2, one frontend per replica so a test chooses which replica a retry lands on. A
greylisted retry through the other replica passes after retry_after; `attempts = "1-2"`
counts across replicas; a quota fills across replicas; a rate limit by client IP holds for
the real client (seen through PROXY v2); with Redis killed, --state-failure open decides from
the replica's own memory and closed answers 451 4.3.0, both at once (never a hang), counted
in /metrics; once Redis is back, the replica reconnects.
The shared capture: a message sent through one replica is listed, served raw and wakes a
long-poll on the other; a DELETE on one removes it on the other (and on a third); a replica
started later catches up, finds the others and is found at once (a stream per replica,
announced), and ends with exactly the messages left whatever order it reads the streams' deletes
and clears in; with Redis killed each replica still captures (and shares once Redis is back)."""
import json
import smtplib
import socket
import subprocess
import threading
import time

import pytest

from conftest import http_call, need_tool

CLIENT = "127.0.0.5"  # the real client; HAProxy connects to the replicas from 127.0.0.1
OTHER_CLIENT = "127.0.0.6"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, what):
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert proc.poll() is None, f"{what} exited"
            assert time.monotonic() < deadline, f"{what} did not listen"
            time.sleep(0.05)


class Redis:
    def __init__(self, tmp_path):
        self.exe = need_tool("redis-server")
        self.port = free_port()
        self.dir = tmp_path
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir), "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_listening(self.port, self.proc, "redis-server")

    def kill(self):
        self.proc.kill()
        self.proc.wait(10)

    def keys(self, pattern):
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall(f"KEYS {pattern}\r\n".encode())
            time.sleep(0.1)
            return s.recv(65536).decode()


@pytest.fixture
def redis(tmp_path):
    r = Redis(tmp_path)
    yield r
    if r.proc.poll() is None:
        r.kill()


@pytest.fixture
def cluster(bounceback, redis, tmp_path):
    """start(scenario, failure="open", n=2, extra=()) -> (replicas, frontend ports), each replica
    behind its own HAProxy frontend (send-proxy-v2)."""
    procs = []

    def start(scenario, failure="open", n=2, extra=()):
        path = tmp_path / "scenario.toml"
        path.write_text(scenario)
        replicas = [
            bounceback("--scenario", str(path), "--proxy-protocol", "on",
                       "--state", f"redis://127.0.0.1:{redis.port}", "--state-prefix", "test:",
                       "--state-failure", failure, "--state-timeout", "300ms", *extra)
            for _ in range(n)]
        for r in replicas:
            assert r.wait_for_log("connected to redis"), r.log()
        exe = need_tool("haproxy")
        config = ["global", "  maxconn 100", "defaults", "  mode tcp", "  timeout connect 5s",
                  "  timeout client 30s", "  timeout server 30s"]
        ports = []
        for i, r in enumerate(replicas):
            ports.append(free_port())
            config += [f"frontend f{i}", f"  bind 127.0.0.1:{ports[i]}", f"  default_backend b{i}",
                       f"backend b{i}", f"  server mx 127.0.0.1:{r.smtp_port} send-proxy-v2"]
        cfg = tmp_path / "haproxy.cfg"
        cfg.write_text("\n".join(config) + "\n")
        proc = subprocess.Popen([exe, "-db", "-f", str(cfg)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        procs.append(proc)
        for p in ports:
            wait_listening(p, proc, "haproxy")
        return replicas, ports

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(10)


def rcpt(port, to, source=CLIENT, sender="app@example.test"):
    """(code, text) of RCPT TO:<to> through the frontend at `port`, from `source`."""
    with smtplib.SMTP("127.0.0.1", port, source_address=(source, 0), timeout=10) as smtp:
        smtp.ehlo("client.test")
        code, _ = smtp.mail(sender)
        assert code == 250
        code, text = smtp.rcpt(to)
        return code, text.decode()


def advance(server, by):
    status, _, body = http_call(server, "POST", "/api/v1/clock/advance", {"by": by})
    assert status == 200, body


def metric(server, name):
    _, _, body = http_call(server, "GET", "/metrics")
    total = 0
    for line in body.decode().splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += int(float(line.rsplit(" ", 1)[1]))
    return total


GREYLIST = """
[[rule]]
on = "rcpt"
greylist = { retry_after = "5m" }
reply = "451 4.7.1 Greylisted, try again later"
"""


def test_a_greylisted_retry_passes_through_another_replica(cluster, redis):
    (a, b), (pa, pb) = cluster(GREYLIST)
    assert rcpt(pa, "u@example.test")[0] == 451
    assert rcpt(pb, "u@example.test")[0] == 451  # known to B too: still too early
    for r in (a, b):  # each replica's scenario clock
        advance(r, "6m")
    assert rcpt(pb, "u@example.test")[0] == 250
    assert rcpt(pa, "u@example.test")[0] == 250
    # Another sender is a new triplet, on any replica.
    assert rcpt(pa, "u@example.test", sender="other@example.test")[0] == 451
    assert "test:g:" in redis.keys("test:*")
    assert metric(a, "bounceback_state_calls_total") >= 3
    assert metric(a, "bounceback_state_failures_total") == 0


def test_attempts_count_across_replicas(cluster):
    (_, _), (pa, pb) = cluster("""
[[rule]]
on = "rcpt"
attempts = "1-2"
reply = "450 4.2.0 Mailbox busy, try again"
""")
    assert rcpt(pa, "v@example.test")[0] == 450
    assert rcpt(pb, "v@example.test")[0] == 450
    assert rcpt(pa, "v@example.test")[0] == 250  # the third attempt, wherever it lands


def test_a_quota_fills_across_replicas(cluster):
    (_, _), (pa, pb) = cluster("""
[[rule]]
on = "message"
quota = "1KB"
reply = "552 5.2.2 Mailbox full"
""")
    body = b"Subject: fill\r\n\r\n" + b"x" * 700 + b"\r\n"

    def send(port):
        with smtplib.SMTP("127.0.0.1", port, source_address=(CLIENT, 0), timeout=10) as smtp:
            try:
                smtp.sendmail("app@example.test", ["full@example.test"], body)
                return 250
            except smtplib.SMTPDataError as e:
                return e.smtp_code

    assert send(pa) == 250
    time.sleep(0.2)  # the accepted bytes are added without waiting for the answer
    assert send(pb) == 552


def test_rate_limit_by_client_ip_holds_through_proxy_v2(cluster):
    (a, _), (pa, pb) = cluster("""
[[rule]]
on = "mail"
rate_limit = { max = 2, per = "1m", key = "client_ip" }
reply = "450 4.7.0 Too many messages from you, slow down"
""")

    def mail(port, source):
        with smtplib.SMTP("127.0.0.1", port, source_address=(source, 0), timeout=10) as smtp:
            smtp.ehlo("client.test")
            return smtp.mail("app@example.test")[0]

    assert mail(pa, CLIENT) == 250
    assert mail(pb, CLIENT) == 250
    assert mail(pa, CLIENT) == 450  # the third from 127.0.0.5, across both replicas
    assert mail(pb, OTHER_CLIENT) == 250  # HAProxy's address is not the key: the client's is


@pytest.mark.parametrize("failure", ["open", "closed"])
def test_redis_killed_mid_test(cluster, redis, failure):
    (a, b), (pa, pb) = cluster(GREYLIST, failure=failure)
    assert rcpt(pa, "w@example.test")[0] == 451
    redis.kill()
    started = time.monotonic()
    code, text = rcpt(pb, "w@example.test")
    assert time.monotonic() - started < 5  # --state-timeout bounds it: never a hang
    if failure == "open":
        # As without --state: B's own memory has not seen the triplet, so it greylists it.
        assert code == 451 and text.startswith("4.7.1"), text
        assert rcpt(pb, "w2@example.test", source=OTHER_CLIENT)[0] == 451
    else:
        assert code == 451 and text.startswith("4.3.0 Shared state unavailable"), text
    assert metric(b, "bounceback_state_failures_total") >= 1
    assert b.wait_for_log("state: redis call failed") or b.wait_for_log("lost the connection")
    # Redis back on its port: the replicas reconnect (back-off) and share state again.
    redis.start()
    deadline = time.monotonic() + 15
    while metric(b, "bounceback_state_up") != 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert metric(b, "bounceback_state_up") == 1, b.log()
    assert rcpt(pb, "x@example.test")[0] == 451  # a new triplet, in the new Redis
    for r in (a, b):
        advance(r, "6m")
    assert rcpt(pa, "x@example.test")[0] == 250


def test_compose_cluster_profile(bounceback, redis, tmp_path):
    """docker-compose.yml's --profile cluster: Redis, three replicas with --state and
    --proxy-protocol on, HAProxy sending PROXY v2 to each; a replica's command runs on the real
    binary (its Redis URL pointed at the test's) and shares state; haproxy -c accepts the
    config."""
    import os
    import yaml
    from conftest import SOURCE_DIR
    doc = yaml.safe_load(open(os.path.join(SOURCE_DIR, "docker-compose.yml")).read())
    services = doc["services"]
    replicas = [services[f"replica-{i}"] for i in (1, 2, 3)]
    for r in replicas + [services["redis"], services["haproxy"]]:
        assert r["profiles"] == ["cluster"]
        assert all(p.startswith("127.0.0.1:") for p in r.get("ports", []))
    assert "profiles" not in services["bounceback"]  # `docker compose up` is unchanged
    command = replicas[0]["command"]
    assert command[command.index("--state") + 1] == "redis://redis:6379"
    assert command[command.index("--proxy-protocol") + 1] == "on"
    cfg = open(os.path.join(SOURCE_DIR, "docker/haproxy-cluster.cfg")).read()
    for i in (1, 2, 3):
        assert f"server replica-{i} replica-{i}:1025 send-proxy-v2" in cfg
    check = subprocess.run([need_tool("haproxy"), "-c", "-f",
                            os.path.join(SOURCE_DIR, "docker/haproxy-cluster.cfg")],
                           capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr
    args = [a.replace("redis://redis:6379", f"redis://127.0.0.1:{redis.port}") for a in command]
    server = bounceback(*args)
    assert server.wait_for_log("connected to redis"), server.log()


# ---- the shared capture -----------------------------------------------------------------------

def send(port, to, subject, body="hello", source=CLIENT):
    """Sends one message through the frontend at `port`; returns its id (the 250's queue id)."""
    with smtplib.SMTP("127.0.0.1", port, source_address=(source, 0), timeout=10) as smtp:
        smtp.ehlo("client.test")
        smtp.mail("app@example.test")
        smtp.rcpt(to)
        code, text = smtp.data(f"Subject: {subject}\r\n\r\n{body}\r\n".encode())
        assert code == 250, text
        return text.decode().rsplit(" ", 1)[1]


def listed(server, **query):
    path = "/api/v1/messages"
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    status, _, body = http_call(server, "GET", path)
    assert status == 200, body
    return [m["id"] for m in json.loads(body)["messages"]]


def eventually(check, timeout=5):
    """check()'s first true value within `timeout` s, else its last."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_every_replica_lists_serves_and_waits_for_every_message(cluster):
    (a, b), (pa, pb) = cluster("")
    # A long-poll on B, waiting before the message exists anywhere.
    woken = {}

    def wait_on_b():
        started = time.monotonic()
        status, _, body = http_call(b, "GET",
                                    "/api/v1/messages/wait?to=shared@example.test&timeout=10s")
        woken.update(status=status, body=json.loads(body), after=time.monotonic() - started)

    waiter = threading.Thread(target=wait_on_b)
    waiter.start()
    time.sleep(0.3)
    sent = send(pa, "shared@example.test", "through A")
    waiter.join(15)
    assert woken.get("status") == 200, woken
    assert [m["id"] for m in woken["body"]["messages"]] == [sent], woken
    assert woken["after"] < 5, woken
    # Listed, filtered and searched on both; the same bytes raw on both (A's Received header).
    assert listed(a) == [sent]
    assert listed(b) == [sent]
    assert listed(b, query="subject:through") == [sent]
    _, _, raw_a = http_call(a, "GET", f"/api/v1/messages/{sent}/raw")
    status, _, raw_b = http_call(b, "GET", f"/api/v1/messages/{sent}/raw")
    assert status == 200 and raw_b == raw_a and b"through A" in raw_b
    _, _, one = http_call(b, "GET", f"/api/v1/messages/{sent}")
    detail = json.loads(one)
    assert detail["client_ip"] == CLIENT and detail["to"] == ["shared@example.test"], detail
    # The other way round; ids from the two replicas never collide.
    back = send(pb, "shared@example.test", "through B")
    assert back.split("-")[0] != sent.split("-")[0]
    assert eventually(lambda: listed(a) == [back, sent]), listed(a)
    assert metric(a, "bounceback_capture_replicated_total") == 1
    # The message, and its attempt's record and completion (the attempt log is shared too).
    assert metric(a, "bounceback_capture_published_total") == 3
    # Counted where they were captured: the accepted total is not doubled.
    assert metric(a, "bounceback_messages_accepted_total") == 1


def test_a_delete_on_one_replica_removes_the_message_on_the_other(cluster):
    (a, b), (pa, pb) = cluster("")
    first = send(pa, "d@example.test", "first")
    second = send(pa, "d@example.test", "second")
    assert eventually(lambda: listed(b) == [second, first]), listed(b)
    status, _, _ = http_call(b, "DELETE", f"/api/v1/messages/{first}")
    assert status == 200
    assert eventually(lambda: listed(a) == [second]), listed(a)
    assert listed(b) == [second]
    # Delete all, on A: B is emptied too.
    status, _, _ = http_call(a, "DELETE", "/api/v1/messages")
    assert status == 200
    assert eventually(lambda: listed(b) == []), listed(b)
    assert metric(b, "bounceback_capture_removals_total") == 1
    # A scenario reset (it clears the shared tables) keeps the shared capture.
    third = send(pb, "d@example.test", "third")
    assert eventually(lambda: listed(a) == [third]), listed(a)
    status, _, _ = http_call(a, "POST", "/api/v1/scenario/reset")
    assert status == 200
    late = send(pb, "d@example.test", "after the reset")
    assert eventually(lambda: listed(a) == [late, third]), listed(a)


def test_a_replica_started_later_catches_up(cluster, bounceback, redis):
    (a, b), (pa, pb) = cluster("")
    kept = send(pa, "c@example.test", "kept")
    gone = send(pb, "c@example.test", "deleted before C started")
    assert eventually(lambda: len(listed(a)) == 2 and len(listed(b)) == 2)
    assert http_call(a, "DELETE", f"/api/v1/messages/{gone}")[0] == 200
    c = bounceback("--state", f"redis://127.0.0.1:{redis.port}", "--state-prefix", "test:")
    assert eventually(lambda: listed(c) == [kept]), (listed(c), c.log())
    _, _, raw = http_call(c, "GET", f"/api/v1/messages/{kept}/raw")
    assert b"Subject: kept" in raw
    # And it shares what it captures.
    with smtplib.SMTP("127.0.0.1", c.smtp_port, timeout=10) as smtp:
        smtp.sendmail("app@example.test", ["c@example.test"], b"Subject: from C\r\n\r\nx\r\n")
    assert eventually(lambda: len(listed(a)) == 2), listed(a)


def test_each_replica_writes_its_own_stream_and_finds_the_others(cluster, bounceback, redis):
    """A stream per replica, announced in PREFIX replicas: a replica started later is found by
    the others within a round trip (its first message listed everywhere at once)."""
    (a, b), (pa, pb) = cluster("")
    first = send(pa, "s@example.test", "from A")
    assert eventually(lambda: listed(b) == [first]), listed(b)
    second = send(pb, "s@example.test", "from B")
    assert eventually(lambda: listed(a) == [second, first]), listed(a)
    keys = redis.keys("test:*")
    streams = [k for k in keys.split() if k.startswith("test:capture:")]
    assert len(streams) == 2 and "test:replicas" in keys, keys
    c = bounceback("--state", f"redis://127.0.0.1:{redis.port}", "--state-prefix", "test:")
    assert c.wait_for_log("connected to redis"), c.log()
    with smtplib.SMTP("127.0.0.1", c.smtp_port, timeout=10) as smtp:
        smtp.sendmail("app@example.test", ["s@example.test"], b"Subject: from C\r\n\r\nx\r\n")
    # Found through its announcement, not a periodic look: well within a second.
    assert eventually(lambda: len(listed(a)) == 3 and len(listed(b)) == 3, timeout=2), \
        (listed(a), listed(b))
    for r in (a, b):
        assert r.wait_for_log("capture: reading another replica"), r.log()
        assert metric(r, "bounceback_capture_replicas") == 2
    assert metric(c, "bounceback_capture_replicas") == 2
    assert len([k for k in redis.keys("test:*").split() if k.startswith("test:capture:")]) == 3


def test_a_delete_on_one_replica_of_another_replicas_message_reaches_a_third(cluster):
    (a, b, c), (pa, pb, pc) = cluster("", n=3)
    kept = send(pa, "three@example.test", "kept")
    gone = send(pa, "three@example.test", "deleted on B")
    for r in (a, b, c):
        assert eventually(lambda: listed(r) == [gone, kept]), listed(r)
    assert http_call(b, "DELETE", f"/api/v1/messages/{gone}")[0] == 200
    for r in (a, c):
        assert eventually(lambda: listed(r) == [kept]), listed(r)
    # A clear on C, of messages A captured, reaches A and B.
    assert http_call(c, "DELETE", "/api/v1/messages")[0] == 200
    for r in (a, b):
        assert eventually(lambda: listed(r) == []), listed(r)
    after = send(pb, "three@example.test", "after the clear")
    for r in (a, b, c):
        assert eventually(lambda: listed(r) == [after]), listed(r)


def test_a_replica_started_later_sees_exactly_what_is_left(cluster, bounceback, redis):
    """Deletes and clears in one replica's stream, the messages they remove in another's: a
    replica started later reads the streams one after the other, and ends with the same set."""
    (a, b), (pa, pb) = cluster("")
    before = [send(pa, "late@example.test", "A, before the clear"),
              send(pb, "late@example.test", "B, before the clear")]
    assert eventually(lambda: len(listed(a)) == 2 and len(listed(b)) == 2)
    assert http_call(b, "DELETE", "/api/v1/messages")[0] == 200  # in B's stream
    assert eventually(lambda: listed(a) == []), listed(a)
    a_gone = send(pa, "late@example.test", "A's, deleted on B")
    b_gone = send(pb, "late@example.test", "B's, deleted on A")
    a_kept = send(pa, "late@example.test", "A's, kept")
    b_kept = send(pb, "late@example.test", "B's, kept")
    assert eventually(lambda: len(listed(a)) == 4 and len(listed(b)) == 4)
    # The delete of A's message in B's stream, and of B's in A's (a reader reads a delete
    # before the message it deletes: a tombstone).
    assert http_call(b, "DELETE", f"/api/v1/messages/{a_gone}")[0] == 200
    assert http_call(a, "DELETE", f"/api/v1/messages/{b_gone}")[0] == 200
    expected = {a_kept, b_kept}
    for r in (a, b):
        assert eventually(lambda: set(listed(r)) == expected), listed(r)
    c = bounceback("--state", f"redis://127.0.0.1:{redis.port}", "--state-prefix", "test:")
    assert eventually(lambda: set(listed(c)) == expected), (listed(c), c.log())
    time.sleep(0.3)  # nothing else comes
    assert set(listed(c)) == expected and not set(before) & set(listed(c))
    # The two kept, and the one of the deleted pair whose stream C read before its delete's;
    # the messages before the clear were trimmed from the streams by it.
    assert metric(c, "bounceback_capture_replicated_total") == 3


def test_too_large_messages_stay_on_their_replica(bounceback, redis):
    args = ("--state", f"redis://127.0.0.1:{redis.port}", "--state-prefix", "big:",
            "--state-capture-max-size", "2KB")
    a, b = bounceback(*args), bounceback(*args)
    for r in (a, b):
        assert r.wait_for_log("connected to redis"), r.log()
    with smtplib.SMTP("127.0.0.1", a.smtp_port, timeout=10) as smtp:
        smtp.sendmail("app@example.test", ["big@example.test"],
                      b"Subject: big\r\n\r\n" + b"x" * 4000 + b"\r\n")
        smtp.sendmail("app@example.test", ["big@example.test"], b"Subject: small\r\n\r\nx\r\n")
    assert eventually(lambda: len(listed(b)) == 1)
    time.sleep(0.3)
    assert len(listed(a)) == 2 and len(listed(b)) == 1
    assert metric(a, 'bounceback_capture_dropped_total{reason="too_large"}') == 1


def test_redis_killed_each_replica_still_captures(cluster, redis):
    (a, b), (pa, pb) = cluster("")
    before = send(pa, "k@example.test", "before")
    assert eventually(lambda: listed(b) == [before])
    redis.kill()
    started = time.monotonic()
    during = send(pa, "k@example.test", "while redis is down")
    assert time.monotonic() - started < 2  # no Redis round trip before the 250
    assert listed(a) == [during, before]  # captured locally at once
    assert listed(b) == [before]
    # The message, and its attempt's record and completion.
    assert eventually(lambda: metric(a, "bounceback_capture_outbox") == 3)
    assert metric(a, "bounceback_capture_up") == 0
    # Redis back (empty: no persistence): the outbox is written, B reads it.
    redis.start()
    assert eventually(lambda: listed(b) == [during, before], timeout=15), b.log()
    assert metric(a, "bounceback_capture_outbox") == 0
    assert eventually(lambda: metric(b, "bounceback_capture_up") == 1)
    after = send(pb, "k@example.test", "after")
    assert eventually(lambda: listed(a) == [after, during, before]), listed(a)


def attempts(server, **query):
    path = "/api/v1/attempts"
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    status, _, body = http_call(server, "GET", path)
    assert status == 200, body
    return json.loads(body)["attempts"]


def test_every_replica_lists_every_attempt(cluster):
    (a, b), (pa, pb) = cluster(GREYLIST)
    assert rcpt(pa, "t@example.test")[0] == 451  # greylisted on A
    assert eventually(lambda: len(attempts(b)) == 1), attempts(b)
    for r in (a, b):
        advance(r, "6m")
    sent = send(pb, "t@example.test", "the retry, through B")  # passes on B
    # Both replicas list both attempts, with what became of each, whoever took them.
    for r in (a, b):
        got = eventually(lambda: [x for x in attempts(r, rcpt="t@example.test")
                                  if x["outcome"] != "pending"] and
                         len(attempts(r, rcpt="t@example.test")) == 2 and
                         attempts(r, rcpt="t@example.test")[1]["outcome"] == "accepted")
        assert got, attempts(r, rcpt="t@example.test")
        first, retry = attempts(r, rcpt="t@example.test")
        assert first["outcome"] == "refused" and first["reply"].startswith("451 4.7.1"), first
        assert first["client_ip"] == CLIENT
        assert retry["outcome"] == "accepted" and retry["stored"], retry
        assert sent in retry["reply"], retry
        assert retry["session_id"] != first["session_id"]
    assert metric(a, "bounceback_capture_attempt_changes_total") >= 2
    # A reset on one replica clears the attempt log on every replica (and keeps the messages).
    assert http_call(b, "POST", "/api/v1/scenario/reset")[0] == 200
    assert eventually(lambda: attempts(a) == []), attempts(a)
    assert listed(a) == [sent]


def test_an_open_transactions_attempt_is_listed_on_every_replica(cluster):
    """An attempt recorded pending is held for its completion (shared with it as one record);
    while its transaction stays open it is shared as it stands within ~200 ms, and its
    completion follows."""
    (a, b), (pa, pb) = cluster("")
    with smtplib.SMTP("127.0.0.1", pa, source_address=(CLIENT, 0), timeout=10) as smtp:
        smtp.ehlo("client.test")
        smtp.mail("app@example.test")
        assert smtp.rcpt("open@example.test")[0] == 250
        started = time.monotonic()
        assert eventually(lambda: [x["outcome"] for x in attempts(b)] == ["pending"]), \
            attempts(b)
        assert time.monotonic() - started < 2
        code, text = smtp.data(b"Subject: at last\r\n\r\nx\r\n")
        assert code == 250
    assert eventually(lambda: [x["outcome"] for x in attempts(b)] == ["accepted"]), attempts(b)
    (done,) = attempts(b)
    assert done["stored"] and text.decode().rsplit(" ", 1)[1] in done["reply"], done
    # Recorded and completed apart: two records, two changes (and the message).
    assert metric(a, "bounceback_capture_published_total") == 3
    assert metric(b, "bounceback_capture_attempt_changes_total") == 2
    # A transaction that ends at once: one record for both changes, counted as two.
    send(pa, "quick@example.test", "quick")
    assert eventually(lambda: len(attempts(b)) == 2), attempts(b)
    assert eventually(lambda: metric(b, "bounceback_capture_attempt_changes_total") == 4)
    assert attempts(b)[1]["outcome"] == "accepted"


@pytest.mark.parametrize("share", [None, "tables"])
def test_state_share_tables_shares_the_tables_only(cluster, redis, share):
    """--state-share tables: the greylist is shared, the capture and the attempt log are not
    (no stream at all); the default shares all three."""
    (a, b), (pa, pb) = cluster(GREYLIST, extra=("--state-share", share) if share else ())
    assert rcpt(pa, "s@example.test")[0] == 451
    for r in (a, b):
        advance(r, "6m")
    sent = send(pb, "s@example.test", "the retry, through B")  # passes on B: A's triplet
    assert listed(b) == [sent]
    if share is None:
        assert eventually(lambda: listed(a) == [sent]), listed(a)
        assert eventually(lambda: len(attempts(b)) == 2), attempts(b)
        assert "test:capture" in redis.keys("test:*")
        return
    # Given time to come through, were it shared: neither the message nor A's attempt does.
    time.sleep(0.5)
    assert listed(a) == []
    assert [x["outcome"] for x in attempts(b)] == ["accepted"], attempts(b)
    assert [x["outcome"] for x in attempts(a)] == ["refused"], attempts(a)
    assert "test:capture" not in redis.keys("test:*")
    assert metric(a, "bounceback_capture_published_total") == 0
    assert metric(b, "bounceback_capture_replicated_total") == 0
