"""Similar cases within the legal frame (issue 21): every form of a charge name, exact charge set
before supersets, tier and elements before text, facts without the paperwork, reasons in legal
elements without stopwords, the real judgments and an office's own cases in the store."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import knowledge.cases as kc
import models.similar as ms
from knowledge.cases import CaseRecord, CaseStore, StoreError, load_cases
from knowledge.cases.clean import dropped_by, facts_only
from knowledge.cases.corpus import CASES_FILE, JUDGMENTS_FILE
from knowledge.cases.rank import stopwords
from knowledge.settings import get_settings
from models.cli import app
from models.similar_index import record_from_judgment

DATA = Path(__file__).parent / "data" / "similar_cases.jsonl"


pytestmark = pytest.mark.usefixtures("offline")  # tests/conftest.py: no connection leaves loopback


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    import knowledge.cases.corpus as corpus

    monkeypatch.setattr(corpus, "CASES_FILE", DATA)
    monkeypatch.setattr(corpus, "JUDGMENTS_FILE", tmp_path / "no-judgments.jsonl.gz")
    monkeypatch.setenv("JIANCHA_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    kc.reset()
    yield tmp_path
    kc.reset()
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    return CaseStore.create(tmp_path_factory.mktemp("frame") / "cases", load_cases([DATA]))


# --------------------------------------------------------------------------- charge names


@pytest.mark.parametrize("form", ["盗窃罪", "盗窃", " 盗窃罪 ", "[盗窃]"])
def test_every_form_of_a_name_gives_the_same_cases(data_dir, form):
    q = "被告人窃取被害人手机一部，价值人民币2028元。"
    ref = CliRunner().invoke(app, ["similar", "--json", "--charge", "盗窃", "-"], input=q)
    got = CliRunner().invoke(app, ["similar", "--json", "--charge", form, "-"], input=q)
    assert ref.exit_code == 0 and got.exit_code == 0, got.output
    a, b = json.loads(ref.output), json.loads(got.output)
    assert b["charges_filter"] == ["盗窃"] and b["cases"] and [c["case_id"] for c in a["cases"]] == [c["case_id"] for c in b["cases"]]
    assert all(c["charges"] == ["盗窃"] for c in b["cases"])


@pytest.mark.parametrize("form,official", [
    ("贩卖毒品罪", "走私、贩卖、运输、制造毒品"),  # a part of a selective charge
    ("[走私、贩卖、运输、制造]毒品", "走私、贩卖、运输、制造毒品"),  # CAIL bracket form
    ("醉驾", "危险驾驶"),  # common short name
    ("危险驾驶罪", "危险驾驶"),
])
def test_cli_accepts_other_forms(data_dir, form, official):
    r = CliRunner().invoke(app, ["similar", "--json", "--charge", form, "-"], input="被告人驾驶机动车在道路上行驶。")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["charges_filter"] == [official] and out["cases"]
    assert all(official in c["charges"] for c in out["cases"])


def test_former_name_is_accepted():
    from models.commands.similar import resolve_charges

    # 伪造居民身份证罪 was replaced by 伪造、变造、买卖身份证件罪 (刑法修正案（九）, 补充规定（六）)
    assert resolve_charges(["伪造居民身份证罪"]) == ["伪造、变造、买卖身份证件"]
    assert resolve_charges(["投毒罪"]) == ["投放危险物质"]


def test_unknown_charge_is_exit_2(data_dir):
    r = CliRunner().invoke(app, ["similar", "--json", "--charge", "飞天罪", "-"], input="被告人盗窃手机一部。")
    assert r.exit_code == 2 and "未知罪名：飞天罪" in r.output


# --------------------------------------------------------------------------- legal frame ranking

_BASE = "被告人在某小区地下车库内撬开被害人停放的电动自行车车锁，将该车盗走，后销赃得款。"


def _theft(i: int, yuan: int, extra: list[str] | None = None, text: str = _BASE) -> CaseRecord:
    return CaseRecord(id=f"t{i}", fact=f"{text}经鉴定，被盗车辆价值人民币{yuan}元。", charges=["盗窃", *(extra or [])],
                      term_months=6 if yuan < 30000 else 40)


def test_exact_charge_set_before_superset_and_tier_before_text(tmp_path):
    recs = [
        # supersets whose text is the query's own words: they must still come after every exact match
        _theft(1, 2100, ["抢劫"]), _theft(2, 2200, ["抢劫"]),
        # exact set, same tier (数额较大, 1,000–30,000 元), other words
        _theft(3, 2500, text="被告人趁被害人不备，从其挎包内窃取钱包一个，内有现金。"),
        _theft(4, 1900, text="被告人翻墙进入工地仓库，窃取电缆若干。"),
        # exact set, another tier (数额巨大), the query's words
        _theft(5, 80000), _theft(6, 90000),
    ] + [CaseRecord(id=f"d{i}", fact="被告人醉酒驾驶机动车，血液中乙醇含量为180mg/100ml。", charges=["危险驾驶"],
                    term_months=2) for i in range(4)]
    store = CaseStore.create(tmp_path / "s", recs)
    q = f"{_BASE}经鉴定，被盗车辆价值人民币2028元。"
    hits = store.search(q, k=6, charges=["盗窃罪"])
    ids = [h.case_id for h in hits]
    assert [h.exact for h in hits] == [True, True, True, True, False, False]
    assert set(ids[:2]) == {"t3", "t4"}  # same tier first, although the words differ
    assert set(ids[2:4]) == {"t5", "t6"} and all(h.same_tier is False for h in hits[2:4])
    assert set(ids[4:]) == {"t1", "t2"}
    why = "；".join(hits[0].why)
    assert why.startswith("同为盗窃罪；数额较大（") and "／本案2,028元）" in why
    assert hits[4].why[0] == "均涉盗窃罪（另有抢劫罪）"
    # the suggestion uses only the same charge set and tier: t3, t4 (6 months each), not t5/t6 (40)
    pool = ms.suggestion_pool(hits, ["盗窃"])
    assert {h.case_id for h in pool} == {"t3", "t4"}


def test_suggestion_defers_to_the_guideline_when_too_few(tmp_path):
    recs = [_theft(1, 2100), _theft(2, 2300), _theft(5, 80000), _theft(6, 90000), _theft(7, 95000)]
    store = CaseStore.create(tmp_path / "s", recs)
    s = ms.suggest(f"{_BASE}经鉴定，被盗车辆价值人民币2028元。", charge="盗窃罪", store=store)
    assert s.knn is None  # 2 cases of the same tier, fewer than min_hits (3); the 3 of 数额巨大 are not used
    assert "同罪名同档次类案仅2个（不足3个）" in s.reasoning[0] and "以量刑指导意见测算为准" in s.reasoning[0]


# --------------------------------------------------------------------------- facts, not paperwork


def test_paperwork_is_cut():
    text = ("公诉机关指控：2019年5月3日，被告人李某持木棍击打被害人王某头部，致其轻伤二级。"
            "附带民事诉讼原告人王某要求被告人赔偿医疗费、护理费共计人民币8000元。"
            "上述事实，有被害人陈述、证人证言、鉴定意见等证据证实，足以认定。"
            "公诉机关认为，被告人李某的行为已构成故意伤害罪，提请本院依法判处。")
    out = facts_only(text)
    assert out == "2019年5月3日，被告人李某持木棍击打被害人王某头部，致其轻伤二级。"
    assert dropped_by("附带民事诉讼原告人王某要求赔偿。") == "civil"
    assert dropped_by("上述事实，有证人证言等证据证实。") == "evidence"
    assert dropped_by("现提请本院依法判处。") == "procedure"
    # the circumstances stay readable: procedure kept on request (自首 named in 公诉机关认为…)
    assert "自首" in facts_only("被告人盗窃手机一部。公诉机关认为被告人有自首情节。", keep=("procedure",))


def test_injury_query_not_matched_on_civil_claim(tmp_path):
    civil = "附带民事诉讼原告人要求被告人赔偿医疗费、护理费、误工费、住院伙食补助费、营养费。"
    recs = [CaseRecord(id=f"c{i}", fact=f"被告人驾驶货车倒车时将路边行人撞倒。{civil}", charges=["故意伤害"], term_months=12)
            for i in range(3)]
    recs += [CaseRecord(id=f"k{i}", fact="被告人酒后与被害人发生争执，持菜刀砍伤被害人左臂，经鉴定为轻伤二级。",
                        charges=["故意伤害"], term_months=10) for i in range(3)]
    store = CaseStore.create(tmp_path / "s", recs)
    q = f"被告人与被害人发生争执，持菜刀砍伤被害人右手，经鉴定为轻伤二级。{civil}"
    hits = store.search(q, k=3, charges=["故意伤害"])
    assert {h.case_id for h in hits} == {"k0", "k1", "k2"}
    assert not any(w in "；".join(h.why) for h in hits for w in ("医疗费", "护理费", "原告人", "附带民事"))


# --------------------------------------------------------------------------- reasons


def test_no_reason_contains_a_stopword_over_500_queries(small_store):
    qs = load_cases([CASES_FILE])[:500]  # real facts of the bundled cases, with their charges
    assert len(qs) == 500
    stop = stopwords()
    assert {"或者", "处罚", "具有", "一年", "以下", "清楚", "确实", "达成", "协议", "酒后", "医疗费"} <= stop
    n_kw = 0
    for r in qs:
        for h in small_store.search(r.fact, k=5, charges=r.charges):
            for reason in h.why:
                bad = [s for s in stop if s in reason]
                assert not bad, (r.id, reason, bad)
                n_kw += reason.startswith("共同关键词：")
    assert n_kw > 100  # the keyword reasons were produced (the check is not vacuous)


# --------------------------------------------------------------------------- judgments and an office's cases


def _judgment(case_id: str) -> dict:
    with gzip.open(JUDGMENTS_FILE, "rt", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if d["id"] == case_id:
                return d
    raise KeyError(case_id)


JUDGE = "judge-016900e7-013a-4bdb-b959-c72cad783250"  # （2018）苏0482刑初260号, read by hand


def test_judgment_record_from_the_text():
    text = _judgment(JUDGE)["text"]
    rec = record_from_judgment(text, "x", "刑事判决书")
    assert rec is not None
    assert rec.charges == ["盗窃"] and rec.court == "常州市金坛区人民法院" and rec.date == "2018-05-24"
    assert rec.case_number == "（2018）苏0482刑初260号"
    assert rec.fine_yuan == 5000 and rec.term_months == 0  # 判处罚金人民币五千元, no prison term
    assert "2960元" in rec.fact and rec.text == text


def test_bundled_store_sources_include_the_judgments():
    n_judg = sum(1 for r in load_cases() if r.id.startswith("judge-"))
    assert n_judg == 500  # of 501 real judgments, one names no charge the parser reads


def test_index_add_dir_and_show(data_dir, tmp_path):
    office = tmp_path / "office"
    (office / "2018").mkdir(parents=True)
    (office / "2018" / "冯某盗窃案.txt").write_text(_judgment(JUDGE)["text"], encoding="utf-8")
    (office / "说明.txt").write_text("这是一份说明，不是判决书。" * 5, encoding="utf-8")
    r = CliRunner().invoke(app, ["index", "add", str(office)])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["added"] == 1 and out["judgments"] == 1 and out["count"] == 81  # 80 bundled (fixture) + 1
    assert [s["file"] for s in out["skipped"]] == ["说明.txt"]
    again = json.loads(CliRunner().invoke(app, ["index", "add", str(office)]).output)
    assert again["added"] == 0 and again["count"] == 81
    kc.reset()
    store = kc.get_store()
    cid = next(i for i in store.ids if i.startswith("office-"))
    hits = store.search("被告人乘坐滴滴快车，窃得被害人放在副驾驶座位上的手机1部，价值人民币2960元。", k=3, charges=["盗窃"])
    assert hits[0].case_id == cid and hits[0].court == "常州市金坛区人民法院" and hits[0].date == "2018-05-24"
    shown = json.loads(CliRunner().invoke(app, ["index", "show", cid]).output)
    assert shown["court"] == "常州市金坛区人民法院" and shown["text"].startswith("常州市金坛区人民法院 刑事判决书")
    assert shown["source"] == "本院案例：2018/冯某盗窃案.txt"


def test_index_add_bad_input(data_dir, tmp_path):
    (tmp_path / "empty").mkdir()
    r = CliRunner().invoke(app, ["index", "add", str(tmp_path / "empty")])
    assert r.exit_code == 2 and "没有可加入类案库的刑事判决书" in r.output
    r = CliRunner().invoke(app, ["index", "add", str(tmp_path / "missing")])
    assert r.exit_code == 2 and "文件夹不存在" in r.output
    r = CliRunner().invoke(app, ["index", "show", "no-such-id"])
    assert r.exit_code == 2


def test_old_store_refused_with_rebuild_command(tmp_path):
    path = tmp_path / "old"
    CaseStore.create(path, load_cases([DATA])[:10])
    mf = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    mf["schema"] = 1  # a store built before facts were cleaned and tiers stored
    (path / "manifest.json").write_text(json.dumps(mf), encoding="utf-8")
    with pytest.raises(StoreError, match="jiancha index build --rebuild"):
        CaseStore(path)
