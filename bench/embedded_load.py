"""Embedded store: load and as-of read of a generated world, against rdflib's in-memory parse.

Measured in one run, medians of --repeat runs:
  - reference: rdflib ``Graph().parse()`` of the N-Triples file (triples/s);
  - commit:    ``SqliteStore.commit()`` of the already-parsed triples into a new store;
  - load:      ``tier1 load`` end to end (our N-Triples parser + one commit);
  - as-of:     reading every triple back as of commit 1 after a second commit changed 1%;
  - current:   reading every triple of the current state.
  - incremental: commits of 1k, 10k and 100k (60k asserted + 40k inferred: one 10,000-alert
    micro-batch of the storm) new triples into a store already holding the world (100k and
    1M triples), each from a fresh copy of the populated file with its indexes warm.
    ``close`` is the time close() then takes: it waits for the WAL checkpoint that now runs
    on a thread after the commit instead of inside it.
    References, same run: the same delta through the code before the change (one probing
    INSERT per row, checkpoint inside the commit: ``before_change``), and the same rows
    encoded and ``executemany``-ed into an unindexed table (the cost of the bytes alone).
Goal (issue 3): commit rate >= rdflib's parse rate (ratio >= 1).
Goal (issue 7): incremental commits >= 2x faster than before the change.

    python bench/embedded_load.py                   # 1M triples load; incremental at 100k and 1M
    python bench/embedded_load.py --quick           # 100k triples, incremental at 100k
    python bench/embedded_load.py --only incremental --worlds 100000 1000000
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import rdflib
from rdflib import RDF, XSD, Literal

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.worldgen import generate
from engine.store import CommitMeta, Delta, SqliteStore
from engine.terms import Quad, encode
from engine.vocab import EX, OPS, GraphName
from engine.world import LoadRequest, load_files, write_ntriples

META = CommitMeta(author="bench", message="bench")


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def median_rate(n: int, secs: list[float]) -> float:
    return n / statistics.median(secs)


def run(n: int, repeat: int, work: Path) -> dict[str, object]:
    nt = work / "world.nt"
    with nt.open("w", encoding="utf-8") as fh:
        fh.writelines(write_ntriples(generate(n)))
    triples = list(generate(n))
    delta = Delta.of(triples)
    size = len(delta.adds)
    ref, commit, load, asof, current = [], [], [], [], []
    for r in range(repeat):
        ref.append(timed(lambda: rdflib.Graph().parse(nt, format="nt")))
        store = SqliteStore(work / f"c{r}.db", create=True)
        commit.append(timed(lambda s=store: s.commit(delta, META)))  # type: ignore[misc]
        store2 = SqliteStore(work / f"l{r}.db", create=True)
        req = LoadRequest(paths=(nt,), author="bench")
        load.append(timed(lambda s=store2, q=req: load_files(s, q)))  # type: ignore[misc]
        change = Delta.of(triples[: n // 200], triples[n // 200 : n // 100])
        store.commit(change, META)
        asof.append(timed(lambda s=store: sum(1 for _ in s.quads(at=1))))  # type: ignore[misc]
        current.append(timed(lambda s=store: sum(1 for _ in s.quads())))  # type: ignore[misc]
        store.close()
        store2.close()
    return {
        "bench": "embedded_load", "triples": size, "repeat": repeat,
        "rdflib_parse_tps": round(median_rate(size, ref)),
        "commit_tps": round(median_rate(size, commit)),
        "load_end_to_end_tps": round(median_rate(size, load)),
        "asof_read_tps": round(median_rate(size, asof)),
        "current_read_tps": round(median_rate(size, current)),
        "commit_vs_rdflib_parse": round(statistics.median(ref) / statistics.median(commit), 2),
        "load_vs_rdflib_parse": round(statistics.median(ref) / statistics.median(load), 2),
        "machine": f"{platform.machine()} {platform.python_version()}",
    }


INCREMENTS = {"1k": 100, "10k": 1_000, "100k": 10_000}
"""Delta size -> alerts: each alert is 6 asserted and 4 inferred triples."""


def storm_delta(tag: str, alerts: int) -> Delta:
    """New alerts shaped like the closed loop's storm: 6 asserted triples each, plus 4
    inferred (the alert's service, the likely cause, an incident triggered by it)."""
    a_, i_ = GraphName.ASSERTED, GraphName.INFERRED
    out: list[Quad] = []
    for i in range(alerts):
        a, inc = EX[f"bench-{tag}-alert-{i}"], EX[f"bench-{tag}-incident-{i}"]
        inst, svc = EX[f"svc-{i % 10}-0"], EX[f"svc-{i % 10}"]
        fired = Literal(f"2026-11-28T09:{i % 60:02d}:01+00:00", datatype=XSD.dateTime)
        out += [(a, RDF.type, OPS.Alert, a_), (a, OPS.about, inst, a_),
                (a, OPS.severity, Literal("critical"), a_), (a, OPS.status, Literal("firing"), a_),
                (a, OPS.fingerprint, Literal(f"{tag}-{i}"), a_), (a, OPS.firedAt, fired, a_),
                (a, OPS.about, svc, i_), (a, OPS.likelyCause, svc, i_),
                (inc, OPS.triggeredBy, a, i_), (inc, OPS.affects, svc, i_)]
    return Delta.model_construct(adds=frozenset(out), removes=frozenset())


@contextmanager
def before_change() -> Iterator[None]:
    """The write path before set-at-a-time commits: one probing INSERT per row, and SQLite's
    checkpoint inside the commit (``_sqlite_write.SET_MIN`` forced up, no checkpoint thread)."""
    try:
        from engine.store import _sqlite_checkpoint as c
        from engine.store import _sqlite_write as w
    except ImportError:  # the code before the change has only that path
        yield
        return
    saved = w.SET_MIN, c.BACKGROUND
    w.SET_MIN, c.BACKGROUND = 1 << 62, False
    try:
        yield
    finally:
        w.SET_MIN, c.BACKGROUND = saved


def warm_copy(base: Path, dest: Path) -> SqliteStore:
    """A fresh copy of the populated store, its pages read once and one small commit made
    (a running loop's cache and prepared statements)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dest}{suffix}").unlink(missing_ok=True)
    shutil.copy(base, dest)
    store = SqliteStore(dest)
    for index in ("quads_spog", "quads_po", "quads_o", "quads_added"):
        store._db.execute(f"SELECT count(*) FROM quads INDEXED BY {index}").fetchone()
    store._db.execute("SELECT count(*) FROM quads WHERE g + 0 >= 0").fetchone()
    store.commit(storm_delta("warm-up", 30), META)
    return store


def plain_rows(delta: Delta, work: Path) -> float:
    """Reference: encode the rows and executemany them into an unindexed table (one transaction)."""
    path = work / "plain.db"
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE quads (g INTEGER, s TEXT, p TEXT, o TEXT, added INTEGER, removed INTEGER)")
    t = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    db.executemany("INSERT INTO quads (g, s, p, o, added) VALUES (?, ?, ?, ?, 2)",
                   ((g.value, encode(s), encode(p), encode(o)) for s, p, o, g in delta.adds))
    db.execute("COMMIT")
    dt = time.perf_counter() - t
    db.close()
    return dt


def incremental(n: int, repeat: int, work: Path) -> dict[str, object]:
    """Commits of new alerts into a store already holding ``n`` triples (see the docstring)."""
    base = work / f"world{n}.db"
    store = SqliteStore(base, create=True)
    store.commit(Delta.of(generate(n)), META)
    store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    out: dict[str, object] = {}
    for size, alerts in INCREMENTS.items():
        new, closing, old, plain = [], [], [], []
        for r in range(repeat):  # interleaved, so machine noise hits both paths alike
            delta = storm_delta(f"{size}-{r}", alerts)
            store = warm_copy(base, work / "inc.db")
            new.append(timed(lambda s=store, d=delta: s.commit(d, META)))  # type: ignore[misc]
            closing.append(timed(store.close))
            with before_change():
                store = warm_copy(base, work / "inc.db")
                old.append(timed(lambda s=store, d=delta: s.commit(d, META)))  # type: ignore[misc]
                store.close()
            plain.append(plain_rows(delta, work))
        k = len(delta.adds)
        out[size] = {
            "triples": k, "commit_ms": round(statistics.median(new) * 1000, 1),
            "close_ms": round(statistics.median(closing) * 1000, 1),
            "before_ms": round(statistics.median(old) * 1000, 1),
            "commit_tps": round(median_rate(k, new)), "before_tps": round(median_rate(k, old)),
            "plain_unindexed_tps": round(median_rate(k, plain)),
            "speedup": round(statistics.median(old) / statistics.median(new), 2),
            "commit_vs_plain": round(statistics.median(plain) / statistics.median(new), 2),
        }
        print(f"incremental @ {n:,}: {size} -> {out[size]}", file=sys.stderr, flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="100k triples instead of 1M")
    ap.add_argument("--triples", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=("load", "incremental"), default=None)
    ap.add_argument("--worlds", type=int, nargs="*", default=None,
                    help="world sizes for the incremental commits (default: 100k and 1M; --quick: 100k)")
    args = ap.parse_args()
    n = args.triples or (100_000 if args.quick else 1_000_000)
    result: dict[str, object] = {"bench": "embedded_load"}
    with tempfile.TemporaryDirectory(prefix="tier1-bench-") as tmp:
        if args.only != "incremental":
            result.update(run(n, args.repeat, Path(tmp)))
        if args.only != "load":
            for w in args.worlds or ([100_000] if args.quick else [100_000, 1_000_000]):
                result[f"incremental_{w}"] = incremental(w, args.repeat, Path(tmp))
    result["machine"] = f"{platform.machine()} {platform.python_version()}"
    print(json.dumps(result))


if __name__ == "__main__":
    main()
