"""The Neo4j world store: the store contract over Bolt, readable as a plain graph.

Two things live side by side in the database:

* the **view**: the current world as an n10s-style property graph that
  auditors query by hand (see ``_neo4j_mapping``);
* the **history**: ``(:Commit)`` nodes chained by ``[:PARENT]``, and one
  ``(:Stmt {k, g, s, p, o, oh, added, removed})`` node per statement version,
  the rows of the SQLite design, which answer reads, as-of reads and diffs
  with the same range conditions as the embedded store.

Each commit is one Neo4j transaction, so a server lost mid-commit leaves it
fully present or fully absent. Credentials come from the environment
(:func:`engine.config.neo4j_credentials`), never from the URI alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC
from typing import Any, ClassVar, TypeVar

from neo4j import Driver, GraphDatabase, Record, Session
from neo4j import exceptions as nx
from rdflib import Literal, URIRef

from engine.config import neo4j_credentials, neo4j_database, neo4j_timeout
from engine.errors import CommitNotFound, ConfigError, StoreUnavailable
from engine.store import _neo4j_cypher as cy
from engine.store._base import ALL_GRAPHS, Capabilities, check_absent, only_match
from engine.store._model import Commit, CommitMeta, CommitRef, Delta, Diff
from engine.store._neo4j_errors import retrying, translate
from engine.store._neo4j_mapping import (
    Namespaces,
    node_term,
    node_uri,
    read_literals,
    term_hash,
)
from engine.store._neo4j_temporal import datetime_encoder
from engine.store._neo4j_write import apply_commit
from engine.terms import Pattern, Quad, decode, encode, sorted_quads
from engine.vocab import PREFIXES, GraphName

__all__ = ["Neo4jStore"]

SCHEMA_VERSION = "1"
T = TypeVar("T")


class Neo4jStore:
    """A world store in Neo4j 5 (or a Bolt + Cypher 5 server such as ArcadeDB).

    Open it with :meth:`connect`; ``location`` is the URI.
    """

    capabilities: ClassVar[Capabilities] = Capabilities(persistent=True, cypher=True)

    def __init__(
        self, driver: Driver, uri: str, *, database: str | None, arcadedb: bool,
        protocol: tuple[int, ...] | None = None,
    ) -> None:
        self._driver = driver
        self.location = uri
        self.database = database
        self.arcadedb = arcadedb
        self._ns = Namespaces()
        self._ns_stale = True
        self._datetimes = datetime_encoder(protocol)  # the server's Bolt version decides

    @classmethod
    def connect(cls, uri: str, *, create: bool = False) -> Neo4jStore:
        """Connect to ``uri`` with the credentials from the environment.

        Args:
            uri: ``neo4j://`` or ``bolt://`` (``+s``/``+ssc`` for TLS).
            create: create the constraints, indexes and prefix table if missing;
                otherwise a database without them is a :class:`StoreUnavailable`.
        """
        user, password = neo4j_credentials()
        wait = neo4j_timeout()
        try:
            driver = GraphDatabase.driver(uri, auth=(user, password), connection_timeout=wait,
                                          connection_acquisition_timeout=wait)
        except (ValueError, nx.ConfigurationError) as exc:
            raise ConfigError(f"cannot use {uri!r} as a Neo4j URI ({exc}); "
                              "write e.g. neo4j://localhost:7687") from None
        try:
            driver.verify_connectivity()
            info = driver.get_server_info()
        except (nx.Neo4jError, nx.DriverError) as exc:
            driver.close()
            raise translate(exc, uri) from None
        store = cls(driver, uri, database=neo4j_database(), arcadedb="ArcadeDB" in (info.agent or ""),
                    protocol=info.protocol_version)
        try:
            store._prepare(create)
        except BaseException:
            driver.close()
            raise
        return store

    def _prepare(self, create: bool) -> None:
        found = self._query(cy.META_READ)
        if not found and not create:
            db = (f"database {self.database!r} (TIER1_NEO4J_DATABASE)" if self.database
                  else "the server's default database (set TIER1_NEO4J_DATABASE for another)")
            raise StoreUnavailable(
                f"{self.location}, {db}, holds no tier1 store yet: run "
                f"'tier1 --store {self.location} init' to create its constraints and indexes"
            )
        if create:
            for stmt in cy.schema(unique_uri=not self.arcadedb):
                self._query(stmt)
            found = self._query(cy.META_WRITE, v=SCHEMA_VERSION)
            self._query(cy.PREFIXES_SEED, rows=[list(r) for r in sorted(PREFIXES.items())])
        if found[0]["v"] != SCHEMA_VERSION:
            raise StoreUnavailable(
                f"{self.location} has tier1 store schema {found[0]['v']}, this tier1 reads "
                f"{SCHEMA_VERSION}: export it with the tier1 that wrote it and load it here"
            )

    def close(self) -> None:
        self._driver.close()

    # -- plumbing ---------------------------------------------------------------------
    def _session(self) -> Session:
        return self._driver.session(database=self.database)

    def _query(self, query: str, **params: Any) -> list[Record]:
        """One auto-committed statement, retried when the server says so."""
        def run() -> list[Record]:
            with self._session() as session:
                return list(session.run(query, params))

        return retrying(run, self.location)

    def _in_tx(self, work: Callable[[Any], T]) -> T:
        def run() -> T:
            with self._session() as session, session.begin_transaction() as tx:
                out = work(tx)
                tx.commit()
                return out

        return retrying(run, self.location)

    # -- writes -----------------------------------------------------------------------
    def commit(self, delta: Delta, meta: CommitMeta) -> Commit:
        def work(tx: Any) -> Commit:
            if self._ns_stale:
                self._ns = Namespaces((r["prefix"], r["ns"]) for r in tx.run(cy.PREFIXES_READ))
                self._ns_stale = False
            check_absent(meta, lambda q: _live(tx, q), self.location)
            head = _head(tx)
            return apply_commit(tx, delta, meta, self._ns, head, self._datetimes)

        try:
            commit = self._in_tx(work)
        except BaseException:
            self._ns.reject()
            self._ns_stale = True
            raise
        self._ns.accept()
        return commit

    # -- reads ------------------------------------------------------------------------
    def quads(
        self, pattern: Pattern = (None, None, None), *,
        graphs: Iterable[GraphName] = ALL_GRAPHS, at: int | None = None,
    ) -> Iterator[Quad]:
        where = _where(pattern, graphs, at)
        if where is not None:
            yield from self._stream(cy.stmt_match(where[0]), where[1])

    def _stream(self, query: str, params: Mapping[str, Any]) -> Iterator[Quad]:
        preds: dict[str, URIRef] = {}
        try:
            with self._session() as session:
                for s, pogs in session.run(query, dict(params)):  # one row per subject
                    subject = node_term(s)
                    for p, o, g in pogs:
                        pred = preds.get(p)
                        if pred is None:
                            pred = preds[p] = URIRef(p)
                        yield (subject, pred, decode(o), _GRAPHS[g])
        except (nx.Neo4jError, nx.DriverError) as exc:
            raise translate(exc, self.location) from exc

    def count(self, *, graphs: Iterable[GraphName] = ALL_GRAPHS, at: int | None = None) -> int:
        where = _where((None, None, None), graphs, at)
        if where is None:
            return 0
        return int(self._query(cy.stmt_match(where[0], count=True), **where[1])[0]["n"])

    def head(self) -> Commit | None:
        rows = self._query(cy.HEAD)
        return _commit(rows[0]) if rows else None

    def log(self, *, limit: int | None = None) -> list[Commit]:
        rows = self._query(cy.LOG) if limit is None else self._query(cy.LOG_LIMIT, limit=limit)
        return [_commit(r) for r in rows]

    def find_commit(self, ref: CommitRef) -> Commit:
        if ref.seq is not None:
            rows = self._query(cy.BY_SEQ, seq=ref.seq)
        elif ref.id_prefix is not None:
            rows = self._query(cy.BY_PREFIX, prefix=ref.id_prefix)
        elif ref.time is not None:
            rows = self._query(cy.BY_TIME, t=ref.time.astimezone(UTC))
        else:
            raise CommitNotFound(f"{ref} is relative; resolve it with resolve_ref()")
        return _commit(only_match(rows, ref))

    def diff(self, frm: int, to: int) -> Diff:
        lo, hi = min(frm, to), max(frm, to)
        live_to = ["st.added > $lo", "st.added <= $hi", "(st.removed IS NULL OR st.removed > $hi)"]
        gone = ["st.added <= $lo", "st.removed > $lo", "st.removed <= $hi"]
        appeared = set(self._stream(cy.stmt_match(live_to), {"lo": lo, "hi": hi}))
        vanished = set(self._stream(cy.stmt_match(gone), {"lo": lo, "hi": hi}))
        plus, minus = appeared - vanished, vanished - appeared
        if frm > to:
            plus, minus = minus, plus
        return Diff(frm=frm, to=to, added=sorted_quads(plus), removed=sorted_quads(minus))

    # -- Cypher for audits, and the view read back ------------------------------------
    def run_cypher(self, query: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Run a read-only audit query; rows as dicts (Neo4j temporal values as they come)."""
        def run() -> list[dict[str, Any]]:
            with self._driver.session(database=self.database, default_access_mode="READ") as s:
                return [r.data() for r in s.run(query, dict(params))]

        return retrying(run, self.location)

    def export_view(self) -> set[Quad]:
        """The current world read back from the property-graph view alone (nodes,
        properties, relationships, prefix table): equal to ``set(quads())``."""
        ns = Namespaces((r["prefix"], r["ns"]) for r in self._query(cy.PREFIXES_READ))
        out: set[Quad] = set()
        for rec in self._query(cy.VIEW_NODES):
            subject = node_term(rec["props"]["uri"])
            out.update((subject, p, o, g) for p, o, g in read_literals(rec["props"], ns))
        for rec in self._query(cy.VIEW_RELS):
            out.add((node_term(rec["s"]), URIRef(ns.iri(rec["t"])), node_term(rec["o"]),
                     GraphName(rec["g"])))
        return out


