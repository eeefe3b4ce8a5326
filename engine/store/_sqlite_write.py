"""How the embedded store writes a commit's rows (see ``_sqlite.py`` for the schema).

Adds take one of three paths, all inside the caller's ``BEGIN IMMEDIATE`` transaction:

- a few rows: one probing ``INSERT`` per row (``executemany``);
- from ``SET_MIN`` rows, *set at a time*: the encoded rows go into an unindexed temporary
  table first, then one ``INSERT ... SELECT ... WHERE NOT EXISTS ... ORDER BY s, p, o, g``
  moves the ones not already live. SQLite then opens its cursors once instead of once per
  row, and the sorted order makes neighbouring inserts land on the same index pages
  (bench/embedded_load.py, ``incremental``);
- a large first load into an empty table: drop the indexes, append, rebuild them sorted.

Removes stay one probing ``UPDATE`` per row (see :func:`mark_removed`).

The temporary table lives in the connection's temp schema (``temp_store=MEMORY``) and is
emptied before the transaction ends; a rollback or a killed process leaves nothing behind.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Collection, Iterable
from itertools import chain
from typing import TypeVar

from engine.terms import Quad, encode
from engine.vocab import GraphName

__all__ = [
    "BULK_MIN",
    "INDEX_DDL",
    "INSERT_SET",
    "SET_MIN",
    "TEMP_DDL",
    "G",
    "bulk_insert",
    "insert",
    "insert_while",
    "mark_removed",
]

G = {g: i for i, g in enumerate(GraphName)}
T = TypeVar("T")

INDEX_DDL = (
    "CREATE INDEX IF NOT EXISTS quads_spog ON quads(s, p, o, g)",
    "CREATE INDEX IF NOT EXISTS quads_po ON quads(p, o)",
    "CREATE INDEX IF NOT EXISTS quads_o ON quads(o)",
    "CREATE INDEX IF NOT EXISTS quads_added ON quads(added)",
    "CREATE INDEX IF NOT EXISTS quads_removed ON quads(removed) WHERE removed IS NOT NULL",
)
_INDEX_NAMES = ("quads_spog", "quads_po", "quads_o", "quads_added", "quads_removed")

BULK_MIN = 50_000
"""A delta this large into an empty store is loaded without indexes, which are then built
by sorting: about 1.5x faster than inserting into five live B-trees."""

SET_MIN = 32
"""From this many rows the adds are written set at a time (see the module doc); measured
no slower from about 6 rows, faster from 30 (1.4x at 1,000 rows in a warm store)."""

TEMP_DDL = "CREATE TEMP TABLE IF NOT EXISTS temp.inbox (g INTEGER, s TEXT, p TEXT, o TEXT)"
_LIVE_MATCH = "q.s=n.s AND q.p=n.p AND q.o=n.o AND q.g=n.g AND q.removed IS NULL"
INSERT_SET = (
    "INSERT INTO quads (g, s, p, o, added) SELECT n.g, n.s, n.p, n.o, ? FROM temp.inbox AS n "
    f"WHERE NOT EXISTS (SELECT 1 FROM quads AS q WHERE {_LIVE_MATCH}) ORDER BY n.s, n.p, n.o, n.g"
)


def rows(quads: Iterable[Quad]) -> list[tuple[int, str, str, str]]:
    """The (g, s, p, o) storage keys of ``quads``; predicates repeat, so their keys are cached."""
    g_of = G
    keys: dict[object, str] = {}
    out = []
    for s, p, o, g in quads:
        pk = keys.get(p)
        if pk is None:
            pk = keys[p] = encode(p)
        out.append((g_of[g], encode(s), pk, encode(o)))
    return out


def insert(db: sqlite3.Connection, adds: Collection[Quad], seq: int) -> int:
    """Insert the quads not already live, as commit ``seq``; returns how many were inserted."""
    if len(adds) < SET_MIN:
        cur = db.executemany(
            "INSERT INTO quads (g, s, p, o, added) SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS "
            "(SELECT 1 FROM quads WHERE s=?2 AND p=?3 AND o=?4 AND g=?1 AND removed IS NULL)",
            ((g, s, p, o, seq) for g, s, p, o in rows(adds)),
        )
        return cur.rowcount
    _fill(db, adds)
    return _move_inbox(db, seq)


def _move_inbox(db: sqlite3.Connection, seq: int) -> int:
    """The staged rows not already live into ``quads`` as commit ``seq``, in one statement;
    the temp table is left empty. Returns how many were inserted."""
    inserted = db.execute(INSERT_SET, (seq,)).rowcount
    db.execute("DELETE FROM temp.inbox")
    return inserted


def insert_while(db: sqlite3.Connection, adds: Collection[Quad], seq: int,
                 work: Callable[[], T]) -> tuple[int, T]:
    """:func:`insert`, with ``work()`` run on a worker thread meanwhile; returns how many were
    inserted and what ``work`` returned (or raises what it raised, after the insert).

    The rows are encoded and staged first, on this thread alone; then the one set-at-a-time
    statement runs, inside which SQLite holds no GIL, while ``work`` runs. (Statements row
    by row would each wait for the worker to hand the GIL back.)"""
    if len(adds) < SET_MIN:
        return (insert(db, adds, seq) if adds else 0), work()
    _fill(db, adds)
    box: list[T] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            box.append(work())
        except BaseException as exc:  # handed to the caller's thread
            failed.append(exc)

    worker = threading.Thread(target=run, name="tier1-commit-work")
    worker.start()
    try:
        inserted = _move_inbox(db, seq)
    finally:
        worker.join()
    if failed:
        raise failed[0]
    return inserted, box[0]


def mark_removed(db: sqlite3.Connection, removes: Iterable[Quad], seq: int) -> int:
    """Close the live versions of ``removes`` at commit ``seq``; returns how many were live.

    Row by row at every size: a set-at-a-time ``UPDATE`` (temp table, then one ``UPDATE ...
    WHERE rowid IN``) measured no faster, since each row's work (a probe, a row rewrite, an
    index entry) dwarfs the statement overhead here.
    """
    cur = db.executemany(
        "UPDATE quads SET removed=? WHERE s=? AND p=? AND o=? AND g=? AND removed IS NULL",
        ((seq, s, p, o, g) for g, s, p, o in rows(removes)),
    )
    return cur.rowcount


_CHUNK = 250
_FILL_CHUNK = "INSERT INTO temp.inbox VALUES " + ", ".join(["(?, ?, ?, ?)"] * _CHUNK)


def _fill(db: sqlite3.Connection, quads: Iterable[Quad]) -> None:
    """Rows into the temp table, 250 to a statement (half the time of one ``executemany`` step
    per row); the remainder row by row."""
    db.execute(TEMP_DDL)
    keys = rows(quads)
    whole = len(keys) - len(keys) % _CHUNK
    for i in range(0, whole, _CHUNK):
        db.execute(_FILL_CHUNK, list(chain.from_iterable(keys[i : i + _CHUNK])))
    db.executemany("INSERT INTO temp.inbox VALUES (?, ?, ?, ?)", keys[whole:])


def bulk_insert(db: sqlite3.Connection, adds: Iterable[Quad], seq: int) -> int:
    """Into an empty table: drop the indexes, append, rebuild them sorted (same transaction).

    The delta is a set and the table is empty, so no duplicate check is needed.
    """
    for name in _INDEX_NAMES:
        db.execute(f"DROP INDEX IF EXISTS {name}")
    cur = db.executemany(
        "INSERT INTO quads (g, s, p, o, added) VALUES (?, ?, ?, ?, ?)",
        ((g, s, p, o, seq) for g, s, p, o in rows(adds)),
    )
    inserted = cur.rowcount
    for ddl in INDEX_DDL:
        db.execute(ddl)
    return inserted
