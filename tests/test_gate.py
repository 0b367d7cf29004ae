"""The MoE gate: explicit charge names dominate, the classifier routes bare facts, the statute
prior finds charges with no training case, the runtime TF-IDF matches what was saved."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import pytest

from models.gate import experts_for, route, route_many
from models.gate.model import PRIOR, CharTfidf, Prior, blend, mask_charges, zuizhuang

DUI = "2019年5月1日22时许，被告人李某酒后驾驶小型轿车在道路上行驶，被民警查获，经鉴定其血液中乙醇含量为156mg/100ml。"
THEFT = "2017年8月4日凌晨，被告人冯某乘坐被害人陈某驾驶的滴滴快车，采用乘隙手段，窃得被害人陈某放在副驾驶座位上的苹果6S手机1部，价值人民币2960元。"
DRUGS = "2016年3月，被告人王某在某小区门口以300元的价格向吸毒人员刘某贩卖甲基苯丙胺（冰毒）1小包，净重0.5克。"
CYBER = ("被告人张某明知他人利用信息网络实施犯罪，仍将其办理的银行卡四张及U盾出售给他人，"
         "被用于电信网络诈骗的支付结算，经查资金流水达100万元，非法获利3000元。")


def test_explicit_charges_dominate() -> None:
    g = route(DUI, ["盗窃"])
    assert g.explicit and g.charges == [("盗窃", 1.0)] and g.expert == "theft"


@pytest.mark.parametrize(("text", "expert"), [(DUI, "dui"), (THEFT, "theft"), (DRUGS, "drugs")])
def test_classifier_routes_bare_facts(text: str, expert: str) -> None:
    g = route(text)
    assert not g.explicit
    assert g.expert == expert


def test_prior_finds_charge_without_training_cases() -> None:
    # 帮助信息网络犯罪活动 has no CAIL case: only the statute prior (罪状 + cues) knows it
    assert "帮助信息网络犯罪活动" not in (blend().learned.classes if blend().learned else [])
    g = route(CYBER)
    assert g.charges[0][0] == "帮助信息网络犯罪活动"
    assert g.expert == "cyber_aid"


def test_generic_still_predicts_a_charge() -> None:
    g = route("被告人赵某未取得采伐许可证，在其承包的林地内砍伐杉树120株，经鉴定立木蓄积18.6立方米。")
    assert g.expert == "generic"
    assert g.charges[0][0] in ("滥伐林木", "盗伐林木")


def test_multi_charge_fires_several_experts() -> None:
    g = route(DUI, ["危险驾驶", "盗窃"])
    assert [e for e, _ in g.experts] == ["dui", "theft"]
    assert experts_for([("合同诈骗", 0.4), ("诈骗", 0.6)])[0] == ("fraud", 0.6)


def test_route_many_keeps_order() -> None:
    res = route_many([DUI, THEFT, DRUGS], [[], ["故意伤害"], []])
    assert [r.expert for r in res] == ["dui", "injury", "drugs"]


def test_mask_and_zuizhuang() -> None:
    assert mask_charges("应当以盗窃罪追究其刑事责任") == "应当以××罪追究其刑事责任"
    z = zuizhuang("帮助信息网络犯罪活动")
    assert "支付结算" in z and "有期徒刑" not in z


def test_statute_definitions_join_the_zuizhuang() -> None:
    """刑法第357条: "本法所称的毒品，是指鸦片、海洛因、甲基苯丙胺（冰毒）、吗啡、大麻、可卡因以及…"; 第367条
    defines 淫秽物品. A 罪状 using the term reads the definition (prior.definitions); one that does not, does not."""
    from knowledge.gate import params
    from models.gate.model import statute_definitions

    d = statute_definitions()
    assert d["毒品"].startswith("鸦片、海洛因、甲基苯丙胺（冰毒）、吗啡、大麻、可卡因")
    assert "诲淫性的书刊" in d["淫秽物品"]
    assert "使人肢体残废或者毁人容貌" in d["重伤"]  # 第95条 with its items
    assert params()["prior"]["definitions"] is True
    assert "甲基苯丙胺" in zuizhuang("走私、贩卖、运输、制造毒品")  # 第347条 names no drug itself
    assert "甲基苯丙胺" not in zuizhuang("盗窃")


def test_char_tfidf_matches_scikit_learn() -> None:
    import sklearn.feature_extraction.text as sk
    docs = ["被告人窃得手机一部", "被告人醉酒驾驶机动车", "窃得现金  500元"]
    ref = sk.TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True).fit(docs)
    mine = CharTfidf.fit(docs, (1, 2))
    assert mine.vocab == ref.vocabulary_
    np.testing.assert_allclose(mine.transform(docs).toarray(), ref.transform(docs).toarray(), rtol=1e-5)


def test_char_tfidf_batch_borders_and_odd_text() -> None:
    """The batched transform counts no gram across two texts, and empty, NUL, lone-surrogate and
    astral-plane texts are rows like any other (reference: scikit-learn on each text alone)."""
    import sklearn.feature_extraction.text as sk
    docs = ["窃得手机", "手机窃得", "机窃", "𠀀窃得𠀀", "ab"]
    ref = sk.TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True).fit(docs)
    mine = CharTfidf.fit(docs, (1, 3))
    odd = ["", "得手", "\ud800机窃", "手" * 5000, "a\0b"]
    batch = mine.transform(docs + odd).toarray()
    one = np.vstack([ref.transform([d]).toarray() for d in docs + ["", "得手", "机窃", "手" * 5000, "a\0b"]])
    np.testing.assert_allclose(batch, one, rtol=1e-5, atol=1e-7)


def test_saved_prior_is_current() -> None:
    """knowledge/gate/prior.npz must be rebuilt (python -m models.gate.build) after editing cues.yaml."""
    saved, fresh = Prior.load(PRIOR), Prior.build()
    assert saved.charges == fresh.charges
    assert saved.vec.vocab == fresh.vec.vocab
    assert abs(saved.docs.to_scipy() - fresh.docs.to_scipy()).max() < 1e-5
    assert (saved.docs_bin is None) == (fresh.docs_bin is None)
    if fresh.docs_bin is not None:
        assert abs(saved.docs_bin.to_scipy() - fresh.docs_bin.to_scipy()).max() < 1e-5
        np.testing.assert_allclose(saved.bias, fresh.bias, rtol=1e-5, atol=1e-6)


def test_relevance_precombined_equals_feature_sum() -> None:
    """The relevance model's run-time form (two sparse products and a bias) gives the same logit as
    its features standardised and weighed one by one (models/gate/relevance.py)."""
    import scipy.sparse as sp

    from models.gate import relevance

    rng = np.random.default_rng(0)

    def rows(n: int, density: float) -> sp.csr_matrix:
        M = sp.random(n, 30, density=density, random_state=rng, format="csr", dtype=np.float32)
        n_ = np.sqrt(np.asarray(M.multiply(M).sum(axis=1)).ravel())
        n_[n_ == 0] = 1
        return sp.csr_matrix(M.multiply(1 / n_[:, None]), dtype=np.float32)

    whole = rows(5, 0.4)
    parts = [rows(5, 0.2), rows(5, 0.2), rows(5, 0.1)]
    idf = rng.uniform(1, 5, 30).astype(np.float32)
    mats, grams = relevance.feature_matrices(whole, parts, idf)
    X = rows(4, 0.3)
    F = relevance.features(X, mats, grams)
    assert F.shape == (4, 5, len(relevance.FEATURES))
    model = {"w": rng.normal(size=F.shape[2]), "mu": rng.normal(size=F.shape[2]), "sd": rng.uniform(0.5, 2, F.shape[2])}
    want = ((F - model["mu"]) / model["sd"]) @ model["w"] / 100.0
    Wx, Wb, bias = relevance.combine(mats, grams, model, 100.0)
    B = X.copy()
    B.data[:] = 1
    got = np.asarray((X @ Wx.T).todense()) + np.asarray((B @ Wb.T).todense()) + bias
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    # the coverage feature by hand: fact 0 holds these grams of document 0's name part
    held = set(X[0].indices) & set(parts[0][0].indices)
    cov = sum(idf[j] for j in held) / max(1e-9, sum(idf[j] for j in parts[0][0].indices))
    assert abs(F[0, 0, relevance.FEATURES.index("cov_name")] - cov) < 1e-5



def test_relevance_precision_counts_words_not_characters() -> None:
    """With ``precision_grams`` (prior.relevance.precision_min_gram 2) the precision feature is the
    fact's tf-idf weight on the document's grams of two characters: a document whose characters cover
    the fact (出 转 账 of 帮助信息网络犯罪活动's cue words) but which shares one word (转账) gets that
    word's weight alone."""
    from models.gate import relevance
    from models.gate.model import CharTfidf

    docs = ["银行卡出租出售转账取现", "骗取他人财物"]
    vec = CharTfidf.fit(docs, (1, 2))
    whole = vec.transform(docs)
    parts = [whole, whole, whole]
    fact = "被告人谎称出车祸借款后转账"
    X = vec.transform([fact])
    words = np.array([len(t) >= 2 for t in vec.terms])
    F_all = relevance.features(X, *relevance.feature_matrices(whole, parts, vec.idf))
    F_bi = relevance.features(X, *relevance.feature_matrices(whole, parts, vec.idf, words))
    k = relevance.FEATURES.index("prec_all")
    row = dict(zip((vec.terms[j] for j in X.indices), X.data, strict=True))
    assert F_bi[0, 0, k] == pytest.approx(row["转账"], abs=1e-6)  # the one shared word
    # over characters too: 出, 转, 账 (and 转账) of the fact are all in document 0
    assert F_all[0, 0, k] == pytest.approx(row["转账"] + row["出"] + row["转"] + row["账"], abs=1e-6)
    assert F_bi[0, 1, k] == 0.0  # no word of 骗取他人财物 in the fact


# a real drug sale (the judgments' dev part, names shortened): sold through 微信 / 支付宝, no help to
# anyone's network crime. Issue 15 fourth round's prior sent it to 帮助信息网络犯罪活动 (no case, the
# largest cue list), whose precision over single characters held most of the fact.
DRUG_SALE_APP = ("公诉机关指控，2019年1月8日9时许，被告人苏某通过手机微信得知王某欲购买毒品，遂联系一外号叫“眼镜”的"
                 "男子（以下简称“眼镜”）向其拿取毒品，随后被告人苏某至本区武湖农场东方城附近一家尚客优宾馆三楼楼梯口"
                 "与“眼镜”见面，将“眼镜”的支付宝收款二维码通过手机微信发送给王某，并从其手中拿到毒品，后王某以支付宝"
                 "扫码的方式付款人民币300元。")


def test_no_case_charge_does_not_take_a_drug_sale_paid_by_app() -> None:
    g = route(DRUG_SALE_APP)
    assert g.expert == "drugs"
    assert g.charges[0][0] == "走私、贩卖、运输、制造毒品"

# a fraud fact with a car, dates and amounts but no driving (written for this test)
CAR_FRAUD = ("2013年11月8日晚上，景某以有事用车为由将曹某某的轿车借走，次日将车抵押并将抵押款20000元"
             "归还欠款，经鉴定该车价值20189元。")


def test_prior_ignores_digits() -> None:
    """The prior reads Chinese only: "100毫升" in 危险驾驶's cue words no longer matches every date."""
    from models.gate.model import prior_text

    assert prior_text("2013年11月8日，比某F3轿车（价值20189元）") == " 年 月 日 比某 轿车 价值 元 "
    p = blend().prior
    r = p.scores([CAR_FRAUD])[0]
    assert p.charges[int(np.argmax(r))] != "危险驾驶"


def test_car_fraud_not_routed_to_dui() -> None:
    assert route(CAR_FRAUD).expert != "dui"
    assert route("2018年3月5日，被告人刘某以做生意急需用车为由，向被害人孙某借得轿车一辆，后将该车以30000元"
                 "抵押给他人，所得款项用于偿还个人债务，案发后无法追回。经鉴定，该车价值人民币52000元。").expert == "fraud"


def test_seen_weight_moves_prior_mass_to_unseen_charges() -> None:
    m = blend()
    assert m.learned is not None
    S = m.learned.scores([DUI])
    R = m.prior.scores([DUI])
    b = {"w": 0.0, "t_learned": 8.0, "t_prior": 100.0}  # prior only
    full = m.combine(S, R, dict(b, seen_weight=1.0))[0]
    low = m.combine(S, R, dict(b, seen_weight=0.05))[0]
    seen = m._cols
    unseen = np.setdiff1d(np.arange(len(m.charges)), seen)
    assert low[seen].sum() < full[seen].sum() and low[unseen].sum() > full[unseen].sum()
    np.testing.assert_allclose(low.sum(), 1.0, rtol=1e-5)


def test_provocation_fact_routes_to_provocation() -> None:
    g = route("2019年6月2日23时许，被告人周某在某烧烤店喝酒后，无故用啤酒瓶击打邻桌顾客李某头部，"
              "致李某轻微伤，又将店内桌椅砸坏。")
    assert g.expert == "provocation"


def test_novelty_margin_lets_an_unseen_charge_win() -> None:
    """A confident learned charge gives way when the statute prior puts a charge without cases
    clearly closer to the fact than that learned charge."""
    m = blend()
    assert m.learned is not None
    fraud = m.learned.classes.index("诈骗")
    S = np.full((1, len(m.learned.classes)), -1.0)
    S[0, fraud] = 0.5  # confident (> confident_margin)
    R = np.full((1, len(m.charges)), 0.05)
    R[0, m.charges.index("诈骗")] = 0.15
    R[0, m.charges.index("票据诈骗")] = 0.40  # no CAIL case: only the prior knows it
    assert "票据诈骗" not in m.learned.classes
    b = {"w": 0.3, "w_confident": 0.9, "confident_margin": 0.2, "t_learned": 8.0, "t_prior": 100.0,
         "seen_weight": 0.05}
    without = m.combine(S, R, b)[0]
    assert m.charges[int(np.argmax(without))] == "诈骗"
    with_nov = m.combine(S, R, dict(b, novelty_margin=0.1))[0]
    assert m.charges[int(np.argmax(with_nov))] == "票据诈骗"
    R[0, m.charges.index("票据诈骗")] = 0.20  # within the margin: the learned model keeps its say
    assert m.charges[int(np.argmax(m.combine(S, R, dict(b, novelty_margin=0.1))[0]))] == "诈骗"


def test_learned_gap_lets_the_learned_expert_through() -> None:
    """A fired expert charge that the learned model ranks far below its best does not block the
    learned model's expert (the prior alone put 危险驾驶 first on a 寻衅滋事 fact)."""
    m = blend()
    assert m.learned is not None
    S = np.full((1, len(m.learned.classes)), -1.5)
    S[0, m.learned.classes.index("寻衅滋事")] = 0.1
    P = np.zeros((1, len(m.charges)))
    P[0, m.charges.index("危险驾驶")] = 0.3
    P[0, m.charges.index("寻衅滋事")] = 0.1
    pref = {"delta": 0.8, "floor": -0.5}
    one = {"ratio": 1.01, "min_score": 0.05, "max_charges": 3}  # one charge fires
    (fired, preferred), = m.routes(P, S, one, pref=pref)
    assert fired[0][0] == "危险驾驶" and preferred is None
    (fired, preferred), = m.routes(P, S, one, pref=dict(pref, learned_gap=0.5))
    assert preferred is not None and preferred[0] == "寻衅滋事"


def test_second_charge_does_not_take_the_route_with_top_only() -> None:
    """数罪: 合同诈骗 (no expert) first, 帮助信息网络犯罪活动 (an expert, no case) second; the learned
    model's best expert charge is 诈骗. With ``top_only`` only the top charge blocks the preference."""
    m = blend()
    assert m.learned is not None
    S = np.full((1, len(m.learned.classes)), -1.5)
    S[0, m.learned.classes.index("合同诈骗")] = 0.3
    S[0, m.learned.classes.index("诈骗")] = 0.1
    P = np.zeros((1, len(m.charges)))
    P[0, m.charges.index("合同诈骗")] = 0.5
    P[0, m.charges.index("帮助信息网络犯罪活动")] = 0.3
    multi = {"ratio": 0.2, "min_score": 0.1, "max_charges": 3}
    pref = {"delta": 0.8, "floor": -0.5}
    (fired, preferred), = m.routes(P, S, multi, pref=pref)
    assert [c for c, _ in fired] == ["合同诈骗", "帮助信息网络犯罪活动"] and preferred is None
    (fired, preferred), = m.routes(P, S, multi, pref=dict(pref, top_only=True))
    assert preferred is not None and preferred[0] == "诈骗"


# --------------------------------------------------------------------------- element rules
# (knowledge/gate/elements.yaml; facts written for these tests)

MINOR_FIGHT = ("2018年4月5日晚，被告人吴某在某饭店吃饭时与邻桌被害人陈某发生争执，吴某持菜刀将陈某左臂砍伤，"
               "经法医鉴定，陈某的损伤程度为轻微伤。")
DISPUTE_LIGHT = ("2018年4月5日，被告人张某因宅基地纠纷与邻居王某发生争吵，张某持木棍击打王某头部，致王某颅骨骨折。"
                 "经鉴定，王某的损伤程度为轻伤二级。")
GRAVE = ("2015年7月，被告人刘某在酒吧门口与被害人孙某发生争执，刘某持刀将孙某捅伤，致孙某脾脏破裂，"
         "经鉴定，孙某的损伤程度为重伤二级。")
FRAUD_TRICK = "2014年3月，被告人陈某在某手机店谎称购买手机，骗得店员交付苹果手机一部后逃离，经鉴定该手机价值5000元。"


@contextlib.contextmanager
def elements_off() -> Iterator[None]:
    """A block with the element rules switched off (the classifier alone)."""
    m = blend()
    m.elements = False
    try:
        yield
    finally:
        m.elements = True


def test_grade_class_reads_the_injury_experts_grades() -> None:
    from models.gate.elements import grade_class

    assert grade_class(MINOR_FIGHT) == "minor_only"
    assert grade_class(DISPUTE_LIGHT) == "light"
    assert grade_class(GRAVE) == "serious"
    assert grade_class("被告人李某持刀将王某刺死。经抢救无效于当晚死亡。") == "death"
    assert grade_class(FRAUD_TRICK) == "none"
    # a 轻伤 beside a 轻微伤 is 轻伤: the result element of 故意伤害 is there
    assert grade_class("经鉴定，王某的损伤程度为轻伤二级，李某为轻微伤。") == "light"


def test_rules_that_fire() -> None:
    from models.gate.elements import fired

    names = lambda t: [n for n, _ in fired(t)]  # noqa: E731
    assert "minor_injury_only" in names(MINOR_FIGHT)
    assert "dispute_with_harm" in names(DISPUTE_LIGHT) and "provocation_acts" not in names(DISPUTE_LIGHT)
    assert "grave_harm" in names(GRAVE)
    assert "provocation_acts" in names("被告人刘某在街上无故殴打路人孙某，致其轻伤二级。")
    # a dispute does not count against the 寻衅滋事 acts written beside it
    assert "dispute_with_harm" not in names("被告人刘某因琐事纠纷随意殴打孙某，致其轻伤二级。")
    assert "fraud_acts" in names(FRAUD_TRICK) and "theft_acts" not in names(FRAUD_TRICK)
    assert "theft_acts" in names("被告人陈某趁被害人王某不备，窃得其手机一部。")
    assert names("被告人李某醉酒驾驶机动车在道路上行驶。") == []  # no year, no element


def test_minor_injury_only_fact_routes_to_provocation() -> None:
    """故意伤害 needs 轻伤 or worse: a knife fight leaving only 轻微伤 is not a completed 故意伤害
    (the classifier alone says 故意伤害 on this fact)."""
    with elements_off():
        before = route(MINOR_FIGHT)
    after = route(MINOR_FIGHT)
    assert before.charges[0][0] == "故意伤害"
    assert after.expert == "provocation" and after.charges[0][0] == "寻衅滋事"
    # a random beating with 轻微伤: provocation, the 寻衅滋事 acts raise its score
    g = route("2016年3月1日，被告人刘某随意殴打被害人孙某，用砖块砸伤孙某头部，经鉴定，孙某的损伤程度为轻微伤。")
    assert g.expert == "provocation"


def test_dispute_with_light_injury_routes_to_injury() -> None:
    m = blend()
    col = m.charges.index("故意伤害")
    with elements_off():
        p_off = m.proba([DISPUTE_LIGHT])[0, col]
    assert m.proba([DISPUTE_LIGHT])[0, col] >= p_off
    assert route(DISPUTE_LIGHT).expert == "injury"
    assert route(GRAVE).expert == "injury"


def test_grave_harm_lowers_provocation() -> None:
    m = blend()
    assert m.learned is not None
    D = m.element_shifts([GRAVE])
    assert D is not None and D[0, m.charges.index("寻衅滋事")] < 0 and D[0, m.charges.index("故意伤害")] == 0


def test_fraud_acts_name_the_fraud_charge() -> None:
    """谎称…骗得…交付: the deception element of 诈骗 names the charge (the classifier alone put an
    unrelated charge first on this short fact; since the fact-idf prior of issue 15 it gets it
    right alone, so the rule's own shift is checked)."""
    from models.gate.elements import shifts

    ch = blend().charges
    d = shifts([FRAUD_TRICK], ch)
    assert d is not None and d[0, ch.index("诈骗")] > 0
    assert route(FRAUD_TRICK).charges[0][0] == "诈骗"
    assert route(FRAUD_TRICK).expert == "fraud"


def test_charge_not_in_force_before_its_amendment() -> None:
    """帮助信息网络犯罪活动 exists from 2015-11-01 (刑法修正案(九)): facts dated only before cannot be it."""
    from models.gate.elements import latest_month

    assert latest_month("2014年9月至同年12月间，…2015年3月被抓获") == (2015, 3)
    assert latest_month("二〇一三年，次年5月") == (2014, 5)
    assert latest_month("当日晚上") is None
    late = route("2017年5月，" + CYBER)
    early = route("2013年5月，" + CYBER)
    assert late.expert == "cyber_aid"
    assert early.expert != "cyber_aid" and early.charges[0][0] != "帮助信息网络犯罪活动"


def test_shifts_none_when_no_rule_holds() -> None:
    from models.gate.elements import shifts

    assert shifts(["被告人李某醉酒驾驶机动车在道路上行驶。"], blend().charges) is None


def test_novelty_features_by_hand() -> None:
    """Three charges, the learned model knows the first two (columns 0, 1). Fact 0: learned margins
    0.9 / 0.1 (best charge 0), prior 0.10 / 0.05 / 0.30 — the unseen charge is 0.20 closer than the
    learned best and 0.20 closer than the best seen one; lead 0.8."""
    from models.gate.model import novelty, novelty_features

    S = np.array([[0.9, 0.1], [-0.2, 0.4]])
    R = np.array([[0.10, 0.05, 0.30], [0.20, 0.25, 0.05]])
    F = novelty_features(S, R, np.array([0, 1]))
    np.testing.assert_allclose(F, [[0.20, 0.9, 0.8, 0.20], [-0.20, 0.4, 0.6, -0.20]], atol=1e-9)
    nv = {"coef": [10.0, 0.0, 0.0, 0.0], "intercept": 0.0}
    p = novelty(S, R, np.array([0, 1]), nv)
    np.testing.assert_allclose(p, [1 / (1 + np.exp(-2.0)), 1 / (1 + np.exp(2.0))])
    assert novelty(S, R[:, :2], np.array([0, 1]), nv).tolist() == [0.0, 0.0]  # every charge has cases


def test_novel_fact_goes_to_the_prior() -> None:
    """With the novelty model on, a fact whose 罪状 match points to a charge without cases gets that
    charge although the learned model is confident in a known one; off, the learned charge stays."""
    import copy

    from knowledge.gate import params
    from models.gate.model import Blend

    model = blend()
    b = copy.deepcopy(params()["blend"])
    unseen = [i for i in range(len(model.charges)) if i not in set(model._cols.tolist())]
    S = np.full((1, len(model._cols)), -1.0)
    S[0, 0] = 1.0  # confident in the first learned charge
    R = np.zeros((1, len(model.charges)))
    R[0, model._cols[0]] = 0.10
    R[0, unseen[0]] = 0.40
    b["novelty"] = {"coef": [15.0, 0.0, 0.0, 0.0], "intercept": 0.0, "threshold": 0.9, "w": 0.0}
    P = Blend.combine(model, S, R, b)
    assert P[0].argmax() == unseen[0]
    b["novelty"]["threshold"] = 0.999  # 0.30 × 15 = 4.5 → p = 0.989: not novel
    assert Blend.combine(model, S, R, b)[0].argmax() == model._cols[0]


def test_close_siblings_and_their_elements_from_the_names() -> None:
    """刑法 第三百五十八条 第一款 "组织、强迫他人卖淫的" sets 组织卖淫 and 强迫卖淫 in one clause; 单位行贿
    (第三百九十三条) is 行贿 (第三百八十九条) by a unit. What one name holds and the other lacks is the element."""
    from models.gate.siblings import close, contrast, uncovered

    assert close("强迫卖淫", "组织卖淫") and close("协助组织卖淫", "组织卖淫") and close("单位行贿", "行贿")
    assert not close("盗窃", "诈骗") and not close("故意伤害", "故意伤害")
    assert uncovered("强迫卖淫", "组织卖淫") == ("强迫",)
    assert uncovered("组织卖淫", "强迫卖淫") == ("组织",)
    assert uncovered("单位行贿", "行贿") == ("单位",)
    assert uncovered("行贿", "单位行贿") == ()
    # by hand over three charges (pairs: 组织/强迫, 组织/协助组织, 强迫/协助组织; two each): the text holds 强迫
    # only — 强迫 +1 in both its pairs, 组织 −1 in one of two, 协助组织 −1 in one of two
    got = contrast(["以暴力强迫他人卖淫"], ["组织卖淫", "强迫卖淫", "协助组织卖淫"])[0]
    np.testing.assert_allclose(got, [-0.5, 1.0, -0.5])


# A real 强迫卖淫 fact (the judgments' dev part, 诸暨 2017; 第三百五十八条 第一款), abridged
FORCED_PROSTITUTION = ("2017年3月中旬，被告人潘学本伙同李某2、张某2（均另案）将被害人李某1从诸暨大唐带至江西省万年县，"
                       "以暴力殴打、言语威胁、限制自由方式强迫被害人李某1在江西省鄱阳县芦田乡一家卖淫场所卖淫，至同年4月16日"
                       "李某1寻机逃离控制。同年3月20日许，被告人潘学本与张某2到温州市途经诸暨市大唐将被害人张某1带至江西省"
                       "万年县，以暴力殴打、言语威胁、限制自由方式强迫被害人张某1在江西省鄱阳县芦田乡一家卖淫场所卖淫，至同年"
                       "4月16日张某1寻机逃离控制。")


def test_sibling_contrast_lets_forced_prostitution_fire(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same clause, same 罪状 text: without the sibling contrast (shipped off: it lost held out, see
    knowledge/gate/params.yaml) only 组织卖淫, which has cue words, fires on a real 强迫卖淫 fact."""
    from knowledge.gate import params

    prior = dict(params()["prior"])
    monkeypatch.setitem(params(), "prior", {**prior, "sibling_contrast": 0})
    off = [c for c, _ in blend().predict([FORCED_PROSTITUTION])[0]]
    monkeypatch.setitem(params(), "prior", {**prior, "sibling_contrast": 0.015})
    on = [c for c, _ in blend().predict([FORCED_PROSTITUTION])[0]]
    assert "强迫卖淫" not in off and "强迫卖淫" in on
