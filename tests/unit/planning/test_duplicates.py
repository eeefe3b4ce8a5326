"""New alerts that repeat a firing one are recorded as its duplicates, not as alerts."""

from __future__ import annotations

import json
from datetime import timedelta

from rdflib import RDF, RDFS, Literal, URIRef

from engine.planning import load_goals, load_plans
from engine.planning._events import Entities, parse_events
from engine.planning._intake import ingest
from engine.store import GraphStore, triples
from engine.vocab import EX, OPS
from tests.unit.planning.conftest import START, MakeLoop, estate


def lines(*events: dict[str, object]) -> str:
    return "\n".join(json.dumps(e) for e in events) + "\n"


def at(seconds: float) -> str:
    return (START + timedelta(seconds=seconds)).isoformat()


def fire(name: str, seconds: float = 30, **more: object) -> dict[str, object]:
    return {"alert": f"ex:{name}", "about": "ex:search-2", "time": at(seconds), **more}


def alerts(store: GraphStore) -> set[URIRef]:
    """The alerts the test fired (not the sample estate's own, ex:alert-...)."""
    return {URIRef(s) for s, _, _ in triples(store, (None, RDF.type, OPS.Alert))
            if not str(s).startswith(str(EX["alert-"]))}


def duplicates(store: GraphStore) -> dict[URIRef, URIRef]:
    return {URIRef(s): URIRef(o) for s, _, o in triples(store, (None, OPS.duplicateOf, None))}


