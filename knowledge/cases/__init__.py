"""Similar-case store (类案检索): Chroma + BM25 + element-aware rerank over past cases.

Public hook: ``search(text, k=10, charge=None) -> list[Hit]`` over the default store
(``Settings.data_dir/cases``, i.e. ``~/.jiancha/cases``), built from the real cases the project ships
(``cases.jsonl.gz``: 3,663 CAIL2018 cases; ``judgments.jsonl.gz``: 500 real judgments with court,
date and full text) by the install step ``jiancha index build`` (≈ 1 min of
CPU), or on first use when missing (``get_store``; once per machine, under a file lock so that
concurrent processes build it once; ``JIANCHA_SIMILAR_AUTOBUILD=0`` leaves a missing store missing
for ``models.similar.similar_case_ids``). The analyze fast path is ``models.similar.similar_case_ids``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from knowledge.cases.corpus import CASES_FILE, CaseRecord, NoCases, load_cases, split_of
from knowledge.cases.embeddings import (
    EmbeddingBackend,
    OpenAIEmbeddings,
    SentenceTransformerEmbeddings,
    TfidfSvdEmbeddings,
)
from knowledge.cases.store import REBUILD, CaseStore, Hit, StoreError, StoreMismatch

__all__ = [
    "CASES_FILE", "CaseRecord", "CaseStore", "NoCases", "EmbeddingBackend", "Hit", "OpenAIEmbeddings", "REBUILD",
    "SentenceTransformerEmbeddings", "StoreError", "StoreMismatch", "TfidfSvdEmbeddings", "add_records", "build_default",
    "configured_backend", "default_path", "get_store", "load_cases", "open_store", "reset", "search", "split_of",
    "store_ready",
]

_LOCK = threading.Lock()
_STORE: CaseStore | None = None
_STAMP: tuple[int, int, int] | None = None  # the default store's manifest.json when _STORE was opened


def default_path() -> Path:
    from knowledge.settings import get_settings

    return Path(get_settings().data_dir) / "cases"


def configured_backend() -> EmbeddingBackend | None:
    """The backend the settings ask for; None for the default tfidf-svd (it lives in the store)."""
    from knowledge.settings import get_settings

    s = get_settings()
    kind = (s.embedding_backend or "tfidf-svd").lower()
    if kind in ("tfidf-svd", "tfidf", "default"):
        return None
    if kind in ("st", "sentence-transformers"):
        if not s.embedding_model:
            raise StoreError("embedding_backend=st 需要设置 JIANCHA_EMBEDDING_MODEL（本地模型目录）")
        return SentenceTransformerEmbeddings(s.embedding_model)
    if kind == "openai":
        if not (s.embedding_url and s.embedding_model):
            raise StoreError("embedding_backend=openai 需要设置 JIANCHA_EMBEDDING_URL 与 JIANCHA_EMBEDDING_MODEL")
        return OpenAIEmbeddings(s.embedding_url, s.embedding_model)
    raise StoreError(f"未知的向量后端：{kind}（可选 tfidf-svd、st、openai）")


def _configured_kind() -> str:
    from knowledge.settings import get_settings

    k = (get_settings().embedding_backend or "tfidf-svd").lower()
    return "tfidf-svd" if k in ("tfidf", "default") else ("st" if k == "sentence-transformers" else k)


def open_store(path: Path | None = None, lazy: bool = False) -> CaseStore:
    """Open a store with the configured backend; refuses a store built by another backend.
    ``lazy``: open Chroma on the first query that needs it (charge-filtered queries never do)."""
    from knowledge.settings import get_settings

    path = path or default_path()
    backend = configured_backend()
    store = CaseStore(path, backend, chroma_url=get_settings().chroma_url, lazy=lazy)
    if backend is None and store.manifest["backend"]["backend"] != _configured_kind():
        raise StoreMismatch(f"类案库由 {store.manifest['backend']['backend']} 构建，当前配置为 "
                            f"{_configured_kind()}；请运行 {REBUILD}")
    return store


def build_default(paths: Sequence[Path] | None = None, path: Path | None = None, progress=None,
                  rebuild: bool = False) -> tuple[CaseStore, int]:
    """Build (or incrementally extend) a store from JSON-lines case files (default: the bundled
    real cases). Returns the store and how many cases were added."""
    from knowledge.settings import get_settings

    global _STORE, _STAMP
    path = path or default_path()
    records = load_cases(paths)
    with _LOCK, build_lock(path):
        _STORE = None
        if not rebuild and (path / "manifest.json").exists():
            store = open_store(path)
            added = store.add(records, progress=progress)
        else:
            store = CaseStore.create(path, records, backend=configured_backend(),
                                     chroma_url=get_settings().chroma_url, progress=progress)
            added = len(store)
        _STORE, _STAMP = store, _manifest_stamp(path)
    return store, added


def add_records(records: Sequence[CaseRecord], path: Path | None = None) -> tuple[CaseStore, int]:
    """Add records (an office's own closed cases) to a store, building it from the bundled cases
    first when it does not exist. Returns the store and how many were new."""
    global _STORE, _STAMP
    path = path or default_path()
    if not (path / "manifest.json").exists():
        build_default(path=path)
    with _LOCK, build_lock(path):
        _STORE = None
        store = open_store(path)
        added = store.add(list(records))
        _STORE = store if path == default_path() else None
        _STAMP = _manifest_stamp(path) if _STORE is not None else None
    return store, added


@contextlib.contextmanager
def build_lock(path: Path) -> Iterator[None]:
    """An exclusive file lock beside the store: processes (batch workers, the web app, a CLI) that
    all find the default store missing build it once, the others wait and then open it."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / f".{path.name}.lock", "a+b") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def store_ready(path: Path | None = None) -> bool:
    """True when a built store exists (no build is started)."""
    return _STORE is not None or ((path or default_path()) / "manifest.json").exists()


def _manifest_stamp(path: Path) -> tuple[int, int, int] | None:
    """Identity of a store's manifest (written last and atomically by every build and add)."""
    try:
        st = (path / "manifest.json").stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def _build_running(path: Path) -> bool:
    """Another process (or thread) holds the store's build lock right now."""
    import fcntl

    lock = path.parent / f".{path.name}.lock"
    if not lock.exists():
        return False
    with open(lock, "a+b") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
    return False


def _rebuilt_elsewhere(path: Path) -> bool:
    """The store on disk is no longer the one this process opened (``jiancha index build --rebuild``
    or ``index add`` ran in another process) and no build is under way: reopen it."""
    stamp = _manifest_stamp(path)
    return stamp is not None and stamp != _STAMP and not _build_running(path)


def _forget_embedded_chroma() -> None:
    """Drop Chroma's per-process client cache: a rebuild elsewhere replaced the database file the
    cached client still holds open."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def get_store() -> CaseStore:
    """The default store, opened once per process; built from the bundled cases on first use, and
    reopened when another process rebuilt or extended it (a long-running web worker sees a new
    ``jiancha index build`` on its next query, without a restart)."""
    global _STORE, _STAMP
    path = default_path()
    if _STORE is not None and _STORE.path == path and _rebuilt_elsewhere(path):
        with _LOCK:
            if _STORE is not None and _rebuilt_elsewhere(path):
                if not _STORE.chroma_url:
                    _forget_embedded_chroma()
                _STORE = None
    if _STORE is None:
        if not (path / "manifest.json").exists():
            with build_lock(path):  # another process may be building it right now
                exists = (path / "manifest.json").exists()
            if not exists:
                build_default()
        with _LOCK:
            if _STORE is None:
                stamp = _manifest_stamp(path)
                _STORE, _STAMP = open_store(lazy=True), stamp
    assert _STORE is not None
    return _STORE


def reset() -> None:
    """Forget the opened default store (tests, after settings change)."""
    global _STORE, _STAMP
    _STORE = _STAMP = None


def search(text: str, k: int = 10, charge: str | None = None, charges: Sequence[str] | None = None) -> list[Hit]:
    """Top-k similar cases of ``text`` in the default store (``charge``/``charges``: filter)."""
    return get_store().search(text, k=k, charge=charge, charges=charges)
