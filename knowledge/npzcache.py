"""The arrays of a bundled compressed ``.npz`` (a model file), decoded once into
``<data_dir>/cache/npz/`` as plain ``.npy`` files and read back memory-mapped: a process then maps
the file and touches only the pages it reads, instead of inflating the whole archive (the gate's
learned model: ~25 ms of every query process). Keyed by the file's path, size, mtime and the
requested dtypes; without a cache dir, or with a damaged entry, the ``.npz`` is decoded as before
(the cache is never required).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.artifact import cache_root, file_stamp, key_of, publish_dir

_FORMAT = "npz-decoded-1"


def load_npz(path: Path, dtypes: dict[str, Any] | None = None) -> dict[str, np.ndarray]:
    """Every array of ``path`` by name, those named in ``dtypes`` converted to that dtype. Arrays of
    one or more dimensions from the cache are read-only memory maps."""
    path = Path(path)
    d = _entry(path, dtypes)
    if d is not None:
        try:
            return _read(d)
        except (OSError, ValueError, KeyError):
            pass
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k].astype(dtypes[k]) if dtypes and k in dtypes else z[k] for k in z.files}
    if d is not None:
        _write(d, arrays)
    return arrays


def _entry(path: Path, dtypes: dict[str, Any] | None) -> Path | None:
    root = cache_root()
    stamp = file_stamp(path)
    if root is None or stamp is None:
        return None
    where = root / "npz" / key_of([_FORMAT, stamp[0]])[:20]  # one directory per source file
    return where / key_of([*stamp[1:], json.dumps({k: np.dtype(v).str for k, v in sorted((dtypes or {}).items())})])


def _read(d: Path) -> dict[str, np.ndarray]:
    names = json.loads((d / "names.json").read_text(encoding="utf-8"))
    out = {}
    for n in names:
        a = np.load(d / f"{n}.npy", allow_pickle=False, mmap_mode="r")
        out[n] = np.array(a) if a.ndim == 0 else a  # a scalar: copied, no map kept
    return out


def _write(d: Path, arrays: dict[str, np.ndarray]) -> None:
    def fill(tmp: Path) -> None:
        for n, a in arrays.items():
            np.save(tmp / f"{n}.npy", a)
        (tmp / "names.json").write_text(json.dumps(list(arrays)), encoding="utf-8")

    publish_dir(d, fill)
