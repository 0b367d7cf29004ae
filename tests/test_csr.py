"""The numpy-only sparse scoring (knowledge/csr.py) against scipy.sparse and bm25s on real cases:
the gate's char tf-idf rows and scores, the learned term model's ridge, the store's BM25 index and
partitions — bit-identical numbers, so the same charges and the same similar cases."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

from knowledge import csr
from knowledge.cases import CaseStore, load_cases
from knowledge.csr import Csr

pytestmark = pytest.mark.usefixtures("offline")


@pytest.fixture(scope="module")
def facts() -> list[str]:
    recs = load_cases()
    return [recs[i].fact for i in range(0, len(recs), max(1, len(recs) // 120))][:120]


def _scipy_tfidf(vec, texts: list[str]) -> sp.csr_matrix:
    """The gate's tf-idf as it was written with scipy (reference): counts per (text, n-gram) by
    ``sum_duplicates``, sublinear tf times idf, rows divided by ``sqrt(X.multiply(X).sum(axis=1))``."""
    rows, cols = [], []
    for i, t in enumerate(texts):
        g = vec.grams(t, vec.ngram)
        hit = [vec.vocab[x] for x in g if x in vec.vocab]
        rows += [i] * len(hit)
        cols += hit
    X = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(texts), len(vec.idf)))
    X.sum_duplicates()
    X.data = (1 + np.log(X.data)) * vec.idf[X.indices]
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel()).astype(np.float32)
    norms[norms == 0] = 1.0
    X.data /= np.repeat(norms, np.diff(X.indptr))
    return X


def _same(a: sp.csr_matrix, b: Csr) -> bool:
    return (a.shape == b.shape and np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
            and a.data.dtype == b.data.dtype and np.array_equal(a.data, b.data))


def test_gate_tfidf_rows_are_scipys(facts):
    from models.gate.model import blend, mask_charges, prior_text

    b = blend()
    texts = [mask_charges(t) for t in facts[:40]] + ["", "a\0b", "窃"]
    for vec, tx in ((b.learned.vec, texts), (b.prior.vec, [prior_text(t) for t in texts])):
        assert _same(_scipy_tfidf(vec, tx), vec.rows(tx))
        one = [vec.rows([t]) for t in tx[:10]]
        assert all(_same(_scipy_tfidf(vec, [t]), r) for t, r in zip(tx[:10], one, strict=True))


def test_vocabulary_keys_are_key_of_each_term():
    from models.gate.model import _key, blend

    vec = blend().prior.vec
    keys, cols = vec._keys()
    assert np.array_equal(keys, np.sort(np.array([_key(t) for t in vec.terms], dtype=np.uint64)))
    assert [vec.terms[c] for c in cols[:50]] == sorted(vec.terms, key=_key)[:50]


@pytest.mark.parametrize("n", [1, 3, csr.BATCH_ROWS + 4])  # numpy path, and scipy's for a batch
def test_gate_scores_bit_identical_to_scipy(facts, n):
    from models.gate.model import blend, mask_charges, prior_text

    b = blend()
    texts = [mask_charges(t) for t in facts[:n]]
    X = _scipy_tfidf(b.learned.vec, texts)
    assert np.array_equal(b.learned.scores(texts), np.asarray(X @ b.learned.coef) + b.learned.intercept)
    P = _scipy_tfidf(b.prior.vec, [prior_text(t) for t in texts])
    ref = np.asarray((P @ b.prior.docs.to_scipy().T).todense())
    assert b.prior.docs_bin is not None  # the relevance model (knowledge/gate/params.yaml prior.relevance)
    B = P.copy()
    B.data[:] = 1
    ref += np.asarray((B @ b.prior.docs_bin.to_scipy().T).todense())
    ref += b.prior.bias
    got = b.prior.scores(texts)
    assert got.dtype == ref.dtype and np.array_equal(got, ref)


def test_dot_products_match_scipy_on_random_matrices():
    rng = np.random.default_rng(0)
    for rows in (1, 5, csr.BATCH_ROWS, 40):
        m = sp.random(rows, 300, density=0.05, format="csr", dtype=np.float32, random_state=rng)
        m.data += 1  # no explicit zeros
        a = Csr.from_scipy(m)
        w = rng.standard_normal((300, 7)).astype(np.float32)
        v = rng.standard_normal(300).astype(np.float32)
        assert np.array_equal(a.dot(w), np.asarray(m @ w))
        assert np.array_equal(a.dot(v), np.asarray(m @ v))
        o = sp.random(50, 300, density=0.1, format="csr", dtype=np.float32, random_state=rng)
        assert np.array_equal(a.dot_transposed(Csr.from_scipy(o).transpose()), (m @ o.T).toarray())
        t = a.transpose()
        assert _same(m.T.tocsr(), t)


def test_learned_term_model_ridge_is_scipys(facts):
    from models.sentencing.learned import model

    tm = model()
    if tm is None:
        pytest.skip("no term model artifact")
    for t in facts[:20]:
        x = tm.vec.transform([t])
        assert tm.ridge(t, []) == float((x @ tm.ridge_coef)[0]) + tm.ridge_b


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    recs = load_cases()[:600]
    return CaseStore.create(tmp_path_factory.mktemp("csr") / "s", recs), recs


def test_bm25_index_read_without_bm25s_is_bm25s_index(store):
    import bm25s

    st, recs = store
    ref = bm25s.BM25.load(str(st.path / "bm25"))
    m = st._bm25_csr
    for k in ("data", "indices", "indptr"):
        assert np.array_equal(np.asarray(getattr(m, k)), ref.scores[k])
    from knowledge.cases.corpus import tokens

    for r in recs[:30]:
        qids = [st.vocab_index[t] for t in dict.fromkeys(tokens(r.fact)) if t in st.vocab_index]
        assert np.allclose(st._bm25_scores(qids, m), ref.get_scores(qids), atol=1e-4)


def test_partition_bm25_scores_are_scipys(store):
    """A charge partition's BM25 columns (numpy) give the scores of scipy's column slice of the
    same matrix, bit for bit, and the search ranks the same cases."""
    st, recs = store
    from knowledge.cases.corpus import tokens

    full = st._bm25_csr.to_scipy().tocsc()
    for r in recs[:40:3]:
        part = st._partition(r.charges)
        ref = Csr.from_scipy(full[:, part["rows"]].tocsr())
        assert _same(ref.to_scipy(), part["bm"])
        qids = [st.vocab_index[t] for t in dict.fromkeys(tokens(r.fact)) if t in st.vocab_index]
        assert np.array_equal(st._bm25_scores(qids, part["bm"]), st._bm25_scores(qids, ref))


def test_similar_call_imports_no_scipy_nor_bm25s(store, tmp_path):
    """One `jiancha similar` query (gate, store, BM25, guideline) in a fresh process imports neither
    scipy nor bm25s (≈ 0.15 s of a 0.7 s call)."""
    st, recs = store
    code = ("import sys\n"
            "from knowledge.cases import CaseStore\n"
            "from models.commands.similar import charges_for\n"
            "from models.similar import suggest\n"
            f"s = CaseStore({str(st.path)!r}, lazy=True)\n"
            f"text = {recs[5].fact!r}\n"
            "got = suggest(text, charges=charges_for(text), store=s)\n"
            "assert got.cases, 'no similar case'\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('scipy', 'bm25s', 'sklearn'))\n"
            "print(bad[:5])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                         env={**__import__("os").environ, "JIANCHA_DATA_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"
