"""A charge written on the input as a heading or closing line, as case-management exports carry it:
``罪名：诈骗`` / ``案由：盗窃罪`` / ``涉嫌罪名：盗窃、诈骗``.

Only lines among the first and last few non-empty lines count (a 案由 quoted inside the facts is not
the user's statement of the charge). The lines found are removed from the text the analysis reads,
so the label does not pass for a charge named by the documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.charges.given import parse_charge_list

__all__ = ["GivenCharges", "given_charges_in_text"]

_LINE = re.compile(r"^[ \t\u3000]*[【\[［(（]?(?:涉嫌罪名|指控罪名|罪名|案由)[】\]］)）]?[ \t\u3000]*[：:][ \t\u3000]*(.+?)[ \t\u3000]*$")
_EDGE = 5  # lines at the head and at the tail that may carry the charge


@dataclass
class GivenCharges:
    charges: list[str] = field(default_factory=list)  # official names
    unknown: list[str] = field(default_factory=list)  # items of such a line that are no charge
    text: str = ""  # the text without the lines that named charges


def given_charges_in_text(text: str) -> GivenCharges:
    """The charges of 罪名/案由 lines at the head or tail of ``text`` and the text without them."""
    if "：" not in text and ":" not in text:
        return GivenCharges(text=text)
    lines = text.splitlines(keepends=True)
    nonempty = [i for i, ln in enumerate(lines) if ln.strip()]
    edge = set(nonempty[:_EDGE] + nonempty[-_EDGE:])
    names: list[str] = []
    unknown: list[str] = []
    drop: set[int] = set()
    for i in sorted(edge):
        m = _LINE.match(lines[i].rstrip("\r\n"))
        if not m:
            continue
        n, u = parse_charge_list(m.group(1))
        if n:
            names += n
            unknown += u
            drop.add(i)
    if not drop:
        return GivenCharges(text=text)
    rest = "".join(ln for i, ln in enumerate(lines) if i not in drop)
    return GivenCharges(list(dict.fromkeys(names)), unknown, rest)
