"""An API read of the attempt log must not stall SMTP (issue 12, item 5): the log takes a
lock on every RCPT, and GET /api/v1/attempts used to copy all of it (100,000 records) under
that lock before paging. A process of its own times RCPT round trips while four clients
read pages of a full log."""
import multiprocessing
import socket
import threading
import time
import urllib.request


def read_reply(f):
    while True:
        line = f.readline()
        assert line.endswith(b"\r\n"), line
        if line[3:4] == b" ":
            return line


def fill_attempt_log(server, sessions=200, per_session=500):
    for n in range(sessions):
        with server.connect(timeout=30) as s:
            f = s.makefile("rb")
            read_reply(f)
            s.sendall(b"EHLO client.test\r\n" + b"".join(
                b"MAIL FROM:<s%d@x.test>\r\nRCPT TO:<r%d-%d@example.test>\r\nRSET\r\n" % (i, n, i)
                for i in range(per_session)))
            for _ in range(1 + 3 * per_session):
                read_reply(f)
            s.sendall(b"QUIT\r\n")
            read_reply(f)


def probe_rcpt(port, done, results):
    """MAIL, RCPT, RSET round trips until `done` is set; reports the worst and how many."""
    worst, probes = 0.0, 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        f = s.makefile("rb")
        read_reply(f)
        s.sendall(b"EHLO probe.test\r\n")
        read_reply(f)
        while not done.is_set():
            start = time.monotonic()
            s.sendall(b"MAIL FROM:<probe@x.test>\r\nRCPT TO:<probe@example.test>\r\nRSET\r\n")
            assert [read_reply(f)[:3] for _ in range(3)] == [b"250"] * 3
            worst = max(worst, time.monotonic() - start)
            probes += 1
            time.sleep(0.002)
    results.put((worst, probes))


def test_reading_the_attempt_log_does_not_stall_rcpt(bounceback):
    server = bounceback()
    fill_attempt_log(server)  # 100,000 attempts: the log's bound

    mp = multiprocessing.get_context("fork")
    done, results = mp.Event(), mp.Queue()
    prober = mp.Process(target=probe_rcpt, args=(server.smtp_port, done, results))
    prober.start()
    time.sleep(0.3)

    def read_pages():
        for start in range(0, 100_000, 20_000):
            url = f"http://127.0.0.1:{server.http_port}/api/v1/attempts?start={start}&limit=1000"
            with urllib.request.urlopen(url, timeout=60) as r:
                assert r.status == 200 and r.read()

    try:
        readers = [threading.Thread(target=read_pages) for _ in range(4)]
        for t in readers:
            t.start()
        for t in readers:
            t.join()
        time.sleep(0.2)
    finally:
        done.set()
        worst, probes = results.get(timeout=30)
        prober.join(10)
    assert probes >= 10
    assert worst < 0.2, f"a RCPT round trip took {worst * 1000:.0f} ms during the reads"
