"""The charge classifier behind the gate: a learned model blended with a statute-text prior.

- ``Learned``: char n-gram TF-IDF + one-vs-rest linear SVM over the charges of the real CAIL cases
  (multi-label). Knows ~45 charges well.
- ``Prior``: every one of the 483 charges gets a pseudo-document — its name, the 罪状 of its article
  (clause; the first clause of a whole article), and the cue words of ``knowledge/gate/cues.yaml`` —
  and a fact is scored by cosine similarity with each (idf: over the pseudo-documents × over real
  facts). It carries the charges with no training case.
- ``Blend``: ``w · softmax(learned) + (1 − w) · softmax(prior)`` over the whole catalogue; the prior's
  mass on the learned charges is scaled by ``seen_weight`` (it speaks for the charges without cases),
  and ``w`` is high only when the learned model is confident and the novelty model (``novelty``; or
  the older ``novelty_margin``) does not find the fact closer to a charge without cases. The prior
  reads Chinese characters only.

Inputs are masked like the training facts (charge names "…罪" → "××罪") so a runtime text with the
names written out looks like what the model was fit on; the explicit names are the gate's business.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.charges import all_charges, charge_info, find_charges
from knowledge.csr import Csr
from knowledge.gate import HERE, LEARNED, cues, params
from knowledge.npzcache import load_npz
from knowledge.statutes import get_article
from knowledge.tfidf import smooth_idf

__all__ = ["Blend", "CharTfidf", "Learned", "Prior", "blend", "mask_charges", "prior_text", "zuizhuang"]

PRIOR = HERE / "prior.npz"
_WS = re.compile(r"\s\s+")

_NON_CJK = re.compile(r"[^\u4e00-\u9fff]+")
_PENALTY = re.compile(r"[，,]?(对[^，。；]{0,20})?处[^；。]*?(刑|罚金|没收财产|管制|拘役)[^；。]*")


def mask_charges(text: str) -> str:
    """Replace written charge names by ×× (as in the CAIL facts)."""
    hits = find_charges(text)
    if not hits:
        return text
    out, last = [], 0
    for s, e, _, _ in hits:
        out.append(text[last:s])
        out.append("××罪")
        last = e
    out.append(text[last:])
    return "".join(out)


def prior_text(text: str) -> str:
    """What the statute prior reads: the Chinese characters only, every other run (digits, latin,
    punctuation) a single space. Digits in a charge's pseudo-document ("100毫升" of 危险驾驶, "第一百
    …条") otherwise match every fact with a date or an amount."""
    return _NON_CJK.sub(" ", text) if params()["prior"].get("cjk_only") else text


def zuizhuang(charge: str) -> str:
    """The 罪状 of the charge's articles: the clause text without the penalty part."""
    info = charge_info(charge)
    if not info:
        return ""
    parts: list[str] = []
    for a, s, cl in info["articles"]:
        art = get_article("刑法", a, s)
        if art is None:
            continue
        if cl == 0:  # the whole article, or (prior.first_clause) its basic 罪状 only
            idx = range(1 if params()["prior"].get("first_clause") else len(art.clauses))
        else:
            idx = [cl - 1] if cl - 1 < len(art.clauses) else []
        for i in idx:
            parts.append(_PENALTY.sub("", art.clauses[i]))
            parts.extend(art.items[i] if i < len(art.items) else [])
    text = "。".join(p for p in parts if p)
    if params()["prior"].get("definitions"):
        text += "".join("。" + d for term, d in statute_definitions().items() if term in text)
    return text


_DEFINITION = re.compile(r"本法(?:所)?称(?:的)?([^，,。；]{1,12})，是指([^。]*)")


@lru_cache(maxsize=1)
def statute_definitions() -> dict[str, str]:
    """Terms the 刑法 defines itself ("本法所称毒品，是指鸦片、海洛因、甲基苯丙胺…"): term → the
    definition with its items. A 罪状 that uses a defined term reads its definition too (``prior.
    definitions``): "贩卖毒品" then matches facts that name 甲基苯丙胺, as 348's "持有…甲基苯丙胺" does,
    and the acts (贩卖 / 持有 / 容留) are left to tell the charges apart."""
    from knowledge.statutes import all_articles, get_article

    out: dict[str, str] = {}
    for a, s in all_articles("刑法"):
        art = get_article("刑法", a, s)
        if art is None:
            continue
        for k, c in enumerate(art.clauses):
            for m in _DEFINITION.finditer(c):
                items = art.items[k] if k < len(art.items) else []
                out.setdefault(m.group(1), "。".join([m.group(2), *items]))
    return out


