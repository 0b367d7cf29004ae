"""The legal frame of a case for the similar-case store: per charge, the crime expert's tier
(数额较大 / 轻伤 / 醉驾 …) and its legal quantity (amount, grams, BAC …). Installed into
``knowledge.cases`` (which imports nothing from ``models``) on import of ``models.similar``."""

from __future__ import annotations

from typing import Any

from knowledge.cases.rank import set_framer

VERSION = "experts-1"


def legal_frame(facts: str, charges: list[str]) -> dict[str, dict[str, Any]]:
    from models.experts import for_charge, registry

    tiers: dict[str, str] = {}
    qty: dict[str, list[Any]] = {}
    for c in dict.fromkeys(charges):
        e = for_charge(c) or registry()["generic"]
        try:
            a = e.assess(facts)
        except Exception:  # noqa: BLE001 - an expert failing on odd facts leaves the tier unknown
            continue
        tiers[c] = a.tier
        if a.quantity is not None and a.quantity > 0:
            qty[c] = [float(a.quantity), a.unit or ""]
    out: dict[str, dict[str, Any]] = {"t": tiers}
    if qty:
        out["q"] = qty
    return out


def install() -> None:
    set_framer(legal_frame, VERSION)
