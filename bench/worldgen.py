"""Generate a realistic synthetic estate of about N triples (deterministic for a seed).

Used by every benchmark so they measure the same world. Shapes follow the
sample estate: services in 3 tiers with SLOs and dependencies, hosts,
instances with health, alerts with typed literals, and deployments.

    python bench/worldgen.py 1000000 -o /tmp/world.nt
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Literal, URIRef

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.terms import Triple
from engine.vocab import EX, OPS
from engine.world import write_ntriples

__all__ = ["generate", "service_iri"]

T0 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
HEALTH = ["healthy"] * 8 + ["degraded", "crashed"]
SEVERITY = ["critical", "warning", "warning", "info"]


def service_iri(i: int) -> URIRef:
    return EX[f"svc-{i}"]


def _service(i: int, rng: random.Random, n_services: int) -> Iterator[Triple]:
    s = service_iri(i)
    tier = 1 if i % 10 == 0 else (2 if i % 3 == 0 else 3)
    yield from [
        (s, RDF.type, OPS.Service), (s, RDFS.label, Literal(f"Service {i}")),
        (s, OPS.name, Literal(f"svc-{i}")), (s, OPS.tier, Literal(tier)),
        (s, OPS.sloAvailability, Literal("99.9", datatype=XSD.decimal)),
        (s, OPS.minHealthyInstances, Literal(2)), (s, OPS.maxInstances, Literal(6)),
        (s, OPS.environment, Literal("production")),
    ]
    for _ in range(rng.randint(1, 3)):
        if i > 0:
            yield (s, OPS.dependsOn, service_iri(rng.randrange(0, max(1, min(i, n_services)))))


def _instances(i: int, rng: random.Random, n_hosts: int) -> Iterator[Triple]:
    s = service_iri(i)
    for k in range(3):
        inst = EX[f"svc-{i}-{k}"]
        host = EX[f"host-{rng.randrange(n_hosts)}"]
        yield from [
            (inst, RDF.type, OPS.Instance), (inst, OPS.instanceOf, s), (inst, OPS.runsOn, host),
            (inst, OPS.health, Literal(rng.choice(HEALTH))),
        ]


def _alerts(i: int, rng: random.Random) -> Iterator[Triple]:
    for k in range(rng.randint(0, 2)):
        a = EX[f"alert-{i}-{k}"]
        fired = T0 - timedelta(minutes=rng.randrange(0, 600))
        yield from [
            (a, RDF.type, OPS.Alert), (a, OPS.about, EX[f"svc-{i}-{k % 3}"]),
            (a, OPS.fingerprint, Literal(f"fp-{i}-{k}")), (a, OPS.severity, Literal(rng.choice(SEVERITY))),
            (a, OPS.status, Literal("firing" if rng.random() < 0.3 else "resolved")),
            (a, OPS.firedAt, Literal(fired)),
        ]


def _hosts(n_hosts: int) -> Iterator[Triple]:
    for h in range(n_hosts):
        host = EX[f"host-{h}"]
        yield from [(host, RDF.type, OPS.Host), (host, OPS.diskUsedPercent, Literal(40 + h % 50))]


def generate(n_triples: int, seed: int = 7) -> Iterator[Triple]:
    """About ``n_triples`` triples (stops exactly at ``n_triples``)."""
    rng = random.Random(seed)
    n_services = max(1, n_triples // 40)
    n_hosts = max(4, n_services // 4)
    count = 0

    def take(it: Iterator[Triple]) -> Iterator[Triple]:
        nonlocal count
        for t in it:
            if count >= n_triples:
                return
            count += 1
            yield t

    yield from take(_hosts(n_hosts))
    i = 0
    while count < n_triples:
        yield from take(_service(i, rng, n_services))
        yield from take(_instances(i, rng, n_hosts))
        yield from take(_alerts(i, rng))
        i += 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("n", type=int)
    ap.add_argument("-o", "--output", type=Path, required=True)
    args = ap.parse_args()
    with args.output.open("w", encoding="utf-8") as fh:
        fh.writelines(write_ntriples(generate(args.n)))


if __name__ == "__main__":
    main()
