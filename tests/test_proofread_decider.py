"""Learned decider, confusion-set candidates, legal terms and the real-error scoring of the eval."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from eval.proofread.ecspell import changed, load, score
from models.proofread import proofread
from models.proofread.decider import Trees, export
from models.proofread.features import NAMES


@pytest.mark.parametrize("kind", ["hist", "classic"])
def test_exported_trees_match_sklearn(tmp_path: Path, kind: str) -> None:
    from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, len(NAMES))).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 3] * x[:, 5] > 0.2).astype(int)
    if kind == "hist":
        clf = HistGradientBoostingClassifier(max_iter=30, max_depth=4, random_state=0).fit(x, y)
    else:
        clf = GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0).fit(x, y)
    p = tmp_path / "d.npz"
    export(clf, list(NAMES), 0.7, p)
    with np.load(p) as z:
        trees = Trees(z)
    assert trees.decision == pytest.approx(0.7)
    assert np.allclose(trees.proba(x), clf.predict_proba(x)[:, 1], atol=1e-5)


def test_legal_term_near_miss_repaired() -> None:
    # 依法治国 (Constitution art. 5: 实行依法治国，建设社会主义法治国家) written with the homophone 制
    r = proofread("我们要坚持依法制国的基本方略。")
    assert "依法治国" in r.corrected


@pytest.mark.parametrize("text", [
    "债权人可以依法行使留置权，但应当给债务人两个月以上的履行期限。",
    "在侵权责任中，无过错责任原则仅适用于法律有明确规定的情形。",
    "善意取得制度的目的在于保护交易安全。",
])
def test_correct_legal_terms_not_touched(text: str) -> None:
    for f in proofread(text).findings:
        assert f["rule_id"] not in ("PROOF.TYPO",) or not any(
            t in text[max(0, f["start"] - 4) : f["end"] + 4] for t in ("留置权", "无过错责任", "善意取得"))


def test_punctuation_width_leaves_times_decimals_and_numbering() -> None:
    text = "会议于10:30开始,比例为3.5,具体见(1)项和(2)项"
    fs = [f for f in proofread(text).findings if f["rule_id"] == "PROOF.PUNCT_WIDTH"]
    touched = {text[f["start"] : f["end"]] for f in fs}
    assert touched == {","}
    corrected = proofread(text).corrected
    assert "10:30" in corrected and "3.5" in corrected and "(1)" in corrected


def test_real_error_scoring_by_hand() -> None:
    rows = [{"source": "依法制国", "target": "依法治国"},  # fixed → correct
            {"source": "我们坚持", "target": "我们坚持"},  # clean, left alone
            {"source": "我门坚持", "target": "我们坚持"},  # missed
            {"source": "本院认为", "target": "本院认为"}]  # clean, false alarm
    outs = ["依法治国", "我们坚持", "我门坚持", "本院任为"]
    s = score(rows, outs)
    # predicted positive: rows 1 and 4; right: row 1; gold positive: rows 1 and 3
    assert s["sent_correct"] == {"p": 50.0, "r": 50.0, "f1": 50.0}
    assert s["false_alarm_rate"] == 50.0 and s["clean"] == 2
    # chars: predicted {2}, {2}; gold {2}, {1} → 1 right of 2 predicted, 2 gold
    assert s["char_correct"]["p"] == 50.0 and s["char_correct"]["r"] == 50.0
    # half-width punctuation folded: not an edit either way
    assert score([{"source": "甲,乙", "target": "甲，乙"}], ["甲，乙"])["sent_correct"]["p"] == 0.0
    assert changed("abc", "abd") == {2: "d"}


def test_law_split_is_fixed_and_disjoint() -> None:
    test, train = load("law_test"), load("law_train")
    assert len(test) == 500 and len(train) == 830
    assert not {r["id"] for r in test} & {r["id"] for r in train}
    assert len(load("ecspell_odw_test")) == 500


def test_decider_training_small(tmp_path: Path) -> None:
    from models.proofread.decider import Trees as T
    from models.proofread.train_decider import train

    out = tmp_path / "decider.npz"
    stats = train(out, folds=2, limit=120, log=lambda s: None)
    assert out.exists() and 0.3 <= stats["threshold"] <= 0.99
    with np.load(out) as z:
        assert T(z).names == list(NAMES)


def test_lm_train_cli_retrains_the_decider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from typer.testing import CliRunner

    import models.proofread.train_decider as td
    from models.cli import app

    full = td.training_rows
    monkeypatch.setattr(td, "training_rows", lambda extra=None, seed=17: full(extra, seed)[:80])
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("被告人张某犯盗窃罪，判处有期徒刑六个月。\n本院认为，被告人的行为已构成盗窃罪。",
                                  encoding="utf-8")
    out = tmp_path / "lm" / "model.npz"
    r = CliRunner().invoke(app, ["lm", "train", "--corpus", str(corpus), "--out", str(out)])
    assert r.exit_code == 0, r.output
    stats = json.loads(r.stdout.strip().splitlines()[-1])
    assert (tmp_path / "lm" / "decider.npz").exists() and stats["decider"]["decider"].endswith("decider.npz")
