"""Each package exports exactly its public names through ``__all__`` (like httpx)."""

from __future__ import annotations

import importlib
import pkgutil
import types

import pytest

import engine

PACKAGES = sorted(
    m.name for m in pkgutil.walk_packages(engine.__path__, "engine.")
    if m.ispkg
)


@pytest.mark.parametrize("name", ["engine", *PACKAGES])
def test_all_lists_exactly_the_public_names(name: str) -> None:
    mod = importlib.import_module(name)
    exported = set(getattr(mod, "__all__", ()))
    public = {
        k for k, v in vars(mod).items()
        if not k.startswith("_") and not isinstance(v, types.ModuleType) and k != "annotations"
    }
    assert exported == public, f"{name}: __all__ differs from the public names"
    for k in exported:
        assert hasattr(mod, k), f"{name}.__all__ names {k}, which does not exist"


def test_private_modules_stay_private() -> None:
    for name in PACKAGES:
        mod = importlib.import_module(name)
        for sub in pkgutil.iter_modules(mod.__path__):
            if not sub.ispkg:
                private = sub.name.startswith("_") or name == "engine.cli"
                assert private, f"{name}.{sub.name} should be private"
