"""Regression: the change-freeze message printed a literal ``({?freeze})`` to on-call.

pySHACL fills ``{?var}`` in ``sh:message`` only from variables the SPARQL
constraint's SELECT projects; a variable bound inside FILTER EXISTS stays text.
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import SH

SHAPES = Path(__file__).resolve().parents[2] / "shapes"


def _projected(select: str) -> set[str]:
    head = select.split("WHERE", 1)[0]
    return set(re.findall(r"[?$](\w+)", head))


def test_every_message_placeholder_is_projected() -> None:
    checked = 0
    for ttl in sorted(SHAPES.glob("*.ttl")):
        g = Graph().parse(ttl)
        for constraint, select in g.subject_objects(SH.select):
            projected = _projected(str(select)) | {"this", "value", "path"}
            for message in g.objects(constraint, SH.message):
                wanted = set(re.findall(r"\{[?$](\w+)\}", str(message)))
                assert wanted <= projected, f"{ttl.name}: {message!s:.80} uses {wanted - projected}"
                checked += 1
    assert checked >= 5
