"""The similar-case store: a Chroma collection (dense vectors + facts + metadata) beside a BM25
index (bm25s over legal-jieba words) and compact local arrays for the element-aware rerank.

Layout of a store directory::

    manifest.json      schema, embedding backend signature, count, Chroma location — written last
    embedder.npz       the fitted default embedder (tfidf-svd only)
    chroma/            the embedded Chroma database (absent when a Chroma server is used)
    vectors.npy        float16 copy of the vectors (rerank scoring; rebuild without re-embedding)
    meta.json.gz       per case: id, charges, sentence, elements, legal frame (tier, quantity per charge),
                       source, court / date / case number (judgments)
    texts.json.gz      full texts of the judgments (the case view), when any
    facts.bin          the cases' facts (UTF-8, one after another) and facts_off.npy their byte offsets
                       (the case view; Chroma keeps vectors and metadata only: indexing the facts as
                       Chroma documents was most of a build's Chroma time). A store made before keeps
                       its facts in Chroma and is read there.
    tokens.npz         BM25 word ids per case (BM25 is re-indexed on incremental add)
    bm25/              the bm25s index

A store built by one embedding backend refuses another (``StoreMismatch``); a store whose parts
disagree (interrupted build, deleted files) raises ``StoreError``; both messages name the rebuild
command. No silent wrong answers.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.cases import bm25, rank
from knowledge.cases.clean import facts_only
from knowledge.cases.corpus import CaseRecord, official_charge, tokens
from knowledge.cases.embeddings import EmbeddingBackend, TfidfSvdEmbeddings
from knowledge.cases.features import Elements, ElementTable, extract, similarity_rows
from knowledge.cases.prepare import fit_embedder, prepare, trim_memory
from knowledge.csr import Csr
from knowledge.yamlfile import load_yaml

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # Chroma: never phone home

SCHEMA = 2  # 2: facts cleaned before indexing, legal frames (tiers) and judgments' court/date stored
COLLECTION = "jiancha_cases"
REBUILD = "jiancha index build --rebuild"
_HERE = Path(__file__).resolve().parent
Progress = Callable[[str, int, int], None]  # (stage, done, total)


class StoreError(RuntimeError):
    """The store is missing, corrupt or inconsistent. The message says how to rebuild it."""


class StoreMismatch(StoreError):
    """The store was built by another embedding backend than the one configured."""


@lru_cache(maxsize=1)
def rerank_config() -> dict[str, Any]:
    return load_yaml(_HERE / "rerank.yaml")


@dataclass
class Hit:
    """One similar case, with why it is similar."""

    case_id: str
    score: float
    charges: list[str]
    term_months: int | None
    fine_yuan: float | None = None
    life: bool = False
    death: bool = False
    why: list[str] = field(default_factory=list)
    dense: float = 0.0
    bm25: float = 0.0
    elements: float = 0.0
    source: str = ""
    exact: bool = False  # exactly the query's charge set
    same_tier: bool | None = None  # same tier as the query on the query's charges (None: unknown)
    tier: str = ""  # the case's tiers on the query's charges ("盗窃:较大")
    court: str = ""
    date: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "score": round(self.score, 4), "charges": self.charges,
                "term_months": self.term_months, "life": self.life, "death": self.death,
                "fine_yuan": self.fine_yuan, "why": "；".join(self.why), "source": self.source,
                "exact": self.exact, "same_tier": self.same_tier, "tier": self.tier, "court": self.court,
                "date": self.date}


def _chroma_client(path: Path, chroma_url: str | None):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    cs = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        from urllib.parse import urlparse

        u = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
        return chromadb.HttpClient(host=u.hostname or "localhost", port=u.port or 8000,
                                   ssl=u.scheme == "https", settings=cs)
    return chromadb.PersistentClient(path=str(path / "chroma"), settings=cs)


def _chroma_ef(backend: EmbeddingBackend):
    """Our backend as a Chroma embedding function (Chroma's default would download a model)."""
    from chromadb import EmbeddingFunction

    class JianchaEF(EmbeddingFunction):
        def __init__(self, b: EmbeddingBackend | None, sig: str = "") -> None:
            self.b = b
            self.sig = json.dumps(b.signature(), ensure_ascii=False) if b is not None else sig

        def __call__(self, input):  # noqa: A002 - Chroma's protocol
            if self.b is None:  # rebuilt by Chroma from its stored config: we never embed through it
                raise RuntimeError("jiancha 类案库的向量函数须由 jiancha 提供")
            return list(self.b.encode(list(input)))

        @staticmethod
        def name() -> str:
            return "jiancha"

        def get_config(self) -> dict[str, Any]:
            return {"signature": self.sig}

        @staticmethod
        def build_from_config(config: dict[str, Any]):
            return JianchaEF(None, config.get("signature", ""))

    return JianchaEF(backend)


def _collection_name(chroma_url: str | None) -> str:
    """Embedded: one collection per database (``COLLECTION``). On a Chroma server, shared by many
    stores, each build gets its own name (kept in the manifest), so stores never meet and a rebuild
    never touches another store's collection."""
    import uuid

    return f"{COLLECTION}_{uuid.uuid4().hex[:16]}" if chroma_url else COLLECTION


def _old_collection(path: Path) -> str:
    try:
        return json.loads((path / "manifest.json").read_text(encoding="utf-8")).get("collection") or COLLECTION
    except (OSError, ValueError, AttributeError):
        return COLLECTION


def _clear(path: Path, chroma_url: str | None) -> None:
    """Remove a store: its Chroma collection (through the client, which caches open databases per
    path in this process) and its local files. An unreadable embedded database is dropped whole."""
    from chromadb.api.client import SharedSystemClient
    from chromadb.errors import NotFoundError

    if not chroma_url and str(path / "chroma") not in SharedSystemClient._identifier_to_system:
        # not open in this process: drop the database file whole (deleting a collection leaves
        # its pages in the sqlite file, so a rebuilt store would keep the old one's disk size)
        shutil.rmtree(path / "chroma", ignore_errors=True)
    broken = False
    try:
        client = _chroma_client(path, chroma_url)
        client.delete_collection(_old_collection(path))
    except NotFoundError:
        pass
    except Exception:  # noqa: BLE001 - garbage or truncated sqlite, Chroma raises many kinds
        broken = True
    if broken and not chroma_url:
        SharedSystemClient.clear_system_cache()
        shutil.rmtree(path / "chroma", ignore_errors=True)
    if path.exists():
        for p in path.iterdir():
            if p.name == "chroma" and not chroma_url:
                continue  # the embedded database stays open in this process; its collection is gone
            shutil.rmtree(p) if p.is_dir() else p.unlink()


@lru_cache(maxsize=1)
def _blas_controller() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _one_blas_thread() -> Any:
    """One BLAS thread for a query's small matrix-vector products: a multi-threaded BLAS spins
    its threads for each call and, on a busy 2-core machine, made a 3,663 × 128 product take
    28 ms instead of 0.07 ms (measured)."""
    try:
        return _blas_controller().limit(limits=1, user_api="blas")
    except Exception:  # noqa: BLE001 - threadpoolctl missing or no BLAS found: no limit
        import contextlib

        return contextlib.nullcontext()


def _chroma_quick_ok(chroma_dir: Path, name: str, backend: dict[str, Any], count: int) -> bool:
    """True when the embedded Chroma database in ``chroma_dir`` is a whole SQLite file whose collection
    ``name`` records ``backend`` and holds ``count`` embeddings, read with sqlite3 (read-only)."""
    import sqlite3

    db = chroma_dir / "chroma.sqlite3"
    try:
        with db.open("rb") as f:
            head = f.read(100)
        if len(head) < 100 or not head.startswith(b"SQLite format 3\x00"):
            return False
        page = int.from_bytes(head[16:18], "big")
        page = 65536 if page == 1 else page
        if db.stat().st_size < page * int.from_bytes(head[28:32], "big"):  # truncated
            return False
        con = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT id FROM collections WHERE name = ?", (name,)).fetchone()
            if row is None:
                return False
            meta = con.execute("SELECT str_value FROM collection_metadata WHERE collection_id = ? AND "
                               "key = 'jiancha_backend'", (row[0],)).fetchone()
            if meta is None or json.loads(meta[0]) != backend:
                return False
            segs = con.execute("SELECT id, scope FROM segments WHERE collection = ?", (row[0],)).fetchall()
            vec = [sid for sid, scope in segs if scope == "VECTOR"]
            meta_seg = [sid for sid, scope in segs if scope == "METADATA"]
            if len(vec) != 1 or len(meta_seg) != 1 or not (chroma_dir / vec[0]).is_dir():
                return False
            n = con.execute("SELECT count(*) FROM embeddings WHERE segment_id = ?", (meta_seg[0],)).fetchone()[0]
        finally:
            con.close()
    except (OSError, ValueError, sqlite3.Error):
        return False
    return n == count


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class CaseStore:
    """Open an existing store (``CaseStore(path)``) or make one with ``CaseStore.create``."""

    def __init__(self, path: Path | str, backend: EmbeddingBackend | None = None,
                 chroma_url: str | None = None, lazy: bool = False) -> None:
        self.path = Path(path)
        mf = self.path / "manifest.json"
        if not mf.exists():
            raise StoreError(f"类案库不存在或未建成：{self.path}（缺少 manifest.json）；请运行 {REBUILD}")
        try:
            self.manifest = json.loads(mf.read_text(encoding="utf-8"))
            sig = self.manifest["backend"]
        except (ValueError, KeyError) as e:
            raise StoreError(f"类案库清单损坏：{mf}（{e}）；请运行 {REBUILD}") from e
        if self.manifest.get("schema") != SCHEMA:
            raise StoreError(f"类案库版本 {self.manifest.get('schema')} 与程序（{SCHEMA}）不符；请运行 {REBUILD}")
        self.chroma_url = chroma_url if chroma_url is not None else self.manifest.get("chroma_url")
        self.collection_name = self.manifest.get("collection") or COLLECTION
        if backend is None:
            backend = self._load_own_backend(sig)
        if backend.kind != sig.get("backend") or backend.signature() != sig:
            # a different kind is refused before signature(), which may ask a remote endpoint its dim
            cur = backend.describe() if backend.kind == sig.get("backend") else backend.kind
            raise StoreMismatch(
                f"类案库由向量后端 {_describe(sig)} 构建，当前配置为 {cur}，不能混用；"
                f"请运行 {REBUILD} 用当前后端重建，或改回原配置")
        self.backend = backend
        self._load_local()
        if not (len(self.ids) == self.manifest.get("count") == self.vectors.shape[0]):
            raise StoreError(f"类案库各部分数量不一致（元数据 {len(self.ids)}，清单 {self.manifest.get('count')}，"
                             f"向量 {self.vectors.shape[0]}），可能是构建中断；请运行 {REBUILD}")
        if self.vectors.shape[0] and self.vectors.shape[1] != sig["dim"]:
            raise StoreError(f"类案库向量维度 {self.vectors.shape[1]} 与清单 {sig['dim']} 不符；请运行 {REBUILD}")
        self._collection: Any = None
        if not lazy:
            _ = self.collection

    @property
    def collection(self) -> Any:
        """The Chroma collection, opened and checked against the local parts on first use (``lazy``
        stores answer charge-filtered queries from the local parts without importing Chroma)."""
        if self._collection is None:
            self._open_collection(create=False)
            try:
                n = self._collection.count()
            except Exception as e:  # noqa: BLE001
                self._collection = None
                raise StoreError(f"类案库的 Chroma 数据库损坏（{type(e).__name__}: {str(e)[:120]}）；"
                                 f"请运行 {REBUILD}") from e
            if n != len(self.ids):
                self._collection = None
                raise StoreError(f"类案库各部分数量不一致（Chroma {n}，元数据 {len(self.ids)}，清单 "
                                 f"{self.manifest.get('count')}），可能是构建中断；请运行 {REBUILD}")
        return self._collection

    def check_chroma(self) -> None:
        """Check the Chroma part as ``collection`` does (readable, this backend, as many cases as the
        manifest), raising ``StoreError`` like it; an embedded database is first read with sqlite3
        alone (milliseconds, no Chroma import), and whatever that quick read cannot confirm goes to
        the full check."""
        if self._collection is None and not self.chroma_url and _chroma_quick_ok(
                self.path / "chroma", self.collection_name, self.manifest["backend"], len(self.ids)):
            return
        _ = self.collection

    # ------------------------------------------------------------------ creation
    @classmethod
    def create(cls, path: Path | str, records: Sequence[CaseRecord], backend: EmbeddingBackend | None = None,
               chroma_url: str | None = None, toks: Sequence[list[str]] | None = None,
               progress: Progress | None = None, fit_on: Sequence[CaseRecord] | None = None) -> CaseStore:
        """Build a new store in ``path`` (replacing what is there). With no backend, fit the default
        tfidf-svd embedder on ``fit_on`` (default: the records). ``chroma_url`` None: the configured
        one (settings ``chroma_url``, a Chroma server), embedded when none is; "": embedded."""
        path = Path(path)
        if chroma_url is None:
            from knowledge.settings import get_settings

            chroma_url = get_settings().chroma_url
        chroma_url = chroma_url or None
        _clear(path, chroma_url)
        path.mkdir(parents=True, exist_ok=True)
        cache: dict[str, str] = {}
        if backend is None:
            # fitted on at most ``fit_max_cases`` cases spread evenly over the input (a 100k build
            # spent minutes fitting on all of them); their words are kept for the add below
            sample = list(fit_on) if fit_on is not None else _spread(records, int(rerank_config().get(
                "fit_max_cases") or 0))
            if progress:
                progress("分词", 0, len(sample))
            swords: list[str] = []
            sample_toks = None
            if toks is not None and fit_on is None:
                pos = {id(r): i for i, r in enumerate(records)}
                sample_toks = [toks[pos[id(r)]] for r in sample]
            for p in prepare(sample, toks=sample_toks, cache=cache if fit_on is None else None, words_only=True):
                swords.extend(p.words)
            if progress:
                progress("分词", len(sample), len(sample))
                progress("拟合向量模型", 0, 1)
            backend = fit_embedder([facts_only(r.fact) for r in sample], swords)
            del swords, sample
            if progress:
                progress("拟合向量模型", 1, 1)
        toks = list(toks) if toks is not None else None
        if isinstance(backend, TfidfSvdEmbeddings):  # the store carries its own embedder: reopenable alone
            backend.save(path / "embedder.npz")
        sig = backend.signature()
        client = _chroma_client(path, chroma_url)
        hnsw = {f"hnsw:{k}": v for k, v in (rerank_config().get("hnsw") or {}).items()}
        name = _collection_name(chroma_url)
        client.create_collection(name, embedding_function=_chroma_ef(backend), metadata={
            "hnsw:space": "cosine", **hnsw, "jiancha_backend": json.dumps(sig, ensure_ascii=False)})
        manifest = {"schema": SCHEMA, "backend": sig, "count": 0, "chroma_url": chroma_url, "collection": name,
                    "created": dt.datetime.now().isoformat(timespec="seconds")}
        np.save(path / "vectors.npy", np.zeros((0, sig["dim"]), dtype=np.float16))
        _write_atomic(path / "meta.json.gz", gzip.compress(b"[]", mtime=0))
        np.savez(path / "tokens.npz", vocab=np.array([], dtype=str), ids=np.zeros(0, np.int32),
                 offsets=np.zeros(1, np.int64))
        _write_atomic(path / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        store = cls(path, backend, chroma_url or "")
        store.add(records, toks=toks, progress=progress, cache=cache)
        return store

    def _load_own_backend(self, sig: dict[str, Any]) -> EmbeddingBackend:
        if sig.get("backend") != TfidfSvdEmbeddings.kind:
            raise StoreMismatch(f"类案库由向量后端 {_describe(sig)} 构建，需配置同一后端才能打开；"
                                f"或运行 {REBUILD} 重建")
        f = self.path / "embedder.npz"
        try:
            return TfidfSvdEmbeddings.load(f)
        except Exception as e:  # noqa: BLE001 - any unreadable artefact is corruption
            raise StoreError(f"类案库向量模型文件损坏：{f}（{type(e).__name__}）；请运行 {REBUILD}") from e

    def _open_collection(self, create: bool) -> None:
        try:
            self.client = _chroma_client(self.path, self.chroma_url)
            col = self.client.get_collection(self.collection_name, embedding_function=_chroma_ef(self.backend))
            stored = (col.metadata or {}).get("jiancha_backend")
        except Exception as e:  # noqa: BLE001 - chroma raises many kinds (a garbage sqlite included)
            raise StoreError(f"无法打开类案库的 Chroma 集合（{type(e).__name__}: {str(e)[:120]}）；"
                             f"请运行 {REBUILD}") from e
        if stored is None or json.loads(stored) != self.manifest["backend"]:
            raise StoreMismatch(f"Chroma 集合记录的向量后端与类案库清单不符（{stored}）；请运行 {REBUILD}")
        self._collection = col

    def _load_local(self) -> None:
        try:
            self.vectors = np.load(self.path / "vectors.npy", allow_pickle=False).astype(np.float32)
            self.meta: list[dict[str, Any]] = json.loads(gzip.decompress((self.path / "meta.json.gz").read_bytes()))
            with np.load(self.path / "tokens.npz", allow_pickle=False) as z:
                self.vocab: list[str] = z["vocab"].tolist()
                self.tok_ids, self.tok_off = z["ids"], z["offsets"]
        except Exception as e:  # noqa: BLE001
            raise StoreError(f"类案库文件损坏或缺失（{type(e).__name__}: {str(e)[:120]}）；请运行 {REBUILD}") from e
        self.vocab_index = {t: i for i, t in enumerate(self.vocab)}
        self.ids = [m["id"] for m in self.meta]
        self.row = {cid: i for i, cid in enumerate(self.ids)}
        self.elements = [Elements.from_meta(m.get("el", {})) for m in self.meta]
        self.table = ElementTable(self.elements)
        self._set_ids: dict[str, int] = {}
        self._tier_ids: dict[str, int] = {}
        self._text_cache: dict[str, str] | None = None
        fo = self.path / "facts_off.npy"
        self.fact_off: np.ndarray | None = None
        if fo.exists():
            try:
                off = np.load(fo, allow_pickle=False)
            except Exception:  # noqa: BLE001 - unreadable: the case view falls back to Chroma
                off = None
            if off is not None and off.ndim == 1 and len(off) == len(self.meta) + 1:
                self.fact_off = off
        self._charge_rows: dict[str, tuple[np.ndarray, np.ndarray, Any]] = {}
        self._by_charge: dict[str, np.ndarray] | None = None
        self._bm25_csr: Csr | None = None
        self._bm25_by_case: Csr | None = None
        self._idf_cache: _Idf | None = None
        if self.meta:
            try:
                self._bm25_csr = bm25.read(self.path / "bm25")
            except Exception as e:  # noqa: BLE001
                raise StoreError(f"类案库 BM25 索引损坏（{type(e).__name__}）；请运行 {REBUILD}") from e
            n_docs = self._bm25_csr.shape[1]
            if n_docs != len(self.meta):
                raise StoreError(f"类案库 BM25 索引文档数 {n_docs} 与元数据 {len(self.meta)} 不符；请运行 {REBUILD}")

    # ------------------------------------------------------------------ adding
    def add(self, records: Sequence[CaseRecord], toks: Sequence[list[str]] | None = None,
            progress: Progress | None = None, batch: int = 2000, cache: dict[str, str] | None = None) -> int:
        """Add the records whose id is not in the store yet (incremental). Returns how many were added.
        The per-case work runs in chunks in worker processes (``prepare``); ``cache``: words already
        segmented in this build, by ``prepare.text_key(fact)``."""
        seen = set(self.row)
        new: list[CaseRecord] = []
        new_toks: list[list[str] | None] = []
        for i, r in enumerate(records):
            if r.id not in seen:
                seen.add(r.id)
                new.append(r)
                new_toks.append(toks[i] if toks is not None else None)
        if not new:
            return 0
        # the vocabulary in order of first occurrence: a dict's insertion order is its word order
        vocab_index = dict(self.vocab_index)
        ids_parts, offs = [self.tok_ids], [self.tok_off]
        vec_parts = [self.vectors.astype(np.float16)]
        total = len(new)
        in_workers = isinstance(self.backend, TfidfSvdEmbeddings)  # plain numpy: encoded in the workers
        chunks = prepare(new, backend=self.backend if in_workers else None, chunk=min(batch, 500), cache=cache,
                         toks=new_toks if toks is not None else None, fill=False, as_ids=True)
        texts: dict[str, str] = {}
        done = 0
        pending: list[tuple[CaseRecord, np.ndarray, dict[str, Any]]] = []

        # facts appended to facts.bin (offsets absolute: bytes of an interrupted add are skipped);
        # rows of a store made before facts.bin get empty spans (their facts stay in Chroma)
        fpath = self.path / "facts.bin"
        fact_off = [int(x) for x in self.fact_off] if self.fact_off is not None else [0] * (len(self.ids) + 1)
        facts_f = open(fpath, "ab")  # noqa: SIM115 - closed below, after the loop
        pos = facts_f.seek(0, os.SEEK_END)
        if pos and self.fact_off is None:
            fact_off = [pos] * (len(self.ids) + 1)
        # the metadata streamed into meta.json.gz (the same bytes as one json.dumps of the whole list,
        # compressed at once): 100k cases' metadata is never held as Python dicts
        meta_tmp = self.path / "meta.json.gz.tmp"
        meta_w = _JsonListWriter(meta_tmp)
        for m in self.meta:
            meta_w.add(m)
        count = len(self.meta)

        def flush() -> None:
            if not pending:
                return
            self.collection.add(ids=[r.id for r, _v, _m in pending], embeddings=np.stack([v for _r, v, _m in pending]),
                                metadatas=[m for _r, _v, m in pending])
            pending.clear()
            trim_memory()

        for p in chunks:
            recs = new[done : done + len(p)]
            if p.vectors is not None:
                vecs = p.vectors
            else:  # another backend encodes here, in the parent, from the words
                words = np.array(p.vocab, dtype=object)[p.ids]
                ctoks = [list(t) for t in np.split(words, np.cumsum(p.lens)[:-1])]
                vecs = self.backend.encode([facts_only(r.fact) for r in recs], ctoks)
            vecs = np.asarray(vecs, dtype=np.float32)
            for r, el_meta, fr, v in zip(recs, p.elements, p.frames, vecs, strict=True):
                m = {"id": r.id, "charges": r.charges, "term_months": r.term_months, "fine_yuan": r.fine_yuan,
                     "life": r.life, "death": r.death, "source": r.source, "el": el_meta}
                fr = r.frame if r.frame is not None else fr
                if fr:
                    m["fr"] = fr
                for key in ("court", "date", "case_number"):
                    if getattr(r, key, ""):
                        m[key] = getattr(r, key)
                if r.text:
                    texts[r.id] = r.text
                meta_w.add(m)
                count += 1
                cm: dict[str, Any] = {"term_months": int(r.term_months or 0), "life": r.life, "death": r.death,
                                      "source": r.source, **el_meta}
                for j, c in enumerate(r.charges[:3], 1):
                    cm[f"charge{j}"] = c
                cm["charges"] = "|".join(r.charges)
                pending.append((r, v, cm))
                b = r.fact.encode("utf-8")
                facts_f.write(b)
                pos += len(b)
                fact_off.append(pos)
            # the chunk's words → store ids: its distinct words mapped once, new ones appended in
            # order of first occurrence (the order a word-by-word pass over the cases gives)
            local = np.fromiter((vocab_index.setdefault(w, len(vocab_index)) for w in p.vocab), dtype=np.int32,
                                count=len(p.vocab))
            ids_parts.append(local[p.ids] if len(p.ids) else np.zeros(0, np.int32))
            offs.append(offs[-1][-1] + np.cumsum(p.lens))
            vec_parts.append(vecs.astype(np.float16))
            done += len(recs)
            del p, recs, vecs
            if len(pending) >= batch:
                flush()
            if progress:
                progress("写入类案", done, total)
        flush()
        facts_f.close()
        meta_w.close()
        fn = rank.framer()
        # local parts; the manifest is written last, so an interrupted add is detected on open;
        # each part is dropped once written (a 100k-case build held them all, then reloaded them)
        all_ids = np.concatenate(ids_parts).astype(np.int32, copy=False)
        del ids_parts
        offsets = np.concatenate(offs).astype(np.int64, copy=False)
        del offs
        vectors = np.concatenate(vec_parts)
        del vec_parts
        np.save(self.path / "vectors.npy", vectors)
        del vectors
        np.save(self.path / "facts_off.npy", np.array(fact_off, dtype=np.int64))
        del fact_off
        vocab = list(vocab_index)
        np.savez(self.path / "tokens.npz", vocab=np.array(vocab, dtype=str), ids=all_ids, offsets=offsets)
        if texts:  # full texts (judgments) for the case view, beside the metadata
            old = self._texts() if (self.path / "texts.json.gz").exists() else {}
            _write_atomic(self.path / "texts.json.gz", gzip.compress(json.dumps(
                {**old, **texts}, ensure_ascii=False).encode(), compresslevel=3, mtime=0))
            del old
        del texts
        os.replace(meta_tmp, self.path / "meta.json.gz")
        self.meta, self.vectors, self.tok_ids = [], np.zeros((0, 0), np.float32), np.zeros(0, np.int32)
        if progress:
            progress("建立 BM25 索引", 0, 1)
        bm25.index(self.path / "bm25", all_ids, offsets, vocab)
        del all_ids, offsets, vocab, vocab_index
        if progress:
            progress("建立 BM25 索引", 1, 1)
        self.manifest["count"] = count
        if fn is not None:
            self.manifest["framer"] = rank.framer_version()
        self.manifest["updated"] = dt.datetime.now().isoformat(timespec="seconds")
        _write_atomic(self.path / "manifest.json", json.dumps(self.manifest, ensure_ascii=False, indent=1).encode())
        self._load_local()
        return total

    # ------------------------------------------------------------------ search
    PARTITION_CACHE = 64  # charge sets whose rows, vectors and BM25 columns are kept

    def __len__(self) -> int:
        return len(self.ids)

    def info(self) -> dict[str, Any]:
        return {"path": str(self.path), "count": len(self), "backend": self.manifest["backend"],
                "chroma": self.chroma_url or "embedded", "created": self.manifest.get("created"),
                "updated": self.manifest.get("updated")}

    def _partition(self, charges: Sequence[str]) -> dict[str, Any]:
        """The cases with one of ``charges``: their rows, vectors, BM25 columns, charge-set class
        (exact / superset / partial) and, per charge, their tier ids and legal quantities (log1p) —
        computed once per charge set (a charge's cases are scored alone: cost grows with the
        partition, not with the store)."""
        key = "|".join(sorted(set(charges)))
        part = self._charge_rows.get(key)
        if part is None:
            if self._by_charge is None:  # charge → rows, one pass over the cases
                acc: dict[str, list[int]] = {}
                for i, m in enumerate(self.meta):
                    for c in m["charges"]:
                        acc.setdefault(c, []).append(i)
                self._by_charge = {c: np.array(v, dtype=np.int64) for c, v in acc.items()}
            got = [self._by_charge[c] for c in set(charges) if c in self._by_charge]
            rows = _sorted_unique(np.concatenate(got)) if got else np.zeros(0, dtype=np.int64)
            bm = None
            if self._bm25_csr is not None and len(rows):
                if self._bm25_by_case is None:  # cases as rows: a partition costs its own postings only
                    self._bm25_by_case = self._bm25_csr.transpose()
                bm = self._bm25_by_case.take_rows(rows).transpose()
            want = set(charges)
            cls = np.array([rank.charge_class(self.meta[r]["charges"], want) for r in rows.tolist()], dtype=np.int8)
            tiers: dict[str, np.ndarray] = {}
            qty: dict[str, np.ndarray] = {}
            for c in sorted(want):
                t = np.full(len(rows), -1, dtype=np.int32)
                q = np.full(len(rows), np.nan, dtype=np.float32)
                for j, r in enumerate(rows.tolist()):
                    fr = self.meta[r].get("fr")
                    if not fr:
                        continue
                    tv = fr.get("t", {}).get(c)
                    if tv is not None:
                        t[j] = self._tier_id(c, tv)
                    qv = fr.get("q", {}).get(c)
                    if qv and qv[0] is not None and qv[0] > 0:
                        q[j] = np.log1p(qv[0])
                tiers[c], qty[c] = t, q
            part = {"rows": rows, "vecs": np.ascontiguousarray(self.vectors[rows]), "bm": bm, "cls": cls,
                    "tiers": tiers, "qty": qty}
            if len(self._charge_rows) >= self.PARTITION_CACHE:
                self._charge_rows.pop(next(iter(self._charge_rows)))
            self._charge_rows[key] = part
        return part

    def _tier_id(self, charge: str, tier: str) -> int:
        k = f"{charge}:{tier}"
        i = self._tier_ids.get(k)
        if i is None:
            i = self._tier_ids[k] = len(self._tier_ids)
        return i

    def _texts(self) -> dict[str, str]:
        if self._text_cache is None:
            f = self.path / "texts.json.gz"
            self._text_cache = json.loads(gzip.decompress(f.read_bytes())) if f.exists() else {}
        return self._text_cache

    def case(self, case_id: str) -> dict[str, Any] | None:
        """One stored case for the case view: its metadata, facts and (judgments) full text."""
        r = self.row.get(case_id)
        if r is None:
            return None
        m = dict(self.meta[r])
        fact = self._fact(r)
        if not fact:  # a store built before facts.bin (or a row added to one): the Chroma document
            try:
                got = self.collection.get(ids=[case_id], include=["documents"])
                fact = (got.get("documents") or [""])[0] or ""
            except StoreError:
                pass
        return {**m, "fact": fact, "text": self._texts().get(case_id, "")}

    def _fact(self, r: int) -> str:
        if self.fact_off is None:
            return ""
        a, b = int(self.fact_off[r]), int(self.fact_off[r + 1])
        if b <= a:
            return ""
        try:
            with open(self.path / "facts.bin", "rb") as f:
                f.seek(a)
                return f.read(b - a).decode("utf-8", errors="replace")
        except OSError:
            return ""

    def _bm25_scores(self, qids: list[int], m: Any) -> np.ndarray:
        """BM25 of the query words (ids, deduplicated) over the columns of ``m`` (words × cases)."""
        q = np.fromiter((i for i in qids if i < m.shape[0]), dtype=np.int64)
        starts, ends = m.indptr[q], m.indptr[q + 1]
        lens = ends - starts
        total = int(lens.sum())
        budget = int(rerank_config().get("bm25_max_postings") or 0)
        if budget and total > budget:
            # a big store, unfiltered: drop the query's most common words (lowest idf, longest
            # posting lists) until the postings to add fit the budget; small stores never get here
            keep = np.argsort(lens, kind="stable")
            keep = keep[np.cumsum(lens[keep]) <= budget]
            keep.sort()
            starts, lens = starts[keep], lens[keep]
            total = int(lens.sum())
        if not total:
            return np.zeros(m.shape[1], dtype=np.float32)
        # positions of all the query words' postings, then one weighted bincount over the cases
        pos = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(total)
        return np.bincount(m.indices[pos], weights=m.data[pos], minlength=m.shape[1]).astype(np.float32)

    def search(self, text: str, k: int = 10, charge: str | None = None, charges: Sequence[str] | None = None,
               elements: Elements | None = None, exclude: set[str] | None = None,
               weights: dict[str, float] | None = None, candidates: int | None = None,
               explain: bool = True, frame: dict[str, Any] | None = None) -> list[Hit]:
        """Top-k similar cases within the legal frame. With ``charge`` / ``charges`` (any accepted
        form of a name: with or without 罪, former names, CAIL forms) every case of one of those
        charges is scored: exactly the query's charge set first, then supersets, then cases sharing
        some; within a class the tier and the elements weigh most, the text (dense + BM25) breaks
        ties (``rerank.yaml``). Without charges: dense (Chroma) ∪ BM25 candidates, reranked the same
        way. ``frame``: the query's legal frame when already read (else the installed framer reads
        it); ``exclude``: ids never returned; ``explain=False`` skips the reasons (``why``)."""
        if not self.ids or not text.strip():
            return []
        with _one_blas_thread():
            return self._search(text, k, charge, charges, elements, exclude, weights, candidates, explain, frame)

    def _search(self, text, k, charge, charges, elements, exclude, weights, candidates, explain,
                frame=None) -> list[Hit]:
        cfg = rerank_config()
        w = weights or cfg["weights"]
        want = list(dict.fromkeys(official_charge(c) for c in ([charge] if charge else []) + list(charges or [])
                                  if c and c.strip()))
        clean = facts_only(text)
        qtoks = tokens(clean)
        qv = self.backend.encode([clean], [qtoks])[0]
        qe = elements or extract(facts_only(text, keep=("procedure",)))
        fn = rank.framer()
        qf = frame if frame is not None else (fn(text, want) if fn is not None and want else None)
        qids = [self.vocab_index[t] for t in dict.fromkeys(qtoks) if t in self.vocab_index]
        if want:
            part = self._partition(want)
            rows = part["rows"]
            if not len(rows):
                return []
            dense = part["vecs"] @ qv
            bm = self._bm25_scores(qids, part["bm"]) if qids and part["bm"] is not None else None
            cls = part["cls"].astype(np.float32)
            tier_eq, known, q_qty, qty = self._tier_match(part, want, qf)
        else:
            rows, bm_all = self._candidates(qv, qids, candidates or cfg["candidates"], exclude)
            if not len(rows):
                return []
            dense = self.vectors[rows] @ qv
            bm = bm_all[rows] if bm_all is not None else None
            cls = np.zeros(len(rows), dtype=np.float32)
            tier_eq, known, q_qty, qty = np.zeros(len(rows), np.float32), False, None, None
        el = similarity_rows(qe, self.table, rows, qty, q_qty)
        txt = rank.text_score(dense, bm, w)
        score = w.get("tier", 0.0) * tier_eq + w["elements"] * el + txt
        key = cls * 10.0 + score  # the charge-set class first, always (scores stay below 10)
        if exclude:
            bad = np.fromiter((self.ids[r] in exclude for r in rows.tolist()), dtype=bool, count=len(rows))
            key = np.where(bad, -np.inf, key)
        kk = min(k, int(np.isfinite(key).sum()))
        if kk <= 0:
            return []
        top = np.argpartition(-key, kk - 1)[:kk]
        top = top[np.argsort(-key[top], kind="stable")]
        out = []
        for j in top.tolist():
            r = int(rows[j])
            m = self.meta[r]
            c = int(cls[j])
            exact = bool(want) and c == rank.EXACT
            same = bool(tier_eq[j]) if known is not False and known[j] else None
            tier = "；".join(f"{x}:{t}" for x, t in (m.get("fr") or {}).get("t", {}).items() if x in want)
            reasons: list[str] = []
            if explain:
                reasons = self._reasons(r, want, c, qe, qf, same, qtoks, float(dense[j]))
            out.append(Hit(case_id=m["id"], score=float(score[j]), charges=list(m["charges"]),
                           term_months=m["term_months"], fine_yuan=m.get("fine_yuan"), life=bool(m.get("life")),
                           death=bool(m.get("death")), why=reasons, dense=float(dense[j]),
                           bm25=float(bm[j] / max(float(bm.max()), 1e-9)) if bm is not None else 0.0,
                           elements=float(el[j]), source=m.get("source", ""), exact=exact, same_tier=same,
                           tier=tier, court=m.get("court", ""), date=m.get("date", "")))
        return out

    def _tier_match(self, part: dict[str, Any], want: list[str], qf: dict[str, Any] | None):
        """(1 where the case has the query's tier on every charge the query's tier is known for;
        where the comparison is known — query and case tiers both read, else False for all; the
        query's legal quantity (log1p) and the cases' quantities)."""
        n = len(part["rows"])
        eq = np.ones(n, dtype=bool)
        known: Any = False
        q_qty, qty = None, None
        for c in want:
            t = (qf or {}).get("t", {}).get(c)
            if t is not None:
                have = part["tiers"][c] >= 0
                known = have if known is False else (known & have)
                eq &= part["tiers"][c] == self._tier_id(c, t)
            qv = (qf or {}).get("q", {}).get(c)
            if q_qty is None and qv and qv[0] is not None and qv[0] > 0:
                q_qty, qty = float(np.log1p(qv[0])), part["qty"][c]
        return (eq if known is not False else np.zeros(n, dtype=bool)).astype(np.float32), known, q_qty, qty

    def _candidates(self, qv: np.ndarray, qids: list[int], n: int, exclude: set[str] | None):
        """Unfiltered: the dense (Chroma HNSW) ∪ BM25 candidates, and the BM25 scores of all cases."""
        n = min(n + (len(exclude) if exclude else 0), len(self.ids))
        res = self.collection.query(query_embeddings=[qv], n_results=n, include=["distances"])
        cand = {self.row[c] for c in res["ids"][0] if c in self.row}
        bm = None
        if qids and self._bm25_csr is not None:
            bm = self._bm25_scores(qids, self._bm25_csr)
            top = np.argpartition(-bm, min(n, len(bm)) - 1)[:n]
            cand.update(int(i) for i in top if bm[i] > 0)
        return np.fromiter(sorted(cand), dtype=np.int64), bm

    def _reasons(self, r: int, want: list[str], cls: int, qe: Elements, qf: dict[str, Any] | None,
                 same: bool | None, qtoks: list[str], dense: float) -> list[str]:
        """Why the case is similar, in legal elements first; shared words (no stopword) last."""
        m = self.meta[r]
        out: list[str] = []
        if want:
            out.append(rank.charge_reason(m["charges"], want, cls))
        fr = m.get("fr") or {}
        have_qty = False
        for c in want:
            ht, qt = fr.get("t", {}).get(c), (qf or {}).get("t", {}).get(c)
            hq, qq = fr.get("q", {}).get(c), (qf or {}).get("q", {}).get(c)
            have_qty = have_qty or bool(hq and qq and hq[0] and qq[0])
            if ht and ht == qt:
                tr = rank.tier_reason(c, ht, hq, qq)
                if tr:
                    out.append(tr)
        out.extend(rank.element_reasons(qe, self.elements[r], want[0] if want else "作案", have_qty))
        kw = self._shared_words(r, qtoks)
        if kw:
            out.append("共同关键词：" + "、".join(kw))
        out.append(f"案情文字相近度{dense:.2f}")
        return out

    def _shared_words(self, row: int, qtoks: list[str], n: int = 4) -> list[str]:
        """The rarest words (by BM25 idf) the query shares with the case, longest first among ties;
        never a legal stopword, nor a word in more than ``keyword_max_df`` of the cases."""
        doc = {self.vocab[i] for i in self.tok_ids[self.tok_off[row] : self.tok_off[row + 1]]}
        idf = self._idf()
        floor = float(np.log(1 / float(rerank_config().get("keyword_max_df", 0.05))))
        shared = [t for t in dict.fromkeys(qtoks) if t in doc and idf.get(t, 0.0) >= floor and rank.keyword_ok(t)]
        shared.sort(key=lambda t: -idf.get(t, 0.0))
        return shared[:n]

    def _idf(self) -> _Idf:
        if getattr(self, "_idf_cache", None) is None:
            df = np.zeros(len(self.vocab), dtype=np.int64)
            if self._bm25_csr is not None:  # document frequency = postings per word of the BM25 index
                d = np.diff(self._bm25_csr.indptr)[: len(self.vocab)]
                df[: len(d)] = d
            self._idf_cache = _Idf(df, max(1, len(self.ids)), self.vocab_index)
        return self._idf_cache


class _Idf:
    """The BM25 idf of the store's words, log((N+1)/(df+1)), computed per word on first ``get``:
    a query asks for a few dozen of the store's tens of thousands of words."""

    def __init__(self, df: np.ndarray, nd: int, index: dict[str, int]) -> None:
        self._df, self._nd, self._index = df, nd, index
        self._memo: dict[str, float] = {}

    def get(self, word: str, default: float = 0.0) -> float:
        v = self._memo.get(word)
        if v is None:
            i = self._index.get(word)
            if i is None:
                return default
            v = self._memo[word] = float(np.log((self._nd + 1) / (self._df[i] + 1)))
        return v


class _JsonListWriter:
    """``json.dumps(items, ensure_ascii=False, separators=(",", ":"))`` gzip-compressed at level 3
    with mtime 0 (``gzip.compress``'s bytes: deflate's output does not depend on how its input is
    split), written one item at a time."""

    def __init__(self, path: Path) -> None:
        import zlib

        self._f = open(path, "wb")  # noqa: SIM115 - closed by close()
        self._f.write(gzip.compress(b"", compresslevel=3, mtime=0)[:10])  # gzip.compress's header
        self._z = zlib.compressobj(3, zlib.DEFLATED, -zlib.MAX_WBITS)
        self._crc, self._size, self._first = 0, 0, True

    def _write(self, data: bytes) -> None:
        import zlib

        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        self._f.write(self._z.compress(data))

    def add(self, item: Any) -> None:
        self._write((b"[" if self._first else b",") + json.dumps(
            item, ensure_ascii=False, separators=(",", ":")).encode())
        self._first = False

    def close(self) -> None:
        import struct

        if self._first:
            self._write(b"[")
        self._write(b"]")
        self._f.write(self._z.flush())
        self._f.write(struct.pack("<LL", self._crc, self._size & 0xFFFFFFFF))
        self._f.close()


def _sorted_unique(a: np.ndarray) -> np.ndarray:
    """``np.unique(a)`` for a plain integer array (numpy's asks ``np.ma`` whether the array is masked,
    importing numpy.ma: ~0.015 s of a query process)."""
    a = np.sort(a)
    return a[np.concatenate(([True], a[1:] != a[:-1]))] if len(a) else a


def _spread(records: Sequence[CaseRecord], n: int) -> list[CaseRecord]:
    """At most ``n`` records spread evenly over ``records`` (all of them when ``n`` is 0 or enough)."""
    if not n or len(records) <= n:
        return list(records)
    return [records[i * len(records) // n] for i in range(n)]


def _describe(sig: dict[str, Any]) -> str:
    return f"{sig.get('backend')}:{sig.get('model', '')}（{sig.get('dim')}维，指纹 {sig.get('fingerprint')}）"
