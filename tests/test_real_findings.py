"""The deterministic checks on the 501 real judgments: every error or warning they raise has been
read by hand and judged true (eval/data/real_findings_reviewed.yaml); the false alarms found that
way stay fixed. A new finding on a real judgment fails here until someone reads and records it."""

from __future__ import annotations

import pytest

from eval.compare import reviewed_rows
from eval.datasets import load_judgments
from eval.metrics import SERIOUS
from models.pipeline import check_texts


@pytest.fixture(scope="module")
def judgments() -> dict[str, str]:
    return {r["id"][:8]: r["judgment"] for r in load_judgments()}


@pytest.fixture(scope="module")
def fired(judgments: dict[str, str]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for cid, text in judgments.items():
        rep = check_texts({"judgment": text}, cid)
        out |= {(cid, f.rule_id) for f in rep.findings if f.severity in SERIOUS}
    return out


def test_review_entries_point_at_real_text(judgments: dict[str, str]) -> None:
    rows = reviewed_rows()
    assert rows
    for r in rows:
        assert r["case"] in judgments, r
        assert r["evidence"] in judgments[r["case"]], r
        assert r["reason"] and isinstance(r["verdict"], bool)


def test_every_real_finding_is_reviewed_true(fired: set[tuple[str, str]]) -> None:
    true = {(r["case"], r["rule_id"]) for r in reviewed_rows() if r["verdict"] is True}
    assert fired - true == set(), "unreviewed findings on real judgments: read them and record them"


def test_reviewed_true_findings_still_fire(fired: set[tuple[str, str]]) -> None:
    true = {(r["case"], r["rule_id"]) for r in reviewed_rows() if r["verdict"] is True}
    assert true - fired == set()


def test_fixed_false_alarms_stay_fixed(fired: set[tuple[str, str]]) -> None:
    fixed = {(r["case"], r["rule_id"]) for r in reviewed_rows() if r["verdict"] is False and r.get("fixed")}
    assert fixed
    assert fixed & fired == set()
