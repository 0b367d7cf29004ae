"""The analyze fast path `similar_case_ids`, and stores that are corrupt, mismatched or empty:
a clear Chinese error naming the rebuild command (exit 2 from the CLI), never a silent wrong
answer. Small stores in tmp_path; no network (sockets blocked and recorded)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import knowledge.cases as kc
import models.similar as ms
from knowledge.cases import CaseStore, StoreError, StoreMismatch, load_cases
from knowledge.cases.embeddings import EmbeddingBackend, TfidfSvdEmbeddings
from knowledge.settings import get_settings
from models.cli import app

DATA = Path(__file__).parent / "data" / "similar_cases.jsonl"
# set: this run keeps the stores on a Chroma server (.ci/run runs these tests a second time so)
ON_SERVER = bool(os.environ.get("JIANCHA_CHROMA_URL"))
DRUNK = "被告人醉酒后驾驶小型轿车在道路上行驶，经鉴定其血液中乙醇含量为168mg/100ml。"


pytestmark = pytest.mark.usefixtures("offline")  # tests/conftest.py: no connection leaves loopback


@pytest.fixture(scope="module")
def records():
    return load_cases([DATA])


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A fresh JIANCHA_DATA_DIR; the process-wide store and the fast path's memory reset."""
    import knowledge.cases.corpus as corpus

    monkeypatch.setattr(corpus, "CASES_FILE", DATA)  # a first-use build here builds the small fixture
    monkeypatch.setattr(corpus, "JUDGMENTS_FILE", tmp_path / "no-judgments.jsonl.gz")
    monkeypatch.setenv("JIANCHA_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    kc.reset()
    monkeypatch.setattr(ms, "_FAST_FAILED", None)
    yield tmp_path
    kc.reset()
    get_settings.cache_clear()


def _similar(*args: str, input: str = DRUNK):  # noqa: A002 - CliRunner's name
    return CliRunner().invoke(app, ["similar", "--json", *args, "-"], input=input)


# --------------------------------------------------------------------------- fast path


def test_fast_path_ids_filter_and_no_reopen(data_dir, records, monkeypatch):
    kc.build_default([DATA])
    opened = []
    real_init = CaseStore.__init__

    def counting_init(self, *a, **kw):
        opened.append(1)
        real_init(self, *a, **kw)

    monkeypatch.setattr(CaseStore, "__init__", counting_init)
    kc.reset()
    ids = ms.similar_case_ids(DRUNK, ["危险驾驶"], k=5)
    assert len(ids) == 5 and len(set(ids)) == 5
    by_id = {r.id: r for r in records}
    assert all("危险驾驶" in by_id[i].charges for i in ids)
    assert ms.similar_case_ids(DRUNK, ["危险驾驶罪"], k=5) == ids  # names with 罪 are normalised
    assert len(ms.similar_case_ids(DRUNK, [], k=3)) == 3  # no charge: the whole store
    for _ in range(5):
        ms.similar_case_ids(DRUNK, ["危险驾驶"])
    assert len(opened) == 1  # opened once per process, never rebuilt or reopened per call
    assert ms.similar_case_ids(DRUNK, ["不存在的罪名"]) == []  # no case of that charge: none, not others
    assert ms.similar_case_ids("   ", ["危险驾驶"]) == [] and ms.similar_case_ids(DRUNK, [], k=0) == []


def test_fast_path_matches_full_search(data_dir, records):
    store, _ = kc.build_default([DATA])
    q = next(r for r in records if r.charges == ["故意伤害"])
    full = [h.case_id for h in store.search(q.fact, k=10, charges=q.charges)]
    assert ms.similar_case_ids(q.fact, q.charges) == full


def test_fast_path_no_store_without_autobuild(data_dir, monkeypatch):
    monkeypatch.setenv("JIANCHA_SIMILAR_AUTOBUILD", "0")
    get_settings.cache_clear()
    assert ms.similar_case_ids(DRUNK, ["危险驾驶"]) == []
    assert not (data_dir / "cases").exists()  # nothing was built
    assert ms.fast_path_status()["ready"] is False


def test_fast_path_builds_bundled_store_on_first_use(data_dir):
    ids = ms.similar_case_ids(DRUNK, ["危险驾驶"], k=3)
    assert len(ids) == 3
    assert (data_dir / "cases" / "manifest.json").exists()
    assert json.loads((data_dir / "cases" / "manifest.json").read_text())["count"] == 80


def test_fast_path_broken_store_gives_none_and_says_so_once(data_dir, records, caplog):
    kc.build_default([DATA])
    (data_dir / "cases" / "tokens.npz").write_bytes(b"garbage")
    kc.reset()
    with caplog.at_level(logging.WARNING, logger="models.similar"):
        assert ms.similar_case_ids(DRUNK, ["危险驾驶"]) == []
        assert ms.similar_case_ids(DRUNK, ["危险驾驶"]) == []
    warned = [r for r in caplog.records if "类案库不可用" in r.getMessage()]
    assert len(warned) == 1 and "jiancha index build --rebuild" in warned[0].getMessage()
    assert "jiancha index build" in ms.fast_path_status()["error"]
    kc.build_default([DATA], rebuild=True)  # the rebuild path: answers again
    assert len(ms.similar_case_ids(DRUNK, ["危险驾驶"], k=2)) == 2


# --------------------------------------------------------------------------- mismatched backend


class _FakeBackend(EmbeddingBackend):
    kind = "openai"

    def __init__(self, dim: int, model: str = "bge-m3") -> None:
        self._dim, self.model = dim, model

    @property
    def dim(self) -> int:
        return self._dim

    def encode(self, texts, toks=None):
        rng = np.random.default_rng(len(texts))
        v = rng.normal(size=(len(texts), self._dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def signature(self):
        return {"backend": "openai", "model": self.model, "dim": self._dim, "fingerprint": self.model}


def test_other_dimension_refused(tmp_path, records):
    path = tmp_path / "d"
    CaseStore.create(path, records[:10], backend=_FakeBackend(8))
    with pytest.raises(StoreMismatch, match=r"8维.*16维.*jiancha index build --rebuild"):
        CaseStore(path, _FakeBackend(16))


def test_configured_backend_differs_from_store_refused_without_network(data_dir, records, monkeypatch):
    kc.build_default([DATA])  # built by the default tfidf-svd
    monkeypatch.setenv("JIANCHA_EMBEDDING_BACKEND", "openai")
    monkeypatch.setenv("JIANCHA_EMBEDDING_URL", "http://embed.example.org/v1")
    monkeypatch.setenv("JIANCHA_EMBEDDING_MODEL", "bge-m3")
    get_settings.cache_clear()
    kc.reset()
    with pytest.raises(StoreMismatch, match="tfidf-svd.*openai.*不能混用.*jiancha index build --rebuild"):
        kc.open_store()  # refused on the backend kind: the endpoint is never asked its dimension
    r = _similar()
    assert r.exit_code == 2 and "不能混用" in r.output and "jiancha index build --rebuild" in r.output
    assert ms.similar_case_ids(DRUNK, ["危险驾驶"]) == []


def test_tfidf_store_with_another_fit_refused(tmp_path, records):
    path = tmp_path / "f"
    CaseStore.create(path, records[:30])
    other = TfidfSvdEmbeddings.fit([r.fact for r in records[30:]], dim=16)
    with pytest.raises(StoreMismatch, match="不能混用"):
        CaseStore(path, other)


# --------------------------------------------------------------------------- corrupt stores


def _fresh_chroma() -> None:
    """Forget the Chroma databases this process has open, as a new process would."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


@pytest.mark.skipif(ON_SERVER, reason="the embedded database file (on a server, the server keeps it)")
@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_bad_chroma_sqlite(data_dir, damage):
    kc.build_default([DATA])
    kc.reset()
    _fresh_chroma()
    db = data_dir / "cases" / "chroma" / "chroma.sqlite3"
    raw = db.read_bytes()
    db.write_bytes(b"this is not a database " * 64 if damage == "garbage" else raw[: len(raw) // 3])
    with pytest.raises(StoreError, match="jiancha index build --rebuild"):
        CaseStore(data_dir / "cases")
    for args in ([], ["--charge", "危险驾驶"]):  # the CLI checks Chroma even when a filter avoids it
        kc.reset()
        _fresh_chroma()
        r = _similar(*args)
        assert r.exit_code == 2, r.output
        assert "类案库" in r.output and "jiancha index build --rebuild" in r.output
    kc.reset()
    _fresh_chroma()
    r = CliRunner().invoke(app, ["index", "build", "--rebuild", "--from", str(DATA)])  # the rebuild path
    assert r.exit_code == 0, r.output
    kc.reset()
    assert _similar().exit_code == 0


@pytest.mark.parametrize("part", ["vectors.npy", "meta.json.gz", "tokens.npz", "bm25", "embedder.npz",
                                  "manifest.json", "chroma"])
def test_missing_part(data_dir, part):
    import shutil

    kc.build_default([DATA])
    kc.reset()
    _fresh_chroma()
    p = data_dir / "cases" / part
    if part == "chroma" and ON_SERVER:  # the store's collection gone from the server
        store = CaseStore(data_dir / "cases")
        store.client.delete_collection(store.collection_name)
    else:
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    if part == "manifest.json":  # no manifest = no store: the default one is rebuilt on first use
        assert _similar().exit_code == 0
        return
    with pytest.raises(StoreError, match="jiancha index build --rebuild"):
        CaseStore(data_dir / "cases")
    kc.reset()
    _fresh_chroma()
    r = _similar()
    assert r.exit_code == 2 and "jiancha index build --rebuild" in r.output, r.output


def test_truncated_vectors_detected(data_dir):
    kc.build_default([DATA])
    v = np.load(data_dir / "cases" / "vectors.npy")
    np.save(data_dir / "cases" / "vectors.npy", v[:-5])
    kc.reset()
    with pytest.raises(StoreError, match="数量不一致"):
        kc.open_store()
    r = _similar()
    assert r.exit_code == 2 and "数量不一致" in r.output


def test_bad_source_file_is_bad_input(data_dir):
    bad = data_dir / "bad.jsonl"
    bad.write_text('{"charges": ["盗窃"]}\n', encoding="utf-8")  # no facts
    r = CliRunner().invoke(app, ["index", "build", "--from", str(bad)])
    assert r.exit_code == 2 and "输入有误" in r.output


# --------------------------------------------------------------------------- empty store


def test_empty_store(data_dir, records):
    backend = TfidfSvdEmbeddings.fit([r.fact for r in records], dim=16)
    store = CaseStore.create(data_dir / "cases", [], backend=backend)
    assert len(store) == 0 and store.search(DRUNK) == [] and store.search(DRUNK, charges=["危险驾驶"]) == []
    kc.reset()
    assert len(kc.open_store()) == 0  # reopens alone (the store carries its embedder)
    assert ms.similar_case_ids(DRUNK, ["危险驾驶"]) == [] and ms.similar_case_ids(DRUNK, []) == []
    r = _similar()
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["cases"] == [] and "类案仅0个（不足3个）" in out["suggestion"]["reasoning"]
    r = CliRunner().invoke(app, ["index", "build", "--from", str(DATA)])  # an empty store grows
    assert r.exit_code == 0 and '"added": 80' in r.output


def test_empty_source_file_refused(data_dir):
    empty = data_dir / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    r = CliRunner().invoke(app, ["index", "build", "--from", str(empty)])
    assert r.exit_code == 2 and "没有案例" in r.output


# --------------------------------------------------------------------------- BM25 at scale


def test_bm25_postings_budget_drops_common_words_only(tmp_path, records, monkeypatch):
    import knowledge.cases.store as st
    from knowledge.cases.corpus import tokens

    store = CaseStore.create(tmp_path / "b", records)
    q = records[3]
    qids = [store.vocab_index[t] for t in dict.fromkeys(tokens(q.fact)) if t in store.vocab_index]
    full = store._bm25_scores(qids, store._bm25_csr)
    import bm25s

    assert np.allclose(full, bm25s.BM25.load(str(store.path / "bm25")).get_scores(qids), atol=1e-4)  # same as bm25s
    df = np.diff(store._bm25_csr.indptr)[qids]
    budget = int(df.sum() // 3)
    cfg = dict(st.rerank_config(), bm25_max_postings=budget)
    monkeypatch.setattr(st, "rerank_config", lambda: cfg)
    cut = store._bm25_scores(qids, store._bm25_csr)
    order = np.argsort(df, kind="stable")
    kept = [qids[i] for i in sorted(order[np.cumsum(df[order]) <= budget])]
    monkeypatch.setattr(st, "rerank_config", lambda: {**cfg, "bm25_max_postings": 0})
    assert np.allclose(cut, store._bm25_scores(kept, store._bm25_csr), atol=1e-4)
    assert max(df[[qids.index(k) for k in kept]]) <= min(np.delete(df, [qids.index(k) for k in kept]))


def test_a_rebuild_by_another_process_is_seen_without_restart(data_dir, records):
    """A long-running process (a web worker) holds the default store; ``jiancha index build
    --rebuild`` runs in another process: the next query answers from the new store, not the old
    one, and while that build holds its lock the old store keeps answering."""
    import subprocess
    import sys

    kc.build_default([DATA])
    old = kc.get_store()
    assert len(old) == 80
    drunk = [r for r in records if r.charges == ["危险驾驶"]]
    other = [r for r in records if r.charges != ["危险驾驶"]][:20]
    small = data_dir / "small.jsonl"
    small.write_text("".join(line for line in DATA.read_text(encoding="utf-8").splitlines(keepends=True)
                             if json.loads(line)["id"] in {r.id for r in other}), encoding="utf-8")
    with kc.build_lock(data_dir / "cases"):  # a build under way elsewhere: keep serving the old store
        assert kc.get_store() is old
    env = {**os.environ, "JIANCHA_DATA_DIR": str(data_dir)}
    done = subprocess.run([sys.executable, "-m", "models.cli", "index", "build", "--from", str(small), "--rebuild"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    new = kc.get_store()
    assert new is not old and len(new) == 20
    assert kc.get_store() is new  # reopened once, not per call
    ids = {h.case_id for h in kc.search(drunk[0].fact, k=10)}  # unfiltered: asks Chroma too
    assert ids and ids <= {r.id for r in other}
