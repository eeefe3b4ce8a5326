"""Every Cypher statement tier1 sends, in one place. Portable Cypher 5: no APOC,
no element ids, values only as parameters.

Labels and relationship types cannot be parameters in Cypher 5, so the few
statements that need one take a name from :func:`ident`, which only passes
``prefix__local`` names made of ``[A-Za-z0-9_]`` (see ``_neo4j_mapping``).
Batched rows are lists, not maps (``r[0]``), which packs faster over Bolt.
"""

from __future__ import annotations

import re

__all__ = ["ident"]

_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_PROP = re.compile(r"[A-Za-z][A-Za-z0-9_]*(@rdf|@graph)?")


def ident(name: str) -> str:
    """``name`` as a label or relationship type, refusing anything that is not a plain identifier."""
    if not _IDENT.fullmatch(name):
        raise ValueError(f"{name!r} is not a safe Cypher identifier")
    return name


# -- schema (created on init, IF NOT EXISTS) ---------------------------------------
def schema(unique_uri: bool) -> list[str]:
    """Constraints and indexes. ``unique_uri`` is off on ArcadeDB, which re-creates a
    record when its labels change and then trips its own unique index; there the
    commit protocol (one ``Commit`` per unique ``seq``) keeps ``uri`` unique."""
    uri = (
        "CREATE CONSTRAINT tier1_resource_uri IF NOT EXISTS FOR (n:Resource) REQUIRE n.uri IS UNIQUE"
        if unique_uri
        else "CREATE INDEX tier1_resource_uri IF NOT EXISTS FOR (n:Resource) ON (n.uri)"
    )
    return [
        uri,
        "CREATE CONSTRAINT tier1_commit_seq IF NOT EXISTS FOR (c:Commit) REQUIRE c.seq IS UNIQUE",
        "CREATE CONSTRAINT tier1_commit_id IF NOT EXISTS FOR (c:Commit) REQUIRE c.id IS UNIQUE",
        "CREATE CONSTRAINT tier1_prefix IF NOT EXISTS FOR (p:NamespacePrefix) REQUIRE p.prefix IS UNIQUE",
        "CREATE CONSTRAINT tier1_prefix_ns IF NOT EXISTS FOR (p:NamespacePrefix) REQUIRE p.ns IS UNIQUE",
        "CREATE INDEX tier1_commit_ts IF NOT EXISTS FOR (c:Commit) ON (c.ts)",
        "CREATE INDEX tier1_stmt_k IF NOT EXISTS FOR (st:Stmt) ON (st.k)",
        "CREATE INDEX tier1_stmt_s IF NOT EXISTS FOR (st:Stmt) ON (st.s)",
        "CREATE INDEX tier1_stmt_p IF NOT EXISTS FOR (st:Stmt) ON (st.p)",
        "CREATE INDEX tier1_stmt_oh IF NOT EXISTS FOR (st:Stmt) ON (st.oh)",
        "CREATE INDEX tier1_stmt_added IF NOT EXISTS FOR (st:Stmt) ON (st.added)",
        "CREATE INDEX tier1_stmt_removed IF NOT EXISTS FOR (st:Stmt) ON (st.removed)",
    ]


META_READ = "MATCH (m:StoreMeta {key: 'schema'}) RETURN m.value AS v"
META_WRITE = "MERGE (m:StoreMeta {key: 'schema'}) ON CREATE SET m.value = $v RETURN m.value AS v"
PREFIXES_READ = "MATCH (p:NamespacePrefix) RETURN p.prefix AS prefix, p.ns AS ns"
PREFIXES_SEED = (
    "UNWIND $rows AS r MERGE (p:NamespacePrefix {prefix: r[0]}) ON CREATE SET p.ns = r[1]"
)
PREFIXES_ADD = "UNWIND $rows AS r CREATE (:NamespacePrefix {prefix: r[0], ns: r[1]})"

# -- commits -------------------------------------------------------------------------
_COMMIT_COLS = (
    "c.id AS id, c.seq AS seq, c.ts AS ts, c.author AS author, c.message AS message, "
    "c.parent AS parent, c.added AS added, c.removed AS removed"
)
HEAD = f"MATCH (c:Commit) RETURN {_COMMIT_COLS} ORDER BY c.seq DESC LIMIT 1"
LOG = f"MATCH (c:Commit) RETURN {_COMMIT_COLS} ORDER BY c.seq DESC"
LOG_LIMIT = LOG + " LIMIT $limit"
BY_SEQ = f"MATCH (c:Commit {{seq: $seq}}) RETURN {_COMMIT_COLS}"
BY_PREFIX = f"MATCH (c:Commit) WHERE c.id STARTS WITH $prefix RETURN {_COMMIT_COLS} LIMIT 2"
BY_TIME = (
    f"MATCH (c:Commit) WHERE c.ts <= $t RETURN {_COMMIT_COLS} ORDER BY c.seq DESC LIMIT 1"
)
COMMIT_CREATE = (  # the MATCH finds no parent for the first commit; the CREATE stands
    "CREATE (c:Commit {id: $id, seq: $seq, ts: $ts, author: $author, message: $message, "
    "parent: $parent, added: $added, removed: $removed}) "
    "WITH c MATCH (p:Commit {seq: $pseq}) CREATE (c)-[:PARENT]->(p)"
)

