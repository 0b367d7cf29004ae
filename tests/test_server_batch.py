"""Web app ↔ batch engine: create from an uploaded zip or (案管) a server folder, progress,
results, export, cancel, and who may see which batch."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.test_server_helpers import SAMPLE, batch_zip, login, make_users


def _auth(tok: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tok}"}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    from knowledge.settings import Settings
    from server.app import create_app

    d = tmp_path_factory.mktemp("webbatch")
    app = create_app(Settings(data_dir=d))
    tokens = make_users(app)
    with TestClient(app) as client:
        yield app, client, tokens, d


def test_zip_batch_runs_to_done(env):
    app, client, tokens, _d = env
    r = client.post("/api/v1/batches", files={"file": ("评查.zip", batch_zip(3), "application/zip")},
                    data={"name": "第一批"}, headers=_auth(tokens["p1"]))
    assert r.status_code == 200, r.text
    bid = r.json()["id"]
    st = app.state.worker.wait(bid, timeout=120)
    assert st["state"] == "done" and st["total"] == 3 and st["done"] == 3
    s = client.get(f"/api/v1/batches/{bid}", headers=_auth(tokens["p1"])).json()
    assert s["name"] == "第一批" and sum(s["grades"].values()) == 3
    res = client.get(f"/api/v1/batches/{bid}/results", headers=_auth(tokens["p1"])).json()
    assert len(res) == 3 and all(x["grade"] for x in res)
    x = client.get(f"/api/v1/batches/{bid}/export?fmt=xlsx", headers=_auth(tokens["p1"]))
    assert x.status_code == 200 and x.content[:2] == b"PK"
    h = client.get(f"/api/v1/batches/{bid}/export?fmt=html", headers=_auth(tokens["p1"]))
    assert h.status_code == 200 and "<html" in h.text.lower()
    assert client.get(f"/api/v1/batches/{bid}/export?fmt=exe", headers=_auth(tokens["p1"])).status_code == 422
    # visibility: same department head yes; other prosecutor / other head no; admin yes
    for who, code in (("h1", 200), ("admin", 200), ("p2", 404), ("p3", 404), ("h2", 404)):
        assert client.get(f"/api/v1/batches/{bid}", headers=_auth(tokens[who])).status_code == code, who
        assert client.get(f"/api/v1/batches/{bid}/results", headers=_auth(tokens[who])).status_code == code, who
    ids = {b["id"] for b in client.get("/api/v1/batches", headers=_auth(tokens["p3"])).json()}
    assert bid not in ids
    assert bid in {b["id"] for b in client.get("/api/v1/batches", headers=_auth(tokens["h1"])).json()}
    # only the owner or 案管 may cancel
    assert client.post(f"/api/v1/batches/{bid}/cancel", headers=_auth(tokens["h1"])).status_code == 403


def test_folder_batch_only_for_admin(env):
    app, client, tokens, d = env
    r = client.post("/api/v1/batches", json={"folder": str(SAMPLE.parent)}, headers=_auth(tokens["p1"]))
    assert r.status_code == 403 and "案管" in r.json()["detail"]
    r = client.post("/api/v1/batches", json={"folder": "/no/such/dir"}, headers=_auth(tokens["admin"]))
    assert r.status_code == 400 and "没有这个文件夹" in r.json()["detail"]
    r = client.post("/api/v1/batches", json={"folder": str(SAMPLE.parent), "name": "样例"},
                    headers=_auth(tokens["admin"]))
    assert r.status_code == 200, r.text
    st = app.state.worker.wait(r.json()["id"], timeout=120)
    assert st["state"] == "done" and st["total"] >= 1


def test_bad_batch_uploads(env):
    _app, client, tokens, _d = env
    r = client.post("/api/v1/batches", files={"file": ("a.txt", b"abc", "text/plain")}, headers=_auth(tokens["p1"]))
    assert r.status_code == 415
    r = client.post("/api/v1/batches", files={"file": ("a.zip", b"PK\x03\x04junk", "application/zip")},
                    headers=_auth(tokens["p1"]))
    assert r.status_code == 400
    assert client.get("/api/v1/batches/nope", headers=_auth(tokens["p1"])).status_code == 404


def test_batch_pages(env):
    _app, client, _t, _d = env
    c = TestClient(client.app)
    tok = login(c, "p1")
    r = c.post("/batches", files={"file": ("页面.zip", batch_zip(2), "application/zip")},
               data={"csrf_token": tok, "name": "页面批次"}, follow_redirects=False)
    assert r.status_code == 303
    page = c.get(r.headers["location"])
    assert page.status_code == 200 and "页面批次" in page.text and 'id="b-progress"' in page.text
    assert "页面批次" in c.get("/batches").text


def test_batch_cases_on_dashboard_and_drilldown(env):
    app, client, tokens, _d = env
    r = client.post("/api/v1/batches", files={"file": ("看板.zip", batch_zip(2), "application/zip")},
                    headers=_auth(tokens["p3"]))
    bid = r.json()["id"]
    assert app.state.worker.wait(bid, timeout=120)["state"] == "done"
    st = client.get("/api/v1/stats", headers=_auth(tokens["p3"])).json()
    assert st["batch_cases"] == 2 and st["checked_cases"] == 0
    assert dict(st["by_rule"])["SENT.TERM_DATES"] == 2
    admin = client.get("/api/v1/stats", headers=_auth(tokens["admin"])).json()
    assert admin["batch_cases"] > st["batch_cases"]
    c = TestClient(client.app)
    login(c, "p3")
    lst = c.get("/cases?rule=SENT.TERM_DATES")
    assert f"/batches/{bid}/cases/0" in lst.text and "批量评查中的案件" in lst.text
    page = c.get(f"/batches/{bid}/cases/0")
    assert page.status_code == 200 and "2013年8月5日</mark>" in page.text and "只读" in page.text
    assert f"/batches/{bid}/cases/1" in c.get(f"/batches/{bid}").text
    other = TestClient(client.app)
    login(other, "p1")
    assert other.get(f"/batches/{bid}/cases/0").status_code == 404
    assert f"/batches/{bid}/cases/0" not in other.get("/cases?rule=SENT.TERM_DATES").text
    head = TestClient(client.app)
    login(head, "h2")
    assert head.get(f"/batches/{bid}/cases/1").status_code == 200
