"""The index build's per-case work in worker processes gives what the serial path gives; the
numpy BM25 index is bm25s's own, byte for byte; the embedder's fit sample
is spread over the input; the case view reads facts from the store's files. Small inputs from the
test fixture; the speed of a build is a benchmark (`python -m eval index-build`), never a test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import knowledge.cases.prepare as prep
from knowledge.cases import load_cases
from knowledge.cases.embeddings import TfidfSvdEmbeddings
from knowledge.cases.store import _spread

DATA = Path(__file__).parent / "data" / "similar_cases.jsonl"


@pytest.fixture(scope="module")
def records():
    import models.similar  # noqa: F401 - the legal frame is read in the workers, as in a build

    return load_cases([DATA])


def _all(chunks):
    words, vecs, els, frames = [], [], [], []
    for p in chunks:
        words += p.words
        els += p.elements
        frames += p.frames
        if p.vectors is not None:
            vecs.append(p.vectors)
    return words, (np.concatenate(vecs) if vecs else None), els, frames


def test_pool_gives_the_serial_results_in_order(records, monkeypatch):
    backend = TfidfSvdEmbeddings.fit([r.fact for r in records], dim=8)
    serial = _all(prep.prepare(records, backend=backend, chunk=7, n_workers=1))
    monkeypatch.setattr(prep, "MIN_POOL", 0)
    pooled = _all(prep.prepare(records, backend=backend, chunk=7, n_workers=2))
    assert pooled[0] == serial[0] and pooled[2] == serial[2] and pooled[3] == serial[3]
    assert np.array_equal(pooled[1], serial[1])
    assert len(serial[0]) == len(records) and all(serial[0])
    assert any(f for f in serial[3])  # frames were read (the fixture has amounts and tiers)


def test_cache_and_known_words_are_used_not_recomputed(records, monkeypatch):
    cache: dict[str, str] = {}
    first = _all(prep.prepare(records[:5], cache=cache, words_only=True))
    assert len(cache) == 5 and first[2] == []  # words only: no elements for the fit sample
    monkeypatch.setattr(prep, "tokens", lambda text: pytest.fail("segmented again"))
    again = _all(prep.prepare(records[:5], cache=cache, fill=False))
    assert again[0] == first[0]
    given = _all(prep.prepare(records[:2], toks=[["甲", "乙"], []]))
    assert given[0] == ["甲" + prep.SEP + "乙", ""]


@pytest.mark.parametrize("block", [3, 200_000])
def test_bm25_arrays_are_bm25s_own(monkeypatch, tmp_path, block):
    import bm25s
    from bm25s.tokenization import Tokenized

    from knowledge.cases import bm25

    rng = np.random.default_rng(7)
    lists = [rng.integers(0, 40, size=int(rng.integers(0, 30))).tolist() for _ in range(60)]
    lists[5] = []  # a case with no word
    vocab = [f"w{i}" for i in range(45)]  # the last five words in no case
    ref = bm25s.BM25()
    ref.index(Tokenized(ids=lists, vocab={t: i for i, t in enumerate(vocab)}), show_progress=False)
    ids = np.array([w for d in lists for w in d], dtype=np.int32)
    offsets = np.concatenate([[0], np.cumsum([len(d) for d in lists])]).astype(np.int64)
    monkeypatch.setattr(bm25, "BLOCK", block)  # one block, or many (a block boundary inside the cases)
    got = bm25.arrays(ids, offsets, len(vocab))
    for k in ("data", "indices", "indptr"):
        assert got[k].dtype == ref.scores[k].dtype and got[k].tobytes() == ref.scores[k].tobytes()
    assert got["num_docs"] == ref.scores["num_docs"] == 60
    bm25.index(tmp_path / "bm25", ids, offsets, vocab)
    ref.save(str(tmp_path / "ref"), show_progress=False)
    for f in (tmp_path / "ref").iterdir():
        assert (tmp_path / "bm25" / f.name).read_bytes() == f.read_bytes(), f.name


def test_fit_sample_is_spread_over_the_input():
    assert _spread(list(range(10)), 0) == list(range(10))
    assert _spread(list(range(10)), 20) == list(range(10))
    assert _spread(list(range(10)), 3) == [0, 3, 6]


def test_case_view_reads_facts_from_the_store_files(tmp_path, records):
    from knowledge.cases import CaseStore

    store = CaseStore.create(tmp_path / "s", records[:6], chroma_url="")
    store.add(records[6:9])  # an incremental add appends to facts.bin
    for r in records[:9]:
        assert store.case(r.id)["fact"] == r.fact
    got = store.collection.get(ids=[records[0].id], include=["documents"])
    assert not (got.get("documents") or [None])[0]  # Chroma keeps vectors and metadata only
    reopened = CaseStore(tmp_path / "s", lazy=True)
    assert reopened.case(records[8].id)["fact"] == records[8].fact