# -- statements (history and the reference for reads) --------------------------------
# Statements a commit reads back answer with one collected list per batch, not a record
# per row: the driver builds each record in Python (about 1 s of client CPU per 1M-triple load).
STMT_LIVE = "UNWIND $ks AS k MATCH (st:Stmt {k: k}) WHERE st.removed IS NULL RETURN collect(k)"
STMT_REMOVE = (
    "UNWIND $ks AS k MATCH (st:Stmt {k: k}) WHERE st.removed IS NULL "
    "SET st.removed = $seq RETURN collect(k)"
)
STMT_CREATE = (
    "UNWIND $rows AS r CREATE (:Stmt {k: r[0], g: r[1], s: r[2], p: r[3], o: r[4], "
    "oh: r[5], added: $seq})"
)
STMT_LITERALS = (
    "UNWIND $rows AS r MATCH (st:Stmt {s: r[0]}) WHERE st.removed IS NULL AND st.p = r[1] "
    "AND st.o STARTS WITH 'L' RETURN collect([r[0], r[1], st.g, st.o])"
)


def stmt_match(where: list[str], *, count: bool = False) -> str:
    """Statements matching ``where`` (fixed clauses over parameters): their count, or one
    row per subject with its ``[p, o, g]`` lists. Grouped, a full read sends a record per
    subject instead of per statement: the driver builds each record in Python, and a
    200k-statement read took 2.4x less time and 4.5x less client CPU on ArcadeDB. The price
    is a server-side aggregation over the matches (eager, in the server's memory)."""
    cond = " AND ".join(where)
    if count:
        return f"MATCH (st:Stmt) WHERE {cond} RETURN count(st) AS n"
    return f"MATCH (st:Stmt) WHERE {cond} WITH st.s AS s, collect([st.p, st.o, st.g]) AS pog RETURN s, pog"


# -- the property-graph view ---------------------------------------------------------
NODES_EXISTING = "UNWIND $uris AS u MATCH (n:Resource {uri: u}) RETURN collect(u)"
NODES_SET = "UNWIND $rows AS r MATCH (n:Resource {uri: r[0]}) SET n += r[1]"
NODES_DROP_ORPHANS = (
    "UNWIND $uris AS u MATCH (n:Resource {uri: u}) "
    "WHERE NOT EXISTS { (n)--() } AND size(keys(n)) = 1 DELETE n"
)
VIEW_NODES = "MATCH (n:Resource) RETURN properties(n) AS props, labels(n) AS labels"
VIEW_RELS = (
    "MATCH (a:Resource)-[r]->(b:Resource) "
    "RETURN a.uri AS s, type(r) AS t, coalesce(r.graph, 'asserted') AS g, b.uri AS o"
)


def nodes_create(labels: tuple[str, ...], keys: tuple[str, ...]) -> str:
    """Create nodes of one label set and one property shape, properties inline
    (``SET n += map`` after ``CREATE`` is several times slower on ArcadeDB)."""
    names = "".join(":" + ident(x) for x in ("Resource", *labels))
    props = "".join(f", {prop_ident(k)}: r[{i}]" for i, k in enumerate(keys, start=1))
    return f"UNWIND $rows AS r CREATE (n{names} {{uri: r[0]{props}}})"


def prop_ident(key: str) -> str:
    """A property key of the mapping, quoted for use in a map literal."""
    if not _PROP.fullmatch(key):
        raise ValueError(f"{key!r} is not a tier1 property key")
    return f"`{key}`"


def label_add(label: str) -> str:
    return f"UNWIND $uris AS u MATCH (n:Resource {{uri: u}}) SET n:{ident(label)}"


def label_drop(label: str) -> str:
    """Drop ``label`` from nodes no longer typed with its class (``$cls``) in any graph."""
    return (
        "UNWIND $uris AS u MATCH (n:Resource {uri: u}) "
        f"WHERE NOT EXISTS {{ (n)-[:rdf__type]->(:Resource {{uri: $cls}}) }} REMOVE n:{ident(label)}"
    )


def rels_create(rel_type: str, asserted: bool) -> str:
    """Relationships of one type and graph, rows ``[subject, [objects]]`` (the subject is
    looked up once: 1.3-1.9x faster on ArcadeDB than a row per edge). Asserted ones carry
    no property (light edges on ArcadeDB, twice as fast); the others carry ``graph: $g``."""
    props = "" if asserted else " {graph: $g}"
    return (
        "UNWIND $rows AS r MATCH (a:Resource {uri: r[0]}) UNWIND r[1] AS o "
        f"MATCH (b:Resource {{uri: o}}) CREATE (a)-[:{ident(rel_type)}{props}]->(b)"
    )


def rels_delete(rel_type: str, asserted: bool) -> str:
    where = "x.graph IS NULL" if asserted else "x.graph = $g"
    return (
        f"UNWIND $rows AS r MATCH (a:Resource {{uri: r[0]}})-[x:{ident(rel_type)}]->"
        f"(b:Resource {{uri: r[1]}}) WHERE {where} DELETE x"
    )
