"""Money written twice — in Chinese numerals and in digits, one in brackets after the other —
must agree (人民币伍仟元（5000元）)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from models.checks.engine import CheckContext, Hit, register
from models.extract.numerals import CN_DIGITS, CN_UNITS, to_number
from models.types import Span

_CN = f"[{CN_DIGITS}{CN_UNITS}][{CN_DIGITS}{CN_UNITS}点]*"
_NUM = r"[0-9０-９][0-9０-９,，.．]*"
_WORDS_THEN_DIGITS = re.compile(
    rf"(?P<a>{_CN})(?P<au>万?元)整?[（(]\s*(?:人民币|小写|¥|￥|即)?[：:]?\s*(?P<b>{_NUM})\s*(?P<bu>万?元)?\s*[）)]"
)
_DIGITS_THEN_WORDS = re.compile(
    rf"(?P<b>{_NUM})\s*(?P<bu>万?元)[（(]\s*(?:人民币)?(?:大写)?[：:]?\s*(?P<a>{_CN})(?P<au>万?元)整?\s*[）)]"
)


def _value(num: str, unit: str | None) -> float | None:
    v = to_number(num.replace("点", "."))
    if v is None:
        return None
    return v * 10000 if unit and unit.startswith("万") else v


@register("money.words_digits")
def check_money(ctx: CheckContext) -> Iterator[Hit]:
    for doc in ctx.case.documents:
        text = doc.text
        for rx in (_WORDS_THEN_DIGITS, _DIGITS_THEN_WORDS):
            for m in rx.finditer(text):
                words = _value(m["a"], m["au"])
                digits = _value(m["b"], m["bu"] or m["au"])
                if words is None or digits is None or abs(words - digits) < 0.005:
                    continue
                yield Hit("MONEY.WORDS_DIGITS", [Span(doc.kind, m.start(), m.end())],
                          {"text": m.group(0), "words": f"{words:g}", "digits": f"{digits:g}"})
