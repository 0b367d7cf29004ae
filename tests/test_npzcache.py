"""knowledge/npzcache.py: a model file's arrays decoded once into the data dir's cache, read back
memory-mapped — the same arrays as ``np.load`` of the ``.npz``, rebuilt when the file changes or
the cache entry is damaged."""

from __future__ import annotations

import numpy as np

from knowledge.gate import LEARNED
from knowledge.npzcache import load_npz


def _cached_dirs(root):
    return sorted(p for p in (root / "cache" / "npz").rglob("names.json"))


def test_same_arrays_as_np_load_and_read_from_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("JIANCHA_DATA_DIR", str(tmp_path))
    with np.load(LEARNED) as z:
        ref = {k: z[k] for k in z.files}
    for _ in range(2):  # decoded, then read from the cache
        got = load_npz(LEARNED, {"coef": np.float32})
        assert set(got) == set(ref)
        for k, v in ref.items():
            want = v.astype(np.float32) if k == "coef" else v
            assert got[k].dtype == want.dtype and np.array_equal(got[k], want), k
    assert isinstance(got["coef"], np.memmap) and str(got["classes"]) == str(ref["classes"])
    assert len(_cached_dirs(tmp_path)) == 1


def test_changed_file_and_damaged_entry(tmp_path, monkeypatch):
    monkeypatch.setenv("JIANCHA_DATA_DIR", str(tmp_path / "data"))
    f = tmp_path / "m.npz"
    np.savez_compressed(f, a=np.arange(5), s=np.array("x\ny"))
    assert load_npz(f)["a"].tolist() == [0, 1, 2, 3, 4]
    np.savez_compressed(f, a=np.arange(7), s=np.array("z"))
    import os

    os.utime(f, ns=(1, 1))  # another mtime: a new entry, the old one removed
    got = load_npz(f)
    assert got["a"].tolist() == list(range(7)) and str(got["s"]) == "z"
    (entry,) = _cached_dirs(tmp_path / "data")
    (entry.parent / "a.npy").write_bytes(b"garbage")
    assert load_npz(f)["a"].tolist() == list(range(7))  # damaged: decoded from the .npz again


def test_no_data_dir_no_cache(tmp_path, monkeypatch):
    import knowledge.npzcache as nc

    monkeypatch.setattr(nc, "cache_root", lambda: None)
    with np.load(LEARNED) as z:
        assert np.array_equal(load_npz(LEARNED)["idf"], z["idf"])
