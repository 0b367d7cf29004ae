"""Tests of the eval case generator and harness (eval/generate.py, eval/compare.py)."""

from __future__ import annotations

import copy
import random
import re

import pytest

from eval import compare as cmp
from eval import metrics
from eval.datasets import load_generated, load_judgments, load_split
from eval.generate import (
    INJECTORS,
    SEED,
    build_spec,
    cases_for,
    id_check_digit,
    kinds,
    render,
    split_of,
)
from eval.jparse import parse_judgment, quoted_range
from models.types import Finding, Report

ID_RE = re.compile(r"身份证号码(\d{17}[\dX])")


@pytest.fixture(scope="module")
def parsed():
    out = []
    for r in load_judgments()[:80]:
        pj = parse_judgment(r["id"], r["judgment"])
        if pj is not None:
            out.append(pj)
    assert len(out) >= 40
    return out


def test_generation_is_deterministic(parsed):
    for pj in parsed[:10]:
        assert cases_for(pj) == cases_for(pj)


def test_split_fixed_and_stored():
    split = load_split()
    assert len(split) == 501
    for jid, s in list(split.items())[:50]:
        assert split_of(jid) == s
    dev = sum(1 for s in split.values() if s == "dev")
    assert 0.5 < dev / len(split) < 0.7


def test_generated_files_match_the_split():
    split = load_split()
    for name in ("dev", "test"):
        cases = load_generated(name, limit=300)
        assert cases
        assert all(split[c["source_id"]] == name for c in cases)
        for c in cases:
            assert c["clean"] == (not c["labels"])
            assert set(c["documents"]) == {"indictment", "recommendation", "judgment"}


def _gb11643_valid(idn: str) -> bool:
    """GB 11643-1999 §8.2 as the standard states it (ISO 7064 MOD 11-2): with a_i the character
    at position i counted from the right (i = 1 is the check character, X = 10) and
    W_i = 2^(i-1) mod 11, the number is valid when Σ a_i·W_i ≡ 1 (mod 11)."""
    a = [10 if ch == "X" else int(ch) for ch in reversed(idn)]
    return sum(ai * pow(2, i, 11) for i, ai in enumerate(a)) % 11 == 1


def test_gb11643_published_examples():
    # the two worked examples printed in GB 11643-1999
    for idn in ("11010519491231002X", "440524188001010014"):
        assert _gb11643_valid(idn)
        assert id_check_digit(idn[:17]) == idn[17]
    assert not _gb11643_valid("110105194912310021")


def test_generator_check_digit_satisfies_the_standard():
    rng = random.Random(11643)
    for _ in range(500):
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        assert _gb11643_valid(first17 + id_check_digit(first17))


def test_clean_cases_have_valid_id_numbers(parsed):
    n = 0
    for pj in parsed:
        for c in cases_for(pj)[:1]:
            assert c["clean"]
            for idn in ID_RE.findall(c["documents"]["indictment"]):
                assert _gb11643_valid(idn), idn
                n += 1
    assert n > 20


def test_clean_indictment_layout(parsed):
    doc = cases_for(parsed[0])[0]["documents"]["indictment"]
    lines = doc.split("\n")
    assert lines[0].endswith("人民检察院") and lines[1] == "起诉书"
    assert "经依法审查查明：" in lines and "认定上述事实的证据如下：" in lines and "此致" in lines
    assert "移送本院审查起诉" in doc and "提起公诉，请依法判处。" in doc


def test_clean_recommendation_contains_judged_term(parsed):
    for pj in parsed[:20]:
        sp = build_spec(pj)
        if sp is None:
            continue
        for d in sp.defendants:
            s = next(x for x in pj.defendants if x.name == d.name).sentence
            assert d.rec.penalty == s.penalty
            assert d.rec.lo <= s.term_months <= d.rec.hi
            assert d.rec.fine == s.fine_yuan
            assert bool(d.rec.probation_months) == bool(s.probation_months)


