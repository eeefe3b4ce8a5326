"""Embedded-store behaviour beyond the shared contract: files, persistence, crashes."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rdflib import Literal

from engine.errors import ConfigError, StoreUnavailable
from engine.store import (
    CommitMeta,
    Delta,
    MemoryStore,
    OverlappedCommit,
    SqliteStore,
    open_store,
    triples,
)
from engine.vocab import EX, OPS

META = CommitMeta(author="t", message="m")


def test_persists_between_opens(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "w.db", create=True)
    c = s.commit(Delta.of([(EX.a, OPS.tier, Literal(1))]), META)
    s.close()
    again = SqliteStore(tmp_path / "w.db")
    assert again.head() == c
    assert set(triples(again)) == {(EX.a, OPS.tier, Literal(1))}


def test_only_the_embedded_store_overlaps_work_with_its_writes(tmp_path: Path) -> None:
    """The loop asks ``isinstance(store, OverlappedCommit)``; other stores commit as usual."""
    store = SqliteStore(tmp_path / "w.db", create=True)
    assert isinstance(store, OverlappedCommit)
    assert not isinstance(MemoryStore(), OverlappedCommit)
    store.close()


def test_missing_store_says_run_init(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="tier1 init"):
        SqliteStore(tmp_path / "nope.db")


def test_file_that_is_not_a_store_is_refused_untouched(tmp_path: Path) -> None:
    junk = tmp_path / "world.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    before = junk.read_bytes()
    with pytest.raises(StoreUnavailable, match="not a readable tier1 store"):
        SqliteStore(junk)
    assert junk.read_bytes() == before


def test_open_store_picks_backend_from_spec(tmp_path: Path) -> None:
    assert isinstance(open_store("memory:"), MemoryStore)
    s = open_store(str(tmp_path / "data"), create=True)
    assert isinstance(s, SqliteStore) and s.location.endswith("data/world.db")
    with pytest.raises(ConfigError, match="neo4j:// or bolt://"):
        open_store("http://example.org/store")


_WRITER = """
import sys, time
from rdflib import Literal
from engine.store import SqliteStore, CommitMeta, Delta
from engine.store import _sqlite_write
from engine.vocab import EX, OPS
if sys.argv[2] == "row-by-row":
    _sqlite_write.SET_MIN = 1 << 62
s = SqliteStore(sys.argv[1])
d = Delta.of([(EX[f"s{i}"], OPS.name, Literal(f"v{i}")) for i in range(400_000)])
said = []
def trace(sql):
    if not said and sql.startswith("INSERT INTO quads"):  # the store's own rows, not the temp table's
        said.append(sql)
        print("writing", flush=True)
s._db.set_trace_callback(trace)
s.commit(d, CommitMeta(author="killed", message="never lands"))
print("done", flush=True)
"""


INDEXES = {"quads_spog", "quads_po", "quads_o", "quads_added", "quads_removed"}


def _indexes(s: SqliteStore) -> set[str]:
    rows = s._db.execute("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='quads'")
    return {r[0] for r in rows}


def test_bulk_load_into_empty_store_rebuilds_indexes_and_reads_back(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "w.db", create=True)
    data = [(EX[f"s{i}"], OPS.name, Literal(f"v{i}")) for i in range(60_000)]
    c = s.commit(Delta.of(data), META)  # large delta, empty store: the bulk path
    assert c.added == 60_000 and _indexes(s) == INDEXES
    assert set(triples(s, (EX.s7, None, None))) == {(EX.s7, OPS.name, Literal("v7"))}
    assert set(triples(s, (None, None, Literal("v9")))) == {(EX.s9, OPS.name, Literal("v9"))}
    c2 = s.commit(Delta.of([data[0], (EX.new, OPS.tier, Literal(2))], [data[1]]), META)
    assert (c2.added, c2.removed) == (1, 1)  # the live set is still a set after the bulk path
    assert s.count(at=1) == 60_000 and s.count() == 60_000
    plan = s._db.execute("EXPLAIN QUERY PLAN SELECT * FROM quads WHERE s='x'").fetchall()
    assert "quads_spog" in str(plan)


@pytest.mark.parametrize("mode", ["row-by-row", "set-at-a-time", "bulk"])
def test_kill_mid_commit_leaves_previous_commit(tmp_path: Path, mode: str) -> None:
    path = tmp_path / "w.db"
    s = SqliteStore(path, create=True)
    empty = mode == "bulk"
    first = None if empty else s.commit(Delta.of([(EX.a, OPS.tier, Literal(1))]), META)
    s.close()
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path), mode],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "writing"  # SQLite is inserting the rows into quads
    time.sleep(0.3)  # 400k rows take seconds on every path
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL  # killed, not finished
    again = SqliteStore(path)
    assert again.head() == first
    assert again.count() == (0 if empty else 1)
    assert again._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _indexes(again) == INDEXES
