"""SIGINT and SIGTERM stop `serve` cleanly, whichever thread the kernel would pick.

Both signals are blocked in every thread and taken by one thread with sigwait() (app/
stop_signals.hpp): a handler that landed on a blocked event loop's or spool writer's thread
was, under ThreadSanitizer, sometimes never run, and the server never exited (session 13).
"""
import pathlib
import signal
import smtplib

import pytest

from conftest import http_call

STOPS = [signal.SIGINT, signal.SIGTERM]
SIGSET_BITS = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1))


def blocked_mask(status_text):
    [line] = [l for l in status_text.splitlines() if l.startswith("SigBlk:")]
    return int(line.split()[1], 16)


@pytest.mark.parametrize("threads", ["1", "2"])
@pytest.mark.parametrize("sig", STOPS, ids=lambda s: s.name)
def test_a_stop_signal_ends_serve_with_exit_code_0(bounceback, tmp_path, threads, sig):
    server = bounceback("--threads", threads, "--store-dir", str(tmp_path))
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.sendmail("a@example.test", ["b@example.test"], b"Subject: s\r\n\r\nbody\r\n")
    assert http_call(server, "GET", "/api/v1/messages")[0] == 200
    server.proc.send_signal(sig)
    assert server.proc.wait(15) == 0
    assert server.wait_for_log("msg=stopped messages=1", 5), server.log()


def test_every_thread_blocks_the_stop_signals(bounceback, tmp_path):
    server = bounceback("--threads", "2", "--store-dir", str(tmp_path))
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.noop()  # every event loop and the spool's threads are running by now
    tasks = sorted(pathlib.Path(f"/proc/{server.proc.pid}/task").iterdir())
    unblocked = []
    for task in tasks:
        if blocked_mask((task / "status").read_text()) & SIGSET_BITS != SIGSET_BITS:
            unblocked.append((task / "comm").read_text().strip())
    # main, bb-smtp-1, bb-api, the spool's writer and checkpointer, bb-signals at least
    assert len(tasks) >= 6
    # The one thread in sigwait() has them unblocked while it waits (the kernel's doing).
    assert unblocked == ["bb-signals"]


def test_a_second_signal_during_shutdown_does_not_change_the_exit(bounceback, client_for):
    server = bounceback("--shutdown-grace", "1s")
    c = client_for(server)
    c.reply()
    c.cmd("EHLO late.test")
    server.proc.send_signal(signal.SIGTERM)
    assert server.wait_for_log("shutting down", 5)
    server.proc.send_signal(signal.SIGINT)  # pending in a blocked mask, never fatal
    code, lines = c.reply()  # the grace period ends: 421 to the session still open
    assert code == 421
    assert server.proc.wait(15) == 0
