# ruff: noqa: E501  (one line per case reads best)
"""Our own SHACL core conformance cases: a shapes graph, a data graph, the expected report.

Written from the SHACL spec (https://www.w3.org/TR/shacl/), not copied from the W3C
suite. Each expected result is (focus, constraint component, path, value); ``None``
path/value means the result has none. Prefix ``ex:`` is ``http://example.org/c#``.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIXES = """@prefix ex: <http://example.org/c#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""

Expect = tuple[str, str, str | None, str | None]


@dataclass(frozen=True)
class Case:
    name: str
    shapes: str
    data: str
    expect: tuple[Expect, ...]
    severity: str = "Violation"


def _c(name: str, shapes: str, data: str, *expect: Expect, severity: str = "Violation") -> Case:
    return Case(name, shapes, data, tuple(expect), severity)


CASES: list[Case] = [
    # --- value type -------------------------------------------------------------------
    _c("class", "ex:S sh:targetNode ex:a , ex:b ; sh:class ex:C .",
       "ex:a a ex:C . ex:b a ex:D .",
       ("ex:b", "ClassConstraintComponent", None, "ex:b")),
    _c("class-subclass", "ex:S sh:targetNode ex:a ; sh:class ex:C .",
       "ex:D rdfs:subClassOf ex:C . ex:a a ex:D ."),
    _c("datatype", "ex:S sh:targetSubjectsOf ex:age ; sh:property [ sh:path ex:age ; sh:datatype xsd:integer ] .",
       'ex:a ex:age 3 . ex:b ex:age "3" .',
       ("ex:b", "DatatypeConstraintComponent", "ex:age", '"3"')),
    _c("datatype-ill-typed", "ex:S sh:targetSubjectsOf ex:age ; sh:property [ sh:path ex:age ; sh:datatype xsd:integer ] .",
       'ex:a ex:age "x"^^xsd:integer .',
       ("ex:a", "DatatypeConstraintComponent", "ex:age", '"x"^^xsd:integer')),
    _c("nodeKind", "ex:S sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ; sh:nodeKind sh:IRI ] .",
       'ex:a ex:p ex:x . ex:b ex:p "lit" .',
       ("ex:b", "NodeKindConstraintComponent", "ex:p", '"lit"')),
    _c("nodeKind-blank-or-literal", "ex:S sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ; sh:nodeKind sh:BlankNodeOrLiteral ] .",
       'ex:a ex:p "x" . ex:b ex:p ex:x .',
       ("ex:b", "NodeKindConstraintComponent", "ex:p", "ex:x")),
    # --- cardinality --------------------------------------------------------------------
    _c("minCount", "ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 2 ] .",
       "ex:a a ex:C ; ex:p ex:x , ex:y . ex:b a ex:C ; ex:p ex:x .",
       ("ex:b", "MinCountConstraintComponent", "ex:p", None)),
    _c("maxCount", "ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:maxCount 1 ] .",
       "ex:a a ex:C ; ex:p ex:x , ex:y . ex:b a ex:C ; ex:p ex:x .",
       ("ex:a", "MaxCountConstraintComponent", "ex:p", None)),
    # --- value range --------------------------------------------------------------------
    _c("minExclusive", "ex:S sh:targetSubjectsOf ex:n ; sh:property [ sh:path ex:n ; sh:minExclusive 5 ] .",
       "ex:a ex:n 5 . ex:b ex:n 6 .",
       ("ex:a", "MinExclusiveConstraintComponent", "ex:n", "5")),
    _c("minInclusive", "ex:S sh:targetSubjectsOf ex:n ; sh:property [ sh:path ex:n ; sh:minInclusive 5 ] .",
       "ex:a ex:n 4 . ex:b ex:n 5 .",
       ("ex:a", "MinInclusiveConstraintComponent", "ex:n", "4")),
    _c("maxExclusive", "ex:S sh:targetSubjectsOf ex:n ; sh:property [ sh:path ex:n ; sh:maxExclusive 5 ] .",
       "ex:a ex:n 5 . ex:b ex:n 4 .",
       ("ex:a", "MaxExclusiveConstraintComponent", "ex:n", "5")),
    _c("maxInclusive-incomparable", "ex:S sh:targetSubjectsOf ex:n ; sh:property [ sh:path ex:n ; sh:maxInclusive 5 ] .",
       'ex:a ex:n 6 . ex:b ex:n "text" . ex:c ex:n 5 .',
       ("ex:a", "MaxInclusiveConstraintComponent", "ex:n", "6"),
       ("ex:b", "MaxInclusiveConstraintComponent", "ex:n", '"text"')),
    # --- string based --------------------------------------------------------------------
    _c("minLength", "ex:S sh:targetSubjectsOf ex:s ; sh:property [ sh:path ex:s ; sh:minLength 3 ] .",
       'ex:a ex:s "ab" . ex:b ex:s "abc" .',
       ("ex:a", "MinLengthConstraintComponent", "ex:s", '"ab"')),
    _c("maxLength", "ex:S sh:targetSubjectsOf ex:s ; sh:property [ sh:path ex:s ; sh:maxLength 2 ] .",
       'ex:a ex:s "abc" . ex:b ex:s "ab" .',
       ("ex:a", "MaxLengthConstraintComponent", "ex:s", '"abc"')),
    _c("pattern-flags", 'ex:S sh:targetSubjectsOf ex:s ; sh:property [ sh:path ex:s ; sh:pattern "^ab" ; sh:flags "i" ] .',
       'ex:a ex:s "ABc" . ex:b ex:s "xab" .',
       ("ex:b", "PatternConstraintComponent", "ex:s", '"xab"')),
    _c("languageIn", 'ex:S sh:targetSubjectsOf ex:s ; sh:property [ sh:path ex:s ; sh:languageIn ( "en" "de" ) ] .',
       'ex:a ex:s "hi"@en , "hallo"@de-AT . ex:b ex:s "salut"@fr , "plain" .',
       ("ex:b", "LanguageInConstraintComponent", "ex:s", '"salut"@fr'),
       ("ex:b", "LanguageInConstraintComponent", "ex:s", '"plain"')),
    _c("uniqueLang", "ex:S sh:targetSubjectsOf ex:s ; sh:property [ sh:path ex:s ; sh:uniqueLang true ] .",
       'ex:a ex:s "a"@en , "b"@en , "c"@de . ex:b ex:s "a"@en , "b" .',
       ("ex:a", "UniqueLangConstraintComponent", "ex:s", None)),
    # --- property pairs -------------------------------------------------------------------
    _c("equals", "ex:S sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ; sh:equals ex:q ] .",
       "ex:a ex:p ex:x ; ex:q ex:x . ex:b ex:p ex:x ; ex:q ex:y .",
       ("ex:b", "EqualsConstraintComponent", "ex:p", "ex:x"),
       ("ex:b", "EqualsConstraintComponent", "ex:p", "ex:y")),
    _c("disjoint", "ex:S sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ; sh:disjoint ex:q ] .",
       "ex:a ex:p ex:x ; ex:q ex:x . ex:b ex:p ex:x ; ex:q ex:y .",
       ("ex:a", "DisjointConstraintComponent", "ex:p", "ex:x")),
    _c("lessThan", "ex:S sh:targetSubjectsOf ex:lo ; sh:property [ sh:path ex:lo ; sh:lessThan ex:hi ] .",
       "ex:a ex:lo 1 ; ex:hi 2 . ex:b ex:lo 2 ; ex:hi 2 .",
       ("ex:b", "LessThanConstraintComponent", "ex:lo", "2")),
    _c("lessThanOrEquals", "ex:S sh:targetSubjectsOf ex:lo ; sh:property [ sh:path ex:lo ; sh:lessThanOrEquals ex:hi ] .",
       "ex:a ex:lo 2 ; ex:hi 2 . ex:b ex:lo 3 ; ex:hi 2 .",
       ("ex:b", "LessThanOrEqualsConstraintComponent", "ex:lo", "3")),
    # --- logical ----------------------------------------------------------------------------
    _c("not", "ex:S sh:targetClass ex:C ; sh:not [ sh:class ex:D ] .",
       "ex:a a ex:C . ex:b a ex:C , ex:D .",
       ("ex:b", "NotConstraintComponent", None, "ex:b")),
    _c("and", "ex:S sh:targetClass ex:C ; sh:and ( [ sh:property [ sh:path ex:p ; sh:minCount 1 ] ] [ sh:property [ sh:path ex:q ; sh:minCount 1 ] ] ) .",
       "ex:a a ex:C ; ex:p 1 ; ex:q 1 . ex:b a ex:C ; ex:p 1 .",
       ("ex:b", "AndConstraintComponent", None, "ex:b")),
    _c("or", "ex:S sh:targetClass ex:C ; sh:or ( [ sh:property [ sh:path ex:p ; sh:minCount 1 ] ] [ sh:property [ sh:path ex:q ; sh:minCount 1 ] ] ) .",
       "ex:a a ex:C ; ex:q 1 . ex:b a ex:C .",
       ("ex:b", "OrConstraintComponent", None, "ex:b")),
    _c("xone", "ex:S sh:targetClass ex:C ; sh:xone ( [ sh:property [ sh:path ex:p ; sh:minCount 1 ] ] [ sh:property [ sh:path ex:q ; sh:minCount 1 ] ] ) .",
       "ex:a a ex:C ; ex:q 1 . ex:b a ex:C ; ex:p 1 ; ex:q 1 . ex:c a ex:C .",
       ("ex:b", "XoneConstraintComponent", None, "ex:b"),
       ("ex:c", "XoneConstraintComponent", None, "ex:c")),
    # --- shape-based -------------------------------------------------------------------------
    _c("node", "ex:S sh:targetSubjectsOf ex:owner ; sh:property [ sh:path ex:owner ; sh:node ex:T ] . ex:T sh:property [ sh:path ex:name ; sh:minCount 1 ] .",
       'ex:a ex:owner ex:t1 . ex:t1 ex:name "x" . ex:b ex:owner ex:t2 .',
       ("ex:b", "NodeConstraintComponent", "ex:owner", "ex:t2")),
    _c("node-recursive-chain", "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:next ; sh:node ex:T ] . ex:T sh:property [ sh:path ex:next ; sh:node ex:U ] . ex:U sh:class ex:End .",
       "ex:a ex:next ex:b . ex:b ex:next ex:c .",
       ("ex:a", "NodeConstraintComponent", "ex:next", "ex:b")),
    _c("property-nested", "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:property [ sh:path ex:q ; sh:minCount 1 ] ] .",
       "ex:a ex:p ex:x , ex:y . ex:x ex:q 1 .",
       ("ex:y", "MinCountConstraintComponent", "ex:q", None)),
    _c("qualifiedMinCount", "ex:S sh:targetNode ex:a , ex:b ; sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:C ] ; sh:qualifiedMinCount 2 ] .",
       "ex:a ex:p ex:x , ex:y . ex:x a ex:C . ex:y a ex:C . ex:b ex:p ex:x , ex:z .",
       ("ex:b", "QualifiedMinCountConstraintComponent", "ex:p", None)),
    _c("qualifiedMaxCount", "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:C ] ; sh:qualifiedMaxCount 1 ] .",
       "ex:a ex:p ex:x , ex:y . ex:x a ex:C . ex:y a ex:C .",
       ("ex:a", "QualifiedMaxCountConstraintComponent", "ex:p", None)),
    _c("qualified-disjoint", """ex:S sh:targetNode ex:h ;
         sh:property ex:Left , ex:Right .
       ex:Left sh:path ex:hand ; sh:qualifiedValueShape [ sh:class ex:L ] ; sh:qualifiedMinCount 1 ; sh:qualifiedValueShapesDisjoint true .
       ex:Right sh:path ex:hand ; sh:qualifiedValueShape [ sh:class ex:R ] ; sh:qualifiedMinCount 1 ; sh:qualifiedValueShapesDisjoint true .""",
       "ex:h ex:hand ex:x . ex:x a ex:L , ex:R .",
       ("ex:h", "QualifiedMinCountConstraintComponent", "ex:hand", None),
       ("ex:h", "QualifiedMinCountConstraintComponent", "ex:hand", None)),
    # --- other ------------------------------------------------------------------------------
    _c("closed", "ex:S sh:targetNode ex:a ; sh:closed true ; sh:ignoredProperties ( rdf:type ) ; sh:property [ sh:path ex:p ] .",
       "ex:a a ex:C ; ex:p 1 ; ex:q 2 .",
       ("ex:a", "ClosedConstraintComponent", "ex:q", "2")),
    _c("hasValue", "ex:S sh:targetNode ex:a , ex:b ; sh:property [ sh:path ex:p ; sh:hasValue ex:x ] .",
       "ex:a ex:p ex:x , ex:y . ex:b ex:p ex:y .",
       ("ex:b", "HasValueConstraintComponent", "ex:p", None)),
    _c("in", 'ex:S sh:targetSubjectsOf ex:s ; sh:property [ sh:path ex:s ; sh:in ( "a" "b" ex:c ) ] .',
       'ex:a ex:s "a" , ex:c . ex:b ex:s "z" .',
       ("ex:b", "InConstraintComponent", "ex:s", '"z"')),
    _c("sparql", """ex:S sh:targetClass ex:C ; sh:sparql [ sh:message "no self links" ;
         sh:select "SELECT $this ?value WHERE { $this <http://example.org/c#link> ?value . FILTER (?value = $this) }" ] .""",
       "ex:a a ex:C ; ex:link ex:a . ex:b a ex:C ; ex:link ex:a .",
       ("ex:a", "SPARQLConstraintComponent", None, "ex:a")),
    # --- paths --------------------------------------------------------------------------------
    _c("path-inverse", "ex:S sh:targetClass ex:Team ; sh:property [ sh:path [ sh:inversePath ex:memberOf ] ; sh:minCount 1 ] .",
       "ex:t1 a ex:Team . ex:t2 a ex:Team . ex:p ex:memberOf ex:t1 .",
       ("ex:t2", "MinCountConstraintComponent", "^ex:memberOf", None)),
    _c("path-sequence", "ex:S sh:targetNode ex:a ; sh:property [ sh:path ( ex:p ex:q ) ; sh:class ex:C ] .",
       "ex:a ex:p ex:b , ex:c . ex:b ex:q ex:x . ex:c ex:q ex:y . ex:x a ex:C .",
       ("ex:a", "ClassConstraintComponent", "(ex:p/ex:q)", "ex:y")),
    _c("path-alternative", "ex:S sh:targetNode ex:a ; sh:property [ sh:path [ sh:alternativePath ( ex:p ex:q ) ] ; sh:maxCount 2 ] .",
       "ex:a ex:p ex:x , ex:y ; ex:q ex:z .",
       ("ex:a", "MaxCountConstraintComponent", "(ex:p|ex:q)", None)),
    _c("path-zeroOrMore", "ex:S sh:targetNode ex:a ; sh:property [ sh:path [ sh:zeroOrMorePath ex:next ] ; sh:class ex:C ] .",
       "ex:a a ex:C ; ex:next ex:b . ex:b a ex:C ; ex:next ex:c .",
       ("ex:a", "ClassConstraintComponent", "ex:next*", "ex:c")),
    _c("path-oneOrMore", "ex:S sh:targetNode ex:a ; sh:property [ sh:path [ sh:oneOrMorePath ex:next ] ; sh:maxCount 2 ] .",
       "ex:a ex:next ex:b . ex:b ex:next ex:c . ex:c ex:next ex:d .",
       ("ex:a", "MaxCountConstraintComponent", "ex:next+", None)),
    _c("path-zeroOrOne", "ex:S sh:targetNode ex:a ; sh:property [ sh:path [ sh:zeroOrOnePath ex:next ] ; sh:minCount 3 ] .",
       "ex:a ex:next ex:b . ex:b ex:next ex:c .",
       ("ex:a", "MinCountConstraintComponent", "ex:next?", None)),
    _c("path-inverse-sequence", "ex:S sh:targetNode ex:h ; sh:property [ sh:path ( [ sh:inversePath ex:runsOn ] ex:instanceOf ) ; sh:maxCount 1 ] .",
       "ex:i1 ex:runsOn ex:h ; ex:instanceOf ex:s1 . ex:i2 ex:runsOn ex:h ; ex:instanceOf ex:s2 .",
       ("ex:h", "MaxCountConstraintComponent", "(^ex:runsOn/ex:instanceOf)", None)),
    _c("path-inverse-of-sequence", "ex:S sh:targetNode ex:s ; sh:property [ sh:path [ sh:inversePath ( ex:p ex:q ) ] ; sh:minCount 2 ] .",
       "ex:a ex:p ex:m . ex:m ex:q ex:s .",
       ("ex:s", "MinCountConstraintComponent", "^(ex:p/ex:q)", None)),
    # --- targets -------------------------------------------------------------------------------
    _c("target-implicit-class", "ex:C a rdfs:Class , sh:NodeShape ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .",
       "ex:a a ex:C . ex:D rdfs:subClassOf ex:C . ex:b a ex:D ; ex:p 1 . ex:c a ex:D .",
       ("ex:a", "MinCountConstraintComponent", "ex:p", None),
       ("ex:c", "MinCountConstraintComponent", "ex:p", None)),
    _c("target-objectsOf-literal", "ex:S sh:targetObjectsOf ex:code ; sh:datatype xsd:string .",
       'ex:a ex:code "x" , 7 .',
       ("7", "DatatypeConstraintComponent", None, "7")),
    _c("target-node-absent", "ex:S sh:targetNode ex:ghost ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .",
       "ex:a ex:p 1 .",
       ("ex:ghost", "MinCountConstraintComponent", "ex:p", None)),
    # --- report details -------------------------------------------------------------------------
    _c("severity-warning", "ex:S sh:targetNode ex:a ; sh:severity sh:Warning ; sh:class ex:C .",
       "ex:a a ex:D .", ("ex:a", "ClassConstraintComponent", None, "ex:a"), severity="Warning"),
    _c("severity-info-on-property", "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:severity sh:Info ] .",
       "ex:a ex:q 1 .", ("ex:a", "MinCountConstraintComponent", "ex:p", None), severity="Info"),
    _c("deactivated", "ex:S sh:targetNode ex:a ; sh:deactivated true ; sh:class ex:C .",
       "ex:a a ex:D ."),
    _c("conforms-empty", "ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .", ""),
]
