"""Defendants across documents: who is named, and their particulars (birth date, sex, ID)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

from models.checks.engine import CheckContext, Hit, register
from models.checks.util import spans
from models.types import DOC_KIND_NAMES

# (a, b, severity): a defendant named in a but not in b.
_MISSING_PAIRS = (
    ("indictment", "judgment", "error"),
    ("judgment", "indictment", "error"),
    ("recommendation", "indictment", "error"),
    ("recommendation", "judgment", "error"),
    ("indictment", "recommendation", "warning"),
)

_FIELDS = (("birth_date", "出生日期"), ("sex", "性别"), ("id_number", "身份证号码"))


@register("compare.defendants")
def check_defendants(ctx: CheckContext) -> Iterator[Hit]:
    els = ctx.case.elements
    for a, b, severity in _MISSING_PAIRS:
        ea, eb = els.get(a), els.get(b)
        if ea is None or eb is None or not ea.defendants or not eb.defendants:
            continue
        names_b = {d.name for d in eb.defendants}
        for d in ea.defendants:
            if d.name not in names_b:
                yield Hit(
                    "COMPARE.DEFENDANT_MISSING",
                    spans((a, d)),
                    {"doc_a": DOC_KIND_NAMES[a], "doc_b": DOC_KIND_NAMES[b],
                     "others": "、".join(sorted(names_b))},
                    defendant=d.name,
                    severity=severity,  # type: ignore[arg-type]
                )
    for a, b in combinations(("indictment", "recommendation", "judgment"), 2):
        ea, eb = els.get(a), els.get(b)
        if ea is None or eb is None:
            continue
        for da in ea.defendants:
            db = eb.defendant(da.name)
            if db is None:
                continue
            for attr, label in _FIELDS:
                va, vb = getattr(da, attr), getattr(db, attr)
                if va is None or vb is None or va == vb:
                    continue
                yield Hit(
                    "COMPARE.DEFENDANT_INFO",
                    spans((a, da), (b, db)),
                    {"field": label, "doc_a": DOC_KIND_NAMES[a], "value_a": _show(va),
                     "doc_b": DOC_KIND_NAMES[b], "value_b": _show(vb)},
                    defendant=da.name,
                )


def _show(v: object) -> str:
    if hasattr(v, "year") and hasattr(v, "month"):
        return f"{v.year}年{v.month}月{v.day}日"  # type: ignore[attr-defined]
    return str(v)
