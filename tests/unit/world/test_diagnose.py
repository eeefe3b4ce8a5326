"""The best-effort diagnosis names the usual causes of inconsistency (no Java needed)."""

from __future__ import annotations

import pytest
from rdflib import Graph

from engine.vocab import PREFIXES
from engine.world import ONTOLOGY_PATH
from engine.world._diagnose import find_suspects

HEADER = "\n".join(f"@prefix {p}: <{ns}> ." for p, ns in PREFIXES.items())


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ONTOLOGY_PATH, format="turtle")


def suspects(onto: Graph, data: str) -> list[str]:
    g = Graph()
    for t in onto:
        g.add(t)
    g.parse(data=f"{HEADER}\n{data}", format="turtle")
    return find_suspects(g)


def test_clean_data_has_no_suspects(onto: Graph) -> None:
    data = """ex:s a ops:DatabaseService ; ops:tier 1 ; ops:health "healthy" ;
                  ops:environment "production" ; ops:sloAvailability 99.9 .
              ex:i a ops:Instance ; ops:instanceOf ex:s ; ops:runsOn ex:h ; ops:restartCount 0 .
              ex:h a ops:Host ; ops:diskUsedPercent 50 .
              ex:p a ops:Person , ops:HumanAgent .
              ex:w a ops:FreezeWindow ; ops:startsAt "2026-11-28T00:00:00Z"^^xsd:dateTime ."""
    assert suspects(onto, data) == []


def test_disjointness_through_subclass(onto: Graph) -> None:
    found = suspects(onto, "ex:d a ops:Deployment , ops:Incident .")
    assert "ex:d is both ops:Change and ops:Incident, which are disjoint" in found


def test_disjointness_through_range(onto: Graph) -> None:
    found = suspects(onto, "ex:t a ops:Host . ex:s ops:ownedBy ex:t .")
    assert "ex:t is both ops:Host and ops:Team, which are disjoint" in found


def test_person_is_disjoint_from_estate_but_not_from_agents(onto: Graph) -> None:
    assert suspects(onto, "ex:p a ops:Person , ops:HumanAgent .") == []
    assert suspects(onto, "ex:p a ops:Person , ops:Host .") != []


def test_functional_property_needs_distinct_values(onto: Graph) -> None:
    same = "ex:i ops:instanceOf ex:a , ex:b ."
    assert suspects(onto, same) == []
    different = same + " ex:a owl:differentFrom ex:b ."
    assert suspects(onto, different) == [
        "ex:i has several values for functional ops:instanceOf: ex:a, ex:b"
    ]


@pytest.mark.parametrize(("data", "why"), [
    ('ex:s ops:tier "one" .', "expected xsd:integer"),
    ("ex:s ops:tier 0 .", "must be at least 1"),
    ('ex:s ops:severity "urgent" .', "must be one of critical, warning, info"),
    ('ex:s ops:environment "prod" .', "must be one of production, staging"),
    ('ex:a ops:firedAt "yesterday" .', "expected xsd:dateTime"),
    ('ex:a ops:emergency "yes" .', "expected xsd:boolean"),
    ("ex:h ops:diskUsedPercent ex:full .", "needs a literal"),
])
def test_literal_outside_range(onto: Graph, data: str, why: str) -> None:
    found = suspects(onto, data)
    assert len(found) == 1 and why in found[0], found


def test_self_dependency(onto: Graph) -> None:
    assert suspects(onto, "ex:s ops:dependsOn ex:s .") == [
        "ex:s ops:dependsOn itself, but ops:dependsOn is irreflexive"
    ]
