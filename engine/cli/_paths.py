"""Where the bundled data lives: ontology/, rules/, shapes/, scenarios/ beside the package."""

from __future__ import annotations

from pathlib import Path

import engine
from engine.errors import ConfigError

__all__ = ["repo_path"]

ROOT = Path(engine.__file__).resolve().parents[1]


def repo_path(*parts: str) -> Path:
    """A bundled file or folder, e.g. ``repo_path("rules", "ops")``."""
    path = ROOT.joinpath(*parts)
    if not path.exists():
        raise ConfigError(
            f"bundled data {'/'.join(parts)} not found under {ROOT}: install tier1 from a "
            "checkout with 'pip install -e .', or pass the path explicitly"
        )
    return path
