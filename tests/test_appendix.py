"""A judgment's appendix of quoted law (附：本判决适用的法律条文 / 本案援引法律条款 …) says nothing about
the case: the checks read the judgment without it (``Document.body``, ``j_text``), so quoted words
neither raise a finding nor hide a true one. The appendices are real ones (tests/data/appendix),
the quoted articles come from the statute texts (knowledge/statutes)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge.rules import load_rules
from knowledge.statutes import get_article
from models.checks.engine import CheckContext
from models.checks.facts import case_facts
from models.documents import parse_text
from models.pipeline import build_case, check_texts

REAL = yaml.safe_load((Path(__file__).parent / "data" / "appendix" / "real_appendices.yaml").read_text(encoding="utf-8"))
SERIOUS = ("error", "warning")


def _example(rule_id: str, index: int) -> dict[str, str]:
    rules, _ = load_rules()
    rule = next(r for r in rules if r.id == rule_id)
    return rule.examples[index].texts()


def _with(texts: dict[str, str], appendix: str) -> dict[str, str]:
    return dict(texts, judgment=texts["judgment"].rstrip() + " " + appendix)


def _serious(texts: dict[str, str]) -> set[tuple[str, str]]:
    return {(f.rule_id, f.message) for f in check_texts(texts, "t").findings if f.severity in SERIOUS}


def _quote(law: str, article: int, heading: str = "附：相关法律条文") -> str:
    art = get_article(law, article)
    assert art is not None
    title = "《中华人民共和国刑法》" if law == "刑法" else "《中华人民共和国刑事诉讼法》"
    return f"{heading} {title} 第{art.label}条 " + " ".join(art.text.split("\n"))


@pytest.mark.parametrize("row", REAL, ids=[r["judgment"][:8] for r in REAL])
def test_real_heading_starts_the_appendix(row):
    judgment = _example("FMT.J_NO_BASIS", 0)["judgment"].rstrip()
    doc = parse_text(judgment + " " + row["text"], source="judgment", kind="judgment")
    s = doc.section("appendix")
    assert s is not None and doc.text[s.start:].strip() == row["text"].strip()
    assert doc.body.rstrip() == judgment


@pytest.mark.parametrize("heading", ["相关司法解释：", "本案引用的司法解释", "附：相关司法解释", ""])
def test_interpretation_heading_starts_the_appendix(heading):
    judgment = _example("FMT.J_NO_BASIS", 0)["judgment"].rstrip()
    quote = "《最高人民法院关于处理自首和立功具体应用法律若干问题的解释》 第一条 犯罪嫌疑人自动投案后又逃跑的，不能认定为自首。"
    doc = parse_text(f"{judgment} {heading} {quote}".replace("  ", " "), source="judgment", kind="judgment")
    assert doc.body.rstrip() == judgment


@pytest.mark.parametrize("row", REAL, ids=[r["judgment"][:8] for r in REAL])
def test_real_appendix_adds_and_hides_nothing(row):
    # a theft case whose judgment cites 第二百六十四条 in its reasoning
    texts = _example("ITHEFT.LARGE_TERM_HIGH", 0)
    assert _serious(_with(texts, row["text"])) == _serious(texts)


def test_quoted_articles_are_not_the_judgments_citations():
    # 731c669a quotes 第三百五十九条 (卖淫) in its appendix; before the fix a theft judgment whose
    # basis is missing "cited" it and CITE.CHARGE_FIT reported a wrong article
    texts = _example("FMT.J_NO_BASIS", 0)
    row = next(r for r in REAL if r["judgment"].startswith("731c669a"))
    fired = {f.rule_id for f in check_texts(_with(texts, row["text"]), "t").findings}
    assert "FMT.J_NO_BASIS" in fired  # the true finding (info): the judgment itself names no basis
    assert "CITE.CHARGE_FIT" not in fired


def test_interpretation_quote_in_appendix_does_not_fire():
    # 自首 is found; the appendix quotes the interpretation's words about escaping after surrendering
    texts = _example("ISURR.ESCAPE_AFTER_SURRENDER", 0)
    texts["judgment"] = texts["judgment"].replace("投案后又逃跑", "投案")
    assert "ISURR.ESCAPE_AFTER_SURRENDER" not in {r for r, _ in _serious(texts)}
    quote = ("附：相关司法解释 《最高人民法院关于处理自首和立功具体应用法律若干问题的解释》 第一条 "
             "……犯罪嫌疑人自动投案后又逃跑的，不能认定为自首。")
    assert "ISURR.ESCAPE_AFTER_SURRENDER" not in {r for r, _ in _serious(_with(texts, quote))}


def test_true_findings_still_fire_with_the_article_they_cite_quoted():
    # a minor without a legal representative: the appendix quotes 刑事诉讼法第二百八十一条 (法定代理人)
    # and 刑法第十七条 (不满十八周岁), the words the two checks look for in the case's own text
    texts = _example("JUV.NO_GUARDIAN", 0)
    appendix = _quote("刑事诉讼法", 281) + " " + _quote("刑法", 17, "").strip()
    base = {r for r, _ in _serious(texts)}
    assert {"JUV.NO_GUARDIAN", "CASE.MINOR_AGE"} <= base
    assert {"JUV.NO_GUARDIAN", "CASE.MINOR_AGE"} <= {r for r, _ in _serious(_with(texts, appendix))}
    # the same words in the case's own text do answer the checks
    own = dict(texts, judgment=texts["judgment"].replace("现羁押于", "法定代理人张某到庭。被告人系未成年人，现羁押于", 1))
    assert not {"JUV.NO_GUARDIAN", "CASE.MINOR_AGE"} & {r for r, _ in _serious(own)}


def test_j_text_leaves_the_appendix_to_j_appendix():
    texts = _example("FMT.J_NO_BASIS", 0)
    row = REAL[0]
    docs = [parse_text(t, source=k, kind=k) for k, t in _with(texts, row["text"]).items()]
    f = case_facts(CheckContext(build_case(docs, "t")))
    assert row["text"][:20] not in f["j_text"] and f["j_appendix"].startswith(row["text"][:20])
    assert row["text"][:20] not in f["all_text"]


def test_eval_task_cuts_real_appendices_on_its_own():
    # eval/tasks/appendix.py reads the appendix without the checker's sections: after the clerk's name
    from eval.tasks.appendix import cut_appendix, interpretations_appendix

    judgment = _example("FMT.J_NO_BASIS", 0)["judgment"].rstrip()
    assert cut_appendix(judgment) == (judgment, "")
    for row in REAL:
        body, app = cut_appendix(judgment + " " + row["text"])
        assert (body, app) == (judgment, row["text"].strip())
    assert "犯罪嫌疑人自动投案后又逃跑的，不能认定为自首" in interpretations_appendix()
