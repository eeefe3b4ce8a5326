"""The root ``tier1`` click group, its global options and output helpers.

Each command module under ``engine/cli/`` attaches its commands to :data:`app`.
Commands stay thin: parse arguments, call one engine operation, format it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import click
from pydantic import BaseModel

from engine.config import default_store_spec
from engine.errors import EngineError, InputError
from engine.store import GraphStore, open_store, resolve_ref

__all__ = [
    "ERROR_EXIT", "Ctx", "UserError", "app", "at_seq", "emit", "format_option", "main", "pass_ctx",
    "verdict_command",
]


@dataclass
class Ctx:
    """What every command gets: the store spec and the output format."""

    store_spec: str
    fmt: str = "text"
    author: str = "cli"
    author_given: bool = False  # by --author or TIER1_AUTHOR, not the $USER default
    _store: GraphStore | None = field(default=None, repr=False)

    def store(self, *, create: bool = False) -> GraphStore:
        """Open the world store once per invocation (``create`` makes a new one)."""
        if self._store is None:
            self._store = open_store(self.store_spec, create=create)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


pass_ctx = click.make_pass_decorator(Ctx)


def at_seq(store: GraphStore, ref: str | None) -> int | None:
    """The commit sequence number an ``--at`` option names, or ``None`` for now."""
    return None if ref is None else resolve_ref(store, ref).seq

_FORMAT_HELP = "Output: 'text' for people (CURIEs, tables) or 'json' for scripts (stable keys)."


def format_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--format text|json`` to a command; it overrides the global one."""

    def _set(ctx: click.Context, _p: click.Parameter, value: str | None) -> None:
        if value is not None:
            ctx.ensure_object(Ctx).fmt = value

    return click.option(
        "--format", "fmt", type=click.Choice(["text", "json"]), default=None,
        expose_value=False, callback=_set, is_eager=False, help=_FORMAT_HELP,
    )(f)


def emit(ctx: Ctx, data: Any, text: str | Callable[[], str]) -> None:
    """Print ``data`` as JSON or ``text`` for people, by the chosen format."""
    if ctx.fmt == "json":
        click.echo(json.dumps(_jsonable(data), indent=2, sort_keys=True, default=str))
    else:
        click.echo(text() if callable(text) else text)


def _jsonable(data: Any) -> Any:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json")
    if isinstance(data, list | tuple):
        return [_jsonable(d) for d in data]
    if isinstance(data, dict):
        return {str(k): _jsonable(v) for k, v in data.items()}
    return data


class UserError(click.ClickException):
    """An :class:`EngineError` shown as one line on stderr, exit 1: ``TypeName: message``, or
    with ``--format json`` one JSON object, ``{"error": {"type", "message"[, "file", "line",
    "col"], ...}}`` (plus the error's ``details``), so that a script reads the error the way it
    reads the output."""

    def __init__(self, exc: EngineError, *, as_json: bool = False) -> None:
        super().__init__(str(exc))
        self.kind = type(exc).__name__
        self.as_json = as_json
        self.where = _location(exc)
        self.details = dict(exc.details)

    def format_message(self) -> str:
        return f"{self.kind}: {self.message}"

    def show(self, file: Any = None) -> None:
        if self.as_json:
            error = {"type": self.kind, "message": self.message, **self.where, **self.details}
            click.echo(json.dumps({"error": error}, sort_keys=True), err=True)
        else:
            click.echo(click.style(self.format_message(), fg="red"), err=True)


def _location(exc: EngineError) -> dict[str, Any]:
    """The file, line and column an input error is about, as JSON fields (only those it
    knows): a parse error's, a rule's or a scenario file's."""
    if not isinstance(exc, InputError) or exc.source is None:
        return {}
    found = {"file": exc.source, "line": exc.line, "col": exc.col}
    return {k: v for k, v in found.items() if v is not None}


def _wants_json(ctx: click.Context) -> bool:
    """Whether this invocation chose ``--format json`` (globally or on the command)."""
    obj = ctx.find_object(Ctx)
    return obj is not None and obj.fmt == "json"


def _argv_wants_json(ctx: click.Context) -> bool:
    """Whether the command line asks for ``--format json``, read from the words themselves
    (the last ``--format`` wins): a usage error can stop click before the option is read
    (``tier1 --format json bogus``, ``tier1 log -n 0 --format json``)."""
    words: list[str] = ctx.meta.get(_ARGV, [])
    chosen = None
    for i, w in enumerate(words):
        value = words[i + 1] if w == "--format" and i + 1 < len(words) else (
            w.split("=", 1)[1] if w.startswith("--format=") else None)
        if value in ("json", "text"):  # not a bad value ('--format yaml'): its error
            chosen = value  # is shown in the format chosen before it
    return chosen == "json" if chosen is not None else _wants_json(ctx)


_ARGV = "tier1.argv"


_FS_ERRORS = (FileNotFoundError, FileExistsError, NotADirectoryError, IsADirectoryError,
              PermissionError)


