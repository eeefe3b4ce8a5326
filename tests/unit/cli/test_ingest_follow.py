"""`tier1 ingest --follow`: a pipe's batches are committed while it is still open, and a bad
line stops it with the batches before it kept."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from engine.store import SqliteStore
from tests.unit.planning.conftest import estate

REPO = Path(__file__).resolve().parents[3]


def _line(i: int, **extra: str) -> bytes:
    return (json.dumps({"alert": f"ex:follow-{i}", "about": "ex:search-2", **extra}) + "\n").encode()


def _event_commits(path: Path) -> int:
    store = SqliteStore(path)
    try:
        return sum(c.message.startswith("events:") for c in store.log())
    finally:
        store.close()


def _wait_for(path: Path, commits: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while _event_commits(path) < commits:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no batch was committed while the pipe was open"
        time.sleep(0.1)


def _start(path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", "from engine.cli import main; main()", "--store", str(path),
         "ingest", "--follow", "--plan-only", "--linger", "0.05", "--format", "json"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)


def _calm(tmp_path: Path) -> Path:
    path = tmp_path / "w.db"
    store = SqliteStore(path, create=True)
    estate(store)
    store.close()
    return path


def _first_batch(tmp_path: Path, lines: bytes) -> tuple[Path, subprocess.Popen[bytes]]:
    """A follow on the calm estate that has committed its first batch, ``lines``, while its
    input is still open."""
    path = _calm(tmp_path)
    proc = _start(path)
    assert proc.stdin is not None
    proc.stdin.write(lines)
    proc.stdin.flush()
    _wait_for(path, 1, proc)
    return path, proc


def test_batches_are_committed_while_the_pipe_is_open(tmp_path: Path) -> None:
    path, proc = _first_batch(tmp_path, _line(1) + _line(2))  # committed before the input ended
    assert proc.stdin is not None
    proc.stdin.write(_line(3))
    proc.stdin.flush()
    _wait_for(path, 2, proc)
    out, err = proc.communicate(timeout=120)  # closes stdin: the end of input
    assert proc.returncode == 0, err
    report = json.loads(out)
    assert (report["events"], report["batches"]) == (3, 2)


def test_a_bad_line_stops_it_and_keeps_the_batches_before(tmp_path: Path) -> None:
    path, proc = _first_batch(tmp_path, _line(1))
    assert proc.stdin is not None
    proc.stdin.write(_line(2) + _line(3, sevrity="info"))
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    text = err.decode()
    assert ("<stdin>:3: unknown field 'sevrity': did you mean 'severity'? (1 event(s) in 1 "
            "batch(es) were committed before this line; nothing of its batch was written)") in text
    error = json.loads(text.strip().splitlines()[-1])["error"]  # --format json: scripts read
    assert (error["line"], error["committed"]) == (3, {"events": 1, "batches": 1})  # the counts
    assert _event_commits(path) == 1  # line 2 shared the bad line's batch: not written


def test_sigterm_stops_between_commits_and_says_what_was_committed(tmp_path: Path) -> None:
    path, proc = _first_batch(tmp_path, _line(1) + _line(2))
    proc.terminate()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "stopped: 2 event(s) in 1 batch(es) were committed" in err.decode()
    assert json.loads(out)["events"] == 2
    assert _event_commits(path) == 1
