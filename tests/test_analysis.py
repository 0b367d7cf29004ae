"""专题分析: the per-case facts (models/analysis) on variants of the sample case read by hand, and
each thematic query (server/analysis.py) on a small database whose expected figures are counted
by hand below (the fixture table is the whole input)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.test_server_helpers import SAMPLE, USERS, make_users


def _facts(texts: dict[str, str]) -> dict:
    from models.analysis import case_facts
    from models.documents import parse_text
    from models.pipeline import build_case

    return case_facts(build_case([parse_text(t, source=k, kind=k) for k, t in texts.items()]))


def _sample() -> dict[str, str]:
    names = {"indictment": "起诉书.txt", "recommendation": "量刑建议书.txt", "judgment": "刑事判决书.txt"}
    return {k: (SAMPLE / n).read_text(encoding="utf-8") for k, n in names.items()}


def test_facts_of_the_sample_and_its_variants():
    t = _sample()
    # as shipped: range recommendation 十个月至一年, judged 六个月 → not adopted; same charge; no plea
    f = _facts(t)
    assert (f["rec_fixed"], f["rec_range"], f["rec_range_adopted"]) == (0, 1, 0)
    assert f["charge_mismatch"] == 0 and f["plea"] == 0 and f["charge"] == "盗窃"
    rec = "有期徒刑十个月至一年"
    assert rec in t["recommendation"]
    # fixed-term 六个月 = the judgment's: adopted
    f = _facts({**t, "recommendation": t["recommendation"].replace(rec, "有期徒刑六个月")})
    assert (f["rec_fixed"], f["rec_fixed_adopted"], f["rec_range"]) == (1, 1, 0)
    # fixed-term 八个月: the court adjusted it
    f = _facts({**t, "recommendation": t["recommendation"].replace(rec, "有期徒刑八个月")})
    assert (f["rec_fixed"], f["rec_fixed_adopted"]) == (1, 0)
    # a range that holds 六个月: adopted
    f = _facts({**t, "recommendation": t["recommendation"].replace(rec, "有期徒刑六个月至八个月")})
    assert (f["rec_range"], f["rec_range_adopted"]) == (1, 1)
    # the judgment's stance with 认罪认罚
    j = t["judgment"].replace("自愿认罪，可以酌情从轻处罚。", "自愿认罪认罚，签署具结书，可以从宽处理。")
    assert j != t["judgment"]
    assert _facts({**t, "judgment": j})["plea"] == 1
    # no indictment: 诉判不一 cannot be told
    assert _facts({k: v for k, v in t.items() if k != "indictment"})["charge_mismatch"] is None


# ---------------------------------------------------------------------------- the queries

# web cases: owner, charge, court, month, rec_fixed, rec_fixed_adopted, rec_range, rec_range_adopted,
# charge_mismatch, plea, returns, extensions, handler, findings [(rule, severity)]
WEB = [
    ("p1", "盗窃", "甲法院", "2024-01", 1, 1, 0, 0, 0, 1, 0, 0, "张检", [("TL.RETURN_OVER", "warning"), ("SENT.X", "error")]),
    ("p1", "盗窃", "甲法院", "2024-01", 2, 1, 1, 1, 1, 0, 1, 1, "张检", [("TL.RETURN_OVER", "warning")]),
    ("p2", "诈骗", "乙法院", "2024-02", 0, 0, 1, 0, None, 1, 2, 0, "李检", [("PROC.DEADLINE", "error"),
                                                                           ("TL.RETURN_OVER", "info")]),
    ("p3", "诈骗", "乙法院", "2024-02", 1, 0, 0, 0, 1, 1, 3, 1, None, [("MEAS.X", "warning")]),
]
# one batch of the admin's department with two cases
BATCH = [
    ("盗窃", "乙法院", "2024-03", 1, 1, 0, 0, 0, 0, 1, 0, "王检", [("TL.RETURN_OVER", "error")]),
    ("危险驾驶", "甲法院", "2024-03", 0, 0, 0, 0, 0, 1, 0, 0, None, []),
]


pytestmark = pytest.mark.usefixtures("db_backend")


@pytest.fixture(scope="module")
def env(tmp_path_factory, db_backend):
    from knowledge.settings import Settings
    from models.batch import store as bs
    from server.app import create_app
    from server.db import CaseFacts, CaseFinding, CheckedCase, ProcessNotice, utcnow

    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("analysis")), start_worker=False, warm=False)
    make_users(app)
    bs.metadata.create_all(app.state.engine)
    with app.state.Session() as db:
        for owner, charge, court, month, rf, rfa, rr, rra, mm, plea, ret, ext, handler, finds in WEB:
            row = CheckedCase(case_id=f"{owner}-{charge}", owner=owner, department=USERS[owner][1], charge=charge,
                              court=court, month=month, documents={}, report={})
            db.add(row)
            db.flush()
            db.add(CaseFacts(case_pk=row.id, charge=charge, court=court, month=month, handler=handler, rec_fixed=rf,
                             rec_fixed_adopted=rfa, rec_range=rr, rec_range_adopted=rra, charge_mismatch=mm,
                             plea=plea, returns=ret, extensions=ext, events=0, conflicts=0))
            for i, (rule, sev) in enumerate(finds):
                db.add(CaseFinding(case_pk=row.id, idx=i, rule_id=rule, severity=sev))
        db.commit()
        conn = db.connection()
        conn.execute(bs.batches.insert().values(id="b1", name="批", owner="admin", department="案件管理部",
                                                origin="web", source="/x", state="done", total=2,
                                                created_at=utcnow()))
        for seq, (charge, court, month, rf, rfa, rr, rra, mm, plea, ret, ext, handler, finds) in enumerate(BATCH):
            item = conn.execute(bs.items.insert().values(batch_id="b1", seq=seq, source=f"c{seq}", name=f"c{seq}",
                                                         status="done", case_id=f"b-{seq}",
                                                         result=json.dumps({"findings": []}))).inserted_primary_key[0]
            conn.execute(bs.facts.insert().values(item_id=item, batch_id="b1", charge=charge, court=court, month=month,
                                                  handler=handler, rec_fixed=rf, rec_fixed_adopted=rfa, rec_range=rr,
                                                  rec_range_adopted=rra, charge_mismatch=mm, plea=plea, returns=ret,
                                                  extensions=ext, events=0, conflicts=0))
            for rule, sev in finds:
                conn.execute(bs.findings.insert().values(item_id=item, batch_id="b1", rule_id=rule, severity=sev,
                                                         message=""))
        # notices: dept 一 January: 3 issued (1 closed, 1 replied, 1 open and past its deadline);
        # dept 二 February: 1 open, not yet due (today is 2024-02-20 in the test)
        for i, (dept, issued, state, deadline) in enumerate([
            ("第一检察部", dt.datetime(2024, 1, 5), "closed", dt.date(2024, 1, 15)),
            ("第一检察部", dt.datetime(2024, 1, 6), "replied", dt.date(2024, 1, 16)),
            ("第一检察部", dt.datetime(2024, 1, 7), "issued", dt.date(2024, 1, 17)),
            ("第二检察部", dt.datetime(2024, 2, 15), "issued", dt.date(2024, 2, 25)),
        ]):
            db.add(ProcessNotice(number=f"N{i}", source_key=f"k{i}", finding_idx=0, rule_id="TL.X", case_number="",
                                 handler="", handler_user="p1" if dept == "第一检察部" else "p3", department=dept,
                                 deadline=deadline, state=state, issued_at=issued, issued_by="admin"))
        db.commit()
    return app


def _user(app, name):
    from sqlalchemy import select

    from server.db import User

    with app.state.Session() as db:
        return db.scalars(select(User).where(User.username == name)).one()


def _table(out):
    return {r[0]: r[1:] for r in out["rows"]}


def test_sentencing_adoption(env):
    from server import analysis

    with env.state.Session() as db:
        out = analysis.compute(db, _user(env, "admin"), "sentencing", {})
    # 甲法院: fixed 1+2 (+0 batch) = 3, adopted 1+1 = 2; range 0+1 = 1, adopted 1
    # 乙法院: fixed 0+1 (+1 batch) = 2, adopted 0 (+1) = 1; range 1, adopted 0
    t = _table(out)
    assert t["甲法院"] == [3, 2, 1, 66.7, 1, 1, 100.0]
    assert t["乙法院"] == [2, 1, 1, 50.0, 1, 0, 0.0]
    assert out["total"] == ["合计", 5, 3, 2, 60.0, 2, 1, 50.0]
    # a prosecutor sees only his own cases: p1's two
    with env.state.Session() as db:
        out = analysis.compute(db, _user(env, "p1"), "sentencing", {})
    assert out["total"] == ["合计", 3, 2, 1, 66.7, 1, 1, 100.0] and out["n_cases"] == 2
    # the court filter
    with env.state.Session() as db:
        out = analysis.compute(db, _user(env, "admin"), "sentencing", {"court": "乙法院"})
    assert list(_table(out)) == ["乙法院"] and out["n_cases"] == 3


def test_mismatch_by_charge(env):
    from server import analysis

    with env.state.Session() as db:
        out = analysis.compute(db, _user(env, "admin"), "mismatch", {})
    # 盗窃: web 0,1 + batch 0 → 3 with both documents, 1 differs; 诈骗: None, 1 → 1 of 1; 危险驾驶: 0 of 1
    t = _table(out)
    assert t == {"诈骗": [1, 1, 100.0], "盗窃": [3, 1, 33.3], "危险驾驶": [1, 0, 0.0]}
    assert out["total"] == ["合计", 5, 2, 40.0]


def test_plea_share(env):
    from server import analysis

    with env.state.Session() as db:
        out = analysis.compute(db, _user(env, "admin"), "plea", {})
    # 盗窃: 1,0,0 → 1 of 3; 诈骗: 1,1 → 2 of 2; 危险驾驶: 1 of 1
    assert _table(out) == {"盗窃": [3, 1, 33.3], "诈骗": [2, 2, 100.0], "危险驾驶": [1, 1, 100.0]}
    assert out["total"] == ["合计", 6, 4, 66.7]
    with env.state.Session() as db:  # the department filter: 第一检察部 = p1's two cases and p2's one
        out = analysis.compute(db, _user(env, "admin"), "plea", {"department": "第一检察部"})
    assert out["total"] == ["合计", 3, 2, 66.7]


def test_returns_and_extensions(env):
    from server import analysis

    with env.state.Session() as db:
        out = analysis.compute(db, _user(env, "admin"), "returns", {})
    # 2024-01: returns 0,1; ext 0,1 · 2024-02: returns 2,3; ext 0,1 · 2024-03: returns 1,0; ext 0,0
    assert _table(out) == {"2024-01": [2, 1, 0, 0, 50.0, 1, 50.0], "2024-02": [2, 0, 1, 1, 100.0, 1, 50.0],
                           "2024-03": [2, 1, 0, 0, 50.0, 0, 0.0]}
    assert out["total"] == ["合计", 6, 2, 1, 1, 66.7, 2, 33.3]


def test_deadline_warnings_by_rule_and_handler(env):
    from server import analysis

    with env.state.Session() as db:
        out = analysis.compute(db, _user(env, "admin"), "deadlines", {})
    # TL./PROC./MEAS. errors and warnings only (SENT.X is not a deadline rule; the info is not counted)
    t = {k.rsplit("（", 1)[1].rstrip("）"): v for k, v in _table(out).items()}
    assert t == {"TL.RETURN_OVER": [1, 2, 3], "PROC.DEADLINE": [1, 0, 1], "MEAS.X": [0, 1, 1]}
    assert out["total"] == ["合计", 2, 3, 5]
    assert {r[0]: r[1:] for r in out["second"]["rows"]} == {
        "张检": [0, 2], "李检": [1, 0], "王检": [1, 0], "（未识别）": [0, 1]}


def test_notices_issued_closed_overdue(env):
    from server import analysis

    with env.state.Session() as db:
        out = analysis.notices(db, _user(env, "admin"), {}, today=dt.date(2024, 2, 20))
    assert _table(out) == {"第一检察部": ["2024-01", 3, 2, 1, 1, 33.3], "第二检察部": ["2024-02", 1, 0, 0, 0, 0.0]}
    assert out["total"] == ["合计", "", 4, 2, 1, 1, 25.0]
    with env.state.Session() as db:  # the head of 第二检察部 sees his department's only
        out = analysis.notices(db, _user(env, "h2"), {}, today=dt.date(2024, 2, 26))
    assert out["total"] == ["合计", "", 1, 0, 0, 1, 0.0]


def test_pages_render(env):
    from fastapi.testclient import TestClient

    from tests.test_server_helpers import login

    c = TestClient(env)
    login(c, "admin")
    assert "确定刑量刑建议采纳与调整" in c.get("/analysis").text
    for key in ("sentencing", "mismatch", "plea", "returns", "deadlines", "notices"):
        r = c.get(f"/analysis/{key}?court=")
        assert r.status_code == 200 and 'id="analysis-table"' in r.text and "暂无数据" not in r.text, key
    r = c.get("/analysis/sentencing?court=甲法院")
    assert "乙法院" not in r.text.split('id="analysis-table"')[1]
    assert c.get("/analysis/nope").status_code == 404
    assert "cdn" not in c.get("/analysis/plea").text.lower()