def _head(tx: Any) -> Commit | None:
    rows = list(tx.run(cy.HEAD))
    return _commit(rows[0]) if rows else None


def _commit(row: Record) -> Commit:
    ts = row["ts"]
    native = ts.to_native() if hasattr(ts, "to_native") else ts
    if native.tzinfo is None:  # ArcadeDB drops the zone; tier1 writes UTC
        native = native.replace(tzinfo=UTC)
    return Commit(
        id=row["id"], seq=row["seq"], timestamp=native.astimezone(UTC), author=row["author"],
        message=row["message"], parent=row["parent"], added=row["added"], removed=row["removed"],
    )


_GRAPHS = {g.value: g for g in GraphName}


def _live(tx: Any, q: Quad) -> bool:
    """Whether ``q`` is live, as transaction ``tx`` sees it."""
    where = _where(q[:3], (q[3],), None)
    return where is not None and int(tx.run(cy.stmt_match(where[0], count=True),
                                            where[1]).single()["n"]) > 0


def _where(
    pattern: Pattern, graphs: Iterable[GraphName], at: int | None,
) -> tuple[list[str], dict[str, Any]] | None:
    """WHERE clauses and parameters for a pattern; ``None`` when nothing can match."""
    s, p, o = pattern
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if s is not None:
        if isinstance(s, Literal):
            return None
        clauses.append("st.s = $s")
        params["s"] = node_uri(s)
    if p is not None:
        if not isinstance(p, URIRef):
            return None
        clauses.append("st.p = $p")
        params["p"] = str(p)
    if o is not None:
        key = encode(o)
        clauses += ["st.oh = $oh", "st.o = $o"]
        params.update(oh=term_hash(key), o=key)
    gs = sorted({GraphName(g).value for g in graphs})
    if len(gs) < len(GraphName):
        clauses.append("st.g IN $gs")
        params["gs"] = gs
    if at is None:
        clauses.append("st.removed IS NULL")
    else:
        clauses.append("st.added <= $at AND (st.removed IS NULL OR st.removed > $at)")
        params["at"] = at
    return clauses, params