_CHUNK = 256  # texts per gate batch (bounds the dense (texts × catalogue) arrays)


_BITS = 21  # bits of one code point in an n-gram key
_SEP = (1 << _BITS) - 1  # not a code point: joins the texts of a batch


def _key(gram: str) -> int:
    """The uint64 key of an n-gram (≤ 3 chars): a 1 bit, then its code points, 21 bits each (the
    leading 1 keeps "a" and "\\0a" apart)."""
    k = 1
    for ch in gram:
        k = (k << _BITS) | ord(ch)
    return k


def _softmax(x: np.ndarray, t: float) -> np.ndarray:
    z = x * t
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class CharTfidf:
    """Char n-gram TF-IDF with sublinear tf and L2 rows — the same numbers as scikit-learn's
    ``TfidfVectorizer(analyzer="char", sublinear_tf=True)``, without importing scikit-learn at
    run time (its import costs seconds). Scoring reads ``rows`` (numpy only, knowledge.csr);
    ``transform`` gives the same rows as a scipy matrix for fitting."""

    def __init__(self, vocab: dict[str, int] | None, idf: np.ndarray, ngram: tuple[int, int],
                 terms: list[str] | None = None) -> None:
        self._vocab, self._terms = vocab, terms  # either; the other made when asked for
        self.idf, self.ngram = idf.astype(np.float32), ngram

    @property
    def vocab(self) -> dict[str, int]:
        """n-gram → column."""
        if self._vocab is None:
            self._vocab = {t: i for i, t in enumerate(self._terms or [])}
        return self._vocab

    @property
    def terms(self) -> list[str]:
        """The n-grams in column order."""
        if self._terms is None:
            vocab = self._vocab or {}
            self._terms = sorted(vocab, key=vocab.__getitem__)
        return self._terms

    @staticmethod
    def grams(text: str, ngram: tuple[int, int]) -> list[str]:
        t = _WS.sub(" ", text.lower())
        out: list[str] = []
        for n in range(ngram[0], ngram[1] + 1):
            out.extend(t[i : i + n] for i in range(len(t) - n + 1))
        return out

    @classmethod
    def fit(cls, texts: list[str], ngram: tuple[int, int], min_df: int = 1,
            max_features: int | None = None) -> CharTfidf:
        df: Counter[str] = Counter()
        tf: Counter[str] = Counter()
        for t in texts:
            g = cls.grams(t, ngram)
            df.update(set(g))
            tf.update(g)
        terms = [w for w, d in df.items() if d >= min_df]
        if max_features and len(terms) > max_features:
            terms = sorted(terms, key=lambda w: (-tf[w], w))[:max_features]
        terms.sort()
        return cls({w: i for i, w in enumerate(terms)}, smooth_idf((df[w] for w in terms), len(texts)), ngram)

    def rows(self, texts: list[str]) -> Csr:
        """TF-IDF rows of ``texts``, computed with numpy on the whole batch at once: every text's
        code points are joined (``_SEP``, no code point, between texts), each n-gram becomes one
        uint64 key (``_key``), the keys are looked up in the sorted vocabulary keys and counted per
        (text, column). Grams across a text border hold ``_SEP`` and match nothing."""
        n_cols = len(self.idf)
        if not texts:
            return Csr(np.zeros(0, np.float32), np.zeros(0, np.int32), np.zeros(1, np.int64), (0, n_cols))
        clean = [_WS.sub(" ", t.lower()) for t in texts]
        codes = np.frombuffer("\0".join(clean).encode("utf-32-le", "surrogatepass") + b"\0\0\0\0", dtype=np.uint32).astype(np.uint64)
        codes[codes == 0] = _SEP  # the borders (and any NUL of a text: it is in no vocabulary gram)
        lens = np.fromiter((len(t) + 1 for t in clean), dtype=np.int64, count=len(clean))
        doc = np.repeat(np.arange(len(clean), dtype=np.int64), lens)
        keys_sorted, cols_sorted = self._keys()
        lo, hi = self.ngram
        if hi * _BITS >= 64:
            raise ValueError(f"char n-grams up to 3 long, not {hi}")
        rows_l, cols_l = [], []
        L = len(codes)
        for n in range(lo, hi + 1):
            if L < n:
                continue
            k = codes[: L - n + 1] | np.uint64(1 << _BITS)
            for j in range(1, n):
                k = (k << np.uint64(_BITS)) | codes[j : L - n + 1 + j]
            pos = np.searchsorted(keys_sorted, k)
            pos[pos >= len(keys_sorted)] = 0
            hit = keys_sorted[pos] == k
            rows_l.append(doc[: L - n + 1][hit])
            cols_l.append(cols_sorted[pos[hit]])
        rows = np.concatenate(rows_l) if rows_l else np.zeros(0, np.int64)
        cols = np.concatenate(cols_l) if cols_l else np.zeros(0, np.int64)
        X = Csr.counts(rows, cols, (len(clean), n_cols))  # counts per (text, column), columns in order
        X.data = (1 + np.log(X.data)) * self.idf[X.indices]
        X.l2_normalise_rows()
        return X

    def transform(self, texts: list[str]) -> Any:
        """``rows`` as a ``scipy.sparse.csr_matrix`` (fitting, tests)."""
        return self.rows(texts).to_scipy()

    def _keys(self) -> tuple[np.ndarray, np.ndarray]:
        """(sorted uint64 keys of the vocabulary's n-grams, their column indices); ``_key`` of every
        term at once."""
        if getattr(self, "_sorted", None) is None:
            terms = self.terms
            lens = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
            codes = np.frombuffer("".join(terms).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
            start = np.cumsum(lens) - lens
            keys = np.ones(len(terms), dtype=np.uint64)
            for j in range(int(lens.max(initial=0))):
                has = lens > j
                keys[has] = (keys[has] << np.uint64(_BITS)) | codes[start[has] + j]
            order = np.argsort(keys, kind="stable")
            self._sorted = (keys[order], order.astype(np.int64))
        return self._sorted

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}vocab": np.array("\n".join(self.terms)), f"{prefix}idf": self.idf,
                f"{prefix}ngram": np.array(self.ngram)}

    @classmethod
    def from_arrays(cls, z: Any, prefix: str) -> CharTfidf:
        return cls(None, z[f"{prefix}idf"], tuple(int(x) for x in z[f"{prefix}ngram"]),  # type: ignore[arg-type]
                   terms=str(z[f"{prefix}vocab"]).split("\n"))


