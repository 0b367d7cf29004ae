"""Case search (案号, 被告人, 罪名, grade, date) and duplicate upload detection."""

from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from tests.test_server_helpers import SAMPLE, login, sample_texts, server_env  # noqa: E402

# every test here runs on SQLite and on PostgreSQL (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("db_backend")


@pytest.fixture(scope="module")
def env(tmp_path_factory, db_backend):
    return server_env(tmp_path_factory.mktemp("search"))


def test_duplicate_upload_reuses_the_record(env):
    _app, c, tokens = env
    h = {"Authorization": f"Bearer {tokens['p1']}"}
    first = c.post("/api/v1/check", json=sample_texts(), headers=h).json()
    again = c.post("/api/v1/check", json=sample_texts(), headers=h).json()
    assert first["duplicate"] is False and again["duplicate"] is True
    assert again["record_id"] == first["record_id"]
    assert c.get("/api/v1/cases", headers=h).json()["total"] == 1
    changed = {**sample_texts(), "recommendation": None}  # different documents: a new record
    third = c.post("/api/v1/check", json=changed, headers=h).json()
    assert third["duplicate"] is False and third["record_id"] != first["record_id"]
    other = c.post("/api/v1/check", json=sample_texts(), headers={"Authorization": f"Bearer {tokens['p2']}"}).json()
    assert other["duplicate"] is False  # another person's upload is their own record


def test_search(env):
    _app, _c, _t = env
    c = TestClient(_app)
    login(c, "p1")
    defendant = "魏建军"
    assert defendant in (SAMPLE / "起诉书.txt").read_text(encoding="utf-8")
    page = c.get("/cases", params={"q": defendant}).text
    assert "（2014）西刑初字第10号" in page and "共 2 件" in page
    assert "共 0 件" in c.get("/cases", params={"q": "查无此人"}).text
    assert "共 2 件" in c.get("/cases", params={"q": "西刑初字第10号"}).text
    today = (dt.datetime.utcnow() + dt.timedelta(hours=8)).date()
    assert "共 2 件" in c.get("/cases", params={"date_from": today.isoformat(), "date_to": today.isoformat()}).text
    assert "共 0 件" in c.get("/cases", params={"date_to": (today - dt.timedelta(days=2)).isoformat()}).text
    r = c.get("/cases", params={"date_from": "2024-13-45"})
    assert r.status_code == 400 and "日期格式" in r.text
