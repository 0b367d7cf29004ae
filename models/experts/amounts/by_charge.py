"""Each charge's own part of the facts, for a case of several charges measured in money.

数罪并罚 (刑法第六十九条) punishes each crime on its own: the amount, and so the tier, of a 盗窃 count is the
money stolen, not the case's money as a whole. The experts read amounts from whatever text they get, so each
charge's expert is given the facts without the sentences that tell only of another charge's acts
(``by_charge.yaml``). When a charge has no sentence of its own, or the split leaves nothing to read, the
whole facts are kept: the split never removes a case's only account of its money.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from knowledge.yamlfile import load_yaml

HERE = Path(__file__).parent
_SENTENCE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?\n]?")


@functools.lru_cache(maxsize=1)
def _acts() -> dict[str, re.Pattern[str]]:
    raw = load_yaml(HERE / "by_charge.yaml") or {}
    return {str(k): re.compile(str(v)) for k, v in (raw.get("acts") or {}).items()}


def split_facts(facts: str, charges: list[str]) -> dict[str, str]:
    """``{charge: its text}`` for the charges whose acts the table knows; charges not in the result read
    the whole facts. Empty when fewer than two known charges tell their acts in sentences of their own."""
    from models.experts import clean_charge

    acts = _acts()
    known = [c for c in dict.fromkeys(charges) if clean_charge(c) in acts]
    if len(known) < 2:
        return {}
    sentences = _SENTENCE.findall(facts)
    owners: list[set[str]] = [{c for c in known if acts[clean_charge(c)].search(s)} for s in sentences]
    own = {c: [i for i, o in enumerate(owners) if o == {c}] for c in known}
    if sum(1 for c in known if own[c]) < 2:
        return {}
    out: dict[str, str] = {}
    for c in known:
        if not own[c]:
            continue
        out[c] = "".join(s for s, o in zip(sentences, owners, strict=True) if not o or c in o)
    return out
