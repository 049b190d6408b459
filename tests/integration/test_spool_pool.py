"""The spool's unnamed files made ahead (issue 20, session 15): a thread of the lowest priority
(SCHED_IDLE) holds them ready, the writer links them in as the .eml files, and the clean stop's
log line counts them. The writer itself keeps the process's policy: it is on the way to the
250s."""
import re
import smtplib
import time

from conftest import SCHED_IDLE, SCHED_OTHER, slower, thread_stat


def test_the_writer_links_files_made_ahead_at_idle_priority(bounceback, tmp_path):
    server = bounceback("--store-dir", str(tmp_path))
    pid = server.proc.pid
    deadline = time.monotonic() + 10 * slower(pid)
    while "bb-spool-pool" not in thread_stat(pid, 41) and time.monotonic() < deadline:
        time.sleep(0.05)
    policies = thread_stat(pid, 41)
    assert policies.get("bb-spool-pool") == SCHED_IDLE, policies
    assert policies["bb-spool-write"] == SCHED_OTHER, policies
    sent = {}
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=20) as s:
        for i in range(5):
            time.sleep(0.2)  # an idle machine between messages: the pool fills meanwhile
            body = f"Subject: pooled {i}\r\n\r\nbody {i}\r\n".encode()
            assert s.sendmail("a@example.test", ["b@example.test"], body) == {}
            sent[i] = body
    emls = sorted(tmp_path.glob("*.eml"))
    assert len(emls) == 5
    assert sorted(p.read_bytes().split(b"\r\n\r\n", 1)[1] for p in emls) == sorted(
        b.split(b"\r\n\r\n", 1)[1] for b in sent.values())
    assert server.stop() == 0
    stopped = re.search(r'msg="spool stopped".* pooled=(\d+)', server.log())
    assert stopped, server.log()
    assert int(stopped.group(1)) >= 1, server.log()
    assert not list(tmp_path.glob(".*")), "no temporary name, no log left"
