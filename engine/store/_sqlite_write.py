"""How the embedded store writes a commit's rows (see ``_sqlite.py`` for the schema).

Three paths, all inside the caller's ``BEGIN IMMEDIATE`` transaction:

- small deltas: one probing ``INSERT``/``UPDATE`` per row (``executemany``): the fewest
  statements for a handful of rows, which is what a single alert costs;
- larger deltas, *set at a time*: the encoded rows go into an unindexed temporary table
  first, then one ``INSERT ... SELECT ... WHERE NOT EXISTS ... ORDER BY s, p, o, g`` (or one
  ``UPDATE``) moves them. SQLite then opens its cursors once instead of once per row, and
  the sorted order makes neighbouring inserts land on the same index pages. About 2x
  faster from a few thousand rows up (bench/embedded_load.py, ``incremental``);
- a large first load into an empty table: drop the indexes, append, rebuild them sorted.

The temporary tables live in the connection's temp schema (``temp_store=MEMORY``) and are
emptied before the transaction ends, so a rollback or a killed process leaves nothing behind.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from engine.terms import Quad, encode
from engine.vocab import GraphName

__all__ = [
    "BULK_MIN",
    "INDEX_DDL",
    "INSERT_SET",
    "REMOVE_SET",
    "SET_MIN",
    "G",
    "bulk_insert",
    "insert",
    "mark_removed",
]

G = {g: i for i, g in enumerate(GraphName)}

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

SET_MIN = 256
"""From this many rows a side of the delta is written set at a time (see the module doc)."""

_TEMP = "CREATE TEMP TABLE IF NOT EXISTS {} (g INTEGER, s TEXT, p TEXT, o TEXT)"
_LIVE_MATCH = "q.s=n.s AND q.p=n.p AND q.o=n.o AND q.g=n.g AND q.removed IS NULL"
INSERT_SET = (
    "INSERT INTO quads (g, s, p, o, added) SELECT n.g, n.s, n.p, n.o, ? FROM temp.inbox AS n "
    f"WHERE NOT EXISTS (SELECT 1 FROM quads AS q WHERE {_LIVE_MATCH}) ORDER BY n.s, n.p, n.o, n.g"
)
REMOVE_SET = (
    "UPDATE quads SET removed=? WHERE rowid IN "
    f"(SELECT q.rowid FROM temp.outbox AS n JOIN quads AS q ON {_LIVE_MATCH})"
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


def insert(db: sqlite3.Connection, adds: Iterable[Quad], n: int, seq: int) -> int:
    """Insert the quads not already live, as commit ``seq``; returns how many were inserted."""
    if n < SET_MIN:
        cur = db.executemany(
            "INSERT INTO quads (g, s, p, o, added) SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS "
            "(SELECT 1 FROM quads WHERE s=?2 AND p=?3 AND o=?4 AND g=?1 AND removed IS NULL)",
            ((g, s, p, o, seq) for g, s, p, o in rows(adds)),
        )
        return cur.rowcount
    _fill(db, "inbox", adds)
    cur = db.execute(INSERT_SET, (seq,))
    inserted = cur.rowcount
    db.execute("DELETE FROM temp.inbox")
    return inserted


def mark_removed(db: sqlite3.Connection, removes: Iterable[Quad], n: int, seq: int) -> int:
    """Close the live versions of ``removes`` at commit ``seq``; returns how many were live."""
    if n < SET_MIN:
        cur = db.executemany(
            "UPDATE quads SET removed=? WHERE s=? AND p=? AND o=? AND g=? AND removed IS NULL",
            ((seq, s, p, o, g) for g, s, p, o in rows(removes)),
        )
        return cur.rowcount
    _fill(db, "outbox", removes)
    cur = db.execute(REMOVE_SET, (seq,))
    marked = cur.rowcount
    db.execute("DELETE FROM temp.outbox")
    return marked


def _fill(db: sqlite3.Connection, table: str, quads: Iterable[Quad]) -> None:
    db.execute(_TEMP.format(f"temp.{table}"))
    db.executemany(f"INSERT INTO temp.{table} VALUES (?, ?, ?, ?)", rows(quads))


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
