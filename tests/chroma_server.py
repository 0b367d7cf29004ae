"""Start and stop a Chroma server (``chroma run``, the CLI of the chromadb package) on loopback for
tests: its own data directory, a free port, stopped by its process id.

``python tests/chroma_server.py DIR`` starts one and prints its URL and pid (``.ci/run`` uses it
for the second run of the similar-case tests against a server)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chroma_cli() -> str:
    exe = Path(sys.executable).parent / "chroma"
    return str(exe) if exe.exists() else (shutil.which("chroma") or "chroma")


class ChromaServer:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        log = open(self.path / "server.log", "wb")  # noqa: SIM115 - kept open for the server's life
        self.proc = subprocess.Popen(
            [chroma_cli(), "run", "--host", "127.0.0.1", "--port", str(self.port), "--path", str(self.path / "db")],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise OSError(f"chroma run exited {self.proc.returncode}: "
                              f"{(self.path / 'server.log').read_text(errors='replace')[-500:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"chroma run did not answer on {self.url} within {timeout:.0f} s")

    def collections(self) -> list[str]:
        import chromadb
        from chromadb.config import Settings

        c = chromadb.HttpClient(host="127.0.0.1", port=self.port, settings=Settings(anonymized_telemetry=False))
        return [getattr(x, "name", x) for x in c.list_collections()]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None


if __name__ == "__main__":
    srv = ChromaServer(Path(sys.argv[1]))
    srv.start()
    print(srv.url, srv.proc.pid if srv.proc else "")
