"""Fit the learned charge model on the CAIL train + dev parts and write ``knowledge/gate/learned.npz``.

``python -m models.gate.build`` (a few seconds). The data is the project's copy of the real cases
(knowledge/training/cail.jsonl.gz); the test part is never used.
"""

from __future__ import annotations

import time

from knowledge.gate import LEARNED
from models.gate.model import PRIOR, Learned, Prior


def main() -> None:
    from knowledge.training import load_cail

    Prior.build().save(PRIOR)
    print(f"prior → {PRIOR} ({PRIOR.stat().st_size // 1024} KiB)")
    rows = load_cail("train", "dev")
    t0 = time.perf_counter()
    m = Learned.fit([r["fact"] for r in rows], [r["charges"] for r in rows])
    m.save(LEARNED)
    print(f"fit on {len(rows)} cases, {len(m.classes)} charges, {m.coef.shape[0]} features "
          f"in {time.perf_counter() - t0:.1f}s → {LEARNED} ({LEARNED.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
