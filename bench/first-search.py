#!/usr/bin/env python3
"""bench/first-search.py - what the first whole-address search costs other API clients (issue 20)

A fresh Bounceback (BIN) is filled with COUNT messages (bench/page-api.py's fill: every
1,000th Ccs rare@example.test), then one client makes the first `query=to:rare@example.test`
search (which builds the search's address index) while another calls /healthz every ~1 ms on
its own connection. Prints the search's time, a second search's, and the worst /healthz time
meanwhile: how long the API stalled other clients. A benchmark, not a test.

Usage: bench/first-search.py BIN COUNT
"""
import http.client, importlib.util, os, sys, threading, time
HERE = os.path.dirname(os.path.abspath(__file__))
def load(name, file):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, file))
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); return m
page_api = load("page_api", "page-api.py"); store_growth = load("store_growth", "store-growth.py")
binary, count = sys.argv[1], int(sys.argv[2])
proc, smtp, port = page_api.start(binary, count, [])
try:
    store_growth.fill(smtp, count)
    time.sleep(0.5)
    stop = threading.Event(); worst = [0.0, 0]
    def poll():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while not stop.is_set():
            t = time.perf_counter(); c.request("GET", "/healthz"); c.getresponse().read()
            worst[0] = max(worst[0], time.perf_counter() - t); worst[1] += 1
            time.sleep(0.001)
    th = threading.Thread(target=poll); th.start(); time.sleep(0.3)
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    t = time.perf_counter(); c.request("GET", "/api/v1/messages?query=to:rare@example.test&limit=50")
    body = c.getresponse().read(); first = time.perf_counter() - t
    time.sleep(0.3); stop.set(); th.join()
    t = time.perf_counter(); c.request("GET", "/api/v1/messages?query=to:rare@example.test&limit=50")
    c.getresponse().read(); second = time.perf_counter() - t
    print(f"{binary} {count}: first search {first*1000:.0f} ms, "
          f"then {second*1000:.2f} ms; /healthz worst {worst[0]*1000:.1f} ms over {worst[1]} calls; load {os.getloadavg()[0]:.1f}")
finally:
    proc.terminate(); proc.wait(15)
