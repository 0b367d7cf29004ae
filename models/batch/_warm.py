"""Imported by the forkserver that starts the batch pool processes: loads the pipeline and fills
its caches once (one check of the bundled sample case), so each forked worker starts warm."""

from __future__ import annotations

from pathlib import Path


def warm() -> None:
    try:
        from models.pipeline import check_paths

        sample = Path(__file__).resolve().parents[2] / "knowledge" / "samples" / "case-001"
        if sample.is_dir():
            check_paths([sample])
        else:  # pragma: no cover - installed without the samples
            import models.pipeline  # noqa: F401
    except Exception:  # noqa: BLE001 - warming is an optimisation only
        pass


warm()
