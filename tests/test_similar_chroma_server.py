"""The similar-case store on a Chroma server (``chroma run``, the chromadb package's own server) on
loopback: build, query, rebuild while the server serves another store, a store from another
embedding version refused with its rebuild command, and the CLI through JIANCHA_CHROMA_URL. One
server for the module (its own data dir, a free port), stopped at the end; no other network.

The rest of the similar-case tests run against a Chroma server too: `.ci/run` runs them a second
time with JIANCHA_CHROMA_URL set (see tests/chroma_server.py)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from chroma_server import ChromaServer  # tests/ is on sys.path (rootdir, no __init__)
from typer.testing import CliRunner

import knowledge.cases as kc
import models.similar  # noqa: F401 - installs the crime experts' legal frame (tiers) for the stores built here
from knowledge.cases import CaseStore, StoreMismatch, load_cases
from knowledge.cases.embeddings import TfidfSvdEmbeddings
from knowledge.settings import get_settings
from models.cli import app

DATA = Path(__file__).parent / "data" / "similar_cases.jsonl"
REBUILD = "jiancha index build --rebuild"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ChromaServer(tmp_path_factory.mktemp("chroma-server"))
    try:
        srv.start()
    except (OSError, TimeoutError) as e:  # the chroma CLI ships with chromadb (a core dependency)
        pytest.fail(f"chroma run did not start: {e}")
    yield srv
    srv.stop()


pytestmark = pytest.mark.usefixtures("offline")  # tests/conftest.py: no connection leaves loopback


@pytest.fixture(scope="module")
def records():
    return load_cases([DATA])


@pytest.fixture
def on_server(server, tmp_path, monkeypatch):
    monkeypatch.setenv("JIANCHA_CHROMA_URL", server.url)
    monkeypatch.setenv("JIANCHA_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    kc.reset()
    yield server
    kc.reset()
    get_settings.cache_clear()


def _top(store: CaseStore, text: str, k: int = 5) -> list[tuple[str, float]]:
    return [(h.case_id, round(h.score, 6)) for h in store.search(text, k=k)]


def test_build_and_query_on_server_equal_embedded(on_server, tmp_path, records):
    srv = on_server
    remote = CaseStore.create(tmp_path / "remote", records[:60])  # the configured server
    assert remote.info()["chroma"] == srv.url and not (tmp_path / "remote" / "chroma").exists()
    assert remote.collection_name in srv.collections()
    local = CaseStore.create(tmp_path / "local", records[:60], chroma_url="")  # embedded, same cases
    assert local.info()["chroma"] == "embedded"
    for r in records[:60:12]:  # same ranking, same scores: the server is only the vector index
        assert _top(remote, r.fact) == _top(local, r.fact)
    # another process (a second web worker) opens the store from its directory alone
    # (its embedder is read back from embedder.npz: scores equal to float32 rounding)
    again = CaseStore(tmp_path / "remote")
    assert len(again) == 60
    assert [(c, round(x, 4)) for c, x in _top(again, records[5].fact)] == \
        [(c, round(x, 4)) for c, x in _top(remote, records[5].fact)]


def test_rebuild_while_serving_another_store(on_server, tmp_path, records):
    srv = on_server
    a = CaseStore.create(tmp_path / "a", records[:40])
    b = CaseStore.create(tmp_path / "b", records[40:70])
    want = _top(a, records[3].fact)
    answers: list[list[tuple[str, float]]] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def query_a() -> None:  # store a keeps being queried on the same server during b's rebuild
        while not done.is_set():
            try:
                answers.append(_top(a, records[3].fact))
            except BaseException as e:  # noqa: BLE001 - recorded and asserted below
                errors.append(e)
                return

    t = threading.Thread(target=query_a)
    t.start()
    old = b.collection_name
    try:
        b2 = CaseStore.create(tmp_path / "b", records[:70])  # rebuild b with more cases
    finally:
        done.set()
        t.join()
    assert not errors and answers and all(x == want for x in answers)
    assert len(b2) == 70 and b2.collection_name != old
    names = srv.collections()
    assert old not in names and {a.collection_name, b2.collection_name} <= set(names)
    assert b2.search(records[10].fact, k=1)[0].case_id == records[10].id  # a case new to b


def test_other_embedding_version_refused_with_rebuild_command(on_server, tmp_path, records):
    path = tmp_path / "s"
    CaseStore.create(path, records[:30])
    other = TfidfSvdEmbeddings.fit([r.fact for r in records[30:]])
    with pytest.raises(StoreMismatch, match=REBUILD):
        CaseStore(path, other)
    # the server's collection rebuilt by another embedding version behind the manifest's back
    store = CaseStore(path)
    col = store.collection
    col.modify(metadata={"jiancha_backend": json.dumps(other.signature())})
    with pytest.raises(StoreMismatch, match=REBUILD):
        _ = CaseStore(path).collection


def test_cli_index_build_and_similar_through_server(on_server, tmp_path, monkeypatch):
    import knowledge.cases.corpus as corpus

    monkeypatch.setattr(corpus, "CASES_FILE", DATA)
    monkeypatch.setattr(corpus, "JUDGMENTS_FILE", tmp_path / "no-judgments.jsonl.gz")
    r = CliRunner().invoke(app, ["index", "build", "--rebuild"])
    assert r.exit_code == 0, r.output
    info = CliRunner().invoke(app, ["index", "info"])
    assert on_server.url in info.output
    r = CliRunner().invoke(app, ["similar", "--json", "-"],
                           input="被告人醉酒后驾驶小型轿车在道路上行驶，经鉴定其血液中乙醇含量为168mg/100ml。")
    assert r.exit_code == 0, r.output
    hits = json.loads(r.output)["cases"]
    assert hits and sum("危险驾驶" in h["charges"] for h in hits) >= len(hits) - 1
