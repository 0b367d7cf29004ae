"""Proofreading: the legal LM, sentence corrections, document-level checks, CLI and the check component."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from knowledge.lm import CharLM, get_lm
from knowledge.lm.train import save, split_sentences, train
from models.cli import app
from models.proofread import proofread
from models.proofread.document import brackets, punct_width
from models.proofread.sentence import protected_mask

runner = CliRunner()


def _edits(text: str) -> list[tuple[str, str, str]]:
    return [(f["original"], f["suggestion"], f["rule_id"]) for f in proofread(text).findings]


def test_lm_prefers_correct_legal_text() -> None:
    lm = get_lm()
    assert lm is not None and lm.order == 5
    assert lm.sentence_logp("认定上述事实的证据如下") > lm.sentence_logp("认定上诉事实的证据如下") + 3
    assert lm.sentence_logp("本院认为，被告人的行为已构成盗窃罪") > lm.sentence_logp("本院认为，被告人的行为以构成盗窃罪")


def test_train_small_corpus_and_query(tmp_path: Path) -> None:
    sents = split_sentences("被告人张某犯盗窃罪。被告人李某犯诈骗罪。被告人王某犯盗窃罪。") * 3
    p = tmp_path / "m.npz"
    save(train(sents), p)
    lm = CharLM(p)
    assert lm.sentence_logp("被告人赵某犯盗窃罪。") > lm.sentence_logp("罪窃盗犯某赵人告被。")
    # probabilities of the next character given a seen history sum to about one
    import numpy as np

    ids = lm.encode("被告人")
    hist = np.array([[-1, *ids[:3].tolist(), lm.char_id(c)] for c in lm.vocab])
    total = float((10 ** lm.windows_logp(hist)).sum())
    assert 0.8 < total < 1.2


@pytest.mark.parametrize("text,original,suggestion,rule", [
    ("认定上诉事实的证据如下：", "上诉", "上述", "PROOF.TYPO"),
    ("本院认为，被告人张某的行为以构成盗窃罪。", "以", "已", "PROOF.TYPO"),
    ("公诉机关指控的犯罪实施清楚，证据确实、充分。", "实施", "事实", "PROOF.TYPO"),
    ("被告人李某到案后如实了供述自己的罪行。", "了", "", "PROOF.REDUNDANT"),
])
def test_sentence_corrections(text: str, original: str, suggestion: str, rule: str) -> None:
    found = _edits(text)
    assert len(found) == 1
    o, s, r = found[0]
    assert r == rule and (o in original or original in o)  # the word or the one wrong character in it
    assert proofread(text).corrected == text.replace(original, suggestion, 1)


@pytest.mark.parametrize("text", [
    "被告人王某某犯盗窃罪，判处有期徒刑六个月，并处罚金人民币二千元。",
    "被告人李某到案后如实供述了自己的罪行，依法可以从轻处罚。",
    "如不服本判决，可在接到判决书的第二日起十日内，通过本院或者直接向上海市第一中级人民法院提出上诉。",
    "上述事实，被告人在开庭审理过程中亦无异议，且有被害人的陈述、证人的证言等证据证实，足以认定。",
])
def test_clean_sentences_untouched(text: str) -> None:
    assert proofread(text).findings == []
    assert proofread(text).corrected == text


def test_protected_names_and_numbers() -> None:
    m = protected_mask("被告人张三丰于2020年在上海市奉贤区盗窃")
    assert m[3] and m[4] and m[5]  # the name
    assert m[7]  # digits
    assert m[13] and m[14]  # 上海
    assert not m[19]  # 盗


def test_document_level_checks() -> None:
    assert [f["suggestion"] for f in punct_width("被告人张某,男,汉族。金额为1,000元")] == ["，", "，"]
    b = brackets("依照《中华人民共和国刑法》第二百六十四条（之规定。")
    assert [f["original"] for f in b] == ["（"]
    assert brackets("（一）依照《刑法》“第一条”。") == []


def test_corrected_applies_edits() -> None:
    r = proofread("本院认为，被告人张某的行为以构成盗窃罪,应依法惩处。")
    assert r.corrected == "本院认为，被告人张某的行为已构成盗窃罪，应依法惩处。"
    for f in r.findings:
        assert {"start", "end", "original", "suggestion", "type", "confidence", "rule_id"} <= set(f)


def test_odd_input_does_not_raise() -> None:
    # nothing here has a correction to propose: the text comes back unchanged
    for t in ["", " ", "。。。", "abc123", "\u0000\ufffd", "字" * 400]:
        r = proofread(t)
        assert r.corrected == t and r.findings == []
    # unpaired brackets are reported, one finding per unpaired character, and left as they are
    r = proofread("（（（”“")
    assert r.corrected == "（（（”“"
    assert [(f["start"], f["rule_id"]) for f in r.findings] == [(i, "PROOF.BRACKETS") for i in range(5)]


def test_cli_json_and_jsonl(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("认定上诉事实的证据如下：", encoding="utf-8")
    r = runner.invoke(app, ["proofread", str(f), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["corrected"] == "认定上述事实的证据如下：" and out["findings"][0]["rule_id"] == "PROOF.TYPO"
    rows = "\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False)
                     for i, t in [("x", "本院认为，被告人的行为以构成盗窃罪。"), (7, "被告人犯盗窃罪。")])
    r = runner.invoke(app, ["proofread", "-", "--jsonl"], input=rows)
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["id"] for x in lines] == ["x", 7] and lines[1]["findings"] == []
    r = runner.invoke(app, ["proofread", "-", "--jsonl"], input="not json\n")
    assert r.exit_code == 2
    r = runner.invoke(app, ["proofread", str(tmp_path / "missing.txt"), "--json"])
    assert r.exit_code == 2


def test_lm_train_cli(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("被告人张某犯盗窃罪，判处有期徒刑六个月。\n本院认为，被告人的行为已构成盗窃罪。",
                                  encoding="utf-8")
    out = tmp_path / "lm.npz"
    r = runner.invoke(app, ["lm", "train", "--corpus", str(corpus), "--out", str(out), "--no-base", "--skip-decider"])
    assert r.exit_code == 0, r.output
    stats = json.loads(r.stdout)
    assert stats["sentences"] == 2 and out.exists()
    assert CharLM(out).sentence_logp("被告人张某犯盗窃罪") > CharLM(out).sentence_logp("罪窃盗犯某张人告被")
    r = runner.invoke(app, ["lm", "train", "--corpus", str(tmp_path / "nope")])
    assert r.exit_code == 2


def test_check_report_has_proofread_findings() -> None:
    from models.pipeline import check_texts

    sample = Path(__file__).resolve().parents[1] / "knowledge" / "samples" / "case-001"
    texts = {}
    for p in sorted(sample.glob("*.txt")):
        for kind, key in (("indictment", "起诉书"), ("recommendation", "量刑建议书"), ("judgment", "判决书")):
            if key in p.name:
                texts[kind] = p.read_text(encoding="utf-8")
    assert texts
    kind = "judgment" if "judgment" in texts else next(iter(texts))
    texts[kind] = texts[kind].replace("本院认为", "本院认为,认定上诉事实的证据如下，", 1)
    report = check_texts(texts)
    proof = [f for f in report.findings if f.rule_id.startswith("PROOF.")]
    assert any(f.rule_id == "PROOF.TYPO" and f.suggestion == "上述事实" for f in proof)
    assert any(f.rule_id == "PROOF.PUNCT_WIDTH" for f in proof)
    assert all(f.severity == "info" for f in proof)


def test_rival_edit_with_higher_gain_wins() -> None:
    """A swap that would move a stray character loses to deleting it when the deletion gains more;
    edits of other kinds and candidates no rival touches are kept."""
    from models.proofread.sentence import _drop_beaten

    dcfg = {"rival_kinds": ["missing", "redundant", "order"], "rival_margin": 0.0}
    # 被告径人: swap 径人 (gain 4.2) vs delete 径 (gain 9.0) at the same characters
    swap, delete = (2, 4, "人径", "order", 4.2), (2, 3, "", "redundant", 9.0)
    far = (10, 11, "", "redundant", 3.0)  # touches neither
    word = (2, 3, "经", "char", 12.0)  # not a rival kind: never drops and is never dropped
    kept = _drop_beaten([swap, delete, far, word], dcfg)
    assert swap not in kept and delete in kept and far in kept and word in kept
    # with a margin larger than the gain difference both stay
    assert swap in _drop_beaten([swap, delete], {**dcfg, "rival_margin": 5.0})
    assert _drop_beaten([swap, delete], {}) == [swap, delete]


def test_numbers_not_changed_into_numbers_and_case_numbers_protected() -> None:
    from models.proofread.sentence import _char_subs, lexicon

    subs = _char_subs(lexicon(), "后", "七", "日", False, frozenset({"十日", "七日", "后十", "后七"}))
    assert not [r for _n, r, _k in subs if r in "零〇一二三四五六七八九十百千万亿两"]
    text = "某某区人民检察院以城检公诉刑诉［2018］12号起诉书"
    mask = protected_mask(text)
    a = text.index("城检")
    assert mask[a : a + 6].all()
