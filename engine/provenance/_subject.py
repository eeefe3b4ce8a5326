"""What a subject is, for audits that answer nothing about it (so the auditor knows why)."""

from __future__ import annotations

from rdflib import RDF, URIRef

from engine.store import GraphStore, triples
from engine.terms import curie
from engine.vocab import OPS, PROV, RUN, GraphName

__all__ = ["what_is"]


def what_is(store: GraphStore, subject: URIRef) -> str | None:
    """A hint for ``audit why --subject X`` with no answer: what X is, and where to look."""
    text = str(subject)
    name = "run:" + text[len(str(RUN)):] if text.startswith(str(RUN)) else curie(subject)
    prov = set(_types(store, subject, GraphName.PROVENANCE))
    if OPS.PolicyDecision in prov:
        verdict = next((str(o) for _, _, o in triples(
            store, (subject, OPS.status, None), graph=GraphName.PROVENANCE)), "?")
        return (f"{name} is a policy decision (verdict {verdict}), not a step execution; "
                "see `tier1 audit blocked-plans` for blocked plans and the shapes that blocked them")
    if OPS.PlanWithdrawal in prov:
        return (f"{name} is a plan withdrawal: the loop withdrew a plan before it ran because "
                "its goal was met already, so no step ran; see `tier1 plans --state withdrawn`")
    if OPS.Plan in set(_types(store, subject, GraphName.ASSERTED)) or PROV.Plan in prov:
        return (f"{name} is a plan, not a step; see `tier1 plans` for its steps and state, "
                "then `tier1 audit why --subject` one of its steps (run:step/...)")
    if any(True for _ in triples(store, (subject, PROV.generated, None),
                                 graph=GraphName.PROVENANCE)) and PROV.Activity in prov \
            and OPS.StepExecution not in prov:
        return f"{name} is an approval or rejection record; see `tier1 audit approved-by`"
    return None


def _types(store: GraphStore, s: URIRef, graph: GraphName) -> list[object]:
    return [o for _, _, o in triples(store, (s, RDF.type, None), graph=graph)]