def _save(path: Path, **arrays: Any) -> None:
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    path.write_bytes(buf.getvalue())


# --------------------------------------------------------------------------- learned


@dataclass
class Learned:
    vec: CharTfidf
    coef: np.ndarray  # (n_features, n_classes) float32
    intercept: np.ndarray  # (n_classes,)
    classes: list[str]

    @classmethod
    def fit(cls, texts: list[str], labels: list[list[str]], p: dict[str, Any] | None = None) -> Learned:
        from sklearn.preprocessing import MultiLabelBinarizer
        from sklearn.svm import LinearSVC

        p = p or params()["learned"]
        vec = CharTfidf.fit(texts, tuple(p["ngram"]), p["min_df"], p["max_features"])
        X = vec.transform(texts)
        mlb = MultiLabelBinarizer()
        Y = mlb.fit_transform(labels)
        coef = np.zeros((X.shape[1], Y.shape[1]), dtype=np.float32)
        icpt = np.zeros(Y.shape[1], dtype=np.float32)
        for j in range(Y.shape[1]):
            m = LinearSVC(C=p["C"], class_weight="balanced")
            m.fit(X, Y[:, j])
            coef[:, j] = m.coef_[0]
            icpt[j] = m.intercept_[0]
        return cls(vec, coef, icpt, list(mlb.classes_))

    def scores(self, texts: list[str]) -> np.ndarray:
        return self.vec.rows(texts).dot(self.coef) + self.intercept

    def save(self, path: Path = LEARNED) -> None:
        _save(path, **self.vec.arrays(""), coef=self.coef.astype(np.float16), intercept=self.intercept,
              classes=np.array("\n".join(self.classes)))

    @classmethod
    def load(cls, path: Path = LEARNED) -> Learned:
        z = load_npz(path, {"coef": np.float32})  # decoded once into the data dir's cache
        return cls(CharTfidf.from_arrays(z, ""), z["coef"], z["intercept"], str(z["classes"]).split("\n"))


