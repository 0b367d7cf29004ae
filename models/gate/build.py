"""Fit the learned charge model on the CAIL train + dev parts and write ``knowledge/gate/learned.npz``.

``python -m models.gate.build`` (a few seconds). The data is the project's copy of the real cases
(knowledge/training/cail.jsonl.gz); the test part is never used.
"""

from __future__ import annotations

import time
from typing import Any

from knowledge.gate import LEARNED
from models.gate.model import PRIOR, Learned, Prior


def training_rows() -> list[dict[str, Any]]:
    """The real cases the gate is fit on: the CAIL train + dev cases and, with ``learned.judgments``
    (knowledge/gate/params.yaml), the judgments' dev part of knowledge/training (their facts with the
    charge names masked as the CAIL facts are; their charges are the verdict's, most of them outside
    CAIL's). The test parts are never read."""
    from knowledge.gate import params
    from knowledge.training import load_cail, load_judgments
    from models.gate.model import mask_charges

    rows = [{"fact": r["fact"], "charges": r["charges"]} for r in load_cail("train", "dev")]
    if params()["learned"].get("judgments"):
        rows += [{"id": r["id"], "fact": mask_charges(r["fact"]), "charges": r["charges"]}
                 for r in load_judgments("dev") if r["charges"]]
    return rows


def main() -> None:
    Prior.build().save(PRIOR)
    print(f"prior → {PRIOR} ({PRIOR.stat().st_size // 1024} KiB)")
    rows = training_rows()
    t0 = time.perf_counter()
    m = Learned.fit([r["fact"] for r in rows], [r["charges"] for r in rows])
    m.save(LEARNED)
    print(f"fit on {len(rows)} cases, {len(m.classes)} charges, {m.coef.shape[0]} features "
          f"in {time.perf_counter() - t0:.1f}s → {LEARNED} ({LEARNED.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
