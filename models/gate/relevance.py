"""A learned fact ↔ statute-text relevance score for the gate's prior (``prior.relevance`` in
knowledge/gate/params.yaml).

The plain prior scores a fact by one cosine with each charge's pseudo-document. Which part of the
text carries the signal differs: the charge's name (its acts and objects: 贩卖 / 持有 / 容留 毒品), the
罪状 of its article, the cue words; and whether the fact covers the text's rare grams (recall) or the
text covers the fact's (precision). A short 罪状 (故意伤害他人身体的) wins a cosine against a long one
(寻衅滋事's four acts) for every fact that matches a little of both.

Thirteen numbers per (fact, charge), none tied to a particular charge: the cosine with the whole
pseudo-document and with each of its three parts (name, 罪状, cues); each part's and the whole
document's coverage (share of its grams' idf mass present in the fact) and precision (share of the
fact's tf-idf mass on its grams of two characters or more, ``prior.relevance.precision_min_gram``);
the log number of distinct grams of the document. A conditional
logit over the whole catalogue (softmax over every charge, the gold charges the targets) weighs them,
fit on the cases of the charges that HAVE cases — so the weights say how a fact resembles the text of
its own charge, and carry over to the charges without any case.

Every feature is linear in the fact's tf-idf row ``X`` or its binary gram row ``B``, so the fitted
score is ``X · Wx + B · Wb + bias`` with two precombined (charge × gram) matrices: two sparse
products at run time, as cheap as the cosine it replaces.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["FEATURES", "feature_matrices", "fit", "combine"]

FEATURES = ("cos_all", "cos_name", "cos_zz", "cos_cue", "cov_name", "cov_zz", "cov_cue", "cov_all",
            "prec_name", "prec_zz", "prec_cue", "prec_all", "log_grams")


def _l2(M: sp.csr_matrix) -> sp.csr_matrix:
    n = np.sqrt(np.asarray(M.multiply(M).sum(axis=1)).ravel())
    n[n == 0] = 1
    return sp.csr_matrix(M.multiply(1 / n[:, None]), dtype=np.float32)


def _binary(M: sp.csr_matrix) -> sp.csr_matrix:
    B = sp.csr_matrix(M, dtype=np.float32, copy=True)
    B.data[:] = 1
    return B


def feature_matrices(whole: sp.csr_matrix, parts: list[sp.csr_matrix], idf: np.ndarray,
                     precision_grams: np.ndarray | None = None,
                     ) -> tuple[list[tuple[str, sp.csr_matrix]], np.ndarray]:
    """Per feature, (``"x"`` or ``"b"``: applied to the fact's tf-idf or binary row, the charge ×
    gram matrix), in ``FEATURES`` order except the last; and the per-charge log number of grams.
    ``whole``: the pseudo-documents' L2 tf-idf rows; ``parts``: name, 罪状, cue rows (L2 tf-idf).
    ``precision_grams``: a boolean mask of the grams the precision features count (None: all).
    Counted over single characters too, precision measures the size of a document's character
    vocabulary more than its match: 帮助信息网络犯罪活动's 21 cue words (银行卡 电话卡 出租 出售 …
    转账 取现) hold most of the characters of any fraud or theft fact."""
    docs = [*parts, whole]  # name, zz, cue, all
    mats: list[tuple[str, sp.csr_matrix]] = [("x", whole)] + [("x", _l2(p)) for p in parts]
    for d in docs:  # coverage: the share of the document's idf mass the fact holds
        W = _binary(d).multiply(idf[None, :].astype(np.float32)).tocsr()
        s = np.asarray(W.sum(axis=1)).ravel()
        s[s == 0] = 1
        mats.append(("b", sp.csr_matrix(W.multiply(1 / s[:, None]), dtype=np.float32)))
    keep = None if precision_grams is None else sp.diags(np.asarray(precision_grams, dtype=np.float32))
    for d in docs:  # precision: the share of the fact's tf-idf mass on the document's grams
        mats.append(("x", _binary(d) if keep is None else sp.csr_matrix(_binary(d) @ keep, dtype=np.float32)))
    grams = np.log1p(np.diff(sp.csr_matrix(whole).indptr)).astype(np.float32)
    return mats, grams


def features(X: sp.csr_matrix, mats: list[tuple[str, sp.csr_matrix]], grams: np.ndarray) -> np.ndarray:
    """(n, charges, len(FEATURES)) of facts' tf-idf rows ``X`` (used to fit)."""
    B = _binary(X)
    F = [np.asarray(((X if k == "x" else B) @ M.T).todense(), dtype=np.float32) for k, M in mats]
    F.append(np.broadcast_to(grams[None, :], F[0].shape))
    return np.stack(F, axis=2)


def fit(F: np.ndarray, gold: list[list[int]], l2: float = 1e-3, max_iter: int = 300) -> dict[str, Any]:
    """Conditional logit over the catalogue: weights ``w`` of the standardised features maximising
    the probability of each fact's gold charges (spread evenly over several)."""
    from scipy.optimize import minimize

    n, k, f = F.shape
    flat = F.reshape(-1, f)
    mu, sd = flat.mean(axis=0), flat.std(axis=0) + 1e-9
    Fz = (F - mu) / sd
    Y = np.zeros((n, k))
    for i, gs in enumerate(gold):
        for j in gs:
            Y[i, j] = 1 / len(gs)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = Fz @ w
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        val = -(Y * np.log(p + 1e-12)).sum() / n + l2 * w @ w
        return float(val), np.einsum("nk,nkf->f", p - Y, Fz) / n + 2 * l2 * w

    w0 = np.zeros(f)
    w0[0] = 5.0
    r = minimize(loss, w0, jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    return {"w": r.x, "mu": mu, "sd": sd}


def combine(mats: list[tuple[str, sp.csr_matrix]], grams: np.ndarray, model: dict[str, Any], scale: float,
            ) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray]:
    """(Wx, Wb, bias) with ``X · Wxᵀ + B · Wbᵀ + bias`` = the fitted logit / ``scale`` (the prior's
    temperature: the blend's softmax of ``score × t_prior`` is then the relevance model's own)."""
    a = model["w"] / model["sd"] / scale
    Wx = sum((float(a[i]) * M for i, (k, M) in enumerate(mats) if k == "x"), sp.csr_matrix(mats[0][1].shape))
    Wb = sum((float(a[i]) * M for i, (k, M) in enumerate(mats) if k == "b"), sp.csr_matrix(mats[0][1].shape))
    g = len(mats)
    bias = float(a[g]) * grams - float((model["w"] / model["sd"] * model["mu"]).sum()) / scale
    return sp.csr_matrix(Wx, dtype=np.float32), sp.csr_matrix(Wb, dtype=np.float32), bias.astype(np.float32)
