"""``extract(doc) -> DocElements``: run the extractors on the right sections of each document kind.

judgment: header → number/court; parties → defendants; history → indictment number, procedure,
dates; accusation → amounts, quantities, offence dates, recommended sentences; findings → amounts,
quantities, offence dates; reasoning/verdict → charges; reasoning/findings → circumstances;
verdict → judged sentences and term dates; signature → judgment date; citations everywhere but the
appendix (quoted law text). indictment and recommendation likewise with their own sections.
A document without sections (kind ``other`` or unparsed) is read as one block.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from knowledge.charges import charges_for_article
from models.extract.amounts import extract_amounts
from models.extract.charges import charge_names, extract_charges
from models.extract.circumstances import extract_circumstances
from models.extract.citations import extract_citations
from models.extract.dates import extract_dates
from models.extract.people import defendant_names_fallback, extract_defendants
from models.extract.quantities import extract_quantities
from models.types import (
    ChargeMention,
    Circumstance,
    Citation,
    DateMention,
    Defendant,
    DocElements,
    Document,
    SentenceTerm,
)

try:  # written by another engineer; extraction still works without it
    from models.extract.sentence import extract_judged, extract_recommended, extract_term_dates
except ImportError:  # pragma: no cover
    extract_judged = extract_recommended = extract_term_dates = None  # type: ignore[assignment]

Block = tuple[str, int]  # (text, absolute offset)

_JUDGMENT_NO = re.compile(r"[（(〔［\[]\s*[12]\d{3}\s*[）)〕］\]][^\s，。；：:（(]{1,20}?刑[^\s，。；]{0,6}?\d+号")
_JUDGMENT_NO_OLD = re.compile(r"[^\s，。；]{0,12}刑[初终再更][字]?第?\d+号")
_PROC_NO = re.compile(
    r"[\u4e00-\u9fff]{1,16}(?:诉|量建|建|检)[\u4e00-\u9fff]{0,8}[〔［\[（(]\s*[12]\d{3}\s*[〕］\]）)]\s*第?\s*[\dＸX×xｘ]+号"
)
_INDICTMENT_REF = re.compile(
    r"以\s*(?P<no>[^\s，。；]{2,40}?号)\s*(?:起诉书|《起诉书》)?(?:指控|起诉)"
)
_COURT_RE = re.compile(r"[\u4e00-\u9fff]{2,30}?人民法院")
_PROCURATORATE_RE = re.compile(r"[\u4e00-\u9fff]{2,30}?人民检察院")
_PROSECUTOR_PARTY = re.compile(r"公诉机关[：:]?\s*(?P<p>[\u4e00-\u9fff]{2,30}?人民检察院)")
_TO_COURT = re.compile(r"此致\s*(?P<c>[\u4e00-\u9fff]{2,30}?人民法院)")
_PROCEDURE = (
    (re.compile(r"(?:转为|变更为|转|改为)普通程序|不宜适用简易程序"), "普通程序"),
    (re.compile(r"速裁程序"), "速裁程序"),
    (re.compile(r"简易程序"), "简易程序"),
    (re.compile(r"普通程序|组成合议庭"), "普通程序"),
)
_APPENDIX_MARK = re.compile(r"附[：:]?\s*(?:本案|本判决)?(?:相关|所?适用的?)?(?:的)?法律(?:条文|条款|依据)|附[：:]?\s*相关法条")


def _blocks(doc: Document, *names: str) -> list[Block]:
    out: list[Block] = []
    for s in doc.sections:
        if s.name in names and s.end > s.start:
            out.append((doc.text[s.start : s.end], s.start))
    return out


_FINDINGS_MARK = re.compile(r"(?:^|(?<=[。\s]))(?:本院)?经(?:依法)?(?:公开开庭)?审理(?:查明|认定)")


def _findings_in_history(doc: Document) -> list[Block]:
    """The court's findings written before the prosecution's opinion ("现已审理终结。经审理查明，…
    公诉机关认为，…"): the sections come in another order than the layout's, so the findings stay
    inside the procedural history; they are the facts all the same."""
    out: list[Block] = []
    for text, off in _blocks(doc, "history"):
        m = _FINDINGS_MARK.search(text)
        if m:
            out.append((text[m.start():], off + m.start()))
    return out


def _all_but(doc: Document, *excluded: str) -> list[Block]:
    if not doc.sections:
        text = doc.text
        m = _APPENDIX_MARK.search(text) if "appendix" in excluded else None
        return [(text[: m.start()] if m else text, 0)]
    return [(doc.text[s.start : s.end], s.start) for s in doc.sections if s.name not in excluded]


def _run(blocks: list[Block], fn: Callable[..., list[Any]], **kw: Any) -> list[Any]:
    out: list[Any] = []
    for text, off in blocks:
        out.extend(fn(text, off, **kw))
    return out


def _first(pattern: re.Pattern[str], blocks: list[Block], group: int | str = 0) -> str | None:
    for text, _ in blocks:
        m = pattern.search(text)
        if m:
            return m.group(group)
    return None


# --------------------------------------------------------------------------- per kind


_LAYOUT: dict[str, dict[str, tuple[str, ...]]] = {
    "judgment": {
        "header": ("header",),
        "parties": ("parties",),
        "procedure": ("history",),
        "facts": ("accusation", "findings"),
        "charges_main": ("verdict",),
        "charges_more": ("reasoning",),
        "circumstances": ("findings", "reasoning"),
        # the defendant's own stance ("…无异议且已签署认罪认罚具结书"): only the plea is read there,
        # the defence's claims for other circumstances are not findings of the court
        "circumstances_plea": ("defence",),
        "judged": ("verdict",),
        "recommended": ("accusation",),
        "dates_plain": ("history", "reasoning", "verdict"),
        "dates_signed": ("signature",),
    },
    "indictment": {
        "header": ("header",),
        "parties": ("parties",),
        "procedure": ("origin",),
        "facts": ("facts",),
        "charges_main": ("reasoning",),
        "charges_more": (),
        "circumstances": ("reasoning",),
        "judged": (),
        "recommended": ("reasoning", "closing", "appendix"),
        "dates_plain": ("origin", "reasoning"),
        "dates_signed": ("closing",),
    },
    "recommendation": {
        "header": ("header",),
        "parties": ("parties",),
        "procedure": (),
        "facts": (),
        "charges_main": ("reasoning",),
        "charges_more": ("recommendation",),
        "circumstances": ("reasoning", "circumstances"),
        "judged": (),
        "recommended": ("recommendation",),
        "dates_plain": ("reasoning", "circumstances", "recommendation"),
        "dates_signed": ("closing",),
    },
}
# circumstances read from the defendant's stance in a judgment's defence section
_PLEA = frozenset({"认罪认罚"})
_SIGNED_ROLE = {"judgment": "judgment", "indictment": "prosecution", "recommendation": "other"}


def extract(doc: Document) -> DocElements:
    """Everything the extractors find in ``doc``; spans are offsets into ``doc.text``."""
    kind = doc.kind
    el = DocElements(kind=kind)
    whole: list[Block] = [(doc.text, 0)]
    layout = _LAYOUT.get(kind)
    sectioned = bool(doc.sections) and layout is not None

    def part(key: str) -> list[Block]:
        if not sectioned:
            return whole if key not in ("dates_signed",) else []
        assert layout is not None
        return _blocks(doc, *layout[key])

    head = part("header") if sectioned else [(doc.text[:400], 0)]
    _header(el, kind, head, part("parties") if sectioned else [(doc.text[:2000], 0)], doc)

    # defendants
    parties = part("parties") if sectioned else [(doc.text[:3000], 0)]
    defendants: list[Defendant] = _run(parties, extract_defendants, bare=sectioned)
    if not defendants:
        for n in defendant_names_fallback(doc.text):
            defendants.append(Defendant(name=n))
    el.defendants = defendants
    names = [d.name for d in defendants]
    by_name = {d.name: d for d in defendants}

    # procedure / indictment number (judgment)
    proc_blocks = part("procedure")
    if kind == "judgment":
        el.indictment_ref = _first(_INDICTMENT_REF, proc_blocks or whole, "no")
    for pat, name in _PROCEDURE:
        if _first(pat, proc_blocks or whole) is not None:
            el.procedure = name
            break

    # amounts and quantities
    facts = part("facts")
    if kind == "judgment" and sectioned and not _blocks(doc, "findings"):
        facts += _findings_in_history(doc)
    el.amounts = _run(facts, extract_amounts)
    el.quantities = _run(facts, extract_quantities)

    # citations: everything but the appendix
    el.citations = _run(_all_but(doc, "appendix"), extract_citations)

    # the document's own date (a former charge name is official before its replacement)
    signed = part("dates_signed")
    signed_dates: list[DateMention] = []
    for text, off in signed:
        signed_dates.extend(extract_dates(text, off, default_role=_SIGNED_ROLE.get(kind, "other")))
    el.date = _own_date(signed_dates)

    # charges
    mentions: list[ChargeMention] = _run(part("charges_main"), extract_charges, names=names, day=el.date)
    more: list[ChargeMention] = _run(part("charges_more"), extract_charges, names=names, day=el.date)
    _guess_unknown(mentions + more, el.citations)
    el.charge_mentions = mentions + more
    el.charges = charge_names(mentions + more)
    for d in defendants:
        own = [c for c in mentions if d.name in c.defendants] or [c for c in more if d.name in c.defendants]
        d.charges = charge_names(own)

    # circumstances
    circ = _run(part("circumstances"), extract_circumstances, names=names)
    has_plea = sectioned and layout is not None and "circumstances_plea" in layout
    plea = _run(part("circumstances_plea"), extract_circumstances, names=names) if has_plea else []
    circ += [(c, who) for c, who in plea if c.name in _PLEA and not c.negated]
    el.circumstances = [c for c, _ in circ]
    for c, who in circ:
        for n in who:
            d = by_name.get(n)
            if d is not None:
                _add_circ(d, c)

    if kind == "judgment":
        el.circumstances += _record_as_circumstance(doc, defendants)

    # dates
    dates: list[DateMention] = []
    for d in defendants:
        dates.extend(d.measures)
    for text, off in facts:
        dates.extend(extract_dates(text, off, first_role="offence", timed_role="offence"))
    for text, off in part("dates_plain"):
        dates.extend(extract_dates(text, off))
    dates.extend(signed_dates)
    for d in defendants:
        if d.birth_date is not None:
            dates.append(DateMention(d.start, d.end, d.name, date=d.birth_date, role="birth"))
    el.dates = _dedupe_dates(dates)

    # sentences (another engineer's module; absent → no sentences)
    _sentences(el, part("judged"), part("recommended"), names, by_name)
    return el


_DATE_ROLES_SIGNED = ("judgment", "prosecution", "other")


def _own_date(signed: list[DateMention]) -> dt.date | None:
    """The signature / closing date: the last full date of the signature block."""
    days = [d.date for d in signed if d.role in _DATE_ROLES_SIGNED]
    return days[-1] if days else None


def _guess_unknown(mentions: list[ChargeMention], citations: list[Citation]) -> None:
    """For a written name that is no known form ("毒品贩卖罪"), guess the official name it means
    among the charges of the 刑法 articles the document cites: the one sharing most characters
    (at least half of the written name's). Left None when nothing fits."""
    unknown = [m for m in mentions if m.normalized is None]
    if not unknown:
        return
    cands: list[str] = []
    for c in citations:
        if c.law == "刑法" and c.article > 101:
            for n in charges_for_article(c.article, c.sub):
                if n not in cands:
                    cands.append(n)
    for m in unknown:
        core = m.written.removesuffix("罪")
        best, score = None, 0.0
        for n in cands:
            common = sum(min(core.count(ch), n.count(ch)) for ch in set(core))
            sc = common / max(len(core), 1)
            if sc > score:
                best, score = n, sc
        if best is not None and score >= 0.5:
            m.normalized = best


def _header(el: DocElements, kind: str, head: list[Block], parties: list[Block], doc: Document) -> None:
    if kind == "judgment":
        el.case_number = _first(_JUDGMENT_NO, head) or _first(_JUDGMENT_NO_OLD, head)
        el.court = _first(_COURT_RE, head)
        el.procuratorate = _first(_PROSECUTOR_PARTY, parties + head, "p")
    else:
        el.case_number = _first(_PROC_NO, head)
        el.procuratorate = _first(_PROCURATORATE_RE, head)
        closing = [(doc.text[s.start : s.end], s.start) for s in doc.sections if s.name == "closing"]
        el.court = _first(_TO_COURT, closing or [(doc.text, 0)], "c")


_CONVICTION_RE = re.compile(r"犯[^，。；]{1,30}罪[^。；]{0,40}(?:判处|判刑|免予刑事处罚|刑满释放)|(?:判处|判刑)[^。；]{0,30}(?:有期徒刑|拘役|管制|罚金)")


def _record_as_circumstance(doc: Document, defendants: list[Defendant]) -> list[Circumstance]:
    """A criminal conviction in the judgment's particulars ("曾因犯盗窃罪于…被判处…") is 前科, a
    circumstance judgments rarely repeat in the reasoning unless it makes the defendant 累犯."""
    added: list[Circumstance] = []
    for d in defendants:
        if any(c.name in ("前科", "累犯") for c in d.circumstances):
            continue
        for rec in d.record:
            if not _CONVICTION_RE.search(rec):
                continue
            i = doc.text.find(rec, d.start)
            if i >= 0:
                c = Circumstance(start=i, end=i + len(rec), text=rec, name="前科")
                _add_circ(d, c)
                added.append(c)
            break
    return added


def _add_circ(d: Defendant, c: Circumstance) -> None:
    for x in d.circumstances:
        if x.name == c.name and x.negated == c.negated:
            return
    d.circumstances.append(c)


def _dedupe_dates(dates: list[DateMention]) -> list[DateMention]:
    seen: dict[tuple[int, int], DateMention] = {}
    for d in dates:
        k = (d.start, d.end)
        if k not in seen or (seen[k].role == "other" and d.role != "other"):
            seen[k] = d
    return sorted(seen.values(), key=lambda d: d.start)


def _sentences(
    el: DocElements,
    judged_blocks: list[Block],
    rec_blocks: list[Block],
    names: list[str],
    by_name: dict[str, Defendant],
) -> None:
    single = names[0] if len(names) == 1 else None
    if extract_judged is not None:
        for text, off in judged_blocks:
            res = extract_judged(text, off, names)
            for name, js in res.items():
                d = by_name.get(name) or (by_name.get(single) if single and not name else None)
                if js.final is not None:
                    el.sentences.append(js.final)
                el.sentences.extend(p for p in js.parts if p is not js.final)
                if d is not None:
                    d.judged = js.final
                    d.judged_parts = list(js.parts)
    if extract_term_dates is not None:
        for text, off in judged_blocks:
            for td in extract_term_dates(text, off, names):
                if td.kind != "term":
                    continue
                d = by_name.get(td.name) or (by_name.get(single) if single and not td.name else None)
                if d is None or d.term_start is not None:
                    continue
                d.term_clause = td.text
                if td.date_from and td.from_span:
                    d.term_start = DateMention(td.from_span[0], td.from_span[1], _slice(el, td, 0),
                                               date=td.date_from, role="term_start")
                if td.date_to and td.to_span:
                    d.term_end = DateMention(td.to_span[0], td.to_span[1], _slice(el, td, 1),
                                             date=td.date_to, role="term_end")
    if extract_recommended is not None:
        for text, off in rec_blocks:
            rec: dict[str, SentenceTerm] = extract_recommended(text, off, names, quoted=el.kind == "judgment")
            for name, st in rec.items():
                d = by_name.get(name) or (by_name.get(single) if single and not name else None)
                el.sentences.append(st)
                if d is not None and d.recommended is None:
                    d.recommended = st


def _slice(el: DocElements, td: Any, which: int) -> str:
    span = td.from_span if which == 0 else td.to_span
    rel0 = span[0] - td.start
    return td.text[rel0 : rel0 + (span[1] - span[0])]
