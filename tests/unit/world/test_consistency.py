"""HermiT over ontology + sample estate: consistent, and inconsistent additions are caught."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from engine.errors import ConfigError, ParseError
from engine.world import ONTOLOGY_PATH, ConsistencyReport, check_consistency

ESTATE = Path(__file__).resolve().parents[3] / "ontology" / "examples" / "estate.ttl"

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java")


def test_ontology_alone_is_consistent_and_coherent() -> None:
    report = check_consistency([ONTOLOGY_PATH])
    assert isinstance(report, ConsistencyReport)
    assert report.consistent and report.unsatisfiable == ()
    assert report.individuals == 8  # the action types
    assert "HermiT" in report.reasoner
    with pytest.raises(ValueError, match="frozen"):
        report.consistent = False  # type: ignore[misc]


def test_ontology_plus_estate_is_consistent() -> None:
    report = check_consistency([ESTATE])
    assert report.consistent, report.message
    assert report.message == "consistent" and report.suspects == ()
    assert report.individuals > 100 and report.classes >= 24 and report.seconds > 0


@pytest.mark.parametrize(("addition", "suspect"), [
    pytest.param("ex:x a ops:Service , ops:Host .", "ex:x is both ops:Host and ops:Service",
                 id="disjoint-types"),
    pytest.param("""ex:i9 a ops:Instance ; ops:runsOn ex:host-01 , ex:host-02 .
                    ex:host-01 owl:differentFrom ex:host-02 .""",
                 "ex:i9 has several values for functional ops:runsOn", id="functional-runsOn"),
    pytest.param("ex:checkout ops:tier 4 .", "must be at most 3", id="tier-out-of-range"),
    pytest.param('ex:checkout-1 ops:health "sick" .', "must be one of", id="health-value"),
])
def test_inconsistent_addition_is_caught(addition: str, suspect: str) -> None:
    report = check_consistency([ESTATE], extra_turtle=addition)
    assert not report.consistent
    assert report.message.startswith("inconsistent")
    assert any(suspect in s for s in report.suspects), report.suspects


def test_two_hosts_not_declared_different_are_merged_not_inconsistent() -> None:
    # No unique-name assumption in OWL: a second runsOn makes the hosts the same.
    addition = "ex:i9 a ops:Instance ; ops:runsOn ex:host-01 , ex:host-02 ."
    assert check_consistency([ESTATE], extra_turtle=addition).consistent


def test_bad_extra_turtle_names_its_line() -> None:
    with pytest.raises(ParseError) as err:
        check_consistency([], extra_turtle="ex:a a ops:Service .\nex:b ops:tier 2 ex:c .")
    assert (err.value.source, err.value.line) == ("<extra turtle>", 2)


def test_missing_java_is_a_config_error_with_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="apt-get install default-jre-headless"):
        check_consistency([ESTATE])


def test_no_temporary_files_are_left_behind(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert not check_consistency([], extra_turtle="ex:x a ops:Service , ops:Host .").consistent
    assert list(tmp_path.iterdir()) == []
