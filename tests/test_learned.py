"""The learned term model: the numpy export of the averaged tree ensembles and the shipped artifact."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.sentencing import learned


def test_averaged_ensembles_export_matches_scikit_learn(tmp_path) -> None:
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.linear_model import Ridge

    from models.gate.model import CharTfidf

    rng = np.random.default_rng(0)
    F = rng.normal(size=(200, 6)).astype(np.float32)
    y = np.log1p(np.exp(1 + F[:, 0] - 0.5 * F[:, 1]) + rng.uniform(0, 3, size=200))
    params = {**learned.GBR, "n_estimators": 30}
    gbrs = [GradientBoostingRegressor(**params, random_state=s).fit(F, y) for s in (0, 1, 2)]
    texts = ["被告人盗窃手机一部", "被告人醉酒驾驶机动车", "被告人贩卖毒品"]
    vec = CharTfidf.fit(texts, (1, 2))
    rid = Ridge(alpha=1.0).fit(vec.transform(texts).toarray(), [1.0, 2.0, 3.0])
    out = tmp_path / "m.npz"
    learned._save_model({"gbrs": gbrs, "ridge": rid, "vec": vec, "vocab": []}, 0.3, out)
    m = learned.TermModel(np.load(out))
    want = np.mean([g.predict(F[:20]) for g in gbrs], axis=0)
    got = np.array([m.trees(x) for x in F[:20]])
    assert np.allclose(got, want, atol=1e-4)
    assert m.w_engine == pytest.approx(0.3)
    assert len(m.tree.roots) == 90


def test_shipped_artifact_recipe_and_weight() -> None:
    m = learned.model()
    assert m is not None, "knowledge/guidelines/learned_term.npz is shipped"
    rep = m.report
    assert rep.get("w_engine") == pytest.approx(m.w_engine)
    assert 0.0 <= m.w_engine <= 1.0
    rec = rep.get("recipe")
    if rec:  # artifacts built with the CV option record their recipe
        assert len(m.tree.roots) == rec["n_estimators"] * len(rec["seeds"])
        assert math.isclose(m.tree.lr * len(rec["seeds"]), rec["learning_rate"], rel_tol=1e-9)
    text = "被告人醉酒驾驶机动车，经检测血液酒精含量为180mg/100ml。"
    p = learned.predict_term(text, ["危险驾驶"])
    assert p is not None and 1 <= p <= 12
