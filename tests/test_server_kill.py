"""The real web server (`jiancha serve`) killed with SIGKILL during a batch submitted through the API;
the restarted server resumes it: every case exactly once, results equal to an uninterrupted run.
Small version of `python -m eval server-kill` (eval/tasks/server_kill.py, same code)."""

from __future__ import annotations

from pathlib import Path

from eval.tasks import server_kill as sk


def test_server_sigkill_mid_batch_restart_resumes(tmp_path: Path) -> None:
    n = 24
    res = sk.scenario(tmp_path, n, workers=1, kill_at=0.4, timeout=120, log=lambda m: None)
    # the server was really killed mid-batch, leaving the batch running with cases pending
    assert 0 < res["recorded_at_kill"] < n, res
    assert res["state_at_kill"] == "running"
    assert res["group_gone"]  # uvicorn, forkserver and pool workers all gone
    assert res["recorded_after_restart"] > 0
    # the restarted server finished it: every case once, none lost, none pending, none re-run
    assert res["api_status"] == {"state": "done", "total": n, "done": n, "failed": 0, "pending": 0}
    assert res["state"] == "done" and res["status"] == {"done": n}
    assert res["items"] == res["distinct_items"] == res["api_results"] == n
    assert res["duplicates"] == 0 and res["lost"] == 0 and res["unexpected"] == 0
    assert res["recorded_before_kill_changed_after_restart"] == 0
    assert res["finding_rows"] == res["findings_in_results"] and res["items_with_wrong_finding_rows"] == 0
    # and the results are those of an uninterrupted run
    assert res["results_differing_from_reference"] == 0, res["differing_sources"]
    assert res["db_results_differing_from_reference"] == 0
    assert res["ok"]

