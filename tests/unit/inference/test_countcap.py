"""Threshold counts stop early, and DRed skips a storm's keys where they keep their effect
(engine/inference/_countcap.py; QA pass 6 #7: a storm sharing one fingerprint made every
batch walk all of its firing alerts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rdflib import Literal
from rdflib.namespace import RDF

from bench.loop_latency import NOW, alert, calm_world, tier1_instances
from engine.inference import Reasoner, RuleSet, load_rules, parse_text
from engine.inference._countcap import count_cap
from engine.inference._model import Count
from engine.terms import Triple
from engine.vocab import EX, OPS
from tests.support.inference import snapshot
from tests.unit.inference.test_dred_changed_only import ROOT

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)
OPS_RULES = load_rules([ROOT / "rules" / "ops"])


def _rule(filters: str, head: str = "?x ex:busy true") -> str:
    return ("prefix ex: <https://example.org/estate/>\n"
            "rule r\nwhen\n  ?x a ex:Node\n  count ?y where { ?x ex:edge ?y } as ?n\n"
            f"{filters}\nthen\n  {head}\nend\n")


def _cap(text: str) -> int | None:
    rule = RuleSet.of(parse_text(text)).rules[0]
    block = next(it for it in rule.body if isinstance(it, Count))
    return count_cap(rule, block)


@pytest.mark.parametrize(("filters", "cap"), [
    ("  filter ?n >= 3", 4),
    ("  filter ?n >= 1\n  filter ?n != 2", 3),
    ("  filter 2 > ?n", 3),
    ("  filter ?n + 1 > 3", None),  # arithmetic on the count: it must be exact
    ("  filter ?n >= 2.5", None),  # not an integer constant
    ("", None),  # no threshold at all
])
def test_the_cap_is_one_past_the_largest_threshold(filters: str, cap: int | None) -> None:
    assert _cap(_rule(filters)) == cap


def _two_counts(filters: str) -> str:
    return ("prefix ex: <https://example.org/estate/>\n"
            "rule r\nwhen\n  ?x a ex:Node\n  ?x ex:weight ?w\n"
            "  count ?y where { ?x ex:edge ?y } as ?n\n  count ?z where { ?x ex:link ?z } as ?m\n"
            f"{filters}\nthen\n  ?x ex:busy true\nend\n")


@pytest.mark.parametrize(("filters", "caps"), [
    ("  filter ?n + ?m >= 3", [4, 4]),  # a sum of counts: each may stop past the constant
    ("  filter ?m >= 1\n  filter ?n + ?m >= 3", [4, 4]),
    ("  filter ?n + ?w >= 3", [None, None]),  # ?w may be negative: ?n must be exact
])
def test_a_sum_of_counts_compared_with_a_constant_caps_each(filters: str,
                                                            caps: list[int | None]) -> None:
    rule = RuleSet.of(parse_text(_two_counts(filters))).rules[0]
    blocks = [it for it in rule.body if isinstance(it, Count)]
    assert [count_cap(rule, b) for b in blocks] == caps


def test_capped_counts_in_a_sum_answer_as_the_exact_counts() -> None:
    """Nodes with 0-4 edges and 0-4 links: busy exactly where edges + links >= 3."""
    facts: list[Triple] = []
    for i in range(5):
        for j in range(5):
            x = EX[f"n{i}-{j}"]
            facts += [(x, RDF.type, EX.Node), (x, EX.weight, Literal(0))]
            facts += [(x, EX.edge, EX[f"e{k}"]) for k in range(i)]
            facts += [(x, EX.link, EX[f"l{k}"]) for k in range(j)]
    r = Reasoner(RuleSet.of(parse_text(_two_counts("  filter ?n + ?m >= 3"))))
    busy = {t[0] for t in r.run(facts, now=T0).inferred if t[1] == EX.busy}
    assert busy == {EX[f"n{i}-{j}"] for i in range(5) for j in range(5) if i + j >= 3}


def test_a_count_that_shows_in_a_head_is_counted_in_full() -> None:
    assert _cap(_rule("  filter ?n >= 3", head="?x ex:fanout ?n")) is None
    assert _cap(_rule("  filter ?n >= 3", head="new ?h from ?x ?n\n  ?h ex:hubOf ?x")) is None


@pytest.mark.parametrize("filters", ["  filter ?n >= 1\n  filter ?n != 2", "  filter ?n < 4",
                                     "  filter ?n = 5"])
def test_a_capped_count_answers_every_threshold_as_the_exact_count(filters: str) -> None:
    """Nodes with 0 to 6 edges: the rule holds exactly where the true count passes."""
    nodes = [EX[f"n{i}"] for i in range(7)]
    facts: list[Triple] = [(n, RDF.type, EX.Node) for n in nodes]
    facts += [(n, EX.edge, EX[f"t{j}"]) for i, n in enumerate(nodes) for j in range(i)]
    r = Reasoner(RuleSet.of(parse_text(_rule(filters))))
    busy = {t[0] for t in r.run(facts, now=T0).inferred if t[1] == EX.busy}
    passes = {"  filter ?n >= 1\n  filter ?n != 2": lambda n: n >= 1 and n != 2,
              "  filter ?n < 4": lambda n: n < 4, "  filter ?n = 5": lambda n: n == 5}[filters]
    assert busy == {n for i, n in enumerate(nodes) if passes(i)}


def test_the_storm_count_settles_and_the_first_of_fingerprint_block_does_not() -> None:
    r = Reasoner(OPS_RULES)
    storm = next(u for u in r.units if u.rule.id == "ops.alert-storm-incident")
    first = next(u for u in r.units if u.rule.id == "ops.incident-triggered-by-first-of-fingerprint")
    assert storm.blocks[0].settles  # a threshold, keyed on fingerprint and service
    assert "raise SETTLED" in storm.source
    assert not first.blocks[0].settles  # a `not` reads the alert's own time
    assert "raise SETTLED" not in first.source


def test_an_unresolved_storm_on_one_fingerprint_equals_a_fresh_run_wave_after_wave() -> None:
    """Warning alerts into one fingerprint (a storm while its plan awaits approval; only the
    storm rule opens the incident), the clock moving between some waves, then all but two
    resolved: at each step the update equals a fresh materialization."""
    world = calm_world(3_000)
    inst = tier1_instances(world, 1)[0]
    r = Reasoner(OPS_RULES)
    r.run(world, now=NOW)
    base = set(world)
    now = NOW
    for w in range(6):
        now = NOW + timedelta(minutes=2 * (w // 2) + 1)
        batch = [(s, p, Literal("warning") if p == OPS.severity else o) for i in range(40)
                 for s, p, o in alert(w * 40 + i, inst, NOW + timedelta(seconds=60 * w + i), "g",
                                      "shared")]
        _step(r, base, batch, [], now)
        assert any(t[1] == OPS.affects for t in r.result().inferred)  # a storm
    firing = sorted(t for t in base if t[1] == OPS.status and "bench-g-" in t[0])[2:]
    _step(r, base, [(a, p, Literal("resolved")) for a, p, _ in firing], firing, now)
    assert not any(t[1] == OPS.affects for t in r.result().inferred)  # two alerts: no storm


def _step(r: Reasoner, base: set[Triple], adds: list[Triple], removes: list[Triple],
          now: datetime) -> None:
    r.update(adds, removes, now=now)
    base -= set(removes)
    base |= set(adds)
    fresh = Reasoner(OPS_RULES)
    fresh.run(base, now=now)
    assert snapshot(r) == snapshot(fresh)
