"""A throwaway PostgreSQL server started from this machine's own binaries.

Tests and benchmarks use it so that PostgreSQL is exercised for real without any setup:
``initdb`` in a temporary directory, ``pg_ctl start`` on a free loopback port, and everything
removed on ``stop()``. PostgreSQL refuses to run as root, so as root it runs as the ``postgres``
system user (``runuser``), with the directory owned by that user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def find_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/*/bin`` holding initdb, or the one on PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class EphemeralPostgres:
    """One server; ``url(db)`` gives a SQLAlchemy URL for a database on it."""

    bindir: Path
    root: Path
    port: int
    as_postgres_user: bool

    @classmethod
    def start(cls, *, durable: bool = False, bindir: Path | None = None) -> EphemeralPostgres:
        """Start a server; ``durable=False`` turns fsync off (tests), True keeps the defaults."""
        bindir = bindir or find_bindir()
        if bindir is None:
            raise FileNotFoundError("no PostgreSQL binaries (initdb) on this machine")
        root = Path(tempfile.mkdtemp(prefix="cybermutual-pg-"))
        server = cls(bindir, root, _free_port(), as_postgres_user=os.geteuid() == 0)
        if server.as_postgres_user:
            shutil.chown(root, "postgres", "postgres")
        server._run(
            "initdb",
            "-D",
            str(root / "data"),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
            "--no-instructions",
        )
        options = [
            f"-p {server.port}",
            f"-k {root}",
            "-c listen_addresses=127.0.0.1",
            "-c max_connections=200",
            "-c shared_buffers=128MB",
        ]
        if not durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        server._run(
            "pg_ctl",
            "-D",
            str(root / "data"),
            "-l",
            str(root / "server.log"),
            "-o",
            " ".join(options),
            "-w",
            "-t",
            "60",
            "start",
        )
        return server

    def _command(self, tool: str, *args: str) -> list[str]:
        command = [str(self.bindir / tool), *args]
        return ["runuser", "-u", "postgres", "--", *command] if self.as_postgres_user else command

    def _run(self, tool: str, *args: str) -> str:
        done = subprocess.run(
            self._command(tool, *args), capture_output=True, text=True, check=False, cwd=self.root
        )
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{tool} failed: {done.stderr.strip()}\n{tail}")
        return done.stdout

    def psql(self, sql: str, *, database: str = "postgres") -> str:
        return self._run(
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-qAt",
            "-c",
            sql,
        )

    def create_database(self, name: str) -> str:
        """Create ``name`` and return its SQLAlchemy URL."""
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def tool(self, name: str, *args: str) -> list[str]:
        """The command line to run a client tool (pgbench, psql) against this server."""
        return self._command(name, "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", *args)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
