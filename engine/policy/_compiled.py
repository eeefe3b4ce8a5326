"""Root shapes whose pySHACL constraint components are built once, not once per validation.

pySHACL's ``Shape.validate`` builds every constraint component of the shape
again on each call (for ``sh:sparql``: reading the prefixes from the shapes
graph), and its SPARQL helper re-checks the constraint's text with regular
expressions (no ``MINUS``/``VALUES``/``SERVICE``...) for every focus node. On a
what-if that judges 7 focus nodes this was a third of the time. Both depend on
the shapes graph only, which a :class:`PolicyGate` never changes.

A :class:`CompiledShape` wraps one shape the gate judges (a shape with
targets) and runs the same steps as pySHACL's ``Shape.validate`` with those
components kept: the value nodes, then each constraint component's own
``evaluate``, in the shape's order. An ``sh:property`` whose property shapes are
leaves (no nested shapes of their own) validates each value node against a kept
:class:`CompiledShape` of that property shape, as pySHACL's
``PropertyConstraintComponent`` would; other nested shapes are validated by
pySHACL as usual. The judging is pySHACL's; anything this does
not cover (a deactivated shape, custom constraint components, JavaScript or
advanced features, executor options) goes to pySHACL's own ``validate``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rdflib import URIRef

__all__ = ["CompiledShape"]

Reports = tuple[bool, list[Any]]

_SH = "http://www.w3.org/ns/shacl#"
_PROBE = URIRef("urn:tier1:run:policy/prepare-probe")  # a focus node for the text only
_NESTING = {URIRef(_SH + k) for k in ("property", "node", "and", "or", "not", "xone",
                                      "qualifiedValueShape")}


class CompiledShape:
    """One pySHACL shape; its constraint components are built on first use and kept."""

    def __init__(self, shape: Any) -> None:
        self.shape = shape
        sg = shape.sg
        self.own = not (sg.js_enabled or sg.custom_constraints or shape._advanced
                        or shape.deactivated)
        self.components: list[tuple[Any, list[CompiledShape] | None]] | None = None

    def validate(self, executor: Any, target_graph: Any, focus: list[Any]) -> Reports:
        """What ``shape.validate(executor, target_graph, focus=focus)`` returns."""
        shape = self.shape
        if not (self.own and _plain(executor)):
            return shape.validate(executor, target_graph, focus=focus)  # type: ignore[no-any-return]
        if not focus:
            return True, []
        path = [shape]
        value_nodes = shape.value_nodes(target_graph, focus, sparql_mode=executor.sparql_mode,
                                        debug=False)
        conforms, reports = True, []
        for c, props in self._components():
            if props is None:
                ok, found = c.evaluate(executor, target_graph, value_nodes, [*path, c])
            else:
                ok, found = _properties(props, executor, target_graph, value_nodes)
            conforms = conforms and ok
            reports.extend(found)
        return conforms, reports

    def prepare(self, parse: Callable[[str], Any]) -> int:
        """Build the components now and hand ``parse`` the text of every SPARQL query they
        send for a focus node (as the data graph will see it); returns how many. A text that
        pySHACL refuses is left alone: the error surfaces when the shape validates, as before."""
        n = 0
        for c, props in self._components():
            for prop in props or ():
                n += prop.prepare(parse)
            for helper in getattr(c, "sparql_constraints", ()):
                try:
                    _binds, text = helper.pre_bind_variables(_PROBE)
                    parse(helper.apply_prefixes(text))
                except Exception:  # validation reports it, as before
                    continue
                n += 1
        return n

    def _components(self) -> list[tuple[Any, list[CompiledShape] | None]]:
        if self.components is None:
            self.components = [(c, _leaf_properties(self.shape, c))
                               for c in _build_components(self.shape)]
        return self.components


def _properties(props: list[CompiledShape], executor: Any, target_graph: Any,
                value_nodes: dict[Any, set[Any]]) -> Reports:
    """``PropertyConstraintComponent.evaluate`` for leaf property shapes: each value
    node, validated as focus node against each property shape."""
    conforms, reports = True, []
    for prop in props:
        for nodes in value_nodes.values():
            for v in nodes:
                ok, found = prop.validate(executor, target_graph, [v])
                conforms = conforms and ok
                reports.extend(found)
    return conforms, reports


def _leaf_properties(shape: Any, c: Any) -> list[CompiledShape] | None:
    """Kept shapes for the property shapes of ``sh:property`` component ``c``, if all are
    leaves (then recursion and the evaluation path cannot matter); else ``None``."""
    from pyshacl.constraints.core.shape_based_constraints import PropertyConstraintComponent

    if not isinstance(c, PropertyConstraintComponent):
        return None
    out = []
    for node in c.property_shapes:
        found = shape.get_other_shape(node)
        if found is None or not found.is_property_shape or any(
                p in _NESTING for p, _o in shape.sg.predicate_objects(found.node)):
            return None
        out.append(CompiledShape(found))
    return out


def _build_components(shape: Any) -> list[Any]:
    """The shape's constraint components, in pySHACL's order, each class once."""
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
    from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
    from pyshacl.errors import ConstraintLoadWarning

    classes: list[Any] = []
    for p, _v in shape.sg.predicate_objects(shape.node):
        if p in ALL_CONSTRAINT_PARAMETERS and CONSTRAINT_PARAMETERS_MAP[p] not in classes:
            classes.append(CONSTRAINT_PARAMETERS_MAP[p])
    out = []
    for cls in classes:
        try:
            c = cls(shape)
        except ConstraintLoadWarning as w:
            shape.logger.warning(repr(w))
            continue
        if isinstance(c, SPARQLBasedConstraint):
            for helper in c.sparql_constraints:
                helper.pre_bind_variables = _CheckedOnce(helper.pre_bind_variables)
        out.append(c)
    return out


class _CheckedOnce:
    """A SPARQL helper's ``pre_bind_variables`` that checks and rewrites the text once.

    For a focus node alone (no value node, no extra variables) the result is
    the same text and the same bindings whatever the node, except ``this``.
    """

    def __init__(self, pre_bind: Callable[..., tuple[dict[str, Any], str]]) -> None:
        self.pre_bind = pre_bind
        self.done: tuple[dict[str, Any], str] | None = None

    def __call__(self, thisnode: Any, valuenode: Any = None, extravars: Any = None
                 ) -> tuple[dict[str, Any], str]:
        if valuenode is not None or extravars:
            return self.pre_bind(thisnode, valuenode, extravars)
        if self.done is None:
            self.done = self.pre_bind(thisnode)
        binds, text = self.done
        binds = dict(binds)
        if "this" in binds:
            binds["this"] = thisnode
        return binds, text


def _plain(executor: Any) -> bool:
    """No executor option that changes what ``Shape.validate`` does."""
    return not (executor.debug or executor.abort_on_first or executor.allow_infos
                or executor.allow_warnings or executor.focus_nodes)
