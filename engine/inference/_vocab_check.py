"""The closed ``ops:`` vocabulary as the rule parser checks it: a misspelt term is refused
instead of silently matching nothing."""

from __future__ import annotations

from difflib import get_close_matches

from rdflib import URIRef

from engine.vocab import ACTION_TYPES, OPS, PREFIXES, unknown_term

__all__ = ["OPS_NS", "action_error", "ops_term_error", "prefix_error"]

OPS_NS = str(OPS._NS)


def _near(word: str, names: list[str]) -> str:
    got = get_close_matches(word, names, n=1, cutoff=0.6)
    return f"; did you mean ops:{got[0]}?" if got else ""


def ops_term_error(iri: URIRef) -> str | None:
    """Why ``iri`` (in the ops namespace) is refused, or ``None`` if it is an ontology term."""
    return unknown_term(iri) if str(iri).startswith(OPS_NS) else None


def action_error(iri: URIRef) -> str | None:
    """Why ``propose`` refuses ``iri`` as its action, or ``None`` for an ops action type."""
    if iri in ACTION_TYPES:
        return None
    names = sorted(str(a)[len(OPS_NS):] for a in ACTION_TYPES)
    local = str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return (f"propose needs an ops action type, not <{iri}>{_near(local, names)} "
            f"(action types: {', '.join('ops:' + n for n in names)})")


def prefix_error(name: str, iri: str) -> str | None:
    """Why ``prefix name: <iri>`` is refused: a predeclared prefix bound to another IRI."""
    fixed = PREFIXES.get(name)
    if fixed is None or fixed == iri:
        return None
    return (f"prefix '{name}:' is predeclared as <{fixed}> and cannot be rebound to <{iri}>; "
            f"pick another name, e.g. 'my{name}:'")
