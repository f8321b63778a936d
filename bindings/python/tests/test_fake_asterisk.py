"""The fake Asterisk itself: AGI quoting rules, violation detection, CLI, FastAGI mode."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time

import pytest

from conftest import AGI_SCRIPT, TESTS, subprocess_env
from fake_asterisk import FakeAsterisk, command_name, encode_value, parse_args

FAKE = str(TESTS / "fake_asterisk.py")


@pytest.mark.parametrize("line,argv", [
    ("SET VARIABLE X 1", ["SET", "VARIABLE", "X", "1"]),
    ('SET VARIABLE X "a b"', ["SET", "VARIABLE", "X", "a b"]),
    ('SET VARIABLE X ""', ["SET", "VARIABLE", "X", ""]),
    ('SET VARIABLE X "a \\"q\\" b"', ["SET", "VARIABLE", "X", 'a "q" b']),
    ('SET VARIABLE X "back\\\\slash"', ["SET", "VARIABLE", "X", "back\\slash"]),
    ("SET VARIABLE X a\\ b", ["SET", "VARIABLE", "X", "a b"]),
    ('SET VARIABLE X ab"c d"e', ["SET", "VARIABLE", "X", "abc de"]),
    ("SET  VARIABLE\tX   1 ", ["SET", "VARIABLE", "X", "1"]),
    ('EXEC Playback "a&b"', ["EXEC", "Playback", "a&b"]),
    ("SET VARIABLE X 1\r", ["SET", "VARIABLE", "X", "1\r"]),  # a trailing CR stays in the value
])
def test_parse_args_like_res_agi(line, argv):
    got, open_quote, escape = parse_args(line)
    assert got == argv and not open_quote and not escape


def test_parse_args_flags_cut_values():
    assert parse_args('SET VARIABLE X "half')[1] is True
    assert parse_args("SET VARIABLE X half\\")[2] is True


def test_encode_value_inverse_of_parse():
    for value in ["", "x", 'q"q', "b\\s", "\\\"\\", " sp ", "tab\tx", "ü✓"]:
        assert parse_args("X " + encode_value(value))[0] == ["X", value]


def test_command_names():
    assert command_name(["SET", "VARIABLE", "X", "1"]) == "SET VARIABLE"
    assert command_name(["stream", "file", "x", '""']) == "STREAM FILE"
    assert command_name(["DATABASE", "GET", "a", "b"]) == "DATABASE GET"
    assert command_name(["12", "minutes."]) is None


def script(code: str) -> list:
    """A tiny AGI 'script' in Python that reads the env block, then runs ``code``."""
    prelude = (
        "import sys\n"
        "def send(b):\n"
        "    sys.stdout.buffer.write(b); sys.stdout.buffer.flush()\n"
        "    reply = sys.stdin.buffer.readline()\n"
        "    while reply.startswith(b'100 '):\n"
        "        reply = sys.stdin.buffer.readline()\n"
        "    line = reply\n"
        "    while line.startswith(b'520-') or (reply.startswith(b'520-') and line and not line.startswith(b'520 ')):\n"
        "        line = sys.stdin.buffer.readline()\n"
        "    return reply\n"
        "while sys.stdin.buffer.readline() not in (b'\\n', b''): pass\n"
    )
    return [sys.executable, "-c", prelude + code]


def test_detects_newline_injection():
    s = FakeAsterisk().run_process(script("send(b'SET VARIABLE T \"12\\nminutes\"\\n'); send(b'NOOP\\n')"))
    assert any("inside a quoted string" in v for v in s.violations)
    assert any("not an AGI command" in v for v in s.violations)
    assert "T" in s.variables and not s.ok


def test_detects_raw_cr_and_control_characters():
    s = FakeAsterisk().run_process(script("send(b'SET VARIABLE T \"a\\rb\"\\n')"))
    assert any("raw CR" in v for v in s.violations)
    assert any("control character" in v for v in s.violations)


def test_detects_bad_quoting_and_names():
    s = FakeAsterisk().run_process(script(
        "send(b'SET VARIABLE T two words\\n'); send(b'SET VARIABLE 1-X y\\n'); send(b'SET VARIABLE T x\\\\\\n')"))
    text = "\n".join(s.violations)
    assert "3 arguments" in text and "bad variable name" in text and "lone backslash" in text
    assert s.replies[0].startswith("520-") and s.replies[0].endswith("520 End of proper usage.")


def test_detects_pipelining_long_lines_and_exit_status():
    s = FakeAsterisk().run_process(script(
        "sys.stdout.buffer.write(b'NOOP\\nNOOP\\n'); sys.stdout.buffer.flush()\n"
        "sys.stdin.buffer.readline(); sys.stdin.buffer.readline()\n"
        "send(b'VERBOSE \"' + b'x' * 9000 + b'\" 1\\n')\n"
        "sys.exit(3)"))
    text = "\n".join(s.violations)
    assert "before the reply" in text and "9012 bytes" in text and "status 3" in text
    assert s.exit_code == 3


def test_detects_a_script_that_never_exits():
    s = FakeAsterisk(timeout=1.0).run_process(script("import time; time.sleep(30)"))
    assert s.timed_out and not s.ok and s.elapsed < 5


def test_replies_and_dead_channel():
    s = FakeAsterisk(hangup_after=1, send_sighup=False, channel_vars={"FOO": "bar"}).run_process(script(
        "r = [send(b'ANSWER\\n'), send(b'STREAM FILE beep \"\"\\n'), send(b'GET VARIABLE FOO\\n'),\n"
        "     send(b'SET VARIABLE A 1\\n'), send(b'GOSUB x y 1\\n'), send(b'BOGUS\\n')]\n"
        "sys.stderr.write(repr(r))"))
    assert s.replies[0] == "200 result=0"
    assert s.replies[1].startswith("511")  # STREAM FILE on a dead channel
    assert s.replies[2] == "200 result=1 (bar)"
    assert s.replies[3] == "200 result=1"
    assert s.replies[5].startswith("510")
    assert s.variables == {"A": "1"}


def test_cli_process_mode(simulator):
    cmd = f"{sys.executable} {AGI_SCRIPT}"
    out = subprocess.run(
        [sys.executable, FAKE, "--agi-command", cmd, "--callerid", "+15551230002"],
        capture_output=True, text=True, env=subprocess_env(), timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr
    summary = json.loads(out.stdout)
    assert summary["ok"] and summary["exit_code"] == 0 and summary["violations"] == []
    assert summary["variables"]["CBSTATUS_POSITION"] == "1"
    assert len(summary["commands"]) == 11 and summary["elapsed"] < 5


def test_cli_reports_violations_with_exit_1():
    bad = f"{sys.executable} -c \"import sys; sys.stdin.readline(); print('hello world'); sys.stdout.flush()\""
    out = subprocess.run([sys.executable, FAKE, "--agi-command", bad, "--timeout", "5"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 1
    assert json.loads(out.stdout)["violations"]


class AgiScriptServer:
    """A FastAGI server that runs the Python AGI script's conversation per connection."""

    def __init__(self):
        import importlib.util

        spec = importlib.util.spec_from_file_location("cbstatus_agi_srv", AGI_SCRIPT)
        self.agi = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(self.agi)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.envs = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def handle(self, conn):
        conn.settimeout(10)
        rfile, wfile = conn.makefile("rb"), conn.makefile("wb")
        agi = self.agi

        class Recording(agi.AGI):
            def read_env(inner):
                env = super().read_env()
                self.envs.append(env)
                return env

        real = agi.AGI
        try:
            agi.AGI = Recording
            agi.run(["cbstatus"], rfile, wfile)
        finally:
            agi.AGI = real
            for f in (rfile, wfile):
                try:
                    f.close()
                except OSError:
                    pass
            conn.close()

    def close(self):
        self.stop.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture
