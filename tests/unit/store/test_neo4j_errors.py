"""The Neo4j error table: driver errors become engine errors that name the URI and the fix."""

from __future__ import annotations

import pytest
from neo4j import exceptions as nx

from engine.errors import ConflictError, StoreError, StoreUnavailable, TransientStoreError
from engine.store._neo4j_errors import retrying, translate

URI = "bolt://db.example:7687"


def _server_error(cls: type[nx.Neo4jError], code: str) -> nx.Neo4jError:
    return cls._hydrate_neo4j(code=code, message="boom")  # type: ignore[attr-defined,no-any-return]


@pytest.mark.parametrize(("exc", "engine", "hint"), [
    (nx.ServiceUnavailable("refused"), StoreUnavailable, "docker compose"),
    (_server_error(nx.ClientError, "Neo.ClientError.Security.Unauthorized"), StoreUnavailable,
     "TIER1_NEO4J_PASSWORD"),
    (_server_error(nx.ClientError, "Neo.ClientError.Schema.ConstraintValidationFailed"),
     ConflictError, "retry"),
    (_server_error(nx.TransientError, "Neo.TransientError.Transaction.DeadlockDetected"),
     TransientStoreError, "retry"),
    (_server_error(nx.ClientError, "Neo.ClientError.Statement.SyntaxError"), StoreError, "bug"),
    (nx.IncompleteCommit("gone"), StoreUnavailable, "tier1 log"),
    (nx.ServiceUnavailable("Failed to read from defunct connection IPv4Address(('127.0.0.1', "
                           "7687))"), StoreUnavailable, "the open commit was rolled back"),
])
def test_table_names_uri_and_fix(exc: Exception, engine: type[Exception], hint: str) -> None:
    err = translate(exc, URI)
    assert type(err) is engine
    assert URI in str(err) and hint in str(err)


def test_transient_errors_are_retried_then_succeed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda _: None)
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _server_error(nx.TransientError, "Neo.TransientError.Transaction.DeadlockDetected")
        return "done"

    assert retrying(flaky, URI) == "done" and len(calls) == 3


def test_retries_give_up_with_the_engine_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda _: None)

    def always() -> None:
        raise _server_error(nx.ClientError, "Neo.ClientError.Schema.ConstraintValidationFailed")

    with pytest.raises(ConflictError, match="concurrent writer"):
        retrying(always, URI, attempts=3)


def test_unreachable_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def down() -> None:
        calls.append(1)
        raise nx.ServiceUnavailable("refused")

    with pytest.raises(StoreUnavailable, match=URI):
        retrying(down, URI)
    assert calls == [1]


def test_arcadedbs_node_type_race_is_retried_other_semantic_errors_are_not() -> None:
    """QA4 #3: concurrent first loads into a fresh ArcadeDB store failed with a SemanticError on
    tier1's node creation (a node type a concurrent writer created first), not retried."""
    from engine.store._neo4j_errors import retryable

    race = nx.ClientError._hydrate_neo4j(  # type: ignore[attr-defined]
        code="Neo.ClientError.Statement.SemanticError",
        message="Error executing Cypher command: UNWIND $rows AS r CREATE (n:Resource:ops__Alert "
                "{uri: r[0]})")
    other = _server_error(nx.ClientError, "Neo.ClientError.Statement.SemanticError")
    assert retryable(race) and not retryable(other)
    err = translate(race, URI)
    assert type(err) is ConflictError and "concurrent writers creating the same node types" in str(err)
    assert type(translate(other, URI)) is StoreError
