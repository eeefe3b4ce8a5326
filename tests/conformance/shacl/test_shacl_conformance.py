"""SHACL core conformance, full and what-if: every case must give its expected report.

What-if is run twice: from an empty world with the whole data as the delta, and from
the data minus a seeded random subset with that subset as the delta.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.util import from_n3
from shacl_cases import CASES, PREFIXES, Case

from engine.policy import PolicyGate, PolicyReport, load_shapes
from engine.store import Delta

pytestmark = pytest.mark.conformance
EX = "http://example.org/c#"
NS = {"ex": EX, "xsd": "http://www.w3.org/2001/XMLSchema#"}


def _n3(text: str) -> str:
    """'ex:a' / '5' / '"x"@en' in the notation of the cases -> N3 as PolicyResult writes it."""
    if text.startswith("ex:"):
        return URIRef(EX + text[3:]).n3()
    term = from_n3(text, nsm=None) if not text[0].isdigit() else Literal(int(text))
    if isinstance(term, Literal) and term.datatype and "xsd:" in text:
        term = Literal(str(term), datatype=URIRef(NS["xsd"] + text.split("xsd:")[1]))
    assert term is not None
    return term.n3()


def _path(text: str | None) -> str | None:
    if text is None:
        return None
    for local in sorted({w for w in text.replace("(", " ").replace(")", " ").replace("/", " ")
                         .replace("|", " ").replace("^", " ").replace("*", " ").replace("+", " ")
                         .replace("?", " ").split() if w.startswith("ex:")}, key=len, reverse=True):
        text = text.replace(local, f"<{EX}{local[3:]}>")
    return text


def _expected(case: Case) -> set[tuple[str, ...]]:
    return {(_n3(f), "sh:" + c, _path(p) or "", _n3(v) if v else "", case.severity)
            for f, c, p, v in case.expect}


def _got(report: PolicyReport) -> set[tuple[str, ...]]:
    return {(r.focus, r.component, r.path or "", r.value or "", r.severity) for r in report.results}


def _setup(case: Case, tmp_path: Path) -> tuple[PolicyGate, Graph]:
    f = tmp_path / "shapes.ttl"
    f.write_text(PREFIXES + case.shapes)
    data = Graph().parse(data=PREFIXES + case.data, format="turtle")
    return PolicyGate(load_shapes([f])), data


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_full(case: Case, tmp_path: Path) -> None:
    gate, data = _setup(case, tmp_path)
    report = gate.validate(data)
    assert _got(report) == _expected(case)
    assert report.conforms == (not case.expect)


def _check_what_if(gate: PolicyGate, base: Graph, adds: set, case: Case) -> None:
    """what-if results plus the old verdicts of unaffected focus nodes == expected report."""
    delta = Delta.of(adds=adds)
    before = gate.validate(base)
    report = gate.what_if(base, delta)
    aff = gate.affected(base, delta)
    checked = {n.n3() for ns in aff.nodes.values() for n in ns}
    unaffected = {k for k in _got(before) if not aff.everything and k[0] not in checked}
    assert _got(report) | unaffected == _expected(case)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_what_if_from_empty(case: Case, tmp_path: Path) -> None:
    gate, data = _setup(case, tmp_path)
    _check_what_if(gate, Graph(), set(data), case)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_what_if_from_part(case: Case, seed: int, tmp_path: Path) -> None:
    gate, data = _setup(case, tmp_path)
    triples = sorted(data, key=str)
    held_out = set(random.Random(seed).sample(triples, k=len(triples) // 2))
    base = Graph()
    for t in triples:
        if t not in held_out:
            base.add(t)
    _check_what_if(gate, base, held_out, case)
