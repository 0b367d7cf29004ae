"""`python -m eval appendix`: findings that appear (or vanish) only because a judgment carries an
appendix of quoted law (附：本判决适用的法律条文 …), on text the rules were not written for.

Hosts are the judgments of a split without an appendix of their own: the clean and the defect
cases of both generators (eval/generate.py, eval/generate2.py; indictment + recommendation +
judgment), the real judgments checked alone, and every rule example with a judgment. Each host is checked as it is and then with one appendix at a time added after the clerk's
line, as the courts write it:

- ``real-match``: the appendix of another real judgment of the same split, the one quoting most of
  the host's articles (cut from the real text by this module's own reading, not the checker's);
- ``real-any``: the appendix of another real judgment of the split drawn at random (seeded);
- ``statutes``: the host's own cited 刑法 articles quoted from knowledge/statutes, under a heading
  drawn from the real headings;
- ``interpretations``: the judicial interpretations the catalogue's rules cite, quoted from the
  rules' own ``basis`` (every quoted passage, grouped by interpretation).

Quoted law says nothing about the case, so every error/warning present only with the appendix is
a false finding ("added"), and every one present only without it a finding the appendix masked
("lost"). The appendices of a split come from that split's judgments only, so the test split's
real appendices are unseen while the checker is developed on dev.

``--write`` keeps the figures in eval/data/appendix_results.json under ``<split>:<tag>`` and
rewrites the ``appendix`` block of eval/RESULTS.md (held-out test first); the added/lost findings
are listed in eval/out/appendix_<split>_<tag>.jsonl.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

NAME = "appendix"
HELP = "false/lost findings caused by an appendix of quoted law added to judgments without one"
HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent / "RESULTS.md"
STATE = HERE.parent / "data" / "appendix_results.json"
OUT = HERE.parent / "out"
SERIOUS = ("error", "warning")
VARIANTS = ("real-match", "real-any", "statutes", "interpretations")

# The clerk's line ends the signature; what follows it and quotes law is the appendix.
_CLERK = re.compile(r"书\s*记\s*员")
_LAW_START = re.compile(r"附|法律条文|法律条款|法条|法律依据|适用的法律|《中华人民共和国|《最高人民|第[一二三四五六七八九十百零]+条")
_ARTICLE = re.compile(r"第([一二三四五六七八九十百零]+)条")
_HEADINGS = ("附：相关法律条文", "附：本判决适用的法律条文", "本案引用的法律条文", "附相关法律条文：",
             "本案援引法律条款", "附：本案所适用的法律条文")
_QUOTE = re.compile(r"(《[^》]*(?:解释|意见|规定|标准)[^》]*》)[^“《]{0,40}?[：:]?“([^”]+)”")
_REF = re.compile(r"》\s*(?:（[^）]*）)?\s*(第[一二三四五六七八九十百零]+条(?:第[一二三四五六七八九十]+款)?(?:第（[一二三四五六七八九十]+）项)?)")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--split", choices=["dev", "test"], default="dev",
                   help="dev for development; test (held out) only for the final figures")
    p.add_argument("--limit", type=int, default=None, help="at most this many hosts of each kind")
    p.add_argument("--tag", default="current", help="name of this measurement in the state file (e.g. before/after)")
    p.add_argument("--write", action="store_true", help="keep the figures and rewrite the RESULTS.md block")


# --------------------------------------------------------------------------- appendices


def cut_appendix(text: str) -> tuple[str, str]:
    """(body, appendix) by this module's own reading: the appendix starts at the first sign of
    quoted law after the clerk's name (the last 书记员 of the text), at its paragraph start."""
    clerks = list(_CLERK.finditer(text))
    if not clerks:
        return text, ""
    after = clerks[-1].end() + 2  # a name has at least two characters
    m = _LAW_START.search(text, after)
    if m is None:
        return text, ""
    start = m.start()
    ws = max(text.rfind(" ", after, start), text.rfind("\n", after, start))
    if ws >= 0 and not _CLERK.search(text, ws, start):
        start = ws + 1
    tail = text[start:]
    if len(tail) < 30 or "条" not in tail:
        return text, ""
    return text[:start].rstrip(), tail.strip()


