"""One commit as one Neo4j transaction: statements (history) first, then the view.

``Stmt`` nodes are the versioned rows of the SQLite design (``added`` and
``removed`` commit numbers), so as-of reads and diffs are the same range
queries. The property-graph view (``Resource`` nodes, labels, properties,
relationships) is brought up to date in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from neo4j import Transaction

from engine._gc import paused_gc
from engine.store import _neo4j_cypher as cy
from engine.store._model import Commit, CommitMeta, Delta
from engine.store._neo4j_mapping import Namespaces
from engine.store._neo4j_rows import BATCH, Row, batched, column, object_uri, statement_rows
from engine.store._neo4j_temporal import DatetimeEncoder, unchanged
from engine.store._neo4j_view import View
from engine.store._sqlite import _commit_id

__all__ = ["BATCH", "apply_commit"]


def apply_commit(
    tx: Transaction, delta: Delta, meta: CommitMeta, ns: Namespaces, head: Commit | None,
    datetimes: DatetimeEncoder = unchanged,
) -> Commit:
    """Write ``delta`` as the commit after ``head``; returns the commit written.
    ``datetimes`` prepares datetime property values for the server's Bolt version."""
    with paused_gc():
        return _apply(tx, delta, meta, ns, head, datetimes)


def _apply(
    tx: Transaction, delta: Delta, meta: CommitMeta, ns: Namespaces, head: Commit | None,
    datetimes: DatetimeEncoder,
) -> Commit:
    adds = statement_rows(delta.adds)
    removes = statement_rows(delta.removes)
    seq = (head.seq if head else 0) + 1
    ts = (meta.timestamp or datetime.now(UTC)).astimezone(UTC)
    if head and ts < head.timestamp:
        ts = head.timestamp
    gone = column(tx, cy.STMT_REMOVE, "ks", list(removes), seq=seq)
    existing = _existing_nodes(tx, adds.values()) if head is not None else set()
    maybe_live = [k for k, r in adds.items() if r[2] in existing]
    for k in column(tx, cy.STMT_LIVE, "ks", maybe_live):
        del adds[k]
    added = list(adds.values())
    batched(tx, cy.STMT_CREATE, "rows", added, seq=seq)
    removed = [removes[k] for k in gone]
    View(tx, ns, existing, datetimes).update(added, removed)
    parent = head.id if head else None
    cid = _commit_id(parent, seq, ts, meta, len(added), len(removed))
    tx.run(cy.COMMIT_CREATE, id=cid, seq=seq, ts=ts, author=meta.author, message=meta.message,
           parent=parent, added=len(added), removed=len(removed),
           pseq=head.seq if head else None).consume()
    return Commit(id=cid, seq=seq, timestamp=ts, author=meta.author, message=meta.message,
                  parent=parent, added=len(added), removed=len(removed))


def _existing_nodes(tx: Transaction, adds: Iterable[Row]) -> set[str]:
    """The nodes, among the subjects and objects of ``adds``, that exist before the commit.

    A statement whose subject has no node cannot be live (every live statement
    keeps its subject's node: a property or a relationship), so only the others
    are checked against history, and only their literals are read back: a bulk
    load of new subjects skips both.
    """
    uris = {r[2] for r in adds}
    uris.update(object_uri(r[4]) for r in adds if r[4][0] != "L")
    return set(column(tx, cy.NODES_EXISTING, "uris", sorted(uris)))
