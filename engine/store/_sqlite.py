"""The embedded world store: one SQLite file, no server.

Every quad is a row with the commit that added it and the commit that removed
it (``NULL`` while live), so the current state, any past state and any diff
are plain range queries. An insert checks the (s, p, o, g) index first, so the live state
stays a set; how rows are written (row by row, set at a time, or a bulk first load) is in
``_sqlite_write.py``. Each commit is one ``BEGIN IMMEDIATE`` transaction in WAL mode: a process
killed mid-commit leaves the file exactly at the previous commit. WAL checkpoints run after
the commit on a thread of their own (``_sqlite_checkpoint.py``). ``commit_while`` makes the
same commit as ``commit`` while the caller's work (the loop's rule engine) runs on a worker
thread during the insert statement.
"""

from __future__ import annotations

import hashlib
import sqlite3
import weakref
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from engine.errors import CommitNotFound, ConflictError, StoreUnavailable
from engine.store import _sqlite_checkpoint as ckpt
from engine.store._base import ALL_GRAPHS, Capabilities, check_absent, only_match
from engine.store._model import Commit, CommitMeta, CommitRef, Delta, Diff
from engine.store._sqlite_write import (
    BULK_MIN,
    INDEX_DDL,
    bulk_insert,
    insert,
    insert_while,
    mark_removed,
)
from engine.store._sqlite_write import G as _G
from engine.terms import Pattern, Quad, decode, encode, sorted_quads
from engine.vocab import GraphName

__all__ = ["SqliteStore"]

