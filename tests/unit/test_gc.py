"""engine._gc.paused_gc: collection off inside, the caller's setting restored after."""

from __future__ import annotations

import gc

import pytest

from engine._gc import paused_gc


@pytest.mark.parametrize("enabled", [True, False])
def test_paused_gc_restores_the_previous_setting(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with paused_gc():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_paused_gc_restores_it_when_the_block_raises() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("boom")
    assert gc.isenabled()
