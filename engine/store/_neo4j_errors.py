"""The one table from Neo4j driver errors to the engine's exception tree, and retries.

Rows are tried in order; the first whose driver class (or server code
prefix) matches decides the engine class, whether the operation is retried,
and the message, which names the URI and says the fix. Retried errors are
those the server promises left nothing behind: ``TransientError`` and
``ConstraintError`` (a concurrent writer took the same commit number or key;
ArcadeDB raises it instead of waiting on a concurrent ``MERGE``), and ArcadeDB's report of a
node type a concurrent writer created first.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import NamedTuple, TypeVar

from neo4j import exceptions as nx

from engine.errors import (
    ConflictError,
    EngineError,
    InputError,
    StoreError,
    StoreUnavailable,
    TransientStoreError,
)

__all__ = ["ATTEMPTS", "retrying", "translate"]

T = TypeVar("T")
ATTEMPTS = 6
_CREDENTIALS = "set TIER1_NEO4J_USER and TIER1_NEO4J_PASSWORD to a user the server accepts"


class _Row(NamedTuple):
    match: type[Exception] | str  # a driver class, or a server code prefix
    engine: type[EngineError]
    retry: bool
    message: str
    detail: str = ""  # and, if set, the start of the server's message


_NEW_NODES = "Error executing Cypher command: UNWIND $rows AS r CREATE (n:"
"""How ArcadeDB reports a node type (one per label set) that a concurrent transaction created
first: a SemanticError on tier1's node creation, rolled back (the server log says
TypeAlreadyExistsException). Two loads into a fresh store hit it."""


_TABLE: tuple[_Row, ...] = (
    _Row(nx.AuthError, StoreUnavailable, False,
         "{uri} refused the credentials ({detail}); " + _CREDENTIALS),
    _Row(nx.Forbidden, StoreUnavailable, False,
         "{uri} does not let this user write ({detail}); " + _CREDENTIALS),
    _Row(nx.IncompleteCommit, StoreUnavailable, False,
         "the connection to {uri} broke while committing, so the commit is either fully "
         "written or absent; reconnect and check 'tier1 log' before retrying"),
    _Row(nx.SessionExpired, StoreUnavailable, False,
         "lost the connection to {uri} ({detail}); the open commit was rolled back: "
         "check the server is running, then retry"),
    _Row(nx.ServiceUnavailable, StoreUnavailable, False,
         "cannot reach a Neo4j server at {uri} ({detail}); start it (docker compose -f "
         "docker/compose.yml up -d) or fix the URI given to --store"),
    _Row(nx.ConstraintError, ConflictError, True,
         "a concurrent writer changed {uri} first ({detail}); nothing was written, retry"),
    _Row(nx.TransientError, TransientStoreError, True,
         "{uri} asked to retry ({detail}); nothing was written, retry later"),
    _Row("Neo.ClientError.Statement.SemanticError", ConflictError, True,
         "{uri} refused to create nodes, again and again ({detail}); on ArcadeDB that is "
         "concurrent writers creating the same node types: nothing was written, retry",
         detail=_NEW_NODES),
    _Row("Neo.ClientError.Database.DatabaseNotFound", StoreUnavailable, False,
         "{uri} has no such database ({detail}); create it or set TIER1_NEO4J_DATABASE"),
    _Row(nx.CypherSyntaxError, StoreError, False,
         "{uri} rejected a tier1 query as invalid Cypher ({detail}); this is a tier1 bug, "
         "or the server is not Cypher 5 compatible"),
    _Row(nx.CypherTypeError, InputError, False,
         "{uri} could not store a value ({detail}); fix the value in the input data"),
    _Row(nx.ClientError, StoreError, False, "{uri} refused the operation ({detail})"),
    _Row(nx.DatabaseError, StoreError, False, "{uri} failed ({detail}); see the server log"),
    _Row(nx.DriverError, StoreUnavailable, False, "the Neo4j driver failed for {uri} ({detail})"),
)


_LOST = ("defunct connection", "connection reset", "broken pipe")
"""What the driver says when a connection that was working dies: the server went away during
the transaction, which it then rolls back; "cannot reach ... fix the URI" would mislead."""
_LOST_ROW = next(r for r in _TABLE if r.match is nx.SessionExpired)


def _row(exc: Exception) -> _Row | None:
    if isinstance(exc, nx.ServiceUnavailable) and any(w in _detail(exc).lower() for w in _LOST):
        return _LOST_ROW
    code = getattr(exc, "code", None) or ""
    for row in _TABLE:
        if row.detail and not _detail(exc).startswith(row.detail):
            continue
        if isinstance(row.match, str):
            if code.startswith(row.match):
                return row
        elif isinstance(exc, row.match):
            return row
    return None


def _detail(exc: Exception) -> str:
    text = getattr(exc, "message", None) or str(exc)
    return " ".join(str(text).split())[:300]


def translate(exc: Exception, uri: str) -> EngineError:
    """The engine error for a driver error; non-driver errors pass through unchanged."""
    if isinstance(exc, EngineError):
        return exc
    row = _row(exc)
    if row is None:
        return StoreError(f"{uri}: unexpected {type(exc).__name__}: {_detail(exc)}")
    return row.engine(row.message.format(uri=uri, detail=_detail(exc)))


def retryable(exc: Exception) -> bool:
    row = _row(exc)
    return row is not None and row.retry


def retrying(op: Callable[[], T], uri: str, *, attempts: int = ATTEMPTS) -> T:
    """Run ``op`` (one whole transaction), retrying retryable errors with backoff."""
    for attempt in range(attempts):
        try:
            return op()
        except (nx.Neo4jError, nx.DriverError) as exc:
            if not retryable(exc) or attempt == attempts - 1:
                raise translate(exc, uri) from exc
            time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")  # pragma: no cover
