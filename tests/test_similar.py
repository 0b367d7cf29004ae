"""Similar-case store, retrieval, suggestion and commands — small stores in tmp_path, no network."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest

import models.similar  # noqa: F401 - installs the crime experts' legal frame (tiers) for the stores built here
from knowledge.cases import CaseStore, StoreError, StoreMismatch, load_cases
from knowledge.cases.embeddings import EmbeddingBackend, OpenAIEmbeddings, TfidfSvdEmbeddings
from knowledge.cases.features import extract, similarity

DATA = Path(__file__).parent / "data" / "similar_cases.jsonl"


class _NoNetwork(AssertionError):
    pass


@pytest.fixture(scope="module", autouse=True)
def no_network():
    """Every test here runs with non-loopback connections and name lookups forbidden (Chroma
    telemetry, model downloads); see tests/test_similar_offline.py for the recorded proof."""
    from test_similar_offline import block_network  # tests/ is on sys.path (no __init__)

    mp = pytest.MonkeyPatch()
    attempts = block_network(mp)
    yield
    mp.undo()
    assert not attempts, f"network access attempted: {attempts}"


@pytest.fixture(scope="module")
def records():
    return load_cases([DATA])


@pytest.fixture(scope="module")
def store(tmp_path_factory, records):
    return CaseStore.create(tmp_path_factory.mktemp("store") / "cases", records)


def test_search_same_charge_with_reasons(store, records):
    q = next(r for r in records if r.charges == ["危险驾驶"])
    hits = store.search(q.fact, k=5, exclude={q.id})
    assert len(hits) == 5 and q.id not in {h.case_id for h in hits}
    assert sum(h.charges == ["危险驾驶"] for h in hits) >= 4
    assert all(h.why for h in hits)
    assert any("血液酒精含量相近" in w or "醉酒" in w for h in hits for w in h.why)
    assert hits == sorted(hits, key=lambda h: -h.score)


def test_charge_filter(store, records):
    q = next(r for r in records if r.charges == ["盗窃"])
    hits = store.search(q.fact, k=10, charge="危险驾驶")
    assert hits and all("危险驾驶" in h.charges for h in hits)
    assert store.search(q.fact, k=10, charge="不存在的罪名") == []
    assert all(h.why[0] == ("同为危险驾驶罪" if h.exact else "均涉危险驾驶罪（另有") or h.why[0].startswith("均涉危险驾驶罪（另有")
               for h in hits)
    assert any(h.exact for h in hits)


def test_incremental_add_and_reopen(tmp_path, records):
    s = CaseStore.create(tmp_path / "s", records[:40])
    assert len(s) == 40
    assert s.add(records[:40]) == 0  # nothing new
    assert s.add(records[30:60]) == 20
    s2 = CaseStore(tmp_path / "s")
    assert len(s2) == 60 and s2.info()["backend"]["backend"] == "tfidf-svd"
    assert s2.search(records[50].fact, k=1)[0].case_id == records[50].id


def test_corrupt_store_clear_error(tmp_path, records):
    path = tmp_path / "c"
    CaseStore.create(path, records[:20])
    (path / "vectors.npy").unlink()
    with pytest.raises(StoreError, match="jiancha index build --rebuild"):
        CaseStore(path)
    CaseStore.create(path, records[:20])  # the rebuild path works
    (path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(StoreError, match="清单损坏"):
        CaseStore(path)
    with pytest.raises(StoreError, match="不存在"):
        CaseStore(tmp_path / "missing")


def test_interrupted_add_detected(tmp_path, records):
    path = tmp_path / "i"
    s = CaseStore.create(path, records[:20])
    s.collection.add(ids=["stray"], embeddings=np.ones((1, s.backend.dim), dtype=np.float32))  # parts disagree
    with pytest.raises(StoreError, match="数量不一致"):
        CaseStore(path)


class _OtherBackend(EmbeddingBackend):
    kind = "openai"

    def __init__(self, dim: int) -> None:
        self._dim = dim

    @property
    def dim(self) -> int:
        return self._dim

    def encode(self, texts, toks=None):
        return np.ones((len(texts), self._dim), dtype=np.float32) / np.sqrt(self._dim)

    def signature(self):
        return {"backend": "openai", "model": "bge-m3", "dim": self._dim, "fingerprint": "bge-m3"}


def test_mismatched_backend_refused(store):
    with pytest.raises(StoreMismatch, match="不能混用.*--rebuild"):
        CaseStore(store.path, _OtherBackend(store.backend.dim))


def test_store_built_by_other_backend_needs_it(tmp_path, records):
    path = tmp_path / "o"
    CaseStore.create(path, records[:10], backend=_OtherBackend(8))
    with pytest.raises(StoreMismatch):
        CaseStore(path)  # no backend configured → cannot open a store built by openai
    assert len(CaseStore(path, _OtherBackend(8))) == 10


def test_langchain_embeddings_interface(store):
    from langchain_core.embeddings import Embeddings

    b = store.backend
    assert isinstance(b, Embeddings) and isinstance(b, TfidfSvdEmbeddings)
    q = b.embed_query("被告人醉酒驾驶机动车")
    docs = b.embed_documents(["被告人醉酒驾驶机动车", "被告人盗窃手机一部"])
    assert len(q) == b.dim and len(docs) == 2 and abs(np.linalg.norm(docs[0]) - 1) < 1e-3
    assert np.allclose(q, docs[0], atol=1e-5)



def test_langchain_registered_only_when_langchain_is_imported(store):
    """Opening a store does not import langchain_core (~0.3 s); importing it later still makes the
    backends langchain ``Embeddings`` (fresh process: the registration happens at that import)."""
    import subprocess
    import sys

    code = ("import sys, asyncio\n"
            "from knowledge.cases.embeddings import TfidfSvdEmbeddings\n"
            "assert 'langchain_core' not in sys.modules\n"
            "from langchain_core.embeddings import Embeddings\n"
            "assert issubclass(TfidfSvdEmbeddings, Embeddings)\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
    b = store.backend
    got = asyncio.run(b.aembed_documents(["被告人醉酒驾驶机动车"]))
    assert np.allclose(got[0], b.embed_query("被告人醉酒驾驶机动车"), atol=1e-5)


def test_tfidf_load_from_decoded_cache_is_the_same_embedder(tmp_path, records, monkeypatch):
    """The second load reads the decoded form kept in the data dir's cache: same arrays, same
    vocabularies, same signature, same vectors as decoding the .npz."""
    monkeypatch.setenv("JIANCHA_DATA_DIR", str(tmp_path / "data"))
    e = TfidfSvdEmbeddings.fit([r.fact for r in records], dim=16)
    e.save(tmp_path / "e.npz")
    first = TfidfSvdEmbeddings.load(tmp_path / "e.npz")
    assert len(list((tmp_path / "data" / "cache" / "embedder").iterdir())) == 1
    second = TfidfSvdEmbeddings.load(tmp_path / "e.npz")
    assert second.signature() == first.signature()
    assert second.word_vocab == first.word_vocab and second.char_vocab == first.char_vocab
    assert np.array_equal(second.components, first.components) and second.components.dtype == np.float32
    texts = [r.fact for r in records[:6]]
    assert np.array_equal(second.encode(texts), first.encode(texts))
    assert np.array_equal(second.encode(texts[:1]), first.encode(texts[:1]))

def test_tfidf_save_load_same_vectors(tmp_path, records):
    e = TfidfSvdEmbeddings.fit([r.fact for r in records], dim=16)
    e.save(tmp_path / "e.npz")
    e2 = TfidfSvdEmbeddings.load(tmp_path / "e.npz")
    assert e.signature() == e2.signature()
    v1, v2 = e.encode([records[0].fact]), e2.encode([records[0].fact])
    assert np.allclose(v1, v2, atol=1e-2)


def test_openai_backend_with_injected_transport():
    calls = []

    def post(url, payload):
        calls.append((url, payload))
        return {"data": [{"index": i, "embedding": [1.0, float(i), 0.0]} for i in range(len(payload["input"]))]}

    b = OpenAIEmbeddings("http://vllm.local:8000/v1/", "bge-m3", post=post)
    m = b.encode(["甲", "乙"])
    assert m.shape == (2, 3) and calls[0][0] == "http://vllm.local:8000/v1/embeddings"
    assert b.signature()["model"] == "bge-m3" and b.dim == 3


def test_features_on_real_snippets():
    e = extract("经鉴定，被告人血液中乙醇含量为156.3mg/100ml，属醉酒驾驶。到案后如实供述。")
    assert e.bac == 156.3 and "坦白" in e.circumstances and "醉酒" in e.circumstances
    e2 = extract("盗窃黄金项链一条，经鉴定价值人民币2.5万元。")
    assert e2.amount_yuan == 25000
    e3 = extract("致被害人左臂骨折，经鉴定为轻伤一级。被告人投案自首。")
    assert e3.injury == "轻伤一级" and "自首" in e3.circumstances
    s, why = similarity(e, extract("血液酒精含量为150mg/100ml，醉酒，如实供述"))
    assert s > 0.8 and any("血液酒精" in w for w in why)


def test_suggestion_distribution_and_flag(store, records):
    from models.similar import suggest

    q = next(r for r in records if r.charges == ["危险驾驶"])
    s = suggest(q.fact, charge="危险驾驶", store=store, exclude={q.id})
    assert s.knn and s.knn["q1"] <= s.knn["median"] <= s.knn["q3"] <= 6
    assert s.term_months is not None and 1 <= s.term_months <= 6
    assert "同罪名同档次类案10个，刑期中位数" in "；".join(s.reasoning)
    from models.types import SentenceTerm

    far = SentenceTerm(start=0, end=0, text="", penalty="有期徒刑", term_months=60)
    near = SentenceTerm(start=0, end=0, text="", penalty="拘役", term_months=s.term_months)
    assert suggest(q.fact, charge="危险驾驶", store=store, judged=far).flags
    assert not suggest(q.fact, charge="危险驾驶", store=store, judged=near).flags


def test_cli_index_build_and_similar(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import knowledge.cases as kc
    from knowledge.settings import get_settings
    from models.cli import app

    monkeypatch.setenv("JIANCHA_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    kc.reset()
    try:
        r = CliRunner().invoke(app, ["index", "build", "--from", str(DATA)])
        assert r.exit_code == 0, r.output
        assert '"added": 80' in r.output
        r = CliRunner().invoke(app, ["index", "build", "--from", str(DATA)])
        assert '"added": 0' in r.output  # incremental: nothing new
        facts = "经审理查明，被告人王某某醉酒后驾驶小型轿车在道路上行驶，经鉴定其血液中乙醇含量为168mg/100ml。"
        r = CliRunner().invoke(app, ["similar", "-k", "3", "--json", "-"], input=facts)
        assert r.exit_code == 0, r.output
        out = json.loads(r.output)
        assert len(out["cases"]) == 3 and set(out["cases"][0]) >= {"case_id", "score", "charges", "term_months", "why"}
        # a 醉驾 query: the cases found are 危险驾驶 cases, best first
        assert all("危险驾驶" in c["charges"] for c in out["cases"]), out["cases"]
        scores = [c["score"] for c in out["cases"]]
        assert scores == sorted(scores, reverse=True)
        sug = out["suggestion"]
        lo, hi = sug["range_months"]
        assert lo <= sug["term_months"] <= hi and sug["reasoning"]
        rows = [{"id": "a", "text": facts}, {"id": "b", "text": "被告人盗窃他人电动车一辆，价值3000元。"}]
        r = CliRunner().invoke(app, ["similar", "--jsonl", "-"], input="\n".join(json.dumps(x, ensure_ascii=False) for x in rows))
        assert r.exit_code == 0, r.output
        assert [json.loads(x)["id"] for x in r.output.strip().splitlines()] == ["a", "b"]
        r = CliRunner().invoke(app, ["similar", "--json", str(tmp_path / "nope.txt")])
        assert r.exit_code == 2
        (tmp_path / "cases" / "bm25").rename(tmp_path / "cases" / "bm25.x")
        kc.reset()
        r = CliRunner().invoke(app, ["similar", "--json", "-"], input=facts)
        assert r.exit_code == 2 and "jiancha index build --rebuild" in r.output
    finally:
        kc.reset()
        get_settings.cache_clear()
