"""Per-case work of an index build — facts cleaned, jieba words, elements, legal frame, and (for the
in-project embedder) vectors — done in chunks, in a pool of worker processes when the build is
big enough to pay for one.

Segmentation and the legal frame are pure Python and cost ≈ 3 ms of CPU per case; a 100k-case
build spent most of its time there on one core. Chunks keep memory flat: the parent holds the
results of at most a few chunks at a time and turns words into int32 ids at once (a Python list
of word strings per case is ~60 bytes a word). Results come back in input order, so a store built
with or without the pool is the same, byte for byte.
"""

from __future__ import annotations

import gc
import hashlib
import os
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from knowledge.cases import rank
from knowledge.cases.clean import facts_only
from knowledge.cases.corpus import CaseRecord, tokens
from knowledge.cases.features import extract

if TYPE_CHECKING:
    from concurrent.futures import Future

SEP = "\x00"  # words of a case travel between processes as one string (cheap to pickle)
MIN_POOL = 2000  # fewer cases than this: no pool (forking costs more than it saves)
# chunks in flight per worker: the workers run this far ahead of the parent, which stops taking
# results while it adds a batch to Chroma (at 2 per worker they waited for it; a chunk's result
# is ~1 MB)
AHEAD = 8
_STATE: dict[str, Any] = {}  # the worker's backend (set by the parent before the pool forks)


@dataclass
class Prepared:
    """One chunk's results, in input order."""

    words: list[str]  # per case: its words joined by SEP (empty when ``ids`` were asked for)
    vectors: np.ndarray | None  # (n, dim) float32 when the worker encoded them
    elements: list[dict[str, Any]]  # Elements.to_meta() per case
    frames: list[dict[str, Any] | None]  # legal frame per case (None: none read)
    vocab: list[str] | None = None  # ``ids``: the chunk's distinct words, in order of first occurrence
    ids: np.ndarray | None = None  # ``ids``: every word of the chunk as an index into ``vocab`` (int32)
    lens: np.ndarray | None = None  # ``ids``: words per case (int64)

    def __len__(self) -> int:
        return len(self.elements) if self.lens is None else len(self.lens)


