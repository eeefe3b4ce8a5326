"""ontology/ops.ttl declares exactly the terms of engine.vocab.OPS, each documented."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.collection import Collection

from engine.vocab import OPS, PROV

ONTOLOGY = Path(__file__).resolve().parents[3] / "ontology" / "ops.ttl"
NS = str(OPS._NS)
ONTOLOGY_IRI = URIRef("https://w3id.org/tier1/ops")
ACTION_TYPES = ["Restart", "ScaleOut", "ScaleIn", "Failover", "Rollback", "Page", "OpenTicket",
                "ClearDisk"]


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


def vocab_terms() -> set[URIRef]:
    return {URIRef(NS + name) for name in OPS.__annotations__}


def declared_terms(g: Graph) -> set[URIRef]:
    return {s for s in g.subjects(RDF.type, None) if isinstance(s, URIRef) and s.startswith(NS)}


def mentioned_terms(g: Graph) -> set[URIRef]:
    return {t for triple in g for t in triple if isinstance(t, URIRef) and t.startswith(NS)}


def test_every_vocab_term_is_declared(onto: Graph) -> None:
    missing = vocab_terms() - declared_terms(onto)
    assert not missing, f"in engine/vocab.py but not declared in ops.ttl: {sorted(missing)}"


def test_no_ops_term_outside_vocab(onto: Graph) -> None:
    extra = mentioned_terms(onto) - vocab_terms()
    assert not extra, f"ops: terms in ops.ttl missing from engine/vocab.py: {sorted(extra)}"


def test_every_term_has_label_and_comment(onto: Graph) -> None:
    undocumented = [
        t for t in vocab_terms()
        if onto.value(t, RDFS.label) is None or onto.value(t, RDFS.comment) is None
    ]
    assert not undocumented


def test_declarations_match_the_kind_of_term(onto: Graph) -> None:
    for term in vocab_terms():
        local = term[len(NS):]
        types = set(onto.objects(term, RDF.type))
        if local in ACTION_TYPES:
            assert {OWL.NamedIndividual, OPS.ActionType} <= types, local
        elif local[0].isupper():
            assert OWL.Class in types, local
        else:
            assert types & {OWL.ObjectProperty, OWL.DatatypeProperty}, local


def test_ontology_header(onto: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in onto
    assert onto.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal("0.2.0")
    assert onto.value(ONTOLOGY_IRI, RDFS.label) is not None
    assert onto.value(ONTOLOGY_IRI, RDFS.comment) is not None
    assert not list(onto.objects(None, OWL.imports)), "ops.ttl must be self-contained"


@pytest.mark.parametrize(("sub", "sup"), [
    (OPS.Plan, PROV.Plan), (OPS.StepExecution, PROV.Activity),
    (OPS.PolicyDecision, PROV.Activity), (OPS.Agent, PROV.Agent),
    (OPS.SoftwareAgent, PROV.SoftwareAgent), (OPS.HumanAgent, PROV.Person),
    (OPS.Person, PROV.Person), (OPS.Alert, PROV.Entity), (OPS.Incident, PROV.Entity),
    (OPS.Change, PROV.Entity), (OPS.DatabaseService, OPS.Service),
    (OPS.Deployment, OPS.Change), (OPS.ConfigChange, OPS.Change),
])
def test_alignment_axioms(onto: Graph, sub: URIRef, sup: URIRef) -> None:
    assert (sub, RDFS.subClassOf, sup) in onto


def test_prov_terms_used_are_declared_locally(onto: Graph) -> None:
    used = {t for triple in onto for t in triple
            if isinstance(t, URIRef) and t.startswith(str(PROV))}
    declared = set(onto.subjects(RDF.type, OWL.Class)) | set(
        onto.subjects(RDF.type, OWL.ObjectProperty))
    assert used and used <= declared


def enumeration(onto: Graph, prop: URIRef) -> list[str]:
    rng = onto.value(prop, RDFS.range)
    return [str(v) for v in Collection(onto, onto.value(rng, OWL.oneOf))]


@pytest.mark.parametrize(("prop", "values"), [
    (OPS.health, ["healthy", "degraded", "crashed", "unknown"]),
    (OPS.severity, ["critical", "warning", "info"]),
    (OPS.environment, ["production", "staging"]),
])
def test_value_conventions(onto: Graph, prop: URIRef, values: list[str]) -> None:
    assert enumeration(onto, prop) == values


def test_tier_is_an_integer_from_1_to_3(onto: Graph) -> None:
    rng = onto.value(OPS.tier, RDFS.range)
    assert onto.value(rng, OWL.onDatatype) == XSD.integer
    facets = {p: o for f in Collection(onto, onto.value(rng, OWL.withRestrictions))
              for p, o in onto.predicate_objects(f)}
    assert facets == {XSD.minInclusive: Literal(1), XSD.maxInclusive: Literal(3)}


@pytest.mark.parametrize("prop", [OPS.instanceOf, OPS.runsOn, OPS.tier])
def test_functional_properties(onto: Graph, prop: URIRef) -> None:
    assert (prop, RDF.type, OWL.FunctionalProperty) in onto


def test_major_estate_classes_are_disjoint(onto: Graph) -> None:
    groups = [set(Collection(onto, onto.value(g, OWL.members)))
              for g in onto.subjects(RDF.type, OWL.AllDisjointClasses)]
    major = {OPS.Service, OPS.Host, OPS.Instance, OPS.Team, OPS.Alert, OPS.Incident, OPS.Change}
    assert any(major <= g for g in groups)
