"""Find, read, parse and check rule files into one :class:`RuleSet`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from engine.errors import InputError, RuleError
from engine.inference._checks import check_rule, stratify
from engine.inference._model import Rule, RuleSet
from engine.inference._parser import parse_text

__all__ = ["RULE_SUFFIX", "default_rules_dir", "load_rules", "parse_rules", "rule_files"]

RULE_SUFFIX = ".rules"


def default_rules_dir() -> Path:
    """The repository's ``rules/`` directory, next to the ``engine`` package."""
    import engine

    path = Path(engine.__file__).resolve().parents[1] / "rules"
    if not path.is_dir():
        raise InputError(
            f"the bundled rules directory {path} is missing; pass --rules PATH "
            "(a .rules file or a directory of them)"
        )
    return path


def rule_files(paths: Sequence[Path]) -> list[Path]:
    """Every ``.rules`` file named or inside the named directories, in a stable order.

    A file reached twice (a pack directory and one of its files, a path given twice, a
    symlink) is read once: its rules would otherwise clash with themselves."""
    out: list[Path] = []
    seen: set[Path] = set()
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = sorted(p.rglob(f"*{RULE_SUFFIX}"))
            if not found:
                raise InputError(f"{p}: no {RULE_SUFFIX} files in this directory")
        elif p.is_file():
            found = [p]
        else:
            raise InputError(f"{p}: no such rules file or directory")
        for f in found:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out


def parse_rules(paths: Sequence[Path]) -> tuple[Rule, ...]:
    """Parse and safety-check each rule; no stratification yet."""
    rules: list[Rule] = []
    seen: dict[str, Rule] = {}
    for f in rule_files(paths):
        try:
            text = f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{f}: cannot read rules file ({exc})") from exc
        for rule in parse_text(text, str(f)):
            if rule.id in seen:
                raise RuleError(
                    f"{rule.where}: rule {rule.id}: the id is already used at "
                    f"{seen[rule.id].where}; rule ids must be unique across the rule set",
                    source=rule.source, line=rule.line,
                )
            check_rule(rule)
            seen[rule.id] = rule
            rules.append(rule)
    return tuple(rules)


def load_rules(paths: Sequence[Path]) -> RuleSet:
    """Load, check and stratify the rules in ``paths`` (files or directories)."""
    rules = parse_rules(paths)
    stratify(rules)
    return RuleSet.of(rules)
