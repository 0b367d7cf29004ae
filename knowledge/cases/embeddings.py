"""Embedding backends of the similar-case store, behind one interface that is also a langchain
``Embeddings`` (registered as its virtual subclass when ``langchain_core.embeddings`` is imported:
``knowledge.cases.lc_interface``; importing langchain_core costs ~0.3 s that a query never needs).

- ``TfidfSvdEmbeddings`` (default, ``tfidf-svd``): fitted in-project on the legal corpus, no
  download — TF-IDF over legal-jieba words and character bigrams, reduced with TruncatedSVD. The
  fitted artefacts (vocabularies, idf, SVD components in float16) are one small ``.npz``.
- ``SentenceTransformerEmbeddings`` (``st``): a sentence-transformers model from a local directory
  (e.g. bge-m3); never downloads (``local_files_only``).
- ``OpenAIEmbeddings`` (``openai``): an OpenAI-compatible ``/v1/embeddings`` endpoint (vLLM, TEI).

Every backend has a ``signature()`` recorded in the store; a store refuses a backend whose
signature differs. Vectors are L2-normalised float32 (cosine = dot product).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.cases.corpus import MAX_CHARS, tokens
from knowledge.cases.lc_interface import register_when_imported
from knowledge.tfidf import rows_to_csr, smooth_idf, sublinear_row

_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


class EmbeddingBackend:
    """Interface of the store's embedders (a langchain ``Embeddings``: every method it has)."""

    kind: str = "base"

    def encode(self, texts: Sequence[str], toks: Sequence[list[str]] | None = None) -> np.ndarray:
        """(n, dim) float32, rows L2-normalised. ``toks``: precomputed ``corpus.tokens`` (optional)."""
        raise NotImplementedError

    @property
    def dim(self) -> int:
        raise NotImplementedError

    def signature(self) -> dict[str, Any]:
        """What built the vectors: backend kind, model, dim, fingerprint. Stored in the manifest."""
        raise NotImplementedError

    def describe(self) -> str:
        s = self.signature()
        return f"{s['backend']}:{s.get('model', '')}（{s['dim']}维）"

    # langchain Embeddings
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        import asyncio

        return await asyncio.get_running_loop().run_in_executor(None, self.embed_documents, texts)

    async def aembed_query(self, text: str) -> list[float]:
        import asyncio

        return await asyncio.get_running_loop().run_in_executor(None, self.embed_query, text)


register_when_imported(EmbeddingBackend)


