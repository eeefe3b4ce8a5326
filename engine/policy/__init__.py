"""The policy gate: SHACL shapes, full and what-if validation, shape-set versions.

``load_shapes(paths)`` gives a :class:`ShapeSet`; ``PolicyGate(shapes)``
validates a world (``validate``) or the world after a plan's delta
(``what_if``) into a :class:`PolicyReport`; ``record_decision`` records the
decision in the provenance graph's hash chain (``report_to_delta`` is its triples),
``read_decisions`` reads them back and ``impact_on_history`` replays them under another
shape set.
"""

from engine.policy._gate import PolicyGate, stamp_plans
from engine.policy._impact import ImpactReport, ImpactRow, impact_on_history
from engine.policy._model import PolicyReport, PolicyResult, Severity, ShapeVersion
from engine.policy._overlay import VALIDATED_GRAPHS, WorldView, as_rdflib_graph
from engine.policy._planfile import read_plan_file
from engine.policy._record import RecordedDecision, read_decisions, record_decision, report_to_delta
from engine.policy._shapes import ShapeSet, default_shapes_dir, load_shapes
from engine.policy._suite import FixtureOutcome, SuiteReport, run_suite

__all__ = [
    "VALIDATED_GRAPHS",
    "FixtureOutcome",
    "ImpactReport",
    "ImpactRow",
    "PolicyGate",
    "PolicyReport",
    "PolicyResult",
    "RecordedDecision",
    "Severity",
    "ShapeSet",
    "ShapeVersion",
    "SuiteReport",
    "WorldView",
    "as_rdflib_graph",
    "default_shapes_dir",
    "impact_on_history",
    "load_shapes",
    "read_decisions",
    "read_plan_file",
    "record_decision",
    "report_to_delta",
    "run_suite",
    "stamp_plans",
]