@pytest.mark.parametrize("kind", [k["rule_id"] for k in kinds()])
def test_each_injection_changes_the_expected_document(parsed, kind):
    k = next(x for x in kinds() if x["rule_id"] == kind)
    produced = 0
    for pj in parsed:
        sp = build_spec(pj)
        if sp is None:
            continue
        clean = render(sp)
        spc = copy.deepcopy(sp)
        label = INJECTORS[k["injector"]](spc, random.Random(f"{SEED}:{pj.id}:{kind}"))
        if label is None:
            continue
        docs = render(spc)
        assert label["rule_id"] == kind and label["detail"]
        changed = {d for d in docs if docs[d] != clean[d]}
        allowed = {"CASE.MINOR_AGE": {"indictment", "recommendation", "judgment"},
                   "COMPARE.RECOMMENDATION_NOT_ADOPTED": {"recommendation", "judgment"}}.get(kind, {label["document"]})
        assert label["document"] in changed and changed <= allowed
        produced += 1
        if produced >= 3:
            break
    assert produced > 0, kind


def test_every_kind_present_in_generated_dev():
    seen = {c["labels"][0]["rule_id"] for c in load_generated("dev") if c["labels"]}
    assert seen == {k["rule_id"] for k in kinds()}


def test_quoted_recommendation_forms():
    assert quoted_range("建议判处被告人一年以上二年以下有期徒刑。") == ("有期徒刑", 12, 24)
    assert quoted_range("建议对其判处二个月以下拘役，并处罚金。") == ("拘役", 1, 2)
    assert quoted_range("建议判处有期徒刑六个月到一年，并处罚金。") == ("有期徒刑", 6, 12)
    assert quoted_range("建议在拘役五个月以上有期徒刑一年六个月以下幅度内判处刑罚。") is None


def _stand_in(documents: dict[str, str], case_id: str) -> Report:
    """A trivial checker: reports ID.CHECK_DIGIT when an ID number has a wrong check digit."""
    findings = []
    for idn in ID_RE.findall(documents.get("indictment", "")):
        if id_check_digit(idn[:17]) != idn[17]:
            findings.append(Finding("ID.CHECK_DIGIT", "error", "身份证号码校验码错误"))
    return Report(case_id=case_id, findings=findings)


def test_harness_with_stand_in_checker():
    res = cmp.compare("dev", limit=200, checker=_stand_in, write=False)
    by = res["recall_by_rule"]
    assert by["ID.CHECK_DIGIT"]["recall"] == 1.0
    assert all(v["recall"] == 0.0 for r, v in by.items() if r != "ID.CHECK_DIGIT")
    assert res["false"]["false_findings"] == 0 and res["crashes"] == 0
    b = cmp.bench(n=30, checker=_stand_in, warmup=2, write=False)
    assert b["n"] == 30 and b["p95_ms"] >= b["median_ms"] >= 0


def test_metrics_false_findings_ignore_info():
    cases = [{"id": "a", "clean": True, "labels": []}]
    rep = Report("a", findings=[Finding("X", "info", "m"), Finding("Y", "warning", "m")])
    ff = metrics.false_findings(cases, {"a": rep})
    assert ff["by_rule"] == {"Y": 1} and ff["per_50_cases"] == 50.0


def test_results_section_replaced(tmp_path):
    p = tmp_path / "RESULTS.md"
    p.write_text(f"# R\n\nother\n\n{cmp.START}\nold\n{cmp.END}\n\ntail\n", encoding="utf-8")
    cmp.write_results({"bench": {"command": "python -m eval bench-check --n 5", "date": "2025-01-01", "split": "dev",
                                 "n": 5, "median_ms": 1.0, "p95_ms": 2.0, "max_ms": 3.0}}, p)
    t = p.read_text(encoding="utf-8")
    assert "old" not in t and "other" in t and "tail" in t and "median **1.0 ms**" in t