def _cn(num: str) -> int | None:
    from knowledge.statutes.cnnum import from_cn

    try:
        return from_cn(num)
    except Exception:  # noqa: BLE001 - an unreadable numeral is no article
        return None


def quoted_articles(appendix: str) -> set[int]:
    return {n for m in _ARTICLE.finditer(appendix) if (n := _cn(m.group(1)))}


def statutes_appendix(articles: list[int], rng: random.Random) -> str:
    from knowledge.statutes import get_article
    from knowledge.statutes.cnnum import to_cn

    parts = []
    for a in sorted(set(articles), key=articles.index):
        art = get_article("刑法", a)
        if art is not None:
            parts.append(f"第{to_cn(a)}条 " + " ".join(art.text.split("\n")))
    if not parts:
        return ""
    return f"{rng.choice(_HEADINGS)} 《中华人民共和国刑法》 " + " ".join(parts)


def interpretations_appendix() -> str:
    """Every passage of a judicial interpretation the catalogue's rules quote in their basis."""
    from knowledge.rules import catalogue

    rules, _ = catalogue()
    by_title: dict[str, list[str]] = {}
    for r in rules:
        basis = r.basis or ""
        for m in _QUOTE.finditer(basis):
            ref = _REF.search(basis, m.start(), m.end())
            passage = (ref.group(1) + " " if ref else "") + m.group(2)
            seen = by_title.setdefault(m.group(1), [])
            if len(m.group(2)) >= 12 and passage not in seen:  # whole sentences, not a quoted phrase
                seen.append(passage)
    return "附：本判决适用的司法解释 " + " ".join(f"{t} " + " ".join(ps) for t, ps in by_title.items())


# --------------------------------------------------------------------------- hosts and runs


def _rng(*parts: Any) -> random.Random:
    return random.Random(int(hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()[:16], 16))


def _key(f: Any) -> tuple[str, str, str]:
    return f.rule_id, f.severity, f.message


def _findings(docs: dict[str, str], cid: str, events: list | None = None) -> Counter[tuple[str, str, str]]:
    from models.pipeline import check_texts

    return Counter(_key(f) for f in check_texts(docs, cid, events=events).findings)


HOST_KINDS = ("gen1-clean", "gen1-defect", "gen2-clean", "gen2-defect", "real", "example")


def hosts_of(split: str, limit: int | None = None) -> tuple[list[dict[str, Any]], list[tuple[str, str, set[int]]]]:
    """The hosts of a split and its pool of real appendices ``(source id, appendix, quoted articles)``.

    A host is ``{"kind", "id", "source", "docs", "events", "expect"}``: ``expect`` the rule ids
    whose finding must survive the appendix (the label of a defect case, the rule of a ``fires:
    true`` example)."""
    from eval.datasets import load_generated, load_judgments, load_split
    from eval.generate2 import load
    from knowledge.rules import load_rules
    from models.checks.examples import _events

    sp = load_split()
    rows = [r for r in load_judgments() if sp.get(r["id"]) == split]
    pool: list[tuple[str, str, set[int]]] = []
    bare: list[dict[str, Any]] = []
    for r in rows:
        _body, app = cut_appendix(r["judgment"])
        if app:
            pool.append((r["id"], app, quoted_articles(app)))
        else:
            bare.append(r)
    bare_ids = {r["id"] for r in bare}
    hosts: list[dict[str, Any]] = []
    for gen, cases in (("gen1", load_generated(split)), ("gen2", load(split))):
        usable = [c for c in cases if c["source_id"] in bare_ids and (c["clean"] or c["labels"])]
        for c in [c for c in usable if c["clean"]][:limit] + [c for c in usable if not c["clean"]][:limit]:
            hosts.append({"kind": f"{gen}-{'clean' if c['clean'] else 'defect'}", "id": c["id"],
                          "source": c["source_id"], "docs": c["documents"], "events": None,
                          "expect": {lab["rule_id"] for lab in c["labels"]}})
    for r in bare[:limit]:
        hosts.append({"kind": "real", "id": r["id"][:8], "source": r["id"], "docs": {"judgment": r["judgment"]},
                      "events": None, "expect": set()})
    rules, _ = load_rules()  # with the rules' own examples (the run-time catalogue has none)
    examples = []
    for rule in rules:
        for i, ex in enumerate(rule.examples):
            docs = ex.texts()
            if docs.get("judgment"):
                examples.append({"kind": "example", "id": f"{rule.id}#{i}", "source": "", "docs": docs,
                                 "events": _events(ex.events), "expect": {rule.id} if ex.fires else set()})
    hosts += examples[:limit]
    return hosts, pool


