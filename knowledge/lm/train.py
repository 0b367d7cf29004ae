"""Train the character n-gram language model (interpolated modified Kneser-Ney, stored ARPA-style
as sorted integer keys with log10 probabilities and back-off weights in one ``.npz``).

Counting is vectorised with numpy: every n-gram (n ≤ 5) of character ids (12 bits each) is one
``uint64`` key, so counting is ``np.unique``. Digits share one id, Latin letters another.

``python -m knowledge.lm.train --corpus DIR [--out FILE]`` (also ``jiancha lm train``) reads
``*.txt``, ``*.md``, ``*.jsonl`` (fields ``text``/``judgment``/``fact``) and ``*.docx`` under DIR.
``--base`` adds the packaged base corpus (statutes, CAIL facts, training judgments) so an office's
own closed case documents are added to, not substituted for, the legal base text.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from knowledge.lm import BITS, BOS, EOS, MODEL_FILE, ORDER, UNK, char_class

BASE_CORPUS = Path(__file__).resolve().parent / "base_corpus.txt.gz"
_SPLIT = re.compile(r"(?<=[。！？；])|\s+")
MIN_VOCAB_COUNT = 2


def split_sentences(text: str) -> list[str]:
    """Sentences of a text: split after 。！？； and at whitespace (paragraph breaks)."""
    return [s for s in (p.strip() for p in _SPLIT.split(text)) if s]


def read_corpus(root: Path) -> Iterator[str]:
    """Texts of the files under ``root`` (a file or a directory)."""
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    for p in files:
        suf = "".join(p.suffixes[-2:]) if p.name.endswith(".gz") else p.suffix
        try:
            if suf in (".txt", ".md", ".txt.gz"):
                opener = gzip.open if suf.endswith(".gz") else open
                with opener(p, "rt", encoding="utf-8", errors="replace") as f:
                    yield f.read()
            elif suf in (".jsonl", ".jsonl.gz"):
                opener = gzip.open if suf.endswith(".gz") else open
                with opener(p, "rt", encoding="utf-8", errors="replace") as f:
                    for line in f:
                        if line.strip():
                            row = json.loads(line)
                            for k in ("text", "judgment", "fact"):
                                if isinstance(row.get(k), str):
                                    yield row[k]
                                    break
            elif suf == ".docx":
                import docx

                yield "\n".join(par.text for par in docx.Document(str(p)).paragraphs)
        except Exception as e:  # noqa: BLE001 - one unreadable file must not stop training
            sys.stderr.write(f"跳过无法读取的文件 {p}: {e}\n")


def base_sentences() -> list[str]:
    if not BASE_CORPUS.exists():
        return []
    with gzip.open(BASE_CORPUS, "rt", encoding="utf-8") as f:
        return [s for s in f.read().split("\n") if s]


def _encode(sentences: Iterable[str], vocab: dict[str, int]) -> np.ndarray:
    ids: list[int] = []
    for s in sentences:
        ids.append(BOS)
        ids.extend(vocab.get(char_class(ch), UNK) for ch in s)
        ids.append(EOS)
    return np.asarray(ids, dtype=np.uint64)


def _discounts(counts: np.ndarray) -> np.ndarray:
    """Modified KN discounts D1, D2, D3+ from counts of counts (Chen & Goodman)."""
    n = [int(np.sum(counts == k)) for k in (1, 2, 3, 4)]
    n = [max(x, 1) for x in n]
    y = n[0] / (n[0] + 2 * n[1])
    d = np.array([0.0, 1 - 2 * y * n[1] / n[0], 2 - 3 * y * n[2] / n[1], 3 - 4 * y * n[3] / n[2]])
    return np.clip(d, 0.0, None)


def train(sentences: list[str], order: int = ORDER, prune_from: int = 3, prune_count: int = 1) -> dict:
    """Counts → interpolated modified KN model as arrays (see ``knowledge.lm.CharLM``).

    n-grams of order ≥ ``prune_from`` seen ≤ ``prune_count`` times are dropped after estimation
    (their mass stays in the back-off weights), which keeps the file small.
    """
    from collections import Counter

    cc: Counter[str] = Counter()
    for s in sentences:
        cc.update(char_class(ch) for ch in s)
    chars = [c for c, k in cc.most_common() if k >= MIN_VOCAB_COUNT][: (1 << BITS) - 4]
    vocab = {c: i + 3 for i, c in enumerate(chars)}  # 0 UNK, 1 BOS, 2 EOS
    seq = _encode(sentences, vocab)
    n_tok = len(seq)
    bits = np.uint64(BITS)
    keys: list[np.ndarray] = []
    raw: list[np.ndarray] = []
    for n in range(1, order + 1):
        if n_tok < n:
            keys.append(np.zeros(0, np.uint64))
            raw.append(np.zeros(0, np.int64))
            continue
        m = n_tok - n + 1
        k = np.zeros(m, dtype=np.uint64)
        ok = np.ones(m, dtype=bool)
        for j in range(n):
            col = seq[j : j + m]
            k = (k << bits) | col
            if j > 0:
                ok &= col != BOS
            if j < n - 1:
                ok &= col != EOS
        if n == 1:
            ok &= seq[:m] != BOS
        u, c = np.unique(k[ok], return_counts=True)
        keys.append(u)
        raw.append(c.astype(np.int64))
    mask_all = [np.uint64((1 << (BITS * n)) - 1) for n in range(order + 1)]

    # adjusted counts: raw for the top order and for grams starting with BOS; else continuation counts
    adj: list[np.ndarray] = [np.zeros(0)] * order
    adj[order - 1] = raw[order - 1]
    for n in range(order - 1, 0, -1):
        hi = keys[n]  # order n+1 keys
        suffix = hi & mask_all[n]
        su, sc = np.unique(suffix, return_counts=True)
        a = np.zeros(len(keys[n - 1]), dtype=np.int64)
        pos = np.searchsorted(keys[n - 1], su)
        a[pos] = sc
        first = keys[n - 1] >> np.uint64(BITS * (n - 1))
        starts_bos = first == BOS
        a[starts_bos] = raw[n - 1][starts_bos]
        a = np.maximum(a, 0)
        adj[n - 1] = a

    probs: list[np.ndarray] = []
    bows: list[np.ndarray] = []
    discounts: list[list[float]] = []
    vsize = len(vocab) + 3
    lower_p: np.ndarray | None = None  # interpolated probs of order n-1, aligned with keys[n-2]
    for n in range(1, order + 1):
        k, a = keys[n - 1], adj[n - 1].astype(np.float64)
        d = _discounts(adj[n - 1])
        discounts.append(d.tolist())
        da = d[np.minimum(adj[n - 1], 3)]
        ctx = k >> bits if n > 1 else np.zeros(len(k), np.uint64)
        # contexts are contiguous because keys are sorted (context = high bits)
        cu, cstart, ccount = np.unique(ctx, return_index=True, return_counts=True)
        tot = np.add.reduceat(a, cstart) if len(a) else np.zeros(0)
        n1 = np.add.reduceat((adj[n - 1] == 1).astype(np.float64), cstart) if len(a) else tot
        n2 = np.add.reduceat((adj[n - 1] == 2).astype(np.float64), cstart) if len(a) else tot
        n3 = np.add.reduceat((adj[n - 1] >= 3).astype(np.float64), cstart) if len(a) else tot
        gamma = (d[1] * n1 + d[2] * n2 + d[3] * n3) / np.maximum(tot, 1e-9)
        ctx_idx = np.repeat(np.arange(len(cu)), ccount)
        if n == 1:
            lower = np.full(len(k), 1.0 / vsize)
        else:
            low_key = k & mask_all[n - 1]
            li = np.searchsorted(keys[n - 2], low_key)
            lower = lower_p[np.minimum(li, len(lower_p) - 1)]  # type: ignore[index]
        p = (a - da) / np.maximum(tot[ctx_idx], 1e-9) + gamma[ctx_idx] * lower
        p = np.clip(p, 1e-12, 1.0)
        probs.append(p)
        # back-off weight of each context, stored on the (n-1)-gram equal to that context
        if n > 1:
            bo = np.zeros(len(keys[n - 2]))
            ci = np.searchsorted(keys[n - 2], cu)
            okc = (ci < len(keys[n - 2])) & (keys[n - 2][np.minimum(ci, len(keys[n - 2]) - 1)] == cu)
            bo[ci[okc]] = np.log10(np.maximum(gamma[okc], 1e-12))
            bows[n - 2] = bo
        bows.append(np.zeros(len(k)))
        lower_p = p
    unk_p = np.log10(1.0 / vsize) + np.log10(max(gamma[0] if len(gamma) else 1e-3, 1e-6))

    out: dict = {"vocab": np.array("".join(chars)), "order": np.array(order),
                 "unk": np.array(unk_p, dtype=np.float32), "n_chars": np.array(n_tok)}
    for n in range(1, order + 1):
        keep = np.ones(len(keys[n - 1]), bool)
        if n >= prune_from:
            keep = raw[n - 1] > prune_count
        out[f"k{n}"] = keys[n - 1][keep]
        out[f"p{n}"] = np.log10(probs[n - 1][keep]).astype(np.float16)
        out[f"b{n}"] = bows[n - 1][keep].astype(np.float16)
    return out


def save(model: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **model)
    tmp.replace(path)


def train_files(corpus: Path | None, out: Path, base: bool = True, **kw) -> dict:
    """Train from ``corpus`` (+ the packaged base corpus) and save to ``out``; returns stats."""
    t0 = time.perf_counter()
    sents = base_sentences() if base else []
    n_base = len(sents)
    if corpus is not None:
        for text in read_corpus(corpus):
            sents.extend(split_sentences(text))
    if not sents:
        raise ValueError("语料为空")
    model = train(sents, **kw)
    save(model, out)
    return {"sentences": len(sents), "base_sentences": n_base, "chars": int(model["n_chars"]),
            "ngrams": {n: int(len(model[f"k{n}"])) for n in range(1, int(model["order"]) + 1)},
            "bytes": out.stat().st_size, "seconds": round(time.perf_counter() - t0, 1), "out": str(out)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m knowledge.lm.train")
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=MODEL_FILE)
    ap.add_argument("--no-base", action="store_true")
    a = ap.parse_args(argv)
    print(json.dumps(train_files(a.corpus, a.out, base=not a.no_base), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
