"""Python per lookup in a warm process, for benches/system (scripts/bench).

    python3 py_lookup.py URL NUMBER THREADS PER_THREAD MODE

MODE ``keepalive``: one ``http.client.HTTPConnection`` per thread, reused for every lookup
(HTTP/1.1 keep-alive: the fastest the standard library goes). MODE ``urllib``:
``urllib.request.urlopen`` per lookup (what most integrator scripts write; it closes the
connection after every request). Each lookup POSTs ``{"contact_number": NUMBER}``, reads the
whole reply and ``json.loads`` it. A warm-up runs first; then all threads start together.
Prints one JSON line: ``{"lat_ns": [...], "wall_ns": N}``.
"""

import http.client
import json
import sys
import threading
import time
import urllib.parse
import urllib.request


def main() -> int:
    url, number, threads, per_thread, mode = sys.argv[1:6]
    threads, per_thread = int(threads), int(per_thread)
    body = json.dumps({"contact_number": number}).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    parts = urllib.parse.urlsplit(url)

    def keepalive_client():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)

        def lookup():
            conn.request("POST", parts.path, body=body, headers=headers)
            reply = conn.getresponse()
            data = reply.read()
            if reply.status != 200:
                raise RuntimeError(f"HTTP {reply.status}")
            return json.loads(data)

        return lookup

    def urllib_client():
        def lookup():
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            with urllib.request.urlopen(request, timeout=5) as reply:
                return json.loads(reply.read())

        return lookup

    make = keepalive_client if mode == "keepalive" else urllib_client
    lookups = [make() for _ in range(threads)]
    for lookup in lookups:  # warm: connections open, code paths taken
        for _ in range(20):
            assert lookup()["data"], "the number is found"

    barrier = threading.Barrier(threads + 1)
    results = [None] * threads

    def worker(i: int) -> None:
        lookup = lookups[i]
        lat = []
        barrier.wait()
        for _ in range(per_thread):
            t = time.perf_counter_ns()
            lookup()
            lat.append(time.perf_counter_ns() - t)
        results[i] = lat

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    barrier.wait()
    start = time.perf_counter_ns()
    for w in workers:
        w.join()
    wall = time.perf_counter_ns() - start
    lat = [x for r in results for x in r]
    print(json.dumps({"lat_ns": lat, "wall_ns": wall}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