def _engine_error(exc: EngineError | OSError) -> EngineError:
    """What a command raised, as the engine error its one line shows."""
    return exc if isinstance(exc, EngineError) else _fs_error(exc)


def _fs_error(exc: OSError) -> InputError:
    """A file-system error as the one-line error a user can act on."""
    path = exc.filename or "?"
    if isinstance(exc, FileNotFoundError):
        return InputError(f"{path}: no such file or directory; check the path")
    if isinstance(exc, FileExistsError | NotADirectoryError):
        return InputError(f"{path}: a file is in the way where a directory is needed; "
                          "choose another path")
    if isinstance(exc, IsADirectoryError):
        return InputError(f"{path}: is a directory; name a file")
    return InputError(f"{path}: permission denied; choose a path you can write, or fix its mode")


ERROR_EXIT = 3
"""The exit status of a verdict command (:func:`verdict_command`) that could not judge."""


class _NoVerdict(UserError):
    exit_code = ERROR_EXIT


class _NoVerdictUsage(click.UsageError):
    exit_code = ERROR_EXIT


class _VerdictCommand(click.Command):
    """A command whose exit status is its verdict (0, 1, 2): its errors, usage errors
    included, exit with :data:`ERROR_EXIT` so a script can tell "blocked" from "broken"."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            raise _NoVerdictUsage(exc.format_message(), exc.ctx) from exc

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (EngineError, *_FS_ERRORS) as exc:
            raise _NoVerdict(_engine_error(exc), as_json=_wants_json(ctx)) from exc


def verdict_command(group: click.Group, name: str | None = None) -> Callable[..., Any]:
    """``@group.command()`` for a command whose exit status reports a verdict."""
    return group.command(name, cls=_VerdictCommand)


for _noisy in ("neo4j", "rdflib.term"):  # warnings that would precede a command's one-line
    logging.getLogger(_noisy).addHandler(logging.NullHandler())  # error: the driver's "Unable
    # to retrieve routing information", rdflib's traceback per unconvertible literal (once, at
    # import: a handler added per invocation piled up in a process that runs many commands)


class _App(click.Group):
    """The root group: turns engine errors, and file-system errors from the paths a user
    gave, into one clean line, never a traceback."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[_ARGV] = list(args)  # for a usage error's format (see _argv_wants_json)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (EngineError, *_FS_ERRORS) as exc:
            raise UserError(_engine_error(exc), as_json=_wants_json(ctx)) from exc
        except click.UsageError as exc:
            if not _argv_wants_json(ctx) or isinstance(exc, _JsonUsageError):
                raise
            cls = _JsonVerdictUsageError if exc.exit_code == ERROR_EXIT else _JsonUsageError
            raise cls(exc.format_message(), exc.ctx) from exc  # a missing or bad parameter
            # builds its text there ("Missing option '--as'."), not in .message


class _JsonUsageError(click.UsageError):
    """A misused command under ``--format json``: ``{"error": {"type": "UsageError", ...}}``
    on stderr, exit 2 as click's own."""

    def show(self, file: Any = None) -> None:
        error = {"type": "UsageError", "message": self.message}
        click.echo(json.dumps({"error": error}, sort_keys=True), err=True)


class _JsonVerdictUsageError(_JsonUsageError):
    """The same for a verdict command, whose usage errors exit :data:`ERROR_EXIT`."""

    exit_code = ERROR_EXIT


@click.group(cls=_App, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--store", "store_spec", envvar="TIER1_STORE", default=None, metavar="PATH|URI",
    help="World store: a path for the embedded store (a directory or a .db file), or a "
    "neo4j:// or bolt:// URI. Env: TIER1_STORE. Default: ~/.local/share/tier1/world.db.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help=_FORMAT_HELP,
)
@click.option(
    "--author", envvar="TIER1_AUTHOR", default=None, metavar="NAME",
    help="Who is recorded on commits this command makes. Env: TIER1_AUTHOR. Default: $USER.",
)
@click.version_option(package_name="tier1")
@click.pass_context
def app(ctx: click.Context, store_spec: str | None, fmt: str, author: str | None) -> None:
    """tier1: a knowledge-graph engine that resolves tier-1 incidents, safely and auditably.

    \b
    The world (services, hosts, alerts, changes...) lives as RDF in a versioned
    store. Every change is a commit you can list, diff and travel back to.

    \b
    Start here:
      tier1 init                          create the embedded store
      tier1 load ontology/ops.ttl ontology/examples/estate.ttl
      tier1 summary                       counts, tier-1 services, open incidents
      tier1 show ex:checkout              one entity and its neighbours
      tier1 query 'SELECT ?s WHERE { ?s a ops:Service }'
      tier1 log                           the commit history
    """
    import getpass

    who = author or _user(getpass)
    ctx.obj = Ctx(store_spec=store_spec or default_store_spec(), fmt=fmt, author=who,
                  author_given=author is not None)
    ctx.call_on_close(ctx.obj.close)


def _user(getpass: Any) -> str:
    try:
        return str(getpass.getuser())
    except Exception:
        return "cli"


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    app.main(args=argv, prog_name="tier1")
