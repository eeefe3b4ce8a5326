"""WAL checkpoints run on a thread after the commit, not inside it, and lose nothing."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from rdflib import Literal

from engine.store import CommitMeta, Delta, SqliteStore, triples
from engine.store import _sqlite_checkpoint as ckpt
from engine.vocab import EX, OPS

META = CommitMeta(author="t", message="m")


def facts(tag: str, n: int) -> list[tuple[object, object, object]]:
    return [(EX[f"{tag}{i}"], OPS.name, Literal(f"v{i}")) for i in range(n)]


def test_commits_reach_the_database_file_without_close(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    s = SqliteStore(path, create=True)
    assert s._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == ckpt.BACKSTOP_PAGES
    s.commit(Delta.of(facts("a", 100)), META)
    size = path.stat().st_size
    s.commit(Delta.of(facts("b", 20_000)), META)  # > PAGES pages of rows
    deadline = time.monotonic() + 20
    while path.stat().st_size <= size and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.stat().st_size > size  # the thread copied the WAL into the file
    other = sqlite3.connect(path)  # a second reader sees both commits
    assert other.execute("SELECT count(*) FROM quads").fetchone()[0] == 20_100
    other.close()
    s.close()


def test_close_waits_for_the_thread_and_everything_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    s = SqliteStore(path, create=True)
    for k in range(4):
        s.commit(Delta.of(facts(f"c{k}-", 10_000)), META)
    s.close()
    assert not Path(f"{path}-wal").exists()  # the last connection checkpointed and removed it
    again = SqliteStore(path)
    assert again.count() == 40_000 and again.head().seq == 4  # type: ignore[union-attr]
    assert set(triples(again, (EX["c3-7"], None, None))) == {(EX["c3-7"], OPS.name, Literal("v7"))}
    again.close()


def test_without_the_thread_sqlite_checkpoints_inside_the_commit(tmp_path: Path) -> None:
    saved, ckpt.BACKGROUND = ckpt.BACKGROUND, False
    try:
        s = SqliteStore(tmp_path / "w.db", create=True)
    finally:
        ckpt.BACKGROUND = saved
    assert s._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    s.commit(Delta.of(facts("a", 20_000)), META)
    assert s._checkpointer is None and s.count() == 20_000
    s.close()


def test_the_thread_never_creates_a_store_file(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    s = SqliteStore(path, create=True)
    s.commit(Delta.of(facts("a", 10)), META)
    path.rename(tmp_path / "moved.db")  # moved away while open
    s.commit(Delta.of(facts("b", 20_000)), META)  # wakes the checkpoint thread
    s.close()
    assert not path.exists()
