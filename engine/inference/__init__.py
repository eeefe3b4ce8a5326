"""Forward-chaining inference: the rule language, the engine and explanations.

``load_rules`` parses rule files into a frozen :class:`RuleSet`;
:class:`Reasoner` materializes it (semi-naive, stratified) and maintains it
incrementally; :func:`infer_store` commits the inferred graph of a store.
"""

from engine.inference._args import parse_term, parse_triple
from engine.inference._checks import rule_warnings
from engine.inference._engine import Reasoner
from engine.inference._load import default_rules_dir, load_rules
from engine.inference._model import Rule, RuleSet
from engine.inference._parser import parse_text
from engine.inference._results import (
    Derivation,
    InferenceDelta,
    InferenceResult,
    InferOutcome,
    Proposal,
    WhyNot,
)
from engine.inference._store import (
    asserted_commit,
    infer_store,
    last_infer_ruleset,
    reasoner_for_store,
)

__all__ = [
    "Derivation",
    "InferOutcome",
    "InferenceDelta",
    "InferenceResult",
    "Proposal",
    "Reasoner",
    "Rule",
    "RuleSet",
    "WhyNot",
    "asserted_commit",
    "default_rules_dir",
    "infer_store",
    "last_infer_ruleset",
    "load_rules",
    "parse_term",
    "parse_text",
    "parse_triple",
    "reasoner_for_store",
    "rule_warnings",
]
