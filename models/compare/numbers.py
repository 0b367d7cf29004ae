"""The indictment number the judgment cites must be the indictment's own number."""

from __future__ import annotations

import re
from collections.abc import Iterator

from models.checks.engine import CheckContext, Hit, register
from models.types import Span

_BRACKETS = str.maketrans("〔〕［］[]【】()（）", "（）（）（）（）（）（）")
_SPACE = re.compile(r"\s+")


def normalise_number(s: str) -> str:
    return _SPACE.sub("", s).translate(_BRACKETS).replace("第", "")


@register("compare.case_number")
def check_case_number(ctx: CheckContext) -> Iterator[Hit]:
    ind, jud = ctx.elements("indictment"), ctx.elements("judgment")
    if ind is None or jud is None or not ind.case_number or not jud.indictment_ref:
        return
    if normalise_number(ind.case_number) == normalise_number(jud.indictment_ref):
        return
    jdoc = ctx.document("judgment")
    idoc = ctx.document("indictment")
    sp = []
    if jdoc is not None and (i := jdoc.text.find(jud.indictment_ref)) >= 0:
        sp.append(Span("judgment", i, i + len(jud.indictment_ref)))
    if idoc is not None and (i := idoc.text.find(ind.case_number)) >= 0:
        sp.append(Span("indictment", i, i + len(ind.case_number)))
    yield Hit("COMPARE.CASE_NUMBER", sp, {"cited": jud.indictment_ref, "own": ind.case_number})