def trim_memory() -> None:
    """Give the C heap's free pages back to the system (glibc ``malloc_trim``; elsewhere nothing).
    Chroma's Rust core and numpy free their buffers into malloc's arenas, which keep them: without
    this, a 100k-case build's process grew by ~6 KB per case added to Chroma (measured: 20k cases
    +124 MB, after ``malloc_trim`` +37 MB)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def workers() -> int:
    """Worker processes for a build: ``JIANCHA_INDEX_WORKERS`` or the CPU count (at most 4)."""
    env = os.environ.get("JIANCHA_INDEX_WORKERS", "").strip()
    if env.isdigit():
        return max(1, int(env))
    return max(1, min(4, os.cpu_count() or 1))


def text_key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def _chunk(items: Sequence[tuple[str, list[str], bool, str | None]], words_only: bool = False,
           as_ids: bool = False) -> Prepared:
    """Worker side: ``items`` = (fact, charges, read the frame?, cached words or None) per case;
    ``words_only``: the words alone (the embedder's fit sample); ``as_ids``: the words as ids into
    the chunk's own vocabulary (``Prepared.vocab/ids/lens``) instead of strings: the parent then
    maps a few thousand distinct words per chunk instead of every word of every case."""
    fn = rank.framer()
    backend = _STATE.get("backend")
    words, cleans, toks, els, frames = [], [], [], [], []
    local: dict[str, int] = {}
    ids: list[int] = []
    lens: list[int] = []
    for fact, charges, want_frame, cached in items:
        clean = facts_only(fact)
        tk = _split(cached) if cached is not None else tokens(clean)
        if as_ids:
            ids.extend([local.setdefault(w, len(local)) for w in tk])
            lens.append(len(tk))
        else:
            words.append(SEP.join(tk))
        if words_only:
            continue
        if backend is not None:
            cleans.append(clean)
            toks.append(tk)
        els.append(extract(facts_only(fact, keep=("procedure",))).to_meta())
        frames.append(fn(fact, charges) if want_frame and fn is not None and charges else None)
    vecs = backend.encode(cleans, toks) if backend is not None and cleans else None
    del cleans, toks
    trim_memory()
    if as_ids:
        return Prepared(words, vecs, els, frames, list(local), np.array(ids, dtype=np.int32),
                        np.array(lens, dtype=np.int64))
    return Prepared(words, vecs, els, frames)


def prepare(records: Sequence[CaseRecord], backend: Any = None, chunk: int = 500,
            cache: dict[str, str] | None = None, n_workers: int | None = None,
            toks: Sequence[list[str] | None] | None = None, fill: bool = True,
            words_only: bool = False, as_ids: bool = False) -> Iterator[Prepared]:
    """Prepared chunks of ``records`` in order. ``backend``: encode in the workers (only for an
    embedder that is plain numpy, i.e. the default tfidf-svd; others encode in the parent).
    ``cache``: words by ``text_key(fact)``, read and filled (a text seen twice in one build — the
    embedder's fit sample, duplicated facts — is segmented once; ``fill=False``: read only);
    ``toks``: words already known; ``words_only``: no elements, frames nor vectors; ``as_ids``: the
    words as chunk-local ids (``Prepared.vocab/ids/lens``), not strings (no ``cache`` filling then)."""
    if as_ids:
        fill = False
    n_workers = workers() if n_workers is None else n_workers
    items = []
    for i, r in enumerate(records):
        cached = None
        if toks is not None and toks[i] is not None:
            cached = SEP.join(toks[i])
        elif cache is not None:
            cached = cache.get(text_key(r.fact))
        items.append((r.fact, r.charges, r.frame is None, cached))
    chunks = [items[i : i + chunk] for i in range(0, len(items), chunk)]
    if n_workers <= 1 or len(records) < MIN_POOL:
        _STATE["backend"] = backend
        try:
            for c in chunks:
                yield _fill(_chunk(c, words_only, as_ids), c, cache if fill else None)
        finally:
            _STATE.pop("backend", None)
        return
    tokens("预热")  # jieba's dictionary loaded once, before the fork, shared by the workers
    _STATE["backend"] = backend
    gc.collect()
    gc.freeze()  # the workers' collector never walks (and so never copies) the parent's objects
    import multiprocessing as mp  # a query never builds: the pool's modules only here
    from concurrent.futures import ProcessPoolExecutor

    try:
        ctx = mp.get_context("fork")  # the workers inherit the installed framer and the backend
        with ProcessPoolExecutor(n_workers, mp_context=ctx) as ex:
            ahead: deque[tuple[Future[Prepared], Any]] = deque()
            it = iter(chunks)
            for c in it:  # a bounded window of chunks in flight: memory does not grow with the build
                ahead.append((ex.submit(_chunk, c, words_only, as_ids), c))
                if len(ahead) >= AHEAD * n_workers:
                    break
            while ahead:
                fut, c = ahead.popleft()
                nxt = next(it, None)
                if nxt is not None:
                    ahead.append((ex.submit(_chunk, nxt, words_only, as_ids), nxt))
                yield _fill(fut.result(), c, cache if fill else None)
    finally:
        _STATE.pop("backend", None)
        gc.unfreeze()


def _fit(texts: list[str], words: list[str]) -> Any:
    from knowledge.cases.embeddings import TfidfSvdEmbeddings, _Mapped

    return TfidfSvdEmbeddings.fit(texts, _Mapped(_split, words))  # split when read: never all at once


def _split(w: str) -> list[str]:
    return w.split(SEP) if w else []


def fit_embedder(texts: list[str], words: list[str]) -> Any:
    """The default embedder (``TfidfSvdEmbeddings.fit``) fitted on ``texts`` with their words
    (``SEP``-joined, as ``Prepared.words``). A big sample is fitted in a forked child process:
    the fit's Python lists (every word and character bigram of ≈10k cases, ~500 MB) are then
    freed with the child instead of fragmenting the build's own heap for the rest of the build.
    The child shares the parent's string hash seed, so the fit is the one the parent would make."""
    if len(texts) < MIN_POOL:
        return _fit(texts, words)
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    gc.collect()
    with ProcessPoolExecutor(1, mp_context=mp.get_context("fork")) as ex:
        return ex.submit(_fit, texts, words).result()


def _fill(p: Prepared, items: Sequence[tuple[str, list[str], bool, str | None]],
          cache: dict[str, str] | None) -> Prepared:
    if cache is not None:
        for (fact, _c, _f, cached), w in zip(items, p.words, strict=True):
            if cached is None:
                cache[text_key(fact)] = w
    return p
