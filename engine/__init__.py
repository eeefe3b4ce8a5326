"""tier1: a knowledge-graph reasoning engine for tier-1 incidents.

The rooms are subpackages (``engine.store``, ``engine.world``, ``engine.inference``,
``engine.planning``, ``engine.policy``, ``engine.agents``, ``engine.provenance``);
this top level re-exports what most callers need first.
"""

from engine.errors import EngineError
from engine.store import CommitMeta, Delta, GraphStore, open_store
from engine.vocab import OPS, GraphName

__version__ = "0.1.0"

__all__ = ["OPS", "CommitMeta", "Delta", "EngineError", "GraphName", "GraphStore", "open_store"]