def fastagi_server():
    srv = AgiScriptServer()
    yield srv
    srv.close()


def test_fastagi_mode(fastagi_server):
    s = FakeAsterisk(callerid="+15551230001").run_fastagi("127.0.0.1", fastagi_server.port)
    assert s.ok and s.mode == "fastagi" and s.exit_code is None, s.to_json()
    assert s.variables["CBSTATUS_RESULT"] == "FOUND" and s.variables["CBSTATUS_POSITION"] == "4"
    env = fastagi_server.envs[-1]
    assert env["agi_network"] == "yes" and env["agi_network_script"] == "cbstatus"
    assert env["agi_request"] == f"agi://127.0.0.1:{fastagi_server.port}/cbstatus"
    assert list(env)[:2] == ["agi_network", "agi_network_script"]


def test_fastagi_hangup_line(fastagi_server):
    start = time.monotonic()
    s = FakeAsterisk(callerid="+15551230001", hangup_after=2).run_fastagi("127.0.0.1", fastagi_server.port)
    assert not s.violations, s.to_json()
    assert len(s.commands) == 3  # the reply to the 3rd command was the HANGUP line
    assert time.monotonic() - start < 3


def test_cli_fastagi_mode(fastagi_server):
    out = subprocess.run(
        [sys.executable, FAKE, "--fastagi", f"127.0.0.1:{fastagi_server.port}", "--callerid", "+15551230099"],
        capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr
    summary = json.loads(out.stdout)
    assert summary["mode"] == "fastagi" and summary["variables"]["CBSTATUS_RESULT"] == "NOT_FOUND"
