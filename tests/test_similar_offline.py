"""Offline proof for the similar-case store: building a store, querying it and running
`jiancha index build` / `jiancha similar` attempt no network access (every non-loopback connect
and name lookup is refused AND recorded — a refusal swallowed inside a library, e.g. a telemetry
client, still fails the test), and Chroma's telemetry is off."""

from __future__ import annotations

import ipaddress
import json
import socket
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data" / "similar_cases.jsonl"
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


def _is_local(host: Any) -> bool:
    if host is None:
        return False
    h = host.decode() if isinstance(host, bytes) else str(host)
    if h in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(h.split("%")[0]).is_loopback
    except ValueError:
        return False


def block_network(mp: pytest.MonkeyPatch) -> list[str]:
    """Refuse and record every non-loopback connection and DNS lookup; returns the record."""
    attempts: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_gai, real_cc = socket.getaddrinfo, socket.create_connection

    def check(what: str, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(address, (str, bytes)) and not isinstance(host, tuple):  # AF_UNIX path
            return
        if not _is_local(host):
            attempts.append(f"{what} {address!r}")
            raise OSError(f"network access blocked in tests: {what} {address!r}")

    def connect(self, address):
        if self.family != socket.AF_UNIX:
            check("connect", address)
        return real_connect(self, address)

    def connect_ex(self, address):
        if self.family != socket.AF_UNIX:
            check("connect_ex", address)
        return real_connect_ex(self, address)

    def getaddrinfo(host, *a, **kw):
        check("getaddrinfo", (host,))
        return real_gai(host, *a, **kw)

    def create_connection(address, *a, **kw):
        check("create_connection", address)
        return real_cc(address, *a, **kw)

    mp.setattr(socket.socket, "connect", connect)
    mp.setattr(socket.socket, "connect_ex", connect_ex)
    mp.setattr(socket, "getaddrinfo", getaddrinfo)
    mp.setattr(socket, "create_connection", create_connection)
    return attempts


def test_blocker_records_and_allows_loopback(offline):
    with pytest.raises(OSError, match="blocked"):
        socket.create_connection(("203.0.113.7", 443), timeout=0.1)
    with pytest.raises(OSError, match="blocked"):
        socket.getaddrinfo("huggingface.co", 443)
    assert len(offline) == 2
    offline.clear()  # the blocker works; loopback stays usable (servers in other tests)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    c = socket.create_connection(srv.getsockname(), timeout=1)
    c.close()
    srv.close()
    assert offline == []


def test_build_query_and_cli_offline(offline, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import knowledge.cases as kc
    from knowledge.cases import CaseStore, load_cases
    from knowledge.settings import get_settings
    from models.cli import app
    from models.similar import similar_case_ids

    recs = load_cases([DATA])
    store = CaseStore.create(tmp_path / "s", recs)  # fit, Chroma add, BM25 index
    assert len(store.search(recs[0].fact, k=5)) == 5  # unfiltered: through Chroma's HNSW
    assert store.search(recs[0].fact, k=5, charges=recs[0].charges)

    monkeypatch.setenv("JIANCHA_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    kc.reset()
    try:
        r = CliRunner().invoke(app, ["index", "build", "--from", str(DATA)])
        assert r.exit_code == 0, r.output
        facts = "被告人醉酒后驾驶小型轿车在道路上行驶，经鉴定其血液中乙醇含量为168mg/100ml。"
        r = CliRunner().invoke(app, ["similar", "--json", "-k", "3", "-"], input=facts)
        assert r.exit_code == 0, r.output
        assert len(json.loads(r.output)["cases"]) == 3
        assert len(similar_case_ids(facts, ["危险驾驶"], k=4)) == 4
    finally:
        kc.reset()
        get_settings.cache_clear()


def test_chroma_telemetry_disabled(offline, tmp_path):
    from knowledge.cases import CaseStore, load_cases
    from knowledge.cases.store import _chroma_client

    client = _chroma_client(tmp_path / "t", None)
    assert client.get_settings().anonymized_telemetry is False
    store = CaseStore.create(tmp_path / "t2", load_cases([DATA])[:12])
    assert store.client.get_settings().anonymized_telemetry is False
