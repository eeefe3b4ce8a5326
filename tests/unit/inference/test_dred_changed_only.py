"""DRed over-deletes, at a block's affected keys, only the instances whose blocks change the
instance in the new state: a storm of duplicates re-firing its fingerprints must give what a
fresh run gives, without deleting and rederiving every open incident (docs/rules.md item 11)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from rdflib import Literal

from bench.loop_latency import HEALTHY, NOW, alert, calm_world, tier1_instances
from engine.inference import Reasoner, load_rules
from engine.terms import Triple
from engine.vocab import OPS
from tests.support.inference import snapshot

ROOT = Path(__file__).resolve().parents[3]
RULES = load_rules([ROOT / "rules" / "ops"])


def _waves(world: list[Triple], k: int, fps: int) -> tuple[list[list[Triple]], list[Triple]]:
    targets = tier1_instances(world, 10)
    waves: list[list[Triple]] = [[], []]
    for i in range(k):
        for w, tag in enumerate(("s", "t")):
            waves[w] += alert(i, targets[i % 10], NOW + timedelta(seconds=w + 1), tag,
                              f"dup-{i % fps}")
    waves[0] += [(t, OPS.health, Literal("crashed")) for t in targets]
    return waves, [(t, OPS.health, HEALTHY) for t in targets]


def test_a_refiring_duplicate_storm_equals_a_fresh_run_and_keeps_its_incidents() -> None:
    world = calm_world(5_000)
    waves, healthy = _waves(world, 300, 10)
    r = Reasoner(RULES)
    r.run(world, now=NOW)
    r.update(waves[0], healthy, now=NOW + timedelta(seconds=1))
    incidents = {t for t in r.result().inferred if t[1] == OPS.affects}
    assert len(incidents) == 10
    second = r.update(waves[1], [], now=NOW + timedelta(seconds=2))
    assert not second.removed  # nothing the re-fire wave changes is lost
    base = (set(world) - set(healthy)) | set(waves[0]) | set(waves[1])
    fresh = Reasoner(RULES)
    fresh.run(base, now=NOW + timedelta(seconds=2))
    assert snapshot(r) == snapshot(fresh)


def test_the_over_deletion_rerun_tests_a_count_by_its_filter_not_its_value() -> None:
    """A count of 2,000 instead of 1,000 still passes ``?n >= 3``: that instance keeps its
    derivation; only a failing filter (or a head that shows the count) over-deletes it."""
    r = Reasoner(RULES)
    unit = next(u for u in r.units if u.rule.id == "ops.alert-storm-incident")
    src = unit.source[unit.source.index("def X0rerunc"):]
    assert "X0n(NEWNOW[0]" in src and "(_n != _r and (not F" in src
