"""Find or start a Bolt + Cypher server for the integration tests and benchmarks.

:func:`bolt_server` picks, in order:

1. a server named by ``TIER1_TEST_NEO4J_URI`` / ``_USER`` / ``_PASSWORD`` (real Neo4j);
2. testcontainers' Neo4j, when a Docker socket exists and answers;
3. ArcadeDB from the ``arcadedb-embedded`` wheel, started as a separate
   process on free ports in a temporary folder and stopped by its PID.

If none can start, :class:`BoltServerError` says why; callers fail the run
with it (never skip).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "ArcadeServer", "BoltServer", "BoltServerError", "bolt_server", "free_port", "wait_ready", "wipe",
]

ARCADE_PASSWORD = "testpassword"
ARCADE_DATABASE = "neo4j"


class BoltServerError(RuntimeError):
    """No Bolt server could be found or started; the message says why."""


@dataclass
class BoltServer:
    """Where a running Bolt server answers, and how to stop it."""

    uri: str
    user: str
    password: str
    kind: str  # "env", "neo4j-container" or "arcadedb"
    stop: Callable[[], None] = field(default=lambda: None, repr=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_ready(uri: str, user: str, password: str, *, timeout: float = 60.0,
               alive: Callable[[], bool] = lambda: True) -> None:
    """Poll ``RETURN 1`` until the server answers (or ``timeout`` seconds pass)."""
    from neo4j import GraphDatabase

    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if not alive():
            raise BoltServerError(f"the server process for {uri} exited while starting")
        try:
            with GraphDatabase.driver(uri, auth=(user, password)) as drv, drv.session() as s:
                s.run("RETURN 1").consume()
            return
        except Exception as exc:
            last = exc
            time.sleep(0.2)
    raise BoltServerError(f"{uri} did not answer RETURN 1 within {timeout:.0f}s: {last!r}")


class ArcadeServer:
    """ArcadeDB's server with its Bolt plugin, as a separate Java process.

    ``root`` keeps the databases, so :meth:`kill` then :meth:`start` is a
    crash and a restart on the same data.
    """

    def __init__(self, root: Path, *, heap: str = "1g") -> None:
        self.root = root
        self.heap = heap
        self.bolt_port = free_port()
        self.http_port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"

    def command(self) -> list[str]:
        try:
            import arcadedb_embedded
        except ImportError as exc:
            raise BoltServerError(
                "arcadedb-embedded is not installed: pip install -e '.[test]', or point "
                "TIER1_TEST_NEO4J_URI/_USER/_PASSWORD at a Neo4j 5 server"
            ) from exc
        home = Path(arcadedb_embedded.__file__).parent
        java = home / "jre" / "bin" / "java"
        if not java.exists():
            raise BoltServerError(f"the arcadedb-embedded wheel has no Java runtime at {java}")
        return [
            str(java), f"-Xmx{self.heap}", "-cp", str(home / "jars" / "*"),
            f"-Darcadedb.server.rootPath={self.root}",
            f"-Darcadedb.server.rootPassword={ARCADE_PASSWORD}",
            "-Darcadedb.server.httpIncomingHost=127.0.0.1",
            f"-Darcadedb.server.httpIncomingPort={self.http_port}",
            "-Darcadedb.server.plugins=Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            "-Darcadedb.bolt.host=127.0.0.1", f"-Darcadedb.bolt.port={self.bolt_port}",
            f"-Darcadedb.server.defaultDatabases={ARCADE_DATABASE}[root]",
            "com.arcadedb.server.ArcadeDBServer",
        ]

    def start(self, timeout: float = 90.0) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, cwd=self.root, start_new_session=True,
            )
        proc = self.proc
        try:
            wait_ready(self.uri, "root", ARCADE_PASSWORD, timeout=timeout,
                       alive=lambda: proc.poll() is None)
        except BoltServerError as exc:
            self.kill()
            tail = self.log_path.read_text(errors="replace")[-2000:]
            raise BoltServerError(f"ArcadeDB did not start: {exc}\n--- {self.log_path}:\n{tail}") from None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Stop the server process by its PID (SIGKILL simulates a crash)."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)


def _from_env() -> BoltServer | None:
    uri = os.environ.get("TIER1_TEST_NEO4J_URI")
    if not uri:
        return None
    user = os.environ.get("TIER1_TEST_NEO4J_USER", "neo4j")
    password = os.environ.get("TIER1_TEST_NEO4J_PASSWORD", "")
    try:
        wait_ready(uri, user, password, timeout=10)
    except BoltServerError as exc:
        raise BoltServerError(
            f"TIER1_TEST_NEO4J_URI={uri} does not answer ({exc}); start that server, fix "
            "TIER1_TEST_NEO4J_USER/_PASSWORD, or unset TIER1_TEST_NEO4J_URI to use ArcadeDB"
        ) from None
    return BoltServer(uri, user, password, "env")


def _docker_works() -> bool:
    sock = Path("/var/run/docker.sock")
    if not sock.exists() and not os.environ.get("DOCKER_HOST"):
        return False
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env().ping()
    except Exception:
        return False
    return True


def _from_container() -> BoltServer | None:
    if not _docker_works():
        return None
    from testcontainers.neo4j import Neo4jContainer

    box = Neo4jContainer("neo4j:5")
    box.start()
    uri = box.get_connection_url()
    wait_ready(uri, box.username, box.password)
    return BoltServer(uri, box.username, box.password, "neo4j-container", stop=box.stop)


def _from_arcadedb(heap: str = "1g") -> BoltServer:
    root = Path(tempfile.mkdtemp(prefix="tier1-arcadedb-"))
    server = ArcadeServer(root, heap=heap)
    server.start()

    def stop() -> None:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)

    return BoltServer(server.uri, "root", ARCADE_PASSWORD, "arcadedb", stop=stop)


@contextlib.contextmanager
def bolt_server(*, heap: str = "1g") -> Iterator[BoltServer]:
    """A running Bolt server for the duration of the ``with`` block.

    A server named in the environment must answer (no silent fallback to
    another server). ``heap`` is the Java heap of an ArcadeDB server started
    here (big loads need more).
    """
    server = _from_env()
    errors: list[str] = []
    if server is None:
        try:
            server = _from_container()
        except Exception as exc:  # no usable Docker: fall back to ArcadeDB, keep the reason
            errors.append(f"testcontainers: {exc}")
    if server is None:
        try:
            server = _from_arcadedb(heap)
        except BoltServerError as exc:
            raise BoltServerError("; ".join([*errors, str(exc)])) from None
    try:
        yield server
    finally:
        server.stop()


def wipe(server: BoltServer) -> None:
    """Delete every node and relationship (a clean database for the next test)."""
    from neo4j import GraphDatabase

    auth = (server.user, server.password)
    with GraphDatabase.driver(server.uri, auth=auth) as drv, drv.session() as session:
        session.run("MATCH (n) DETACH DELETE n").consume()
