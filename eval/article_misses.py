"""Every special-part article missed with the charge given, sorted into why (issue 15).

``python -m eval analyze --article-misses dev`` (or ``train``, ``test``, ``judgments-dev``,
``judgments-test``, and ``judgments-dev-particulars`` / ``judgments-test-particulars``: the judgment's opening
with the defendants' particulars before the facts, as an indictment carries them) runs the product's path (run_jsonl with the gold charges as the ``charges`` field)
and puts each wrong article of a case (missing from the output, or output but not cited) in one class,
by written rules that look at the given charges, the statute catalogue and the article's role — never
at whether the rule would have fixed it:

- ``a_own_article``: the given charge's own article, chosen wrongly among its alternatives (1979 vs 1997
  article for old acts, 114 vs 115 and the like).
- ``b_accessory_cue_absent``: an article courts cite beside the charge's own when a condition holds
  (356 毒品再犯, 269 转化型抢劫, 196 盗窃信用卡并使用, penalty articles) and the facts do not tell of it.
- ``b_accessory_false_alarm``: such an article output on a cue the gold does not follow.
- ``c_definition_habit``: a definition article some courts cite by habit (357 毒品, 367 淫秽物品), no cue.
- ``c_other_charge_article``: the gold cites an article of no given charge (another defendant's charge,
  a charge left out of the case's labels: label noise for the task "articles of these charges").
- ``c_gold_omits_own``: the given charge's own article is not cited at all in the gold (label noise).
- ``other``: none of the above.

Each wrong article is also judged on whether the input could support getting it right (``support``):

- ``unsupported``: the facts cannot support it — 356 (毒品再犯) missed where the text mentions no prior
  conviction at all; a definition article cited by habit (357/367: the statute sets no condition the facts
  could tell of); a gold that contradicts the given charges (class c); the 1979 article cited for acts the
  facts date after 1997-10-01, or the 1997 article for acts dated before it.
- ``ambiguous``: 356 missed or output where the text mentions a prior record without naming its crime
  (前科材料, 刑事判决书 among the evidence, 累犯, CAIL's masked 曾因××罪被判处); the own article of undated acts.
- ``reachable``: the rest (a reading the facts support: a cue missed or a false alarm).

The ceiling is the F1 of the output with every reachable miss put right (and, generous, every ambiguous one
too), the unsupported ones left: measured per case, not estimated.

Writes the list to ``eval/analyze/article_misses_<split>.md`` and prints the counts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "analyze"
DEFINITIONS = {357: "毒品", 367: "淫秽物品"}  # 刑法 357 本法所称的毒品…; 367 本法所称淫秽物品…
# a prior record mentioned at all (its crime named or not): the particulars' or the prosecution's words, or a
# prior judgment / release paper among the evidence. 无前科 / 没有前科 say the opposite and are taken out first.
PRIOR_MENTION = re.compile(
    r"前科|前罪|劣迹|曾因|曾被[^。；]{0,20}判|判过刑|刑满释放|释放证明|释放通知|累犯|再犯|服刑|假释|"
    r"(?:因|犯)[^。；]{0,15}罪[^。；]{0,30}(?:被判处|被判刑|判处)[^。；]{0,40}(?:释放|执行完毕)|判决书")
NO_PRIOR = re.compile(r"(?:无|没有|并无|无犯罪)前科|前科[^。；]{0,4}(?:无|没有)|系初犯|初犯、偶犯")
OLD_LAW_SINCE = dt.date(1997, 10, 1)  # 刑法 (1997) 第四百五十二条: 本法自1997年10月1日起施行


def _rows(split: str) -> list[tuple[str, str, list[str], list[int]]]:
    from eval.analyze import load_cail, load_judgment_facts
    from eval.datasets import load_judgments
    from eval.tasks.analyze import _special

    if split.startswith("judgments-"):
        part = split.split("-")[1]
        arts = {r["id"]: r["articles"] for r in load_judgments()}
        if split.endswith("-particulars"):  # the judgment's opening with the defendants' particulars, then the facts
            from eval.analyze import judgment_facts_with_particulars

            return [(r["id"], r["text"], r["charges"], _special(arts.get(r["id"], [])))
                    for r in judgment_facts_with_particulars(part) if r["charges"]]
        return [(r["id"], r["facts"], r["charges"], _special(arts.get(r["id"], [])))
                for r in load_judgment_facts() if r["charges"] and r["split"] == part]
    return [(r["id"], r["fact"], r["charges"], _special(r["articles"])) for r in load_cail(split) if r["charges"]]


def _tables() -> tuple[dict[str, set[int]], dict[int, set[str]]]:
    """Per charge: its alternatives (1979 article, basic/aggravated); per accessory article: its charges."""
    from knowledge.charges import HERE, articles_for
    from knowledge.yamlfile import load_yaml

    alt: dict[str, set[int]] = {}
    for c, a in (load_yaml(HERE / "articles_1979.yaml")["articles"] or {}).items():
        alt.setdefault(str(c), {x for x, _ in articles_for(str(c))}).add(int(a))
    for c, v in (load_yaml(HERE / "article_choice.yaml")["charges"] or {}).items():
        alt.setdefault(str(c), set()).update({int(v["basic"]), int(v["aggravated"])})
    acc = {int(k): set(v["charges"]) for k, v in (load_yaml(HERE / "article_cues.yaml") or {}).items()}
    return alt, acc


def classify(charges: list[str], gold: list[int], pred: list[int]) -> list[tuple[str, str, int]]:
    """(class, 'FN'|'FP', article) for every wrong article of one case."""
    from knowledge.charges import articles_for

    alt, acc = _tables()
    own = {a for c in charges for a, _ in articles_for(c)}
    alts = {a for c in charges for a in alt.get(c, ())}
    out: list[tuple[str, str, int]] = []
    for kind, arts in (("FN", sorted(set(gold) - set(pred))), ("FP", sorted(set(pred) - set(gold)))):
        for a in arts:
            if a in alts and (set(gold) & alts):
                cls = "a_own_article"
            elif a in acc and acc[a] & set(charges):
                cls = "b_accessory_cue_absent" if kind == "FN" else "b_accessory_false_alarm"
            elif a in DEFINITIONS:
                cls = "c_definition_habit"
            elif kind == "FN" and a not in own:
                cls = "c_other_charge_article"
            elif kind == "FP" and a in own:
                cls = "c_gold_omits_own"
            else:
                cls = "other"
            out.append((cls, kind, a))
    return out


def prior_mentioned(text: str) -> bool:
    """Does the text mention a prior record at all (named crime or not), once the denials are taken out?"""
    return bool(PRIOR_MENTION.search(NO_PRIOR.sub("", text)))


def support(cls: str, kind: str, article: int, text: str, charges: list[str]) -> tuple[str, str]:
    """(``reachable`` | ``ambiguous`` | ``unsupported``, why) for one wrong article: could the input have
    supported getting it right? Written from the statute and the article's role, not from the product's rules
    (beyond the cue of 356, whose own words — a drug conviction — decide whether the text names the crime)."""
    if cls in ("c_other_charge_article", "c_gold_omits_own"):
        return "unsupported", "gold contradicts the given charges"
    if cls == "c_definition_habit":
        return "unsupported", "definition article: no condition the facts could tell of"
    if article == 356:
        from models.articles.cues import cues

        named = any(c.article == 356 and c.pattern is not None and c.pattern.search(text) for c in cues())
        if named:  # the statute's condition is told: citing it is right, leaving it out a miss of the reading
            return ("reachable", "a drug conviction named") if kind == "FN" else \
                ("unsupported", "a drug conviction named, the court did not cite 356")
        if prior_mentioned(text):
            return "ambiguous", "a prior record mentioned, its crime not named"
        return ("unsupported", "no prior conviction mentioned") if kind == "FN" else \
            ("reachable", "output with no prior mentioned")
    law = _law_of(article, kind, charges) if cls == "a_own_article" else None
    if law is not None:  # the gold cites the 1979 law's article (law 1979) or the 1997 law's (1997)
        from models.extract.act_date import earliest_act_date

        first = earliest_act_date(text)
        if first is None:
            return "ambiguous", "acts undated"
        # the 1979 article cannot apply to acts after 1997-10-01; the 1997 one applies to earlier acts only when
        # it is lighter (刑法第十二条), which the facts alone do not settle
        if law == 1979 and first >= OLD_LAW_SINCE:
            return "unsupported", "1979 article cited for acts dated after 1997-10-01"
        if law == 1997 and first < OLD_LAW_SINCE:
            return "ambiguous", "1997 article cited for acts dated before 1997-10-01 (the lighter law)"
        return "reachable", "the law in force at the acts' date"
    return "reachable", "a reading of the facts"


def _law_of(article: int, kind: str, charges: list[str]) -> int | None:
    """Which law's article the gold cites, for a miss between a charge's 1979 and 1997 articles (None when
    the miss is not one: 114/115 and the like)."""
    from knowledge.charges import HERE, articles_for
    from knowledge.yamlfile import load_yaml

    table = (load_yaml(HERE / "articles_1979.yaml") or {}).get("articles") or {}
    for c in charges:
        if c not in table:
            continue
        if article == int(table[c]):
            return 1979 if kind == "FN" else 1997
        if article in {a for a, _ in articles_for(c)}:
            return 1997 if kind == "FN" else 1979
    return None


def _ceiling(gold: list[list[int]], pred: list[list[int]], fixes: list[list[tuple[str, int]]]) -> dict[str, Any]:
    """Plain and scoreboard F1 (eval.tasks.analyze.f1_scores: articles no gold case cites do not count) of the
    output with the listed misses put right (FN added, FP removed)."""
    from eval.tasks.analyze import f1_scores

    fixed = []
    for p, fx in zip(pred, fixes, strict=True):
        q = set(p) | {a for k, a in fx if k == "FN"}
        fixed.append(sorted(q - {a for k, a in fx if k == "FP"}))
    tp = sum(len(set(g) & set(q)) for g, q in zip(gold, fixed, strict=True))
    fp = sum(len(set(q) - set(g)) for g, q in zip(gold, fixed, strict=True))
    fn = sum(len(set(g) - set(q)) for g, q in zip(gold, fixed, strict=True))
    board = f1_scores([[str(a) for a in g] for g in gold], [[str(a) for a in q] for q in fixed])
    return {"plain_f1": round(2 * tp / max(1, 2 * tp + fp + fn), 4), "scoreboard_f1": round(board["micro_f1"], 4)}


def article_misses(split: str) -> dict[str, Any]:
    from eval.tasks.analyze import _special
    from models.commands.analyze import run_jsonl

    rows = _rows(split)
    outs = list(run_jsonl([(i, f, c) for i, f, c, _ in rows], workers=2))
    counts: Counter[str] = Counter()
    by_article: Counter[tuple[str, str, int]] = Counter()
    body: list[str] = []
    sup: Counter[tuple[str, str]] = Counter()
    golds: list[list[int]] = []
    preds: list[list[int]] = []
    strict: list[list[tuple[str, int]]] = []
    generous: list[list[tuple[str, int]]] = []
    tp = fp = fn = 0
    for (cid, text, charges, gold), o in zip(rows, outs, strict=True):
        pred = _special(o["articles"])
        golds.append(gold)
        preds.append(pred)
        strict.append([])
        generous.append([])
        tp += len(set(pred) & set(gold))
        fp += len(set(pred) - set(gold))
        fn += len(set(gold) - set(pred))
        got = classify(charges, gold, pred)
        if not got:
            continue
        wrong = []
        for cls, kind, a in got:
            counts[cls] += 1
            by_article[(cls, kind, a)] += 1
            level, why = support(cls, kind, a, text, charges)
            sup[(level, f"{kind} {a}: {why}" if a in (356, 357, 367) else why)] += 1
            if level == "reachable":
                strict[-1].append((kind, a))
            if level != "unsupported":
                generous[-1].append((kind, a))
            wrong.append(f"{kind} {a} ({cls}; {level}: {why})")
        body.append(f"| {cid} | {'、'.join(charges)} | {gold} | {pred} | {'; '.join(wrong)} |")
    f1 = 2 * tp / max(1, 2 * tp + fp + fn)
    from eval.tasks.analyze import f1_scores

    board = f1_scores([[str(a) for a in g] for g in golds], [[str(a) for a in p] for p in preds])["micro_f1"]
    res = {"split": split, "n": len(rows), "micro_f1": round(f1, 4), "scoreboard_f1": round(board, 4),
           "wrong_articles": sum(counts.values()), "classes": dict(counts.most_common()),
           "support": {lv: sum(n for (x, _), n in sup.items() if x == lv)
                       for lv in ("reachable", "ambiguous", "unsupported")},
           "support_detail": {f"{lv}: {why}": n for (lv, why), n in sup.most_common()},
           "ceiling_reachable_fixed": _ceiling(golds, preds, strict),
           "ceiling_reachable_and_ambiguous_fixed": _ceiling(golds, preds, generous),
           "top": [f"{n}× {kind} {a} ({cls})" for (cls, kind, a), n in by_article.most_common(15)]}
    head = [f"# Article misses with the charge given, {split} (`python -m eval analyze --article-misses {split}`)",
            "", "Classes and support levels: see eval/article_misses.py. One line per case with a wrong article.", "",
            f"Cases {res['n']}; wrong articles {res['wrong_articles']}; micro F1 plain {res['micro_f1']}, "
            f"scoreboard {res['scoreboard_f1']} (articles no gold case cites do not count).", "",
            "| could the input support it? | wrong articles |", "|---|---:|",
            *(f"| {k} | {n} |" for k, n in res["support_detail"].items()), "",
            "Ceiling measured on these cases (the output with the misses put right, the others left):", "",
            "| put right | plain F1 | scoreboard F1 |", "|---|---:|---:|",
            f"| none (as output) | {res['micro_f1']} | {res['scoreboard_f1']} |",
            f"| every reachable miss | {res['ceiling_reachable_fixed']['plain_f1']} | "
            f"{res['ceiling_reachable_fixed']['scoreboard_f1']} |",
            f"| every reachable and ambiguous miss | {res['ceiling_reachable_and_ambiguous_fixed']['plain_f1']} | "
            f"{res['ceiling_reachable_and_ambiguous_fixed']['scoreboard_f1']} |", "",
            "| id | given charges | gold | output | wrong articles (class; support) |", "|---|---|---|---|---|"]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"article_misses_{split}.md").write_text("\n".join(head + body) + "\n", encoding="utf-8")
    return res


ADJUDICATED = Path(__file__).resolve().parent / "data" / "article_labels_adjudicated.jsonl"


def adjudicated() -> dict[str, Any]:
    """Special-part article F1 with the charge given on CAIL test against the original labels and, beside
    it, against the labels with the disputed items re-read blind (eval/data/ARTICLE_LABELS.md)."""
    import json

    from eval.analyze import load_cail
    from eval.tasks.analyze import _special, f1_scores
    from models.commands.analyze import run_jsonl

    adj = {r["id"]: r["articles"] for r in map(json.loads, ADJUDICATED.read_text(encoding="utf-8").splitlines())}
    test = [r for r in load_cail("test") if r["charges"]]
    outs = list(run_jsonl([(r["id"], r["fact"], r["charges"]) for r in test], workers=2))
    pred = [[str(a) for a in _special(o["articles"])] for o in outs]
    orig = [[str(a) for a in _special(r["articles"])] for r in test]
    new = [[str(a) for a in _special(adj.get(r["id"], r["articles"]))] for r in test]
    changed = sum(o != n for o, n in zip(orig, new, strict=True))
    dis = [i for i, r in enumerate(test) if r["id"] in adj]
    return {"original": f1_scores(orig, pred), "adjudicated": f1_scores(new, pred),
            "re_read": len(adj), "labels_changed": changed,
            "disputed_only_original": f1_scores([orig[i] for i in dis], [pred[i] for i in dis]),
            "disputed_only_adjudicated": f1_scores([new[i] for i in dis], [pred[i] for i in dis])}
