"""Recommended vs judged sentence: penalty type, term, probation, fine; adoption of the
recommendation in 认罪认罚 cases (刑事诉讼法 第二百零一条); the judgment's quotation of the
recommendation vs the recommendation itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from knowledge.yamlfile import load_yaml
from models.checks.engine import CheckContext, Hit, register
from models.checks.util import active, sentence_text, span, term_text, yuan_text
from models.types import Defendant, Document, SentenceTerm


@lru_cache(maxsize=1)
def _explanation_cues() -> tuple[str, ...]:
    data = load_yaml(Path(__file__).parent / "adoption.yaml")
    return tuple(data["explanation_cues"])


def term_differs(rec: SentenceTerm, jud: SentenceTerm) -> bool:
    if rec.penalty != jud.penalty or jud.term_months is None:
        return False
    if rec.term_range_months:
        lo, hi = rec.term_range_months
        return not lo <= jud.term_months <= hi
    return rec.term_months is not None and rec.term_months != jud.term_months


def fine_differs(rec: SentenceTerm, jud: SentenceTerm) -> bool:
    if jud.fine_yuan is None:
        return False
    if rec.fine_range_yuan:
        lo, hi = rec.fine_range_yuan
        return not lo - 0.5 <= jud.fine_yuan <= hi + 0.5
    return rec.fine_yuan is not None and abs(rec.fine_yuan - jud.fine_yuan) >= 0.5


# A recommendation may leave options open: "可适用缓刑", "或者免予刑事处罚".
_PROBATION_OPTIONAL = ("可适用缓刑", "可以适用缓刑", "可以宣告缓刑", "可宣告缓刑", "或者缓刑", "或缓刑")
# In the 量刑建议书 itself "可以适用缓刑" is the prosecutor's proposal of probation (a court that imposes
# 实刑 departs from it); only an alternative ("…或者缓刑") leaves the manner of execution open. A
# judgment's summary of the recommendation is read leniently (all of _PROBATION_OPTIONAL).
_PROBATION_ALTERNATIVE = ("或者缓刑", "或缓刑")
_EXEMPTION_OPTIONAL = ("或者免予刑事处罚", "或免予刑事处罚", "或者免除处罚", "可以免予刑事处罚")


def differences(rec: SentenceTerm, jud: SentenceTerm, wording: str | None = None) -> list[str]:
    """Rule ids of the ways ``jud`` departs from ``rec``.

    ``wording`` is the full sentence of the recommendation; when given (a quotation inside the
    judgment, which often leaves out the manner of execution), probation is compared only if
    the quotation speaks of it."""
    text = wording if wording is not None else rec.text
    if jud.penalty == "免予刑事处罚" and any(w in text for w in _EXEMPTION_OPTIONAL):
        return []
    out: list[str] = []
    mixed = sum(p in text for p in ("管制", "拘役", "有期徒刑")) > 1
    if mixed and rec.term_months is None and rec.term_range_months is None:
        pass  # a range across penalty types (拘役五个月以上有期徒刑一年六个月以下): not parsed
    elif rec.penalty and jud.penalty and rec.penalty != jud.penalty:
        out.append("COMPARE.PENALTY_TYPE_MISMATCH")
    elif term_differs(rec, jud):
        out.append("COMPARE.TERM_MISMATCH")
    probation_stated = wording is None or "缓刑" in wording
    optional = _PROBATION_OPTIONAL if wording is not None else _PROBATION_ALTERNATIVE
    probation_open = any(w in text for w in optional)
    if (rec.penalty and jud.penalty and probation_stated and not probation_open
            and rec.probation != jud.probation):
        out.append("COMPARE.PROBATION_MISMATCH")
    if fine_differs(rec, jud):
        out.append("COMPARE.FINE_MISMATCH")
    return out


def _params(rec: SentenceTerm, jud: SentenceTerm, source: str) -> dict[str, str]:
    return {
        "source": source,
        "recommended": sentence_text(rec),
        "judged": sentence_text(jud),
        "rec_term": term_text(rec),
        "jud_term": term_text(jud),
        "rec_probation": "缓刑" if rec.probation else "不适用缓刑",
        "jud_probation": "缓刑" if jud.probation else "未适用缓刑",
        "rec_fine": (f"{yuan_text(rec.fine_range_yuan[0])}至{yuan_text(rec.fine_range_yuan[1])}"
                     if rec.fine_range_yuan else yuan_text(rec.fine_yuan)),
        "jud_fine": yuan_text(jud.fine_yuan),
    }


def _plea(ctx: CheckContext, name: str) -> bool:
    for el in ctx.case.elements.values():
        d = el.defendant(name)
        if d is not None and "认罪认罚" in active(d.circumstances):
            return True
        if len(el.defendants) <= 1 and "认罪认罚" in active(el.circumstances):
            return True
    return False


def _explained(ctx: CheckContext) -> bool:
    doc = ctx.document("judgment")
    if doc is None:
        return False
    text = doc.section_text("reasoning") or doc.text
    return any(cue in text for cue in _explanation_cues())


def _recommendation_for(ctx: CheckContext, d_jud: Defendant) -> tuple[SentenceTerm, str] | None:
    rec_el = ctx.elements("recommendation")
    if rec_el is not None:
        d = rec_el.defendant(d_jud.name)
        if d is None and len(rec_el.defendants) == 1 and len(ctx.elements("judgment").defendants) == 1:
            d = rec_el.defendants[0]
        if d is not None and d.recommended is not None:
            return d.recommended, "recommendation"
    if d_jud.recommended is not None:
        return d_jud.recommended, "judgment"
    return None


@register("compare.sentence")
def check_sentence(ctx: CheckContext) -> Iterator[Hit]:
    jud_el = ctx.elements("judgment")
    if jud_el is None:
        return
    for d in jud_el.defendants:
        if d.judged is None:
            continue
        judged = _judged_for_recommendation(d)
        got = _recommendation_for(ctx, d)
        if got is None:
            continue
        rec, where = got
        source = "量刑建议书" if where == "recommendation" else "判决书援引的公诉机关量刑建议"
        params = _params(rec, judged, source)
        sp = span(where, rec) + span("judgment", judged)
        wording = None if where == "recommendation" else _sentence_of(ctx.document("judgment"), rec)
        diffs = differences(rec, judged, wording)
        if judged is not d.judged:
            # 数罪并罚 with an earlier sentence: a recommendation may speak of the new crime or of the
            # sentence to execute (决定执行); only what differs from both is reported
            final = differences(rec, d.judged, wording)
            fine_only_final = judged.fine_yuan is None and "COMPARE.FINE_MISMATCH" in final
            diffs = [x for x in diffs if x in final] + (["COMPARE.FINE_MISMATCH"] if fine_only_final else [])
            if fine_only_final:
                params["jud_fine"] = yuan_text(d.judged.fine_yuan)
        for rule_id in diffs:
            yield Hit(rule_id, sp, params, defendant=d.name)
        departs = {"COMPARE.PENALTY_TYPE_MISMATCH", "COMPARE.TERM_MISMATCH", "COMPARE.PROBATION_MISMATCH"}
        if departs.intersection(diffs) and _plea(ctx, d.name) and not _explained(ctx):
            yield Hit("COMPARE.RECOMMENDATION_NOT_ADOPTED", sp, params, defendant=d.name)
        # the judgment's quotation of the recommendation vs the recommendation itself
        if where == "recommendation" and d.recommended is not None:
            quoted = d.recommended
            if _quote_differs(rec, quoted, _clause_of(ctx.document("judgment"), quoted)):
                yield Hit("COMPARE.RECOMMENDATION_QUOTE", span("recommendation", rec) + span("judgment", quoted),
                          {"recommended": sentence_text(rec), "quoted": sentence_text(quoted)},
                          defendant=d.name)


def _judged_for_recommendation(d: Defendant) -> SentenceTerm:
    """The judged sentence a recommendation speaks of: when the final sentence combines one new
    crime with an earlier judgment's unexecuted sentence (数罪并罚 with 前罪/漏罪), the sentence for
    the new crime; otherwise the final one."""
    assert d.judged is not None
    own = [p for p in d.judged_parts if not p.combined]
    if d.judged.combined and len(own) == 1 and own[0].penalty:
        return own[0]
    return d.judged


def _sentence_of(doc: Document | None, m: SentenceTerm) -> str:
    """The whole sentence (to the next 。) in which a mention stands."""
    if doc is None:
        return m.text
    end = doc.text.find("。", m.start)
    return doc.text[m.start: end if end >= 0 else m.end]


_CLAUSE_END = re.compile(r"[。；;]|[，,]\s*对(?:被告人)?")


def _clause_of(doc: Document | None, m: SentenceTerm) -> str:
    """The clause of a quoted recommendation: to the next 。/； or the next "对被告人…" of a
    recommendation that lists several defendants."""
    if doc is None:
        return m.text
    stop = _CLAUSE_END.search(doc.text, m.end)
    return doc.text[m.start: stop.start() if stop else m.end]


def _quote_differs(rec: SentenceTerm, quoted: SentenceTerm, wording: str) -> bool:
    """Whether the judgment's quotation states something the recommendation does not.

    Judgments often abbreviate the recommendation ("建议判处有期徒刑六个月至一年，并处罚金"), so
    only what the quotation states is compared: penalty type, term or range, probation when the
    quotation speaks of 缓刑, the fine when it states an amount."""
    if rec.penalty and quoted.penalty and rec.penalty != quoted.penalty:
        return True
    if _range_differs(rec, quoted):
        return True
    if ("缓刑" in wording and not any(w in wording for w in _PROBATION_OPTIONAL)
            and rec.probation != quoted.probation):
        return True
    return (quoted.fine_yuan is not None and rec.fine_yuan is not None and not rec.fine_range_yuan
            and abs(quoted.fine_yuan - rec.fine_yuan) >= 0.5)


def _range_differs(a: SentenceTerm, b: SentenceTerm) -> bool:
    if a.penalty != b.penalty:
        return False  # reported through differences()
    ra = a.term_range_months or ((a.term_months, a.term_months) if a.term_months is not None else None)
    rb = b.term_range_months or ((b.term_months, b.term_months) if b.term_months is not None else None)
    return ra is not None and rb is not None and tuple(ra) != tuple(rb)