def test_a_storm_of_new_alerts_is_one_alert_and_its_duplicates(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """500 new alert ids with one fingerprint, across two batches: the first is the alert,
    the rest are its duplicates, each with its own time and label; one plan."""
    estate(store)
    loop = make_loop(store)
    crash = {"about": "ex:search-2", "observe": {"ops:health": "crashed"}, "time": at(30)}
    storm = [fire(f"s-{i}", 30 + i / 10, fingerprint="search-2:down", label=f"copy {i}")
             for i in range(500)]
    report = ingest(loop, parse_events(lines(crash, *storm)), batch=300, execute=False)
    assert (report.alerts, report.batches) == (500, 2)
    assert alerts(store) == {EX["s-0"]}
    assert duplicates(store) == {EX[f"s-{i}"]: EX["s-0"] for i in range(1, 500)}
    d = EX["s-7"]
    (when,) = [o for _, _, o in triples(store, (d, OPS.repeatedAt, None))]
    assert str(when).startswith("2026-11-28T09:00:30.7")
    assert {(p, o) for _, p, o in triples(store, (d, None, None))} == {
        (RDF.type, OPS.DuplicateAlert), (OPS.duplicateOf, EX["s-0"]), (OPS.repeatedAt, when),
        (OPS.status, Literal("firing")), (RDFS.label, Literal("copy 7"))}
    assert len(load_plans(store)) == 1
    assert not any((s, RDF.type, OPS.DuplicateAlert) in loop.ports.actuator._twin.graph  # type: ignore[attr-defined]
                   for s in duplicates(store))  # the twin keeps alerts out, and duplicates


def test_only_the_same_fingerprint_subject_and_severity_repeat(
        store: GraphStore, make_loop: MakeLoop) -> None:
    estate(store)
    loop = make_loop(store)
    ingest(loop, parse_events(lines(
        fire("a", fingerprint="fp"), fire("b", fingerprint="fp"),
        fire("c", fingerprint="fp", severity="warning"),  # another severity
        fire("d", fingerprint="other"),  # another fingerprint
        {"alert": "ex:e", "about": "ex:search-1", "fingerprint": "fp", "time": at(30)},
        fire("f"), fire("g"))),  # no fingerprint: the default is the subject and severity
        execute=False)
    assert alerts(store) == {EX.a, EX.c, EX.d, EX.e, EX.f}
    assert duplicates(store) == {EX.b: EX.a, EX.g: EX.f}


def test_later_than_the_grace_a_new_alert_is_its_own(store: GraphStore, make_loop: MakeLoop) -> None:
    """An alert left firing (its page sent) and fired again an hour later is a recurrence,
    as before alerts were merged; within 5 minutes of that one, the next repeats it."""
    estate(store)
    loop = make_loop(store)
    ingest(loop, parse_events(lines(fire("a", 0))), execute=False)
    ingest(loop, parse_events(lines(fire("b", 299), fire("c", 3600), fire("d", 3700))),
           execute=False)
    assert alerts(store) == {EX.a, EX.c}
    assert duplicates(store) == {EX.b: EX.a, EX.d: EX.c}


def test_an_alert_in_the_world_fires_again_as_itself(store: GraphStore, make_loop: MakeLoop) -> None:
    estate(store)
    loop = make_loop(store)
    ingest(loop, parse_events(lines(fire("a", 0), fire("b", 1))), execute=False)
    ingest(loop, parse_events(lines(fire("a", 2))), execute=False)  # a re-sent, b still fires
    assert alerts(store) == {EX.a}
    assert duplicates(store) == {EX.b: EX.a}


def test_a_duplicate_of_a_resolved_alert_fires_as_its_own(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """The alert it repeated is resolved; monitoring fires the duplicate again: it is an
    alert now, and no longer a duplicate."""
    estate(store)
    loop = make_loop(store)
    ingest(loop, parse_events(lines(fire("a", 0), fire("b", 1))), execute=False)
    ingest(loop, parse_events(lines({"about": "ex:a", "observe": {"ops:status": "resolved"},
                                     "time": at(2)}, fire("b", 3))), execute=False)
    assert alerts(store) == {EX.a, EX.b}
    assert duplicates(store) == {}
    assert not list(triples(store, (EX.b, RDF.type, OPS.DuplicateAlert)))
    assert [o for _, _, o in triples(store, (EX.b, OPS.status, None))] == [Literal("firing")]


def test_an_alert_resolved_earlier_in_the_batch_is_not_repeated(
        store: GraphStore, make_loop: MakeLoop) -> None:
    estate(store)
    loop = make_loop(store)
    ingest(loop, parse_events(lines(fire("a", 0))), execute=False)
    ingest(loop, parse_events(lines({"about": "ex:a", "observe": {"ops:status": "resolved"},
                                     "time": at(1)}, fire("b", 2))), execute=False)
    assert alerts(store) == {EX.a, EX.b}
    assert duplicates(store) == {}


def test_a_duplicate_may_be_fired_and_resolved_by_name(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """ingest's check refuses an `alert` naming an entity that is not an alert: a duplicate
    is one, so monitoring may re-send or resolve it."""
    estate(store)
    loop = make_loop(store)
    ingest(loop, parse_events(lines(fire("a", 0), fire("b", 1))), execute=False)
    again = parse_events(lines(fire("b", 2), {"about": "ex:b", "observe": {
        "ops:status": "resolved"}, "time": at(3)}), entities=Entities(store))
    ingest(loop, again, execute=False)
    assert duplicates(store) == {EX.b: EX.a}
    (when,) = [o for _, _, o in triples(store, (EX.b, OPS.repeatedAt, None))]
    assert str(when).startswith("2026-11-28T09:00:02")  # the last firing stands


def test_an_alert_the_world_was_loaded_with_is_repeated_even_without_a_zone(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """A firing alert loaded with a zoneless ops:firedAt (read as UTC) is repeated by a new
    one of its key, not compared with an aware time (which would raise)."""
    from rdflib import XSD

    from engine.store import CommitMeta, Delta

    estate(store)
    loaded = EX["loaded"]
    store.commit(Delta.of([
        (loaded, RDF.type, OPS.Alert), (loaded, OPS.about, EX["search-2"]),
        (loaded, OPS.severity, Literal("critical")), (loaded, OPS.status, Literal("firing")),
        (loaded, OPS.fingerprint, Literal("fp")),
        (loaded, OPS.firedAt, Literal("2026-11-28T09:00:00", datatype=XSD.dateTime))]),
        CommitMeta(author="test", message="an alert", timestamp=START))
    loop = make_loop(store)
    ingest(loop, parse_events(lines(fire("new", 30, fingerprint="fp"))), execute=False)
    assert duplicates(store) == {EX.new: loaded}


def status(store: GraphStore, name: str) -> set[str]:
    return {str(o) for _, _, o in triples(store, (EX[name], OPS.status, None))}


def test_resolving_the_alert_hands_it_to_a_repeat_that_still_fires(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """QA pass 13 #3: monitoring resolves the first of three ids it sent; the other two still
    fire. The last becomes the alert and the incident stays open; once monitoring resolves
    every id, it closes."""
    estate(store)
    loop = make_loop(store)
    ingest(loop, parse_events(lines(*(fire(f"a-{i}", 10 * i) for i in range(3)))), execute=False)
    assert (alerts(store), duplicates(store)) == ({EX["a-0"]}, {EX["a-1"]: EX["a-0"],
                                                                 EX["a-2"]: EX["a-0"]})
    resolve = [{"about": "ex:a-0", "observe": {"ops:status": "resolved"}, "time": at(40)}]
    ingest(loop, parse_events(lines(*resolve)), execute=False)
    assert (alerts(store), duplicates(store)) == ({EX["a-0"], EX["a-2"]}, {EX["a-1"]: EX["a-2"]})
    assert status(store, "a-2") == {"firing"}
    assert [g.status for g in load_goals(store)] == ["open"]
    done = [{"about": f"ex:a-{i}", "observe": {"ops:status": "resolved"}, "time": at(50)}
            for i in (1, 2)]
    ingest(loop, parse_events(lines(*done)), execute=False)
    assert [g.status for g in load_goals(store)] == ["met"]


def test_a_repeat_of_the_same_batch_takes_over_too(store: GraphStore, make_loop: MakeLoop) -> None:
    estate(store)
    loop = make_loop(store)
    ingest(loop, parse_events(lines(fire("a", 0))), execute=False)
    ingest(loop, parse_events(lines(fire("b", 5), fire("c", 6), {
        "about": "ex:a", "observe": {"ops:status": "resolved"}, "time": at(7)})), execute=False)
    assert (alerts(store), duplicates(store)) == ({EX.a, EX.c}, {EX.b: EX.c})
    assert not list(triples(store, (EX.c, OPS.repeatedAt, None)))
    assert [o for _, _, o in triples(store, (EX.c, OPS.fingerprint, None))] == [
        Literal("ex:search-2:critical")]


def test_the_fix_resolves_the_repeats_with_their_alert(store: GraphStore,
                                                       make_loop: MakeLoop) -> None:
    estate(store)
    loop = make_loop(store)
    crash = {"about": "ex:search-2", "observe": {"ops:health": "crashed"}, "time": at(0)}
    ingest(loop, parse_events(lines(crash, *(fire(f"r-{i}", i) for i in range(4)))))
    (plan,) = load_plans(store)
    assert plan.state.value == "completed"
    assert all(status(store, f"r-{i}") == {"resolved"} for i in range(4))


def test_merging_does_not_depend_on_how_the_input_is_batched(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """QA pass 13 #6: an out-of-order repeat of the batch's first alert was its own alert
    when a later alert of the key came in between (only the last one was remembered)."""
    estate(store)
    loop = make_loop(store)
    ingest(loop, parse_events(lines(fire("x", 0), fire("y", 400), fire("z", 10))),
           execute=False)
    assert (alerts(store), duplicates(store)) == ({EX.x, EX.y}, {EX.z: EX.x})


def test_a_fingerprint_is_its_text_whatever_its_datatype(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """QA pass 13 #7: "S"^^xsd:string in the world and "S" in an event are one fingerprint."""
    from rdflib import XSD

    from engine.store import CommitMeta, Delta

    estate(store)
    w = EX["typed"]
    store.commit(Delta.of([
        (w, RDF.type, OPS.Alert), (w, OPS.about, EX["search-2"]),
        (w, OPS.severity, Literal("critical", datatype=XSD.string)),
        (w, OPS.status, Literal("firing")), (w, OPS.fingerprint, Literal("S", datatype=XSD.string)),
        (w, OPS.firedAt, Literal(at(0), datatype=XSD.dateTime))]),
        CommitMeta(author="test", message="an alert", timestamp=START))
    loop = make_loop(store)
    ingest(loop, parse_events(lines(fire("plain", 30, fingerprint="S"))), execute=False)
    assert duplicates(store) == {EX.plain: w}


def test_the_report_counts_each_new_duplicate_once(store: GraphStore, make_loop: MakeLoop) -> None:
    """QA pass 13 #8: a duplicate id re-sent was counted again."""
    estate(store)
    loop = make_loop(store)
    first = ingest(loop, parse_events(lines(fire("a", 0), fire("b", 1), fire("c", 2))),
                   execute=False)
    again = ingest(loop, parse_events(lines(fire("b", 3), fire("d", 4))), execute=False)
    assert (first.duplicates, again.duplicates) == (2, 1)


def test_two_takeovers_in_one_batch_keep_the_key(store: GraphStore, make_loop: MakeLoop) -> None:
    """QA pass 14 #1: A resolved hands over to B, and B resolved in the same batch hands over
    to C; C lost its fingerprint and severity (read from B's record, not stored yet), and the
    incident closed while C fired."""
    estate(store)
    loop = make_loop(store)
    ingest(loop, parse_events(lines(*(fire(n, t, fingerprint="fpR") for n, t in
                                      (("A", 0), ("C", 10), ("B", 20))))), execute=False)
    ingest(loop, parse_events(lines(*({"about": f"ex:{n}", "observe": {"ops:status": "resolved"},
                                       "time": at(30)} for n in ("A", "B")))), execute=False)
    props = {(p, o) for _, p, o in triples(store, (EX.C, None, None))}
    assert {(OPS.fingerprint, Literal("fpR")), (OPS.severity, Literal("critical")),
            (OPS.status, Literal("firing")), (RDF.type, OPS.Alert)} <= props
    assert [g.status for g in load_goals(store)] == ["open"]


def test_a_repeat_resolved_earlier_in_the_batch_does_not_take_over(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """QA pass 14 #2: D2 resolved, then its alert A, in one batch: A went to D2 (resolved),
    and D1, still firing, repeated an alert that did not fire."""
    estate(store)
    loop = make_loop(store)
    ingest(loop, parse_events(lines(fire("A", 0), fire("D1", 10), fire("D2", 20))),
           execute=False)
    ingest(loop, parse_events(lines(*({"about": f"ex:{n}", "observe": {"ops:status": "resolved"},
                                       "time": at(30)} for n in ("D2", "A")))), execute=False)
    assert alerts(store) == {EX.A, EX.D1}
    assert status(store, "D1") == {"firing"}
    assert [g.status for g in load_goals(store)] == ["open"]


def test_the_goal_met_line_counts_the_duplicates_resolved(
        store: GraphStore, make_loop: MakeLoop) -> None:
    estate(store)
    loop = make_loop(store)
    crash = {"about": "ex:search-2", "observe": {"ops:health": "crashed"}, "time": at(0)}
    ingest(loop, parse_events(lines(crash, *(fire(f"r-{i}", i) for i in range(4)))))
    (met,) = [e for e in loop.events if e.kind == "goal_met"]
    assert met.text.endswith("1 alert(s) resolved (and 3 duplicate(s))")
