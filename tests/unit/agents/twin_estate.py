"""A tiny estate for agent tests: two services, three instances, two hosts, one deploy."""

from __future__ import annotations

from rdflib import XSD, Literal
from rdflib.namespace import RDF

from engine.terms import Triple
from engine.vocab import EX, OPS


def estate() -> list[Triple]:
    t: list[Triple] = [
        (EX.checkout, RDF.type, OPS.Service), (EX.checkout, OPS.maxInstances, Literal(3)),
        (EX.checkout, OPS.version, Literal("4.12.0")),
        (EX.payments, RDF.type, OPS.Service),
        (EX["host-1"], RDF.type, OPS.Host),
        (EX["host-1"], OPS.diskUsedPercent, Literal("93.5", datatype=XSD.decimal)),
        (EX["host-2"], RDF.type, OPS.Host),
        (EX["host-2"], OPS.diskUsedPercent, Literal("50.0", datatype=XSD.decimal)),
        (EX.deploy, RDF.type, OPS.Deployment), (EX.deploy, OPS.changes, EX.checkout),
        (EX.deploy, OPS.status, Literal("completed")), (EX.deploy, OPS.version, Literal("4.12.0")),
        (EX.deploy, OPS.previousVersion, Literal("4.11.3")),
        (EX.deploy, OPS.changedAt, Literal("2026-11-28T07:50:00Z", datatype=XSD.dateTime)),
    ]
    for name, svc, host, health in [
        ("checkout-1", EX.checkout, "host-1", "healthy"),
        ("checkout-2", EX.checkout, "host-2", "crashed"),
        ("payments-1", EX.payments, "host-2", "healthy"),
    ]:
        i = EX[name]
        t += [(i, RDF.type, OPS.Instance), (i, OPS.instanceOf, svc), (i, OPS.runsOn, EX[host]),
              (i, OPS.health, Literal(health)), (i, OPS.restartCount, Literal(0))]
    return t
