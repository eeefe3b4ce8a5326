"""Regression: a broken `tier1 shapes test` fixture was named by an internal blank-node id
(new every run), a misspelt fixture term (t:violate) or shape name silently made a test
pass or fail for the wrong reason, and a folder with no fixtures said "0/0 fixtures pass"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import app

SHAPES = Path(__file__).resolve().parents[2] / "shapes"
HEAD = ("@prefix t: <https://w3id.org/tier1/shapes-test#> .\n"
        "@prefix pol: <https://w3id.org/tier1/shapes#> .\n"
        "@prefix ops: <https://w3id.org/tier1/ops#> .\n"
        "@prefix ex: <https://example.org/estate/> .\n")


def _folder(tmp_path: Path, fixture: str | None) -> Path:
    folder = tmp_path / "shapes"
    (folder / "tests").mkdir(parents=True)
    for f in SHAPES.glob("*.ttl"):
        shutil.copy(f, folder)
    if fixture is not None:
        (folder / "tests" / "f.ttl").write_text(HEAD + fixture)
    return folder


@pytest.mark.parametrize(("fixture", "words"), [
    ("[] a t:Fixture .\nex:x a ops:Host .\n", "f.ttl: a fixture needs t:conforms true"),
    ("[] a t:Fixture ; t:violate pol:HostShape ; t:conforms true .\n",
     "t:violate is not a fixture term (t:includes, t:conforms, t:violates, t:warns); did you "
     "mean t:violates?"),
    ("[] a t:Fixture ; t:violates pol:NoSuchShape .\n",
     "names <https://w3id.org/tier1/shapes#NoSuchShape>, which is no shape in the shape set"),
    (None, "no fixtures:"),
])
def test_a_broken_fixture_is_named_by_its_file_with_the_fix(
        tmp_path: Path, fixture: str | None, words: str) -> None:
    r = CliRunner().invoke(app, ["shapes", "test", str(_folder(tmp_path, fixture))])
    assert r.exit_code == 3, r.output
    assert words in r.output, r.output
