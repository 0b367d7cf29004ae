"""A throw-away PostgreSQL server on loopback, for the tests (tests/conftest.py) and `eval load --postgres`.

Uses the Debian ``postgresql`` package's binaries (``/usr/lib/postgresql/<ver>/bin``, or ``initdb`` on
PATH): ``initdb`` into a fresh temporary directory (password authentication over TCP, no Unix socket),
``pg_ctl start`` on a free 127.0.0.1 port, ``stop()`` shuts it down and removes the directory.
PostgreSQL refuses to run as root: as root the server runs as the ``postgres`` system user
(``runuser -u postgres --``), the directory chowned to it.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER = "jiancha"


class PostgresMissing(RuntimeError):
    """No PostgreSQL server binaries on this machine (Debian: ``apt-get install postgresql``)."""


def bindir() -> Path:
    """Directory of ``initdb``/``pg_ctl``: the newest /usr/lib/postgresql/<ver>/bin, else PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3])
                   if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    which = shutil.which("initdb")
    if which:
        return Path(which).parent
    raise PostgresMissing("PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoopbackPostgres:
    """``start()`` → a running server; ``url(db)`` a SQLAlchemy URL; ``create_database()``; ``stop()``."""

    def __init__(self) -> None:
        self.bin = bindir()
        self.root = Path(tempfile.mkdtemp(prefix="jiancha-pg-"))
        self.data = self.root / "data"
        self.password = secrets.token_urlsafe(16)
        self.port = 0
        self._as: list[str] = []
        self._n = 0
        if os.geteuid() == 0:  # postgres will not run as root
            self._as = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.root, "postgres", "postgres")
        os.chmod(self.root, 0o700)

    def _run(self, *args: str, timeout: float = 120) -> None:
        r = subprocess.run([*self._as, *args], capture_output=True, text=True, timeout=timeout, check=False)
        if r.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed ({r.returncode}): {(r.stderr or r.stdout)[-2000:]}")

    def start(self) -> LoopbackPostgres:
        pw = self.root / "pw"
        pw.write_text(self.password + "\n", encoding="utf-8")
        if self._as:
            shutil.chown(pw, "postgres", "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", USER, "--pwfile", str(pw),
                  "--auth-host=scram-sha-256", "--auth-local=reject", "-E", "UTF8", "--locale=C.UTF-8",
                  "--no-sync")
        pw.unlink()
        self.port = free_port()
        opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='' "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 "
                "-c shared_buffers=64MB")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"),
                  "-o", opts, "-w", "-t", "60", "start")
        self._wait()
        return self

    def _wait(self, timeout: float = 30) -> None:
        import psycopg

        end = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(self.dsn("postgres"), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > end:
                    raise
                time.sleep(0.2)

    def pid(self) -> int | None:
        """The postmaster's process id (its children are the database's backends)."""
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def dsn(self, db: str) -> str:
        return f"host=127.0.0.1 port={self.port} user={USER} password={self.password} dbname={db}"

    def url(self, db: str) -> str:
        return f"postgresql+psycopg://{USER}:{self.password}@127.0.0.1:{self.port}/{db}"

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        import psycopg

        self._n += 1
        name = name or f"t{self._n}_{secrets.token_hex(3)}"
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.port and self.data.exists():
            try:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop",
                          timeout=60)
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> LoopbackPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
