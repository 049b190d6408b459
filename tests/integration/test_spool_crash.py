"""The durable spool (--store-dir) under a crash: a server killed with SIGKILL while sessions are
getting their 250s loses none of them, and a restart on the same directory writes back every
250'd message from the spool's log even when the crash also lost their .eml files and journal
lines (as a power cut can: only the log is flushed before the 250)."""
import json
import smtplib
import threading

import pytest

from conftest import Server, http_call


def body(sender, i):
    return f"Subject: m{sender}-{i}\r\n\r\nbody {sender} {i}\r\n".encode()


def send_until_killed(port, sender, count, acked, lock):
    """Sends `count` messages on one connection; records (id, bytes) of each one that got 250."""
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
            s.ehlo("crash.test")
            for i in range(count):
                s.mail("a@example.test")
                s.rcpt(f"b{sender}@example.test")
                code, text = s.data(body(sender, i))
                if code != 250:
                    return
                with lock:
                    acked.append((text.decode().rsplit(" ", 1)[1], body(sender, i)))
    except (OSError, smtplib.SMTPException):
        pass  # killed under us


def journal_ids(store):
    ids = []
    for line in (store / "envelopes.jsonl").read_text().splitlines():
        try:
            ids.append(json.loads(line)["id"])
        except ValueError:
            pass  # a line cut short by the crash
    return ids


@pytest.mark.parametrize("writers", ["1", "4"])  # the default, and flushes in flight at once
def test_sigkill_after_many_250s_loses_none_and_a_restart_restores_them(bounceback, tmp_path,
                                                                       writers):
    store = tmp_path / "spool"
    server = Server(["--store-dir", str(store), "--received-header", "off",
                     "--store-threads", writers])
    acked, lock = [], threading.Lock()
    senders = [threading.Thread(target=send_until_killed,
                                args=(server.smtp_port, n, 400, acked, lock)) for n in range(8)]
    for t in senders:
        t.start()
    # Killed while the eight sessions are still sending: some messages are between their
    # flush and their 250, some in the middle of their group.
    while len(acked) < 600 and any(t.is_alive() for t in senders):
        threading.Event().wait(0.005)
    server.proc.kill()
    server.proc.wait(10)
    for t in senders:
        t.join(30)
    assert len(acked) >= 600
    with lock:
        acked = list(acked)

    # A process crash keeps what the kernel has: every 250'd message is there, one line each.
    for id, data in acked:
        assert (store / f"{id}.eml").read_bytes() == data
    ids = journal_ids(store)
    assert all(ids.count(id) == 1 for id, _ in acked)
    assert list(store.glob(".*.spool-log")), "the killed server's log is left for the restart"

    # A power cut can lose what was not flushed: the files and the lines. The log has them.
    for eml in store.glob("*.eml"):
        eml.unlink()
    (store / "envelopes.jsonl").write_bytes(b"")
    restarted = bounceback("--store-dir", str(store))
    assert restarted.wait_for_log("spool log replayed")
    for id, data in acked:
        assert (store / f"{id}.eml").read_bytes() == data
    ids = journal_ids(store)
    assert all(ids.count(id) == 1 for id, _ in acked)
    # Replayed once: the log is gone, and a second restart adds nothing.
    assert restarted.stop() == 0
    assert not list(store.glob(".*.spool-log"))
    again = bounceback("--store-dir", str(store))
    assert again.stop() == 0
    assert journal_ids(store) == ids
    assert "spool log replayed" not in again.log()


def test_a_clean_stop_leaves_no_log_and_nothing_to_replay(bounceback, tmp_path):
    server = bounceback("--store-dir", str(tmp_path))
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.sendmail("a@example.test", ["b@example.test"], b"Subject: x\r\n\r\nhi\r\n")
    assert server.stop() == 0
    assert sorted(p.name for p in tmp_path.iterdir())[0] != "."
    assert not list(tmp_path.glob(".*"))
    assert len(journal_ids(tmp_path)) == 1


def test_a_generated_dsn_is_on_disk_once_listed_and_a_crash_does_not_lose_it(bounceback, tmp_path):
    """A DSN due at once (the address-encoded form) is spooled without the event loop waiting
    for its flush: the session that caused it goes on, and once the DSN is listed it is on
    disk. A SIGKILL then loses it not, and a restart on the directory writes it back from the
    spool's log even when the crash also lost its file and journal line."""
    store = tmp_path / "spool"
    server = Server(["--store-dir", str(store), "--received-header", "off"])
    try:
        with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=20) as s:
            s.ehlo("dsn.test")
            assert s.sendmail("sender@example.test", ["dsn-550-5.1.1@reply.test"],
                              b"Subject: q\r\n\r\nbody\r\n") == {}
            for i in range(3):  # the same session and event loop go on serving
                assert s.sendmail("other@example.test", ["b@example.test"], body("o", i)) == {}
        status, _, got = http_call(
            server, "GET", "/api/v1/messages/wait?to=sender@example.test&timeout=20s")
        assert status == 200, got
        dsn = json.loads(got)
        assert dsn["generated"] == "dsn" and dsn["from"] == ""
        status, _, raw = http_call(server, "GET", f"/api/v1/messages/{dsn['id']}/raw")
        assert status == 200
        eml = store / f"{dsn['id']}.eml"
        assert eml.read_bytes() == raw  # on disk before it was visible
        assert dsn["id"] in journal_ids(store)
    finally:
        server.proc.kill()
        server.proc.wait(10)

    for path in store.glob("*.eml"):
        path.unlink()
    (store / "envelopes.jsonl").write_bytes(b"")
    restarted = bounceback("--store-dir", str(store))
    assert restarted.wait_for_log("spool log replayed")
    assert eml.read_bytes() == raw
    [line] = [json.loads(line) for line in (store / "envelopes.jsonl").read_text().splitlines()
              if json.loads(line)["id"] == dsn["id"]]
    assert line["generated"] == "dsn"


def test_one_group_answers_the_sessions_of_a_loop_together_with_the_poller_on_or_off(bounceback,
                                                                                   tmp_path):
    """One writer, six sessions sending at once: a group holds messages of several sessions,
    all woken by one hand-off to the event loop (net/connection.cpp, SpoolReplies); every one
    gets its 250 with its .eml and line in place, with --store-poll on (spinning while a flush
    is in flight) as with the default off."""
    for poll in ("on", "off"):
        store = tmp_path / poll
        server = bounceback("--store-dir", str(store), "--received-header", "off",
                            "--store-threads", "1", "--store-poll", poll)
        acked, lock = [], threading.Lock()
        senders = [threading.Thread(target=send_until_killed,
                                    args=(server.smtp_port, n, 30, acked, lock))
                   for n in range(6)]
        for t in senders:
            t.start()
        for t in senders:
            t.join(60)
        assert len(acked) == 180
        for id, data in acked:
            assert (store / f"{id}.eml").read_bytes() == data
        assert sorted(journal_ids(store)) == sorted(id for id, _ in acked)
        assert server.stop() == 0
        [stopped] = [line for line in server.log().splitlines() if "spool stopped" in line]
        groups = int(stopped.split("groups=")[1].split()[0])
        assert groups < 180, stopped  # some groups held messages of several sessions
