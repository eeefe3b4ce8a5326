"""The writer thread of a commit: order, errors, and that it never outlives the commit.

A fake transaction stands in for the driver's (it records what ran and can be held
or made to fail); what the server does with the statements is tested in
tests/integration/test_neo4j_pipeline.py.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from engine.store._neo4j_pipeline import Pipeline


class Boom(Exception):
    pass


class _Result:
    def __init__(self, value: Any) -> None:
        self.value = value

    def consume(self) -> None:
        return None

    def single(self, strict: bool = False) -> list[Any]:
        return [self.value]


class FakeTx:
    """Records every statement with the thread that ran it; ``hold`` blocks ``run`` until
    set; a query named in ``fail`` raises ``Boom``; a read ``"r:x"`` answers ``[x]``."""

    def __init__(self, fail: str | None = None) -> None:
        self.ran: list[str] = []
        self.threads: set[int] = set()
        self.hold = threading.Event()
        self.hold.set()
        self.started = threading.Event()
        self.fail = fail
        self.error: Boom | None = None

    def run(self, query: str, parameters: dict[str, Any] | None = None) -> _Result:
        self.started.set()
        self.hold.wait(10)
        self.threads.add(threading.get_ident())
        if query == self.fail:
            self.error = Boom(query)
            raise self.error
        self.ran.append(query)
        return _Result([query[2:]] if query.startswith("r:") else None)


def writers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "tier1-neo4j-writer"]


@pytest.mark.parametrize("threaded", [True, False])
def test_statements_run_in_the_order_given_and_reads_see_their_answer(threaded: bool) -> None:
    tx = FakeTx()
    with Pipeline(tx, threaded=threaded) as pipe:
        pipe.write("w1", {})
        first = pipe.submit("r:a", {})
        pipe.write("w2", {})
        assert pipe.read("r:b", {}) == ["b"]
        pipe.write("w3", {})
        assert first.result() == ["a"]
    assert tx.ran == ["w1", "r:a", "w2", "r:b", "w3"]
    assert writers() == []
    assert len(tx.threads) == 1
    assert (threading.get_ident() in tx.threads) is not threaded


def test_a_write_is_not_waited_for_but_close_waits_for_all() -> None:
    tx = FakeTx()
    tx.hold.clear()  # the server is busy
    pipe = Pipeline(tx)
    t = time.perf_counter()
    for i in range(5):
        pipe.write(f"w{i}", {})
    assert time.perf_counter() - t < 1.0 and tx.ran == []
    threading.Timer(0.2, tx.hold.set).start()
    pipe.close()
    assert tx.ran == [f"w{i}" for i in range(5)]
    assert writers() == []


def test_a_failed_write_stops_later_statements_and_is_raised_unchanged() -> None:
    tx = FakeTx(fail="w2")
    with pytest.raises(Boom) as caught, Pipeline(tx) as pipe:
        pipe.write("w1", {})
        pipe.write("w2", {})
        pipe.write("w3", {})
        pipe.read("r:x", {})  # waits, then raises the write's error, not a read error
        pipe.write("w4", {})
    assert caught.value is tx.error
    assert tx.ran == ["w1"]
    assert writers() == []


def test_an_error_found_at_close_is_the_same_object_and_nothing_after_it_ran() -> None:
    tx = FakeTx(fail="w1")
    tx.hold.clear()
    pipe = Pipeline(tx)
    for q in ("w0", "w1", "w2", "w3"):
        pipe.write(q, {})
    tx.hold.set()
    with pytest.raises(Boom) as caught:
        pipe.close()
    assert caught.value is tx.error and tx.ran == ["w0"]
    with pytest.raises(Boom):  # a later call on the pipeline raises it again, runs nothing
        pipe.write("w4", {})
    assert tx.ran == ["w0"] and writers() == []


def test_an_error_in_the_caller_stops_the_writer_before_leaving() -> None:
    tx = FakeTx()
    tx.hold.clear()  # "w0" is in flight on the server
    with pytest.raises(KeyboardInterrupt), Pipeline(tx) as pipe:
        pipe.write("w0", {})
        for i in range(1, 5):
            pipe.write(f"w{i}", {})
        assert tx.started.wait(5)
        threading.Timer(0.2, tx.hold.set).start()
        raise KeyboardInterrupt
    # the in-flight statement finished before the block was left; the queued ones never ran
    assert tx.ran == ["w0"]
    assert writers() == []


def test_the_queue_is_bounded() -> None:
    tx = FakeTx()
    tx.hold.clear()
    pipe = Pipeline(tx, depth=2)
    done = threading.Event()

    def feed() -> None:
        for i in range(6):
            pipe.write(f"w{i}", {})
        done.set()

    feeder = threading.Thread(target=feed)
    feeder.start()
    assert not done.wait(0.3)  # one in flight, two queued: the caller waits for the server
    tx.hold.set()
    assert done.wait(5)
    feeder.join()
    pipe.close()
    assert tx.ran == [f"w{i}" for i in range(6)]


def test_inline_pipeline_raises_at_once_and_starts_no_thread() -> None:
    tx = FakeTx(fail="w1")
    with pytest.raises(Boom) as caught, Pipeline(tx, threaded=False) as pipe:
        assert writers() == []
        pipe.write("w0", {})
        pipe.write("w1", {})
        pipe.write("w2", {})
    assert caught.value is tx.error and tx.ran == ["w0"]
