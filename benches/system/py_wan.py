"""Python requests.Session over the WAN emulation, for benches/system (scripts/bench --wan).

    python py_wan.py '{"mode": ..., "url": ..., "ca": ..., "number": ..., ...}'

Modes (every lookup POSTs {"contact_number": NUMBER} and json-parses the reply):
  sequence   one Session; sleep gaps[i] seconds before lookup i; {"lat_ns": [n or null], "errors": [...]}
  first      new Session, sleep `wait` s, one lookup, `reps` times; {"lat_ns": [...]}
  concurrent `threads` threads, one Session each, `bursts` bursts started together;
             {"wall_ns": [per burst]}
Prints one JSON line. Needs the `requests` package (the bench installs it into its own venv).
"""

import json
import sys
import threading
import time

import requests


def lookup(session, cfg):
    reply = session.post(
        cfg["url"],
        json={"contact_number": cfg["number"]},
        headers={"Accept": "application/json"},
        verify=cfg["ca"],
        timeout=5,
    )
    reply.raise_for_status()
    return reply.json()


def timed(session, cfg):
    t = time.perf_counter_ns()
    try:
        lookup(session, cfg)
    except Exception as e:  # noqa: BLE001 - counted as a failure
        return None, f"{type(e).__name__}: {e}"
    return time.perf_counter_ns() - t, None


def main() -> int:
    cfg = json.loads(sys.argv[1])
    mode = cfg["mode"]
    if mode == "sequence":
        session = requests.Session()
        lat, errors = [], []
        for gap in cfg["gaps"]:
            time.sleep(gap)
            ns, err = timed(session, cfg)
            lat.append(ns)
            if err:
                errors.append(err)
        print(json.dumps({"lat_ns": lat, "errors": errors}))
    elif mode == "first":
        lat = []
        for _ in range(cfg["reps"]):
            session = requests.Session()
            time.sleep(cfg["wait"])
            ns, _ = timed(session, cfg)
            lat.append(ns)
            session.close()
        print(json.dumps({"lat_ns": lat}))
    elif mode == "concurrent":
        sessions = [requests.Session() for _ in range(cfg["threads"])]
        walls = []
        for _ in range(cfg["bursts"]):
            barrier = threading.Barrier(cfg["threads"] + 1)
            failures = []

            def worker(s):
                barrier.wait()
                if timed(s, cfg)[1]:
                    failures.append(1)

            threads = [threading.Thread(target=worker, args=(s,)) for s in sessions]
            for t in threads:
                t.start()
            barrier.wait()
            t0 = time.perf_counter_ns()
            for t in threads:
                t.join()
            walls.append(time.perf_counter_ns() - t0)
            time.sleep(0.3)
        print(json.dumps({"wall_ns": walls, "failures": len(failures)}))
    else:
        raise SystemExit(f"unknown mode {mode}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
