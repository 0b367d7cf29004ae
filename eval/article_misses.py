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

Writes the list to ``eval/analyze/article_misses_<split>.md`` and prints the counts.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "analyze"
DEFINITIONS = {357: "毒品", 367: "淫秽物品"}  # 刑法 357 本法所称的毒品…; 367 本法所称淫秽物品…


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


def article_misses(split: str) -> dict[str, Any]:
    from eval.tasks.analyze import _special
    from models.commands.analyze import run_jsonl

    rows = _rows(split)
    outs = list(run_jsonl([(i, f, c) for i, f, c, _ in rows], workers=2))
    counts: Counter[str] = Counter()
    by_article: Counter[tuple[str, str, int]] = Counter()
    lines = [f"# Article misses with the charge given, {split} (`python -m eval analyze --article-misses {split}`)",
             "", "Classes: see eval/article_misses.py. One line per case with a wrong article.", "",
             "| id | given charges | gold | output | wrong articles (class) |", "|---|---|---|---|---|"]
    tp = fp = fn = 0
    for (cid, _f, charges, gold), o in zip(rows, outs, strict=True):
        pred = _special(o["articles"])
        tp += len(set(pred) & set(gold))
        fp += len(set(pred) - set(gold))
        fn += len(set(gold) - set(pred))
        got = classify(charges, gold, pred)
        if not got:
            continue
        for cls, kind, a in got:
            counts[cls] += 1
            by_article[(cls, kind, a)] += 1
        wrong = "; ".join(f"{kind} {a} ({cls})" for cls, kind, a in got)
        lines.append(f"| {cid} | {'、'.join(charges)} | {gold} | {pred} | {wrong} |")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"article_misses_{split}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    f1 = 2 * tp / max(1, 2 * tp + fp + fn)
    return {"split": split, "n": len(rows), "micro_f1": round(f1, 4), "wrong_articles": sum(counts.values()),
            "classes": dict(counts.most_common()),
            "top": [f"{n}× {kind} {a} ({cls})" for (cls, kind, a), n in by_article.most_common(15)]}


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
