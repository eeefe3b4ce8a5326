"""Every command teaches through --help and offers --format json for scripts."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from engine.cli import app


def _leaves(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            out += _leaves(cmd, (*prefix, name))
        else:
            out.append((*prefix, name))
    return out


COMMANDS = _leaves(app)


def test_the_core_commands_exist() -> None:
    names = {" ".join(c) for c in COMMANDS}
    assert {"init", "load", "export", "query", "show", "log", "diff", "summary", "ontology check"} <= names


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p))
def test_help_teaches_and_offers_json(path: tuple[str, ...]) -> None:
    r = CliRunner().invoke(app, [*path, "--help"])
    assert r.exit_code == 0, r.output
    cmd = app
    for name in path:
        cmd = cmd.commands[name]  # type: ignore[attr-defined,assignment]
    assert cmd.help and len(cmd.help.strip()) > 20, f"{' '.join(path)} needs a docstring that teaches"
    assert "--format" in r.output, f"{' '.join(path)} must accept --format text|json"
    examples = [ln for ln in r.output.splitlines() if ln.lstrip().startswith("tier1 ")]
    assert examples, f"{' '.join(path)} --help needs an example ('  tier1 ...')"


@pytest.mark.parametrize("path", [("export",), ("audit", "export")], ids=" ".join)
def test_the_suffixes_to_help_offers_are_written(path: tuple[str, ...], tmp_path: Path) -> None:
    """QA 8: ``audit export --to`` shared ``export``'s help, offering .nt/.trig/.nq, which
    PROV export refuses. Every suffix the help names as a default must be written."""
    import re

    cmd: click.Command = app
    for name in path:
        cmd = cmd.commands[name]  # type: ignore[attr-defined]
    to = next(p for p in cmd.params if p.name == "rdf_format")
    offered = re.search(r"suffix names \(([^)]*)\)", str(to.help))
    assert offered, to.help
    spec = str(tmp_path / "w.db")
    assert CliRunner().invoke(app, ["--store", spec, "init"]).exit_code == 0
    for suffix in re.findall(r"\.\w+", offered.group(1)):
        r = CliRunner().invoke(app, ["--store", spec, *path, "-o", str(tmp_path / f"x{suffix}")])
        assert r.exit_code == 0, (suffix, r.output)


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p))
def test_the_usage_line_names_the_arguments_the_text_names(path: tuple[str, ...]) -> None:
    """QA 12: 'shapes test' showed [FOLDER] while its text spoke of DIR."""
    import re

    r = CliRunner().invoke(app, [*path, "--help"])
    usage, _, text = r.output.partition("\n")
    for meta in re.findall(r"\[?([A-Z][A-Z_]{2,})\]?(?:\.\.\.)?", usage.split("[OPTIONS]")[-1]):
        assert meta in text, f"{' '.join(path)}: usage names {meta}, the text never does"