SCHEMA_VERSION = "1"
_G_BACK = dict(enumerate(GraphName))

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS commits (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, ts TEXT NOT NULL,
    author TEXT NOT NULL, message TEXT NOT NULL, parent TEXT,
    added INTEGER NOT NULL, removed INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS commits_ts ON commits(ts);
CREATE TABLE IF NOT EXISTS quads (
    g INTEGER NOT NULL, s TEXT NOT NULL, p TEXT NOT NULL, o TEXT NOT NULL,
    added INTEGER NOT NULL, removed INTEGER);
"""
_COMMIT_COLS = "id, seq, ts, author, message, parent, added, removed"


class SqliteStore:
    """The embedded default store. ``path`` is the database file.

    Args:
        path: the ``.db`` file.
        create: make the file (and its folder) if missing; otherwise a
            missing file is a :class:`StoreUnavailable` that says to run ``tier1 init``.
    """

    capabilities: ClassVar[Capabilities] = Capabilities(persistent=True)

    def __init__(self, path: str | Path, *, create: bool = False) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        if not self.path.exists() and not create:
            raise StoreUnavailable(
                f"no world store at {self.path}: run 'tier1 init' (or pass --store PATH)"
            )
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._checkpointer = ckpt.Checkpointer(self.path) if ckpt.BACKGROUND else None
        self._db = self._connect()
        if self._checkpointer is not None:
            weakref.finalize(self, self._checkpointer.close)

    # -- connection -------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA cache_size=-1000000")
            db.execute("PRAGMA temp_store=MEMORY")
            if self._checkpointer is not None:
                db.execute(f"PRAGMA wal_autocheckpoint={ckpt.BACKSTOP_PAGES}")
            db.executescript(_SCHEMA + ";\n".join(INDEX_DDL) + ";")
            self._check_version(db)
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailable(
                f"{self.path} is not a readable tier1 store ({exc}); "
                "point --store at another path, or move this file away and run 'tier1 init'"
            ) from None
        return db

    def _check_version(self, db: sqlite3.Connection) -> None:
        row = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None:
            db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        elif row[0] != SCHEMA_VERSION:
            raise StoreUnavailable(
                f"{self.path} has store schema {row[0]}, this tier1 reads {SCHEMA_VERSION}: "
                "export it with the tier1 that wrote it and load it here"
            )

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.close()
        self._db.close()

    # -- writes -----------------------------------------------------------
    def commit(self, delta: Delta, meta: CommitMeta) -> Commit:
        db = self._db
        self._begin()
        try:
            commit = self._apply(delta, meta)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        if self._checkpointer is not None:
            self._checkpointer.committed(commit.added + commit.removed)
        return commit

    def commit_while(self, first: Delta, work: Callable[[], Delta], meta: CommitMeta,
                     then: Delta | None = None) -> Commit:
        """Commit ``first | work() | then`` exactly as :meth:`commit` would (same rows, same
        commit), running ``work`` on a worker thread while ``first``'s rows are written.

        SQLite releases the GIL inside a statement: the loop infers a batch's consequences
        (``work``) while the set-at-a-time insert of its asserted rows runs. It is one
        transaction, as ever: a failure of either side rolls all of it back. Should the
        result touch a quad of ``first`` (where writing one after the other could count
        differently than the union), it is rolled back and committed whole instead.
        """
        if self._empty():  # the bulk-load path decides on the whole delta
            return self.commit(first | work() | (then or Delta()), meta)
        db = self._db
        self._begin()
        try:
            head, seq, ts = self._next(meta)
            removed = mark_removed(db, first.removes, seq) if first.removes else 0
            added, rest = insert_while(db, first.adds, seq, work)
            rest = rest | then if then is not None else rest
            whole = _touches(first, rest)
            if not whole:
                removed += mark_removed(db, rest.removes, seq) if rest.removes else 0
                added += insert(db, rest.adds, seq) if rest.adds else 0
                commit = self._record(head, seq, ts, meta, added, removed)
            db.execute("ROLLBACK" if whole else "COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        if whole:
            return self.commit(first | rest, meta)
        if self._checkpointer is not None:
            self._checkpointer.committed(commit.added + commit.removed)
        return commit

    def _begin(self) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise ConflictError(f"{self.path} is locked by another writer ({exc}); retry") from None

    def _apply(self, delta: Delta, meta: CommitMeta) -> Commit:
        db = self._db
        head, seq, ts = self._next(meta)
        removed = mark_removed(db, delta.removes, seq) if delta.removes else 0
        if len(delta.adds) >= BULK_MIN and not delta.removes and self._empty():
            added = bulk_insert(db, delta.adds, seq)
        else:
            added = insert(db, delta.adds, seq) if delta.adds else 0
        return self._record(head, seq, ts, meta, added, removed)

    def _next(self, meta: CommitMeta) -> tuple[Commit | None, int, datetime]:
        """The head, and the next commit's sequence number and time (never before the head);
        called inside the write transaction, so it enforces ``meta.expect_absent`` too."""
        check_absent(meta, self._live, str(self.path))
        head = self.head()
        seq = (head.seq if head else 0) + 1
        ts = (meta.timestamp or datetime.now(UTC)).astimezone(UTC)
        if head and ts < head.timestamp:
            ts = head.timestamp
        return head, seq, ts

    def _record(self, head: Commit | None, seq: int, ts: datetime, meta: CommitMeta,
                added: int, removed: int) -> Commit:
        parent = head.id if head else None
        cid = _commit_id(parent, seq, ts, meta, added, removed)
        self._db.execute(
            f"INSERT INTO commits ({_COMMIT_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (cid, seq, _ts(ts), meta.author, meta.message, parent, added, removed),
        )
        return Commit(
            id=cid, seq=seq, timestamp=ts, author=meta.author, message=meta.message,
            parent=parent, added=added, removed=removed,
        )

    def _empty(self) -> bool:
        return self._db.execute("SELECT 1 FROM quads LIMIT 1").fetchone() is None

    # -- reads ------------------------------------------------------------
    def quads(
        self, pattern: Pattern = (None, None, None), *,
        graphs: Iterable[GraphName] = ALL_GRAPHS, at: int | None = None,
    ) -> Iterator[Quad]:
        where, params = _where(pattern, graphs, at)
        sql = f"SELECT s, p, o, g FROM quads WHERE {where}"
        for s, p, o, g in self._db.execute(sql, params):
            yield (decode(s), decode(p), decode(o), _G_BACK[g])

    def _live(self, q: Quad) -> bool:
        return next(self.quads(q[:3], graphs=(q[3],)), None) is not None

    def count(self, *, graphs: Iterable[GraphName] = ALL_GRAPHS, at: int | None = None) -> int:
        where, params = _where((None, None, None), graphs, at)
        return int(self._db.execute(f"SELECT count(*) FROM quads WHERE {where}", params).fetchone()[0])

    def head(self) -> Commit | None:
        row = self._db.execute(
            f"SELECT {_COMMIT_COLS} FROM commits ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return _commit(row) if row else None

    def log(self, *, limit: int | None = None) -> list[Commit]:
        rows = self._db.execute(
            f"SELECT {_COMMIT_COLS} FROM commits ORDER BY seq DESC LIMIT ?",
            (-1 if limit is None else limit,),
        )
        return [_commit(r) for r in rows]

    def find_commit(self, ref: CommitRef) -> Commit:
        arg: tuple[Any, ...]
        if ref.seq is not None:
            sql, arg = f"SELECT {_COMMIT_COLS} FROM commits WHERE seq=?", (ref.seq,)
        elif ref.id_prefix is not None:
            rows = self._db.execute(
                f"SELECT {_COMMIT_COLS} FROM commits WHERE id >= ? AND id < ? LIMIT 2",
                (ref.id_prefix, ref.id_prefix + "g"),
            ).fetchall()
            return _commit(only_match(rows, ref))
        elif ref.time is not None:
            sql = f"SELECT {_COMMIT_COLS} FROM commits WHERE ts <= ? ORDER BY seq DESC LIMIT 1"
            arg = (_ts(ref.time),)
        else:
            raise CommitNotFound(f"{ref} is relative; resolve it with resolve_ref()")
        return _commit(only_match(self._db.execute(sql, arg).fetchall(), ref))

    def diff(self, frm: int, to: int) -> Diff:
        live_to = "added > ? AND added <= ? AND (removed IS NULL OR removed > ?)"
        gone = "added <= ? AND removed > ? AND removed <= ?"
        lo, hi = min(frm, to), max(frm, to)
        appeared = set(self._rows(f"SELECT s, p, o, g FROM quads WHERE {live_to}", (lo, hi, hi)))
        vanished = set(self._rows(f"SELECT s, p, o, g FROM quads WHERE {gone}", (lo, lo, hi)))
        plus, minus = appeared - vanished, vanished - appeared
        if frm > to:
            plus, minus = minus, plus
        return Diff(frm=frm, to=to, added=sorted_quads(plus), removed=sorted_quads(minus))

    def _rows(self, sql: str, params: tuple[Any, ...]) -> Iterator[Quad]:
        for s, p, o, g in self._db.execute(sql, params):
            yield (decode(s), decode(p), decode(o), _G_BACK[g])


def _where(
    pattern: Pattern, graphs: Iterable[GraphName], at: int | None,
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for col, term in zip("spo", pattern, strict=True):
        if term is not None:
            clauses.append(f"{col} = ?")
            params.append(encode(term))
    gs = sorted(_G[g] for g in set(graphs))
    if len(gs) < len(_G):
        clauses.append(f"g IN ({', '.join('?' * len(gs))})")
        params.extend(gs)
    if at is None:
        clauses.append("removed IS NULL")
    else:
        clauses.append("added <= ? AND (removed IS NULL OR removed > ?)")
        params.extend((at, at))
    return " AND ".join(clauses), params


def _touches(first: Delta, rest: Delta) -> bool:
    """Whether ``rest`` adds or removes a quad that ``first`` adds or removes."""
    mine = first.adds | first.removes
    return not (mine.isdisjoint(rest.adds) and mine.isdisjoint(rest.removes))


def _commit(row: tuple[Any, ...]) -> Commit:
    cid, seq, ts, author, message, parent, added, removed = row
    return Commit(
        id=cid, seq=seq, timestamp=datetime.fromisoformat(ts), author=author,
        message=message, parent=parent, added=added, removed=removed,
    )


def _commit_id(
    parent: str | None, seq: int, ts: datetime, meta: CommitMeta, added: int, removed: int,
) -> str:
    text = "\x1f".join(
        [parent or "", str(seq), ts.isoformat(), meta.author, meta.message, str(added), str(removed)]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def _ts(when: datetime) -> str:
    """Fixed-width UTC text, so string order is time order."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")