# --------------------------------------------------------------------------- prior


@dataclass
class Prior:
    vec: CharTfidf
    docs: Csr  # (n_charges, n_features): applied to a fact's tf-idf row (L2 pseudo-documents)
    charges: list[str]
    # the relevance model (``prior.relevance``, models/gate/relevance.py): applied to a fact's binary
    # gram row, and a per-charge bias; ``docs`` then holds the model's tf-idf-side weights
    docs_bin: Csr | None = None
    bias: np.ndarray | None = None

    @cached_property
    def docs_t(self) -> Csr:
        """``docs`` transposed (n-gram → charges), what a fact's n-grams are scored against."""
        return self.docs.transpose()

    @cached_property
    def docs_bin_t(self) -> Csr | None:
        """``docs_bin`` transposed, likewise."""
        return self.docs_bin.transpose() if self.docs_bin is not None else None

    @staticmethod
    def documents() -> tuple[list[str], list[str]]:
        """The charges and their pseudo-documents: name ×k + 罪状 + cue words."""
        charges, name, zz, cue = Prior.parts()
        return charges, [f"{a}。{b}。{c}" for a, b, c in zip(name, zz, cue, strict=True)]

    @staticmethod
    def parts() -> tuple[list[str], list[str], list[str], list[str]]:
        """The charges and the three parts of their pseudo-documents: name ×k, 罪状, cue words."""
        p = params()["prior"]
        cue = cues()
        charges = all_charges()
        return (charges, ["。".join([c] * p["name_repeat"]) for c in charges], [zuizhuang(c) for c in charges],
                [cue.get(c, "") for c in charges])

    @classmethod
    def build(cls, facts: list[str] | None = None, labels: list[list[str]] | None = None) -> Prior:
        """The prior over the catalogue. With ``prior.fact_idf`` (params.yaml) each n-gram's idf over
        the pseudo-documents is multiplied by its idf over real fact texts (``facts``; by default the
        CAIL train + dev facts of knowledge/training, unlabelled use): grams every fact has (被告人,
        鉴定, 价值) then weigh little, however rare they are in the statutes. With ``prior.relevance``
        the score is the relevance model of models/gate/relevance.py, fit on ``facts`` and their
        charges ``labels`` (by default CAIL train + dev)."""
        pp = params()["prior"]
        charges, docs = cls.documents()
        docs = [prior_text(d) for d in docs]
        vec = CharTfidf.fit(docs, tuple(pp["ngram"]))
        if (pp.get("fact_idf") or pp.get("relevance")) and facts is None:
            from models.gate.build import training_rows

            rows = training_rows()
            facts, labels = [r["fact"] for r in rows], [r["charges"] for r in rows]
        if pp.get("fact_idf"):
            assert facts is not None
            vec = CharTfidf(vec.vocab, vec.idf * fact_idf(vec, facts), vec.ngram)
        whole = vec.transform(docs)
        rel = pp.get("relevance")
        if not rel:
            return cls(vec, Csr.from_scipy(whole), charges)
        from models.gate import relevance

        assert facts is not None and labels is not None
        _, *subs = cls.parts()
        n_min = int(rel.get("precision_min_gram", 1))
        mats, grams = relevance.feature_matrices(whole, [vec.transform([prior_text(t) for t in d]) for d in subs],
                                                 vec.idf, np.array([len(t) >= n_min for t in vec.terms]))
        idx = {c: i for i, c in enumerate(charges)}
        step = int(rel.get("subsample", 1))
        pick = [i for i in range(0, len(facts), step) if any(c in idx for c in labels[i])]
        F = relevance.features(vec.transform([prior_text(mask_charges(facts[i])) for i in pick]), mats, grams)
        model = relevance.fit(F, [[idx[c] for c in labels[i] if c in idx] for i in pick], float(rel["l2"]))
        Wx, Wb, bias = relevance.combine(mats, grams, model, float(params()["blend"]["t_prior"]))
        return cls(vec, Csr.from_scipy(Wx), charges, Csr.from_scipy(Wb), bias)

    def scores(self, texts: list[str]) -> np.ndarray:
        """Cosine similarity of each (masked) fact with each charge's pseudo-document; with the
        relevance model, its logit / t_prior; plus ``prior.sibling_contrast`` × the sibling contrast of
        models/gate/siblings.py (which of two close sibling charges' elements the fact holds)."""
        X = self.vec.rows([prior_text(t) for t in texts])
        R = X.dot_transposed(self.docs_t)
        bin_t = self.docs_bin_t
        if bin_t is not None:
            B = Csr(np.ones_like(X.data), X.indices, X.indptr, X.shape)
            R += B.dot_transposed(bin_t)
            R += self.bias
        c = params()["prior"].get("sibling_contrast")
        if c:
            from models.gate.siblings import contrast

            R += float(c) * contrast(texts, self.charges)
        return R

    def save(self, path: Path = PRIOR) -> None:
        d = self.docs
        extra: dict[str, Any] = {}
        if self.docs_bin is not None:
            b = self.docs_bin
            extra = {"b_data": b.data, "b_indices": b.indices, "b_indptr": b.indptr, "bias": self.bias}
        _save(path, **self.vec.arrays(""), data=d.data, indices=d.indices, indptr=d.indptr,
              shape=np.array(d.shape), charges=np.array("\n".join(self.charges)), **extra)

    @classmethod
    def load(cls, path: Path = PRIOR) -> Prior:
        z = load_npz(path)
        shape = tuple(int(x) for x in z["shape"])
        docs = Csr(z["data"], z["indices"], z["indptr"], shape)  # type: ignore[arg-type]
        docs_bin = bias = None
        if "b_data" in z:
            docs_bin = Csr(z["b_data"], z["b_indices"], z["b_indptr"], shape)  # type: ignore[arg-type]
            bias = z["bias"]
        return cls(CharTfidf.from_arrays(z, ""), docs, str(z["charges"]).split("\n"), docs_bin, bias)


