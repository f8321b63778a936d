#!/usr/bin/env python3
"""The real-PBX suite: cbstatus inside real Asterisk and FreeSWITCH builds.

Run by scripts/pbx/test (which builds the PBXs into the cache first):
    suite.py [--asterisk PREFIX] [--freeswitch PREFIX] --label NAME --cbstatus target/debug/cbstatus --lib DIR
One run proves one PBX build (scripts/pbx/test runs one per supported version, two at a
time): each check line starts with the label (`asterisk-20.20.1: ...`), and the run closes
with `pbx: LABEL: N passed, M failed`; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import asterisk  # noqa: E402
from common import Results, log, start_simulator  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--asterisk", type=Path)
    p.add_argument("--freeswitch", type=Path)
    p.add_argument("--cbstatus", type=Path, required=True)
    p.add_argument("--lib", type=Path, required=True, help="directory of libcbstatus.so")
    p.add_argument("--label", default="", help="the PBX version the checks are about")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    args = p.parse_args()
    # Stopped from outside (CI timeout, Ctrl-C): unwind so the PBXs, the FastAGI server and
    # the simulator (each in its own process group) are stopped by the finally blocks.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    r = Results(args.label)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix=f"cbstatus-pbx-{args.label}-"))
    log(f"work directory {work}")
    sim, url = start_simulator(args.cbstatus, work)
    sounds = work / "sounds"
    try:
        out = subprocess.run([str(args.cbstatus), "prompts", "generate", "--dir", str(sounds)],
                             capture_output=True, text=True, timeout=300)
        r.check("prompts generate (Asterisk layout)", out.returncode == 0, out.stderr)
        if args.asterisk:
            ast = asterisk.Asterisk(args.asterisk, work, args.cbstatus, args.lib, url)
            try:
                ast.layout(sounds)
                ast.start()
                asterisk.run(r, ast)
            except Exception:
                r.check("asterisk: suite ran to the end", False, traceback.format_exc())
            finally:
                ast.stop()
        if args.freeswitch:
            import freeswitch

            fs = freeswitch.FreeSwitch(args.freeswitch, work, args.cbstatus, args.lib, url)
            try:
                fs.layout()
                fs.start()
                freeswitch.run(r, fs)
            except Exception:
                r.check("freeswitch: suite ran to the end", False, traceback.format_exc())
            finally:
                fs.stop()
    finally:
        sim.stop()
    if r.failed or args.keep:
        log(f"suite wall time {time.monotonic() - started:.0f} s; logs in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
        log(f"suite wall time {time.monotonic() - started:.0f} s")
    if r.failed:
        print("failed checks:\n  " + "\n  ".join(r.failed))
    print(r.closing_line(), flush=True)
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
