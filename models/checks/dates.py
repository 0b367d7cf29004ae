"""Date chronology: detention ≤ arrest ≤ prosecution ≤ trial ≤ judgment; transfer for review
≤ indictment; and the documents' own dates in order."""

from __future__ import annotations

from collections.abc import Iterator

from models.checks.engine import CheckContext, Hit, register
from models.types import DOC_KIND_NAMES, DateMention, Span

# Pairs of roles (earlier, later) that must not be inverted within one document. Detention
# and arrest are not ordered against prosecution or judgment: a court may order the arrest of
# a defendant on bail after the indictment is filed, and a fugitive may be caught years later.
_ORDER = (
    ("detention", "arrest"),
    ("transfer", "prosecution"),
    ("prosecution", "trial"),
    ("trial", "judgment"),
    ("prosecution", "judgment"),
)
_PERSONAL = (("detention", "arrest"),)
_ROLE = {"detention": "刑事拘留", "arrest": "逮捕", "transfer": "移送审查起诉", "prosecution": "提起公诉",
         "trial": "开庭审理", "judgment": "判决"}


def _hits(kind: str, items: list[DateMention], defendant: str | None = None,
          order: tuple[tuple[str, str], ...] = _ORDER) -> Iterator[Hit]:
    by_role: dict[str, list[DateMention]] = {}
    for m in items:
        by_role.setdefault(m.role, []).append(m)
    reported: set[int] = set()  # one finding per wrong date (a judgment dated a year early
    for a, b in order:           # precedes both the trial and the prosecution)
        if a not in by_role or b not in by_role:
            continue
        first_a = min(by_role[a], key=lambda m: m.date)
        last_b = max(by_role[b], key=lambda m: m.date)
        earliest_b = min(by_role[b], key=lambda m: m.date)
        if earliest_b.date < first_a.date and last_b.date < first_a.date and earliest_b.start not in reported:
            reported.add(earliest_b.start)
            yield Hit("DATE.CHRONOLOGY",
                      [Span(kind, first_a.start, first_a.end), Span(kind, earliest_b.start, earliest_b.end)],
                      {"doc": DOC_KIND_NAMES[kind], "a": _ROLE[a], "a_date": _d(first_a),
                       "b": _ROLE[b], "b_date": _d(earliest_b)}, defendant=defendant)


def _d(m: DateMention) -> str:
    return f"{m.date.year}年{m.date.month}月{m.date.day}日"


@register("dates.chronology")
def check_chronology(ctx: CheckContext) -> Iterator[Hit]:
    for kind in ctx.kinds():
        el = ctx.elements(kind)
        items = list(el.dates)
        for d in el.defendants:
            items += d.measures
        # with several defendants, the document-level dates are compared once and each
        # defendant's own compulsory measures with each other
        if len(el.defendants) > 1:
            yield from _hits(kind, list(el.dates), order=tuple(p for p in _ORDER if p not in _PERSONAL))
            for d in el.defendants:
                yield from _hits(kind, d.measures, d.name, _PERSONAL)
        else:
            yield from _hits(kind, items)
