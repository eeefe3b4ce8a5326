"""The gate over real stores: what-if reads asserted+inferred and never writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Literal, URIRef

from engine.policy import PolicyGate, load_shapes
from engine.store import CommitMeta, Delta, GraphStore, MemoryStore, SqliteStore
from engine.vocab import GraphName

EX = "http://example.org/g#"
SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/g#> .
ex:S sh:targetClass ex:Service ;
  sh:property [ sh:path [ sh:inversePath ex:instanceOf ] ; sh:minCount 2 ;
                sh:message "needs two instances" ] .
ex:W sh:targetClass ex:Service ;
  sh:property [ sh:path ex:owner ; sh:minCount 1 ; sh:severity sh:Warning ] .
"""


def u(x: str) -> URIRef:
    return URIRef(EX + x)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> GraphStore:
    s: GraphStore = MemoryStore() if request.param == "memory" else SqliteStore(
        tmp_path / "w.db", create=True)
    s.commit(Delta.of(adds=[(u("svc"), u("owner"), u("team")),
                            (u("i1"), u("instanceOf"), u("svc")),
                            (u("i2"), u("instanceOf"), u("svc"))]),
             CommitMeta(author="t", message="asserted"))
    # the type comes from inference: the gate must read the inferred graph too
    s.commit(Delta.of(adds=[(u("svc"), RDF.type, u("Service"))], graph=GraphName.INFERRED),
             CommitMeta(author="t", message="inferred"))
    return s


@pytest.fixture
def gate(tmp_path: Path) -> PolicyGate:
    f = tmp_path / "s.ttl"
    f.write_text(SHAPES)
    return PolicyGate(load_shapes([f]))


def test_world_conforms_then_a_removal_blocks(store: GraphStore, gate: PolicyGate) -> None:
    assert gate.validate(store).conforms
    before = store.count()
    report = gate.what_if(store, Delta.of(removes=[(u("i2"), u("instanceOf"), u("svc"))]))
    assert report.blocking and not report.needs_approval
    assert [r.message for r in report.results] == ["needs two instances"]
    assert report.results[0].focus == u("svc").n3()
    assert store.count() == before  # nothing written


def test_warning_needs_approval(store: GraphStore, gate: PolicyGate) -> None:
    report = gate.what_if(store, Delta.of(removes=[(u("svc"), u("owner"), u("team"))]))
    assert report.needs_approval and not report.blocking and report.verdict == "needs-approval"


def test_validate_at_an_earlier_commit(store: GraphStore, gate: PolicyGate) -> None:
    assert gate.validate(store, at=1).conforms  # no type yet: nothing targeted
    assert gate.validate(store, at=1).focus_checked == 0
    assert gate.validate(store).focus_checked == 2


def test_removing_an_asserted_copy_keeps_the_inferred_one(store: GraphStore, gate: PolicyGate) -> None:
    store.commit(Delta.of(adds=[(u("svc"), RDF.type, u("Service"))]), CommitMeta(author="t", message="a"))
    report = gate.what_if(store, Delta.of(removes=[(u("svc"), RDF.type, u("Service"))]))
    assert report.focus_checked == 2  # still a service: the inferred triple remains


def test_plans_are_stamped_with_the_commit_time(store: GraphStore, gate: PolicyGate) -> None:
    from engine.vocab import OPS

    head = store.head()
    assert head is not None
    report = gate.what_if(store, Delta.of(adds=[(u("plan"), RDF.type, OPS.Plan)]))
    assert report.judged_at == head.timestamp
    assert Literal(report.judged_at) is not None


def test_public_api_names_exist() -> None:
    import engine.policy as pol

    assert sorted(pol.__all__) == sorted(set(pol.__all__))
    for name in pol.__all__:
        assert getattr(pol, name) is not None


def test_trig_plan_file_reads_adds_and_removes(tmp_path: Path) -> None:
    from engine.policy import read_plan_file

    f = tmp_path / "p.trig"
    f.write_text("""@prefix ex: <http://example.org/g#> .
<urn:tier1:run:adds> { ex:i3 ex:instanceOf ex:svc . }
<urn:tier1:run:removes> { ex:i2 ex:instanceOf ex:svc . }
""")
    d = read_plan_file(f)
    assert {q[:3] for q in d.adds} == {(u("i3"), u("instanceOf"), u("svc"))}
    assert {q[:3] for q in d.removes} == {(u("i2"), u("instanceOf"), u("svc"))}


def test_trig_plan_file_with_an_unknown_graph_is_refused(tmp_path: Path) -> None:
    """A misspelled graph name must not quietly turn removals into additions."""
    from engine.errors import ParseError
    from engine.policy import read_plan_file

    f = tmp_path / "p.trig"
    f.write_text("""@prefix ex: <http://example.org/g#> .
ex:i4 ex:instanceOf ex:svc .
<urn:tier1:run:remove> { ex:i2 ex:instanceOf ex:svc . }
""")
    with pytest.raises(ParseError, match=r"p\.trig: unknown graph <urn:tier1:run:remove>"):
        read_plan_file(f)
