"""The MoE gate: which crime experts a case (or a bare fact description) goes to, with scores.

Explicit charge names in the documents dominate (the extractor's charges: 以/犯/构成/涉嫌 …罪, not
prior convictions). Otherwise the charge classifier (``models.gate.model``: a model learned on the
real CAIL cases blended with a statute-text prior over all 483 charges) predicts one or several
charges from the facts. Each charge goes to its expert (``models.experts.for_charge``); charges no
expert covers go to ``generic``, which still carries the predicted charge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.gate import params
from models.types import Case, DocElements

__all__ = ["GateResult", "experts_for", "facts_of", "gate", "predict_charges", "predict_routes", "route",
           "route_many"]

GENERIC = "generic"


@dataclass
class GateResult:
    charges: list[tuple[str, float]] = field(default_factory=list)  # official names, best first
    experts: list[tuple[str, float]] = field(default_factory=list)
    explicit: bool = False  # the charges were named in the text

    @property
    def expert(self) -> str:
        return self.experts[0][0] if self.experts else GENERIC


def _expert_name(charge: str) -> str:
    from models.experts import for_charge

    e = for_charge(charge)
    return e.name if e is not None else GENERIC


def experts_for(charges: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Experts of scored charges: an expert's score is its best charge's; order kept."""
    best: dict[str, float] = {}
    for c, s in charges:
        n = _expert_name(c)
        best[n] = max(best.get(n, 0.0), s)
    return sorted(best.items(), key=lambda kv: -kv[1])


def predict_charges(texts: list[str]) -> list[list[tuple[str, float]]]:
    """The classifier's charges for each fact text (no explicit names considered)."""
    from models.gate.model import blend

    return blend().predict(texts) if texts else []


def predict_routes(texts: list[str]) -> list[GateResult]:
    """Gate results from the classifier alone: its charges, and the experts of those charges with
    the preferred crime expert (if any, see ``Blend.predict_routes``) first."""
    if not texts:  # every charge was written: the classifier (scipy, its model file) is not needed
        return []
    from models.gate.model import blend

    out = []
    for charges, preferred in (blend().predict_routes(texts) if texts else []):
        experts = experts_for(charges)
        if preferred is not None:
            top = max((sc for _, sc in experts), default=0.0)
            name = _expert_name(preferred[0])
            experts = [(name, top)] + [(n, sc) for n, sc in experts if n != name]
        out.append(GateResult(charges, experts, False))
    return out


def route_many(texts: list[str], explicit: list[list[str]] | None = None) -> list[GateResult]:
    """Gate decisions for several fact texts; ``explicit[i]``: charges named in text i (may be empty).
    The classifier runs only on the texts without explicit charges (batched)."""
    explicit = explicit or [[] for _ in texts]
    score = float(params()["explicit_score"])
    out: list[GateResult | None] = [None] * len(texts)
    todo = []
    for i, ex in enumerate(explicit):
        if ex:
            charges = [(c, score) for c in dict.fromkeys(ex)]
            out[i] = GateResult(charges, experts_for(charges), True)
        else:
            todo.append(i)
    for i, res in zip(todo, predict_routes([texts[i] for i in todo]), strict=True):
        out[i] = res
    return [r for r in out if r is not None]


def route(text: str, explicit: list[str] | None = None) -> GateResult:
    return route_many([text], [explicit or []])[0]


_FACT_SECTIONS = (("indictment", ("facts",)), ("judgment", ("findings", "accusation")),
                  ("recommendation", ("facts",)))


# findings that only confirm the accusation or the first instance (经审理查明，公诉机关指控…的事实清楚，
# 证据充分 / 原判认定的事实属实): the facts themselves are told in the accusation
_CONFIRMS = re.compile(r"(?:指控|原判|原审|一审)[^。]{0,40}(?:事实|犯罪)[^。]{0,20}(?:清楚|属实|成立|一致|无异|无误)")


def _accusation_before(doc, findings: str) -> str:
    """The accusation told before a judgment's findings (its section, or the text from the first
    …指控 before the findings when the parser did not mark one), followed by a space; '' if none."""
    acc = doc.section_text("accusation")
    if len(acc) > 20:
        return acc + " "
    end = doc.text.find(findings)
    m = _ACCUSED_BY.search(doc.text, 0, max(0, end))
    return doc.text[m.start():end].rstrip() + " " if m else ""


_ACCUSED_BY = re.compile(r"(?:公诉机关|检察院|起诉书)(?:起诉)?指控")


def facts_of(case: Case) -> str:
    """The fact description of a case: the indictment's facts, else the judgment's findings (after
    the accusation when the findings only confirm it) or accusation, else the whole text of the
    first document."""
    for kind, names in _FACT_SECTIONS:
        doc = case.document(kind)
        if doc is None:
            continue
        for n in names:
            t = doc.section_text(n)
            if len(t) > 20:
                if n == "findings" and _CONFIRMS.search(t[:200]):
                    return _accusation_before(doc, t) + t
                return t
    return case.documents[0].text if case.documents else ""


def explicit_charges(elements: list[DocElements]) -> list[str]:
    """Charges named in the documents (official names), in order of first appearance."""
    out: list[str] = []
    for el in elements:
        for c in el.charges:
            if c not in out:
                out.append(c)
    return out


def gate_case(case: Case) -> GateResult:
    els = [case.elements[k] for k in ("indictment", "judgment", "recommendation", "other") if k in case.elements]
    return route(facts_of(case), explicit_charges(els))


def gate(case: Case) -> list[tuple[str, float]]:
    """``[(expert, score)…]`` for a case, best first."""
    return gate_case(case).experts