def fact_idf(vec: CharTfidf, facts: list[str]) -> np.ndarray:
    """Smoothed idf of ``vec``'s n-grams over fact texts (masked and read as the prior reads them)."""
    X = vec.rows([prior_text(mask_charges(t)) for t in facts])
    df = np.bincount(X.indices, minlength=X.shape[1])  # each (fact, n-gram) is one entry
    return smooth_idf(df.tolist(), len(facts))


def novelty_features(S: np.ndarray, R: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """(n, 4): how much closer the statute prior puts the nearest charge without cases than the
    learned model's best charge; the learned model's best margin; its lead over the second; how much
    closer the nearest charge without cases is than the nearest charge with cases."""
    unseen = np.ones(R.shape[1], dtype=bool)
    unseen[cols] = False
    Ss = np.sort(S, axis=1)
    second = Ss[:, -2] if S.shape[1] > 1 else Ss[:, -1]
    r_top = R[np.arange(len(R)), cols[S.argmax(axis=1)]]
    r_unseen = R[:, unseen].max(axis=1) if unseen.any() else r_top
    r_seen = R[:, ~unseen].max(axis=1)
    return np.c_[r_unseen - r_top, Ss[:, -1], Ss[:, -1] - second, r_unseen - r_seen]


def novelty(S: np.ndarray, R: np.ndarray, cols: np.ndarray, nv: dict[str, Any]) -> np.ndarray:
    """Probability that each fact belongs to a charge the learned model has no case of: a logistic
    model (``nv["coef"]``, ``nv["intercept"]``) over ``novelty_features``, fit by
    ``python -m eval analyze --fit-novelty`` on leave-charges-out folds of CAIL train + dev."""
    if len(cols) == R.shape[1]:
        return np.zeros(len(R))
    z = novelty_features(S, R, cols) @ np.asarray(nv["coef"], dtype=float) + float(nv["intercept"])
    return 1 / (1 + np.exp(-z))


# --------------------------------------------------------------------------- blend


@dataclass
class Blend:
    learned: Learned | None
    prior: Prior
    elements: bool = True  # the element rules of knowledge/gate/elements.yaml (models/gate/elements.py)

    def __post_init__(self) -> None:
        self.charges = self.prior.charges
        idx = {c: i for i, c in enumerate(self.charges)}
        self._cols = np.array([idx[c] for c in self.learned.classes]) if self.learned else np.array([], int)

    def _parts(self, texts: list[str], b: dict[str, float]) -> tuple[np.ndarray, np.ndarray | None]:
        """(blended probabilities over the catalogue, the learned model's raw margins or None)."""
        masked = [mask_charges(t) for t in texts]
        R = self.prior.scores(masked)
        S = self.learned.scores(masked) if self.learned is not None and len(self._cols) else None
        D = self.element_shifts(masked)
        if D is not None and S is not None:
            S = S + D[:, self._cols]
        return self.combine(S, R, b, D), S

    def element_shifts(self, masked: list[str]) -> np.ndarray | None:
        """(n, catalogue) margin shifts of the element rules (None: no rule holds, or disabled)."""
        if not self.elements:
            return None
        from models.gate.elements import shifts

        return shifts(masked, self.charges)

    def combine(self, S: np.ndarray | None, R: np.ndarray, b: dict[str, float],
                D: np.ndarray | None = None) -> np.ndarray:
        """Blend the learned margins ``S`` (n, learned classes) and the prior similarities ``R``
        (n, catalogue) into probabilities over the catalogue.

        The prior speaks mainly for the charges the learned model has never seen: its probability
        on a learned charge is scaled by ``seen_weight`` (1 = no change) before the blend, so a
        statute text that happens to resemble a fact cannot outvote the cases of a charge that the
        learned model knows; where the learned model is unsure, the unseen charges of the
        catalogue compete through the prior.

        ``D`` (n, catalogue): the element rules' margin shifts, already added to ``S`` by the caller;
        the prior's probability of a shifted charge is scaled by ``exp(shift × t_learned)``, the
        factor the shift gives the learned probability."""
        pp = _softmax(R, b["t_prior"])
        if D is not None:
            pp = pp * np.exp(D * float(b["t_learned"]))
            pp /= pp.sum(axis=1, keepdims=True)
        if S is None:
            return pp
        sw = float(b.get("seen_weight", 1.0))
        if sw != 1.0:
            pp = pp.copy()
            pp[:, self._cols] *= sw
            pp /= pp.sum(axis=1, keepdims=True)
        pl = np.zeros_like(pp)
        pl[:, self._cols] = _softmax(S, b["t_learned"])
        # the learned model is trusted more when it recognises one of its charges (a positive
        # margin); otherwise the statute prior carries the charges it has never seen
        w_hi = float(b.get("w_confident", b["w"]))
        confident = S.max(axis=1) > float(b.get("confident_margin", 0.0))
        w_lo = float(b["w"])
        nv = b.get("novelty")
        if nv:
            # ... unless the facts look like a charge without cases (``novelty``): the 罪状 of an
            # unseen charge fits clearly better than that of the learned model's best charge
            # (held-out 虚开增值税专用发票 facts otherwise all went to 诈骗); then the prior decides
            novel = novelty(S, R, self._cols, nv) > float(nv["threshold"])
            w = np.where(novel, float(nv["w"]), np.where(confident, w_hi, w_lo))[:, None]
            return w * pl + (1 - w) * pp
        nov = b.get("novelty_margin")
        if nov is not None:
            # ... unless the statute prior finds a charge without cases clearly closer to the fact
            # than the learned model's best charge
            unseen = np.ones(R.shape[1], dtype=bool)
            unseen[self._cols] = False
            best_unseen = R[:, unseen].max(axis=1) if unseen.any() else np.full(len(R), -np.inf)
            at_learned = R[np.arange(len(R)), self._cols[S.argmax(axis=1)]]
            confident &= best_unseen - at_learned <= float(nov)
        w = np.where(confident, w_hi, w_lo)[:, None]
        return w * pl + (1 - w) * pp

    def _chunked(self, texts: list[str], b: dict[str, float]) -> tuple[np.ndarray, np.ndarray | None]:
        """``_parts`` in chunks of ``_CHUNK`` texts."""
        if len(texts) <= _CHUNK:
            return self._parts(texts, b)
        got = [self._parts(texts[i : i + _CHUNK], b) for i in range(0, len(texts), _CHUNK)]
        S = None if got[0][1] is None else np.vstack([g[1] for g in got])  # type: ignore[misc]
        return np.vstack([g[0] for g in got]), S

    def proba(self, texts: list[str], b: dict[str, float] | None = None) -> np.ndarray:
        """(n_texts, n_charges) blended probabilities over the whole catalogue."""
        return self._chunked(texts, b or params()["blend"])[0]

    def predict(self, texts: list[str], b: dict[str, float] | None = None,
                m: dict[str, float] | None = None) -> list[list[tuple[str, float]]]:
        """Per text, the charges that fire (best first) with their blended probability."""
        return [c for c, _ in self.predict_routes(texts, b, m, {})]

    def predict_routes(self, texts: list[str], b: dict[str, float] | None = None,
                       m: dict[str, float] | None = None, pref: dict[str, float] | None = None,
                       ) -> list[tuple[list[tuple[str, float]], tuple[str, float] | None]]:
        """Per text, (the charges that fire, the preferred expert charge or None).

        Expert preference: when no fired charge has a crime expert but the learned model's margin
        of an expert's charge is within ``delta`` of its best margin (≥ ``floor``, and its blended
        probability ≥ ``min_ratio`` × the top one), that expert is routed first (毒品 beside
        容留他人吸毒, 诈骗 beside 合同诈骗) — the charges themselves stay the classifier's."""
        P, S = self._chunked(texts, b or params()["blend"])
        return self.routes(P, S, m, pref)

    def routes(self, P: np.ndarray, S: np.ndarray | None, m: dict[str, float] | None = None,
               pref: dict[str, float] | None = None,
               ) -> list[tuple[list[tuple[str, float]], tuple[str, float] | None]]:
        """``predict_routes`` from blended probabilities ``P`` and learned margins ``S``."""
        m = m or params()["multi"]
        pref = params().get("expert_preference") or {} if pref is None else pref
        ecols = self._expert_cols() if pref and S is not None else []
        out: list[tuple[list[tuple[str, float]], tuple[str, float] | None]] = []
        for i, row in enumerate(P):
            order = np.argsort(-row)[: max(1, int(m["max_charges"]))]
            top = row[order[0]]
            fired = [(self.charges[order[0]], float(top))]
            for j in order[1:]:
                if row[j] >= m["ratio"] * top and row[j] >= m["min_score"]:
                    fired.append((self.charges[j], float(row[j])))
            preferred = None
            # top_only: only the top charge settles the expert (a second charge of 数罪 that has an
            # expert does not block the learned model's expert when the top one has none)
            checked = fired[:1] if pref.get("top_only") else fired
            if ecols and S is not None and not any(self._routes_expert(c, S[i], pref) for c, _ in checked):
                s = S[i]
                k = max(ecols, key=lambda kc: s[kc[0]])
                if (s[k[0]] >= s.max() - float(pref["delta"]) and s[k[0]] >= float(pref["floor"])
                        and row[k[1]] >= float(pref.get("min_ratio", 0.0)) * top):
                    preferred = (self.charges[k[1]], float(row[k[1]]))
            out.append((fired, preferred))
        return out

    def _routes_expert(self, charge: str, s: np.ndarray, pref: dict[str, float]) -> bool:
        """Whether a fired charge settles the expert by itself: it has a crime expert, and — when
        ``learned_gap`` is set and the learned model knows the charge — its learned margin is within
        ``learned_gap`` of the best. A charge with cases whose cases disagree (the prior alone put it
        first: a fact about a 车 is not 危险驾驶 when the learned model ranks 危险驾驶 far down) does
        not block the preferred expert."""
        if not self._has_expert(charge):
            return False
        gap = pref.get("learned_gap")
        if gap is None:
            return True
        k = self._learned_index().get(charge)
        return k is None or bool(s[k] >= s.max() - float(gap))

    def _learned_index(self) -> dict[str, int]:
        if not hasattr(self, "_lidx"):
            self._lidx = {self.charges[int(c)]: k for k, c in enumerate(self._cols)}
        return self._lidx

    def _expert_cols(self) -> list[tuple[int, int]]:
        """(learned column, catalogue column) of the learned charges that have a crime expert."""
        if not hasattr(self, "_ecols"):
            self._ecols = [(k, int(c)) for k, c in enumerate(self._cols) if self._has_expert(self.charges[c])]
        return self._ecols

    @staticmethod
    def _has_expert(charge: str) -> bool:
        from models.experts import for_charge

        return for_charge(charge) is not None


@lru_cache(maxsize=1)
def blend() -> Blend:
    """The shipped model (learned.npz + the statute prior), loaded once."""
    learned = Learned.load() if LEARNED.exists() else None
    return Blend(learned, Prior.load() if PRIOR.exists() else Prior.build())
