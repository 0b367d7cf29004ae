"""Build ``statutes.json.gz`` from the statute Markdown files.

Run: ``python -m knowledge.statutes.build --laws /path/to/laws`` (development only; the runtime
reads the committed ``statutes.json.gz`` beside this file and never the Markdown).

Markdown layout handled: a header block ending with ``<!-- INFO END -->``; headings ``#``…``####``
(编/章/节, kept as the article's chapter); an article starts a line with ``第…条`` or
``第…条之…`` followed by a space; following lines are further 款 (paragraphs) unless they start
with ``（一）`` etc., which are 项 (items) of the preceding 款. Parsing stops at ``## 附件``;
footnote lines (``①``) are skipped. An article whose text is ``（删去）`` is recorded as repealed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from pathlib import Path

import cn2an

OUT = Path(__file__).resolve().parent / "statutes.json.gz"

# file name → (canonical short name, full title)
SOURCES: dict[str, tuple[str, str]] = {
    "刑法.md": ("刑法", "中华人民共和国刑法"),
    "刑事诉讼法(2018-10-26).md": ("刑事诉讼法", "中华人民共和国刑事诉讼法"),
    "人民检察院刑事诉讼规则(2019-12-02).md": ("人民检察院刑事诉讼规则", "人民检察院刑事诉讼规则"),
    "最高人民法院关于适用《刑事诉讼法》的解释(2021-01-26).md": (
        "刑诉法解释",
        "最高人民法院关于适用《中华人民共和国刑事诉讼法》的解释",
    ),
}

CN_NUM = "零〇一二两三四五六七八九十百千"
ARTICLE_RE = re.compile(rf"^第([{CN_NUM}]+)条(?:之([{CN_NUM}]+))?[ \u3000]+(.*)$")
# a typo in the source files: "第一百二十八 条侦查人员…" (space before 条)
ARTICLE_TYPO_RE = re.compile(rf"^第([{CN_NUM}]+)[ \u3000]+条()(.*)$")
ITEM_RE = re.compile(rf"^[（(]([{CN_NUM}]+)[）)]")
HEADING_RE = re.compile(r"^(#+)\s*(.*)$")


def cn_int(s: str) -> int:
    return int(cn2an.cn2an(s, "smart"))


def parse_law(text: str) -> dict:
    """Articles of one law: ``{"articles": [[article, sub, chapter, repealed, [[clause, [items]]…]]…]}``."""
    if "<!-- INFO END -->" in text:
        text = text.split("<!-- INFO END -->", 1)[1]
    chapters: list[str] = []
    heads: dict[int, str] = {}
    articles: list[list] = []
    cur: list | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("<!--") or line.startswith("①"):
            continue
        h = HEADING_RE.match(line)
        if h:
            title = h.group(2).strip()
            if title.startswith("附件"):
                break
            level = len(h.group(1))
            heads = {k: v for k, v in heads.items() if k < level}
            heads[level] = title
            chapters.append(" ".join(heads[k] for k in sorted(heads) if k > 1))
            cur = None
            continue
        m = ARTICLE_RE.match(line) or ARTICLE_TYPO_RE.match(line)
        if m:
            art = cn_int(m.group(1))
            sub = cn_int(m.group(2)) if m.group(2) else 0
            body = m.group(3).strip()
            repealed = body in ("（删去）", "(删去)", "（删除）")
            cur = [art, sub, len(chapters) - 1, repealed, [] if repealed else [[body, []]]]
            articles.append(cur)
            continue
        if cur is None or cur[3]:
            continue  # preamble text outside any article
        clauses = cur[4]
        if ITEM_RE.match(line) and clauses:
            clauses[-1][1].append(line)
        else:
            clauses.append([line, []])
    return {"chapters": chapters, "articles": articles}


def build(laws_dir: Path, out: Path = OUT) -> dict[str, int]:
    data: dict = {"version": 1, "laws": {}}
    counts: dict[str, int] = {}
    for fname, (short, title) in SOURCES.items():
        parsed = parse_law((laws_dir / fname).read_text(encoding="utf-8"))
        parsed["title"] = title
        parsed["source"] = fname
        keys = [(a[0], a[1]) for a in parsed["articles"]]
        if len(keys) != len(set(keys)):
            dup = sorted({k for k in keys if keys.count(k) > 1})
            raise SystemExit(f"{fname}: duplicate articles {dup[:5]}")
        data["laws"][short] = parsed
        counts[short] = len(keys)
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    out.write_bytes(gzip.compress(payload, compresslevel=9, mtime=0))
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description="Build knowledge/statutes/statutes.json.gz")
    ap.add_argument("--laws", type=Path, help="directory with the statute .md files")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--draft-tiers", nargs="+", metavar="ART", help="print tier drafts, e.g. 264 133之1")
    ap.add_argument("--draft-all", action="store_true",
                    help="append drafted tiers of every special-part article missing from penalty_tiers.yaml")
    args = ap.parse_args()
    if args.draft_all:
        n, none = write_drafts()
        print(f"added {n} articles; no penalty of their own: {' '.join(none)}")
        return
    if args.draft_tiers:
        _draft_main(args.draft_tiers)
        return
    if args.laws is None:
        ap.error("--laws is required")
    counts = build(args.laws, args.out)
    for law, n in counts.items():
        print(f"{law}: {n} articles")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")


# --------------------------------------------------------------------------- tier drafts
# ``python -m knowledge.statutes.build --draft-tiers 264 133之1`` prints the penalty phrases of
# those 刑法 articles as YAML to paste into penalty_tiers.yaml (labels then need a human).

_PHRASE_RE = re.compile(r"(?<![判从减])处(?=[一二三四五六七八九十]+年|拘役|管制|无期|死刑|罚金|有期)")


def draft_tiers(article: int, sub: int = 0) -> list[dict]:
    """Candidate tiers of 刑法 第article条[之sub]: one per "……的，处……" phrase (unit-crime 款 skipped)."""
    from knowledge.statutes import get_article
    from knowledge.statutes.tiers import parse_penalty_phrase

    a = get_article("刑法", article, sub)
    if a is None:
        return []
    out: list[dict] = []
    for ci, (clause, items) in enumerate(zip(a.clauses, a.items, strict=True), 1):
        if clause.startswith("单位犯"):
            continue
        for ii, line in [(None, clause)] + [(k, t) for k, t in enumerate(items, 1)]:
            for seg in re.split(r"[；。：]", line):
                m = _PHRASE_RE.search(seg)
                if not m:
                    continue
                tier = {"label": seg[: m.start()].rstrip("，的"), "clause": ci}
                if ii is not None:
                    tier["items"] = [ii]
                tier["quote"] = seg[m.start() :]
                tier.update(parse_penalty_phrase(tier["quote"]))
                tier["penalties"] = list(tier["penalties"])
                out.append(tier)
    return out


_REF_RE = re.compile(r"依照本法第([一二三四五六七八九十百零]+)条(?:之([一二三四五六七八九十]))?"
                     r"(?:第[一二三四五六七八九十]+款)?(?:、第[一二三四五六七八九十百零]+条)*的规定(?:定罪)?(?:从重)?处罚")


# articles that only set the penalty of units for crimes of other articles (对单位判处罚金 + 各该条 / the
# persons' penalty of 194/195 again)
_UNIT_RULES = {150, 200, 211, 220, 231, 346, 366}
# "以…论处" articles: the penalties of the crime they deem (388 以受贿论处 → 386 → 383)
_DEEMED = {"388": "383"}


def _unit_segment(label: str) -> bool:
    return "单位" in label and "直接负责的主管人员" in label


def draft_all() -> tuple[dict[str, object], list[str]]:
    """Tiers of every special-part article (刑法第102–451条, 之X included) that ``penalty_tiers.yaml``
    does not have yet: drafted from the text (``draft_tiers``, each marked ``review: draft``), or
    ``same_as`` the article whose penalties an article applies (依照本法第X条的规定定罪处罚); and the
    articles with no penalty of their own (definitions, 单位犯罪 and 从重 rules, …)."""
    from knowledge.statutes import all_articles, get_article
    from knowledge.statutes.cnnum import from_cn
    from knowledge.statutes.tiers import all_tier_articles

    have = set(all_tier_articles())
    out: dict[str, object] = {}
    none: list[str] = []
    for art, sub in all_articles("刑法"):
        if not 102 <= art <= 451 or (art, sub) in have:
            continue
        key = f"{art}之{sub}" if sub else str(art)
        drafted = draft_tiers(art, sub)
        # 单位犯罪 phrases are left out, unless the crime is one only a unit commits (逃汇 190)
        tiers = [t for t in drafted if not _unit_segment(t["label"])] or drafted
        if tiers and art in _UNIT_RULES:
            tiers = []
        if tiers:
            out[key] = [{**t, "review": "draft"} for t in tiers]
            continue
        a = get_article("刑法", art, sub)
        m = _REF_RE.search(a.text) if a else None
        if key in _DEEMED:
            out[key] = {"same_as": _DEEMED[key]}
        elif m:
            target = f"{from_cn(m.group(1))}之{from_cn(m.group(2))}" if m.group(2) else str(from_cn(m.group(1)))
            out[key] = {"same_as": target}
        else:
            none.append(key)
    return out, none


def _flow(t: dict) -> str:
    parts = []
    for k, v in t.items():
        if isinstance(v, list):
            v = "[" + ", ".join(str(x) for x in v) + "]"
        elif isinstance(v, bool):
            v = "true" if v else "false"
        elif isinstance(v, str) and k in ("label", "quote"):
            v = '"' + v.replace('"', "'") + '"'
        parts.append(f"{k}: {v}")
    return "{" + ", ".join(parts) + "}"


def write_drafts(path: Path | None = None) -> tuple[int, list[str]]:
    """Append ``draft_all``'s entries to penalty_tiers.yaml (the hand-reviewed entries stay as they
    are); returns (articles added, articles with no penalty of their own)."""
    from knowledge.statutes.tiers import TIERS_FILE

    path = path or TIERS_FILE
    out, none = draft_all()
    # a same_as target must itself have tiers (or be added now)
    lines = ["", "# ---- drafted from the statute text by `python -m knowledge.statutes.build --draft-all`",
             "# (parse_penalty_phrase on each \"……的，处……\" phrase; review: draft = numbers checked by the tests",
             "# against the quote, label not yet reviewed by hand; 单位犯罪 phrases left out)"]
    for key, spec in out.items():
        if isinstance(spec, dict):
            lines.append(f'"{key}": {{same_as: "{spec["same_as"]}"}}')
        else:
            lines.append(f'"{key}":')
            lines += [f"  - {_flow(t)}" for t in spec]
    with open(path, "a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return len(out), none


def _draft_main(keys: list[str]) -> None:
    import yaml

    doc = {}
    for key in keys:
        art, _, sub = key.partition("之")
        doc[key] = draft_tiers(int(art), int(sub or 0))
    print(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))


if __name__ == "__main__":
    main()
