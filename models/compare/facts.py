"""Facts across documents: amounts, quantities (drug weight, blood alcohol, injury grade) and
sentencing circumstances stated in one document but not in another."""

from __future__ import annotations

from collections.abc import Iterator

from models.checks.engine import CheckContext, Hit, register
from models.checks.util import active, span
from models.types import DOC_KIND_NAMES, Amount, Circumstance, DocElements, Quantity

_QUANTITY_LABEL = {"drug": "毒品数量", "bac": "血液酒精含量", "injury": "损伤程度",
                   "disability": "伤残等级", "death": "死亡人数"}


def _same_amount(a: float, b: float) -> bool:
    return abs(a - b) < 0.5


def _amount_text(a: Amount) -> str:
    return a.text or f"{a.yuan:g}元"


@register("compare.facts")
def check_facts(ctx: CheckContext) -> Iterator[Hit]:
    ind, rec, jud = (ctx.elements(k) for k in ("indictment", "recommendation", "judgment"))
    if ind is not None and jud is not None:
        yield from _amounts(ind, jud)
        yield from _quantities(ind, jud)
    rec_doc = ctx.document("recommendation")
    if rec_doc is not None and (rec is None or rec.circumstances or "情节" in rec_doc.text):
        yield from _circumstances(ind, rec, jud)


def _amounts(ind: DocElements, jud: DocElements) -> Iterator[Hit]:
    if not ind.amounts or not jud.amounts:
        return
    judged = [a.yuan for a in jud.amounts]
    reported: set[float] = set()
    for a in ind.amounts:
        if a.penalty or a.yuan in reported or any(_same_amount(a.yuan, b) for b in judged):
            continue
        reported.add(a.yuan)
        yield Hit("COMPARE.AMOUNT_MISMATCH", span("indictment", a),
                  {"amount": _amount_text(a), "doc_b": DOC_KIND_NAMES["judgment"]})


def _quantity_key(q: Quantity) -> tuple:
    if q.kind in ("injury", "disability"):
        return (q.kind, q.grade)
    return (q.kind, round(q.value or 0.0, 3))


def _quantities(ind: DocElements, jud: DocElements) -> Iterator[Hit]:
    judged: dict[str, set[tuple]] = {}
    for q in jud.quantities:
        judged.setdefault(q.kind, set()).add(_quantity_key(q))
    reported: set[tuple] = set()
    for q in ind.quantities:
        key = _quantity_key(q)
        if q.kind not in judged or key in judged[q.kind] or key in reported:
            continue  # the judgment says nothing of this kind, or agrees
        reported.add(key)
        yield Hit("COMPARE.QUANTITY_MISMATCH", span("indictment", q),
                  {"what": _QUANTITY_LABEL.get(q.kind, q.kind), "value": q.text,
                   "doc_b": DOC_KIND_NAMES["judgment"]})


def _first(circs: list[Circumstance], name: str) -> Circumstance | None:
    return next((c for c in circs if c.name == name and not c.negated), None)


# Circumstances that are stated instead of one another: a recommendation's 坦白 where the court
# finds 自首 (or the reverse) is reported as that swap, not as "not stated".
_COUNTERPART = {"坦白": "自首", "自首": "坦白"}
# Circumstances one document may state in the words of another: 退赔 is compensation (赔偿) of the
# loss, and 赔偿 stated with the victim's 谅解 is the guideline's one circumstance "赔偿并谅解"; a
# recommendation listing 退赔 or 谅解 has not left out the 赔偿 the indictment states (the reverse
# does not hold: 退赃退赔 claims more than 赔偿).
_STATED_AS = {"赔偿": frozenset({"退赃退赔", "谅解", "刑事和解"})}


def _stated(name: str, found: set[str]) -> str:
    """How the documents that lack ``name`` state it: "未载明", or "认定为“自首”而非“坦白”"."""
    other = _COUNTERPART.get(name)
    if other is not None and other in found and name not in found:
        return f"认定为“{other}”而非“{name}”"
    return "未载明"


def _circumstances(ind: DocElements | None, rec: DocElements | None,
                   jud: DocElements | None) -> Iterator[Hit]:
    if rec is None:
        return
    stated = [e for e in (ind, jud) if e is not None]
    if not stated:
        return
    in_rec = active(rec.circumstances)
    others = set().union(*(active(e.circumstances) for e in stated))
    negated_elsewhere = {c.name for e in stated for c in e.circumstances if c.negated}
    for name in sorted(in_rec - others):
        if name == "赔偿" and "退赃退赔" in others:
            continue  # the recommendation's 赔偿 is the 退赔 the other documents state
        yield Hit("COMPARE.CIRCUMSTANCE_MISMATCH", span("recommendation", _first(rec.circumstances, name)),
                  {"circumstance": name, "where": DOC_KIND_NAMES["recommendation"],
                   "missing": "、".join(DOC_KIND_NAMES[e.kind] for e in stated),
                   "stated": _stated(name, others),
                   "negated": "（且被明确否定）" if name in negated_elsewhere else ""})
    if len(stated) == 2:
        both = active(stated[0].circumstances) & active(stated[1].circumstances)
        covered = {"当庭认罪"}
        covered |= {"坦白"} if "自首" in in_rec else set()  # 自首 includes 如实供述
        covered |= {"前科"} if "累犯" in in_rec else set()  # 累犯 presupposes the earlier conviction
        covered |= {n for n, alt in _STATED_AS.items() if alt & in_rec}
        for name in sorted(both - in_rec - covered):
            yield Hit("COMPARE.CIRCUMSTANCE_MISMATCH", span("indictment", _first(stated[0].circumstances, name)),
                      {"circumstance": name, "where": "起诉书、刑事判决书",
                       "missing": DOC_KIND_NAMES["recommendation"],
                       "stated": _stated(name, in_rec), "negated": ""})