def measure(split: str, limit: int | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from eval.datasets import load_judgments

    hosts, pool = hosts_of(split, limit)
    articles = {r["id"]: list(r.get("articles") or []) for r in load_judgments()}
    interp = interpretations_appendix()
    zero = {k: 0 for k in HOST_KINDS}
    added: Counter[str] = Counter()
    lost: Counter[str] = Counter()
    added_info: Counter[str] = Counter()
    added_by_kind, lost_by_kind, hosts_by_kind = dict(zero), dict(zero), dict(zero)
    per_variant: dict[str, list[int]] = {v: [0, 0, 0] for v in VARIANTS}  # checks, added, lost
    listing: list[dict[str, Any]] = []
    crashes = 0
    t0 = time.perf_counter()
    for h in hosts:
        kind, sid, docs = h["kind"], h["source"], h["docs"]
        hosts_by_kind[kind] += 1
        rng = _rng(split, h["id"])
        arts = set(articles.get(sid, []))
        others = [p for p in pool if p[0] != sid]
        best = max(others, key=lambda p: (len(p[2] & arts), -len(p[1]), p[0])) if others else None
        apps = {"real-match": best, "real-any": rng.choice(others) if others else None,
                "statutes": ("statutes", statutes_appendix(articles.get(sid, []), rng), set()),
                "interpretations": ("interpretations", interp, set())}
        try:
            base = _findings(docs, h["id"], h["events"])
        except Exception:  # noqa: BLE001 - counted, not fatal
            crashes += 1
            continue
        for variant, app in apps.items():
            if not app or not app[1]:
                continue
            with_app = dict(docs, judgment=docs["judgment"].rstrip() + " " + app[1])
            try:
                got = _findings(with_app, h["id"], h["events"])
            except Exception as e:  # noqa: BLE001
                crashes += 1
                listing.append({"host": h["id"], "variant": variant, "change": "crash", "error": repr(e)})
                continue
            per_variant[variant][0] += 1
            for k in got - base:
                if k[1] in SERIOUS:
                    added[k[0]] += 1
                    added_by_kind[kind] += 1
                    per_variant[variant][1] += 1
                    listing.append({"host": h["id"], "kind": kind, "variant": variant, "appendix_of": app[0][:8],
                                    "change": "added", "rule_id": k[0], "severity": k[1], "message": k[2]})
                else:
                    added_info[k[0]] += 1
            for k in base - got:
                if k[1] in SERIOUS or k[0] in h["expect"]:
                    lost[k[0]] += 1
                    lost_by_kind[kind] += 1
                    per_variant[variant][2] += 1
                    listing.append({"host": h["id"], "kind": kind, "variant": variant, "appendix_of": app[0][:8],
                                    "change": "lost", "rule_id": k[0], "severity": k[1], "message": k[2]})
    secs = time.perf_counter() - t0
    res = {
        "date": dt.date.today().isoformat(),
        "command": f"python -m eval appendix --split {split}" + (f" --limit {limit}" if limit else ""),
        "split": split,
        "appendix_pool": len(pool),
        "hosts": hosts_by_kind,
        "checks": sum(v[0] for v in per_variant.values()),
        "added": sum(added.values()),
        "lost": sum(lost.values()),
        "added_info": sum(added_info.values()),
        "added_by_kind": added_by_kind,
        "lost_by_kind": lost_by_kind,
        "added_by_rule": dict(added.most_common()),
        "lost_by_rule": dict(lost.most_common()),
        "added_info_by_rule": dict(added_info.most_common()),
        "by_variant": per_variant,
        "crashes": crashes,
        "seconds": round(secs, 1),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    return res, listing


# --------------------------------------------------------------------------- report


def _load_state() -> dict[str, Any]:
    return json.loads(STATE.read_text(encoding="utf-8")) if STATE.exists() else {}


def _line(key: str, r: dict[str, Any]) -> str:
    h, ad, lo = r["hosts"], r["added_by_kind"], r["lost_by_kind"]
    cells = " | ".join(f"{h[k]} / {ad[k]} / {lo[k]}" for k in HOST_KINDS)
    rules = ", ".join(f"{k} ({v})" for k, v in r["added_by_rule"].items()) or "—"
    lost = ", ".join(f"{k} ({v})" for k, v in r["lost_by_rule"].items()) or "—"
    return (f"| {key} | {r['appendix_pool']} | {r['checks']} | **{r['added']}** | **{r['lost']}** | {cells} "
            f"| {r['added_info']} | {rules} | {lost} |")


def render(state: dict[str, Any]) -> str:
    order = sorted(state, key=lambda k: (not k.startswith("test"), k.split(":")[0], k.split(":")[1] != "before"))
    lines = ["<!-- appendix:start -->", "## Appendix of quoted law (eval/tasks/appendix.py)", "",
             "Hosts: the judgments of the split without an appendix of their own — the clean and defect cases of "
             "both generators (gen1 eval/generate.py, gen2 eval/generate2.py), the real judgments alone — and every "
             "rule example that has a judgment. Each is checked as it is and with one appendix at a time added after the clerk's line: "
             "the appendix of another real judgment of the same split (the one quoting most of the host's "
             "articles, and one drawn at random), the host's own 刑法 articles quoted from knowledge/statutes, and "
             "every passage of the judicial interpretations the rules cite (quoted from their `basis`). Added = "
             "errors/warnings present only with the appendix (all false: quoted law says nothing about the case); "
             "lost = errors/warnings (and, for a defect case or a `fires: true` example, its own rule at any "
             "severity) present only without it. The test split's real appendices come from test judgments only.",
             "", "| split:tag | real appendices | checks | added (false) | lost | " +
             " | ".join(f"{k}: hosts / added / lost" for k in HOST_KINDS) + " | added info | added by rule "
             "| lost by rule |", "|---|---:|---:|---:|---:|" + "---:|" * len(HOST_KINDS) + "---:|---|---|"]
    for k in order:
        lines.append(_line(k, state[k]))
    lines.append("")
    for k in order:
        r = state[k]
        lines.append(f"- `{k}`: `{r['command']} --tag {k.split(':')[1]} --write` ({r['date']}; {r['seconds']} s at "
                     f"load average {r['load']} on 2 shared cores; crashes {r['crashes']}); list: "
                     f"`eval/out/appendix_{k.replace(':', '_')}.jsonl`")
    lines += ["", "<!-- appendix:end -->"]
    return "\n".join(lines)


def run(a: argparse.Namespace) -> int:
    from eval.results_md import replace_block

    res, listing = measure(a.split, a.limit)
    print(json.dumps({k: v for k, v in res.items()}, ensure_ascii=False, indent=1))
    if not a.write:
        return 0
    key = f"{a.split}:{a.tag}"
    OUT.mkdir(exist_ok=True)
    with open(OUT / f"appendix_{a.split}_{a.tag}.jsonl", "w", encoding="utf-8") as f:
        for row in listing:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    state = _load_state()
    state[key] = res
    STATE.write_text(json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    replace_block(RESULTS, "appendix", render(state))
    return 0
