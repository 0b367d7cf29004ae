"""Duplicate uploads are one record even when the requests race (unique owner + upload key)."""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from tests.test_server_helpers import sample_texts, server_env  # noqa: E402

# every test here runs on SQLite and on PostgreSQL (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("db_backend")


@pytest.fixture(scope="module")
def env(tmp_path_factory, db_backend):
    return server_env(tmp_path_factory.mktemp("dup"))


def _rows(app, owner: str) -> list[int]:
    from sqlalchemy import select

    from server.db import CheckedCase

    with app.state.Session() as db:
        return list(db.scalars(select(CheckedCase.id).where(CheckedCase.owner == owner)))


def test_a_lost_race_returns_the_stored_record(env, monkeypatch):
    """Both requests looked before either stored (the race): the second insert meets the unique key
    and answers with the first one's record instead of failing or adding a row."""
    from server import services as sv

    app, c, tokens = env
    h = {"Authorization": f"Bearer {tokens['p1']}"}
    texts = {**sample_texts(), "recommendation": None}
    first = c.post("/api/v1/check", json=texts, headers=h).json()
    real = sv.find_duplicate
    calls: list[int] = []

    def blind_first_look(*args, **kwargs):  # the first look of the second request misses the first row
        calls.append(1)
        return None if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(sv, "find_duplicate", blind_first_look)
    again = c.post("/api/v1/check", json=texts, headers=h)
    assert again.status_code == 200, again.text
    assert len(calls) == 2  # looked, met the unique key, looked again
    assert again.json()["duplicate"] is True and again.json()["record_id"] == first["record_id"]
    assert _rows(app, "p1") == [first["record_id"]]


def test_concurrent_identical_uploads_make_one_record(env):
    app, _c, tokens = env
    h = {"Authorization": f"Bearer {tokens['p2']}"}
    texts = sample_texts()
    start = threading.Barrier(6)
    answers: list = []

    def post() -> None:
        client = TestClient(app)
        start.wait()
        answers.append(client.post("/api/v1/check", json=texts, headers=h))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in answers] == [200] * 6, [r.text[:200] for r in answers if r.status_code != 200]
    ids = {r.json()["record_id"] for r in answers}
    assert len(ids) == 1 and _rows(app, "p2") == list(ids)
    assert sorted(r.json()["duplicate"] for r in answers) == [False] + [True] * 5
