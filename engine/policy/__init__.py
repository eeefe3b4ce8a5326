"""The policy gate: SHACL shapes, full and what-if validation, shape-set versions.

``load_shapes(paths)`` gives a :class:`ShapeSet`; ``PolicyGate(shapes)``
validates a world (``validate``) or the world after a plan's delta
(``what_if``) into a :class:`PolicyReport`; ``report_to_delta`` records the
decision in the provenance graph.
"""

from engine.policy._gate import PolicyGate
from engine.policy._model import PolicyReport, PolicyResult, Severity, ShapeVersion
from engine.policy._overlay import VALIDATED_GRAPHS, WorldView, as_rdflib_graph
from engine.policy._shapes import ShapeSet, default_shapes_dir, load_shapes

__all__ = [
    "VALIDATED_GRAPHS",
    "PolicyGate",
    "PolicyReport",
    "PolicyResult",
    "Severity",
    "ShapeSet",
    "ShapeVersion",
    "WorldView",
    "as_rdflib_graph",
    "default_shapes_dir",
    "load_shapes",
]