def _normalise(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    n = np.linalg.norm(m, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return m / n


def _chars(text: str) -> list[str]:
    """Character bigrams of the facts (digits collapsed to 0, whitespace dropped)."""
    s = _SPACE.sub("", _DIGITS.sub("0", text[:MAX_CHARS]))
    return [s[i : i + 2] for i in range(len(s) - 1)]


class TfidfSvdEmbeddings(EmbeddingBackend):
    """TF-IDF (words + char bigrams, sublinear tf) → TruncatedSVD → L2-normalised dense vectors."""

    kind = "tfidf-svd"

    def __init__(self, word_vocab: dict[str, int], word_idf: np.ndarray, char_vocab: dict[str, int],
                 char_idf: np.ndarray, components: np.ndarray, char_weight: float = 1.0) -> None:
        self.word_vocab, self.char_vocab = word_vocab, char_vocab
        self.word_idf = np.asarray(word_idf, dtype=np.float32)
        self.char_idf = np.asarray(char_idf, dtype=np.float32)
        # (V_word + V_char, dim), row-contiguous: a query gathers the rows of its few words
        self._ct = np.ascontiguousarray(np.asarray(components, dtype=np.float32).T)
        self.char_weight = char_weight
        h = hashlib.sha1()
        h.update(json.dumps(sorted(word_vocab.items()), ensure_ascii=False).encode())
        h.update(json.dumps(sorted(char_vocab.items()), ensure_ascii=False).encode())
        h.update(np.ascontiguousarray(self.components).astype(np.float16).tobytes())
        self._fingerprint = h.hexdigest()[:16]

    # -- fit / save / load
    @classmethod
    def fit(cls, texts: Sequence[str], toks: Sequence[list[str]] | None = None, dim: int = 128,
            max_words: int = 20000, max_chars: int = 20000, min_df: int = 2, seed: int = 0) -> TfidfSvdEmbeddings:
        from scipy import sparse
        from sklearn.decomposition import TruncatedSVD

        if toks is None:
            toks = [tokens(t) for t in texts]
        elif not isinstance(toks, Sequence):
            toks = list(toks)
        chars = _Mapped(_chars, texts)  # each text's bigrams made when read (twice), never all at once
        wv, wi = _fit_vocab(toks, max_words, min_df)
        cv, ci = _fit_vocab(chars, max_chars, min_df)
        x = sparse.hstack([_tfidf(toks, wv, wi), _tfidf(chars, cv, ci)]).tocsr()
        dim = max(2, min(dim, x.shape[0] - 1, x.shape[1] - 1))
        svd = TruncatedSVD(n_components=dim, algorithm="randomized", n_iter=5, random_state=seed)
        svd.fit(x)
        return cls(wv, wi, cv, ci, svd.components_.astype(np.float16))

    def save(self, path: Path) -> None:
        words = sorted(self.word_vocab, key=self.word_vocab.__getitem__)
        chars = sorted(self.char_vocab, key=self.char_vocab.__getitem__)
        np.savez_compressed(
            path, words=np.array(words), chars=np.array(chars), word_idf=self.word_idf.astype(np.float16),
            char_idf=self.char_idf.astype(np.float16), components=self.components.astype(np.float16),
        )

    @classmethod
    def load(cls, path: Path) -> TfidfSvdEmbeddings:
        """The saved embedder; its decoded form (float32 arrays, vocabularies, fingerprint) is kept
        under ``<data_dir>/cache/embedder/`` (keyed by the file's path, size and time), because
        decompressing the ``.npz`` and fingerprinting the vocabularies cost ~0.2 s per query process."""
        cache = _load_cache_dir(Path(path))
        if cache is not None:
            try:
                return cls._read_cache(cache)
            except Exception:  # noqa: BLE001 - missing or damaged: decode the .npz again
                pass
        with np.load(path, allow_pickle=False) as z:
            words, chars = [str(w) for w in z["words"]], [str(c) for c in z["chars"]]
            got = cls({w: i for i, w in enumerate(words)}, z["word_idf"], {c: i for i, c in enumerate(chars)},
                      z["char_idf"], z["components"])
        if cache is not None:
            got._write_cache(cache, words, chars)
        return got

    @classmethod
    def _read_cache(cls, d: Path) -> TfidfSvdEmbeddings:
        import marshal

        meta = marshal.loads((d / "meta.marshal").read_bytes())
        self = cls.__new__(cls)
        self.word_vocab = {w: i for i, w in enumerate(meta["words"])}
        self.char_vocab = {c: i for i, c in enumerate(meta["chars"])}
        self.word_idf = np.load(d / "word_idf.npy", allow_pickle=False)
        self.char_idf = np.load(d / "char_idf.npy", allow_pickle=False)
        # memory-mapped (20 MB for the default store): a query reads the rows of its own words only
        self._ct = np.load(d / "ct.npy", allow_pickle=False, mmap_mode="r")
        self.char_weight = meta["char_weight"]
        self._fingerprint = meta["fingerprint"]
        if self._ct.shape[0] != len(self.word_vocab) + len(self.char_vocab):
            raise ValueError("embedder cache does not match its vocabularies")
        return self

    def _write_cache(self, d: Path, words: list[str], chars: list[str]) -> None:
        import marshal

        from knowledge.artifact import publish_dir

        def fill(tmp: Path) -> None:
            np.save(tmp / "word_idf.npy", self.word_idf)
            np.save(tmp / "char_idf.npy", self.char_idf)
            np.save(tmp / "ct.npy", self._ct)
            (tmp / "meta.marshal").write_bytes(marshal.dumps({
                "words": words, "chars": chars, "char_weight": float(self.char_weight),
                "fingerprint": self._fingerprint}))

        publish_dir(d, fill)  # one store's decoded embedder is kept (~20 MB)

    # -- encode
    @property
    def components(self) -> np.ndarray:
        """(dim, V_word + V_char) SVD components."""
        return self._ct.T

    @property
    def dim(self) -> int:
        return int(self._ct.shape[1])

    def encode(self, texts: Sequence[str], toks: Sequence[list[str]] | None = None) -> np.ndarray:
        toks = list(toks) if toks is not None else [tokens(t) for t in texts]
        if len(texts) <= 4:  # a query: gather the rows of its words (≈ 10x faster than the sparse path)
            return _normalise(np.stack([self._one(t, tk) for t, tk in zip(texts, toks, strict=True)]))
        from scipy import sparse  # a batch (index build): its import is paid once

        x = sparse.hstack([
            _tfidf(toks, self.word_vocab, self.word_idf),
            self.char_weight * _tfidf([_chars(t) for t in texts], self.char_vocab, self.char_idf),
        ]).tocsr()
        return _normalise(x @ self._ct)

    def _one(self, text: str, toks: list[str]) -> np.ndarray:
        """The same arithmetic as the sparse path, for one text."""
        out = np.zeros(self.dim, dtype=np.float32)
        nw = len(self.word_vocab)
        for items, vocab, idf, off, wt in ((toks, self.word_vocab, self.word_idf, 0, 1.0),
                                           (_chars(text), self.char_vocab, self.char_idf, nw, self.char_weight)):
            c = Counter(vocab[t] for t in items if t in vocab)
            if not c:
                continue
            idx = np.fromiter(c.keys(), dtype=np.int64, count=len(c))
            v = sublinear_row(idx, np.fromiter(c.values(), dtype=np.float32, count=len(c)), idf)
            if wt != 1.0:
                v *= wt
            out += v @ self._ct[idx + off]
        return out

    def signature(self) -> dict[str, Any]:
        return {"backend": self.kind, "model": "jiancha-legal", "dim": self.dim, "fingerprint": self._fingerprint}


_CACHE_FORMAT = "tfidf-svd-decoded-1"


def _load_cache_dir(path: Path) -> Path | None:
    """Where the decoded form of the embedder file ``path`` is kept; None without a cache dir."""
    from knowledge.artifact import cache_root, file_stamp, key_of

    root, stamp = cache_root(), file_stamp(path)
    if root is None or stamp is None:
        return None
    return root / "embedder" / key_of([_CACHE_FORMAT, *stamp])


class _Mapped(Sequence[Any]):
    """``[fn(x) for x in items]`` computed item by item as it is read."""

    def __init__(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> None:
        self.fn, self.items = fn, items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self.fn(x) for x in self.items[i]]
        return self.fn(self.items[i])

    def __iter__(self):
        return map(self.fn, self.items)


def _fit_vocab(docs: Sequence[list[str]], max_features: int, min_df: int) -> tuple[dict[str, int], np.ndarray]:
    df: Counter[str] = Counter()
    for d in docs:
        df.update(set(d))
    # ties at the cut broken by the term: Counter.most_common keeps them in set order, which follows the
    # string hash seed, so two builds of the same cases would keep different vocabularies
    kept = sorted((t for t, c in df.items() if c >= min_df), key=lambda t: (-df[t], t))[:max_features]
    kept.sort()
    return {t: i for i, t in enumerate(kept)}, smooth_idf((df[t] for t in kept), len(docs))


def _tfidf(docs: Sequence[list[str]], vocab: dict[str, int], idf: np.ndarray) -> Any:
    """Sublinear-tf TF-IDF rows, L2-normalised (knowledge.tfidf; same arithmetic at fit and query time)."""

    def row(d: list[str]) -> tuple[np.ndarray, np.ndarray]:
        c = Counter(vocab[t] for t in d if t in vocab)
        idx = np.fromiter(c.keys(), dtype=np.int64, count=len(c))
        return idx, sublinear_row(idx, np.fromiter(c.values(), dtype=np.float32, count=len(c)), idf)

    return rows_to_csr((row(d) for d in docs), len(vocab))


class SentenceTransformerEmbeddings(EmbeddingBackend):
    """A sentence-transformers model loaded from a local directory (optional extra; never downloads)."""

    kind = "st"

    def __init__(self, model_dir: Path | str, batch_size: int = 32) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:  # pragma: no cover - optional extra
            raise RuntimeError("未安装 sentence-transformers：pip install -e \".[st]\"") from e
        self.model_dir = Path(model_dir)
        if not self.model_dir.is_dir():
            raise RuntimeError(f"句向量模型目录不存在：{self.model_dir}")
        self.model = SentenceTransformer(str(self.model_dir), device="cpu", local_files_only=True)
        self.batch_size = batch_size
        self._dim = int(self.model.get_sentence_embedding_dimension() or 0)

    @property
    def dim(self) -> int:
        return self._dim

    def encode(self, texts: Sequence[str], toks: Sequence[list[str]] | None = None) -> np.ndarray:
        v = self.model.encode([t[:MAX_CHARS] for t in texts], batch_size=self.batch_size,
                              normalize_embeddings=True, show_progress_bar=False)
        return _normalise(v)

    def signature(self) -> dict[str, Any]:
        return {"backend": self.kind, "model": self.model_dir.name, "dim": self.dim, "fingerprint": self.model_dir.name}


class OpenAIEmbeddings(EmbeddingBackend):
    """An OpenAI-compatible ``POST {base_url}/embeddings`` endpoint (vLLM ``--task embed``, TEI)."""

    kind = "openai"

    def __init__(self, base_url: str, model: str, api_key: str | None = None, batch_size: int = 64,
                 timeout: float = 60.0, post: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.model, self.api_key, self.batch_size, self.timeout = model, api_key, batch_size, timeout
        self._post = post or self._http_post
        self._dim: int | None = None

    def _http_post(self, url: str, payload: dict[str, Any]) -> dict[str, Any]:
        import urllib.request  # ~0.03 s (http, ssl, email): only this backend needs it

        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(url, json.dumps(payload).encode("utf-8"), headers)
        with urllib.request.urlopen(req, timeout=self.timeout) as r:  # noqa: S310 - configured private endpoint
            return json.loads(r.read().decode("utf-8"))

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self.encode(["维度"]).shape[1])
        return self._dim

    def encode(self, texts: Sequence[str], toks: Sequence[list[str]] | None = None) -> np.ndarray:
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            batch = [t[:MAX_CHARS] for t in texts[i : i + self.batch_size]]
            resp = self._post(f"{self.base_url}/embeddings", {"model": self.model, "input": batch})
            rows = sorted(resp["data"], key=lambda d: d["index"])
            out.extend(r["embedding"] for r in rows)
        m = _normalise(np.array(out, dtype=np.float32).reshape(len(out), -1))
        self._dim = int(m.shape[1]) if len(out) else self._dim
        return m

    def signature(self) -> dict[str, Any]:
        return {"backend": self.kind, "model": self.model, "dim": self.dim, "fingerprint": self.model}
