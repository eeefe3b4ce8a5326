"""Datetimes sent over Bolt 5 without the driver's pure-Python dehydration.

The driver packs parameters in Rust (``neo4j-rust-ext``), except temporal values:
each ``datetime`` goes through its Python hook, about 40 µs apiece, 7% of the client's
CPU on a 1M-triple load (bench/neo4j_load.py). The mapping only ever sends datetimes
in UTC (``_neo4j_mapping._readable``), and a UTC datetime on Bolt 5 is a fixed
structure: tag ``I``, seconds since the epoch, nanoseconds, offset 0. This module
builds that structure directly, which the packer copies in about 0.4 µs.

The structure type lives in a private module of the driver, so the fast path is
taken only where it is exactly what the driver itself would send (checked against the
driver's own hook in tests/unit/store/test_neo4j_wire.py): Bolt 5 or newer, the
structure type importable, a UTC datetime. Anything else is passed through unchanged
and the driver converts it as before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

try:  # private to the driver: without it, datetimes take the driver's own path
    from neo4j._codec.packstream import Structure
except ImportError:  # pragma: no cover - depends on the driver's layout
    Structure = None

__all__ = ["DatetimeEncoder", "datetime_encoder", "unchanged"]

DatetimeEncoder = Callable[[datetime], Any]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ZERO = timedelta(0)


def unchanged(value: datetime) -> Any:
    """The driver converts ``value`` itself."""
    return value


def _bolt5_utc(value: datetime) -> Any:
    """A UTC ``DateTime`` structure of Bolt 5 (tag ``I``); other datetimes unchanged."""
    if value.tzinfo is not UTC and value.utcoffset() != _ZERO:
        return value
    since = value - _EPOCH
    return Structure(b"I", since.days * 86400 + since.seconds, since.microseconds * 1000, 0)


def datetime_encoder(protocol: tuple[int, ...] | None) -> DatetimeEncoder:
    """How datetimes are sent to a server speaking Bolt ``protocol``."""
    if Structure is None or protocol is None or tuple(protocol) < (5, 0):
        return unchanged
    return _bolt5_utc
