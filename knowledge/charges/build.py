"""Build ``charges.json`` — the official charge catalogue (罪名) in force.

Run: ``python -m knowledge.charges.build --laws /path/to/laws`` (development only).

Sources, applied in date order:
1. 最高人民检察院关于适用刑法分则规定的犯罪的罪名的意见 (1997-12-25) — the base list;
2. the 两高 补充规定 (2002), (二) 2003, (三) 2007, (四) 2009, (五) 2011, (六) 2015 — tables of
   "刑法条文 | 罪名（取消…罪名）"; a new name whose article set equals that of an older name
   replaces it even without an explicit 取消 (2002: 盗窃、抢夺枪支、弹药、爆炸物罪 → …、危险物质罪);
3. 补充规定（七）2021 — not in the data directory: ``supplement7_2021.yaml`` (entered by hand);
4. 补充规定（八）2024 — prose "罪名由“X”修改为“Y”".
Then ``aliases.yaml`` (CAIL labels, colloquial forms, selective-part overrides) is merged in, and
every article is checked against the statute database.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from pathlib import Path

import cn2an

from knowledge.yamlfile import load_yaml

HERE = Path(__file__).resolve().parent
OUT = HERE / "charges.json"

BASE = "最高人民检察院关于适用刑法分则规定的犯罪的罪名的意见(1997-12-25).md"
SUPPLEMENTS = [
    "最高人民法院、最高人民检察院关于执行《刑法》确定罪名的补充规定(2002-03-15).md",
    "最高人民法院、最高人民检察院关于执行《刑法》确定罪名的补充规定（二）(2003-08-15).md",
    "最高人民法院、最高人民检察院关于执行《刑法》确定罪名的补充规定（三）(2007-10-25).md",
    "最高人民法院、最高人民检察院关于执行《刑法》确定罪名的补充规定（四）(2009-10-14).md",
    "最高人民法院、最高人民检察院关于执行《刑法》确定罪名的补充规定（五）(2011-04-27).md",
    "最高人民法院、最高人民检察院关于执行《刑法》确定罪名的补充规定（六）(2015-10-30).md",
]
SUPPLEMENT_8 = "最高人民法院、最高人民检察院关于执行《刑法》确定罪名的补充规定（八）(2024-01-30).md"

NUM = r"[\d一二三四五六七八九十百零〇]+"
REF_RE = re.compile(rf"(?:第({NUM})条(?:之({NUM}))?)?((?:第{NUM}[款项条]、?)*)")
NAME_RE = re.compile(r"(?:\d+．)?((?:[^\s（）．\d]|（[边境]）)+?罪)（([^）]*)）")
TYPO = {"剌探": "刺探"}

Ref = tuple[int, int, int]  # (article, sub, clause or 0)


def _num(s: str) -> int:
    return int(s) if s.isdigit() else int(cn2an.cn2an(s, "smart"))


def strip_notes(cell: str) -> str:
    """Drop parenthesised notes, nested ones included: "（《刑法修正案（六）》第1条）"."""
    out, depth = [], 0
    for ch in cell:
        if ch == "（" and not depth and not out[-1:] == ["国"]:
            depth = 1
        elif ch == "（" and depth:
            depth += 1
        elif ch == "）" and depth:
            depth -= 1
        elif not depth:
            out.append(ch)
    return "".join(out)


def parse_refs(cell: str, last_article: int = 0) -> list[Ref]:
    """"第114条、第115条第1款" → [(114,0,0), (115,0,1)]; "第3款" inherits the last article."""
    cell = strip_notes(cell)
    refs: list[Ref] = []
    art, sub = last_article, 0
    for m in re.finditer(rf"第({NUM})条(?:之({NUM}))?|第({NUM})款|第({NUM})项", cell):
        if m.group(1):
            art, sub = _num(m.group(1)), _num(m.group(2)) if m.group(2) else 0
            # "第371条第2条" (typo for 第2款) is caught below by the duplicate check
            refs.append((art, sub, 0))
        elif m.group(3):
            clause = _num(m.group(3))
            if refs and refs[-1][:2] == (art, sub) and refs[-1][2] == 0:
                refs[-1] = (art, sub, clause)
            else:
                refs.append((art, sub, clause))
    return refs


def _split_names(cell: str) -> tuple[list[str], list[str]]:
    """New names and abolished names of one table cell."""
    abolished: list[str] = []
    for m in re.finditer(r"（?取消([^）]*?)(?:罪名)?）?(?=\s|$|）|[^罪]*$)", cell):
        inner = re.sub(r"^刑法原第\d+条第\d+项", "", m.group(1))
        for n in re.split(r"(?<=[^犯]罪)(?:和|、)", inner):
            n = n.strip()
            if n.endswith("罪名"):
                n = n[:-1]
            if n:
                abolished.append(n if n.endswith("罪") else n + "罪")
    rest = re.sub(r"（?取消[^）]*）?", " ", cell)
    # "滥用职权罪、玩忽职守罪" are two names, "…间谍犯罪、恐怖主义犯罪…证据罪" is one
    names = [n.strip() for n in re.split(r"(?<=[^犯]罪)[\s；;、]+", rest) if n.strip().endswith("罪")]
    return names, abolished


class Catalogue:
    def __init__(self) -> None:
        self.charges: dict[str, dict] = {}  # name with 罪 → {"articles": [...], "source": str, "former": []}
        self.log: list[str] = []
        self.effective: dict[str, str] = {}  # source label → date it took effect (ISO)
        self.until: dict[str, str] = {}  # abolished name with 罪 → date it stopped being official

    def add(self, name: str, refs: list[Ref], source: str) -> None:
        for a, b in TYPO.items():
            name = name.replace(a, b)
        old = self.charges.get(name)
        if old and old["source"] == source:
            refs = sorted(set(map(tuple, old["articles"])) | set(refs))
        self.charges[name] = {
            "articles": [list(r) for r in refs],
            "source": source,
            "former": old["former"] if old else [],
        }

    def abolish(self, name: str, source: str, successor: str | None) -> None:
        if source in self.effective:
            self.until.setdefault(name, self.effective[source])
        if name not in self.charges:
            # a former 最高法-only name (枉法裁判罪 …): keep it as a former name of the successor
            if successor and successor in self.charges:
                self.charges[successor]["former"].append(name)
            self.log.append(f"{source}: abolished name not in catalogue: {name} → {successor}")
            return
        former = self.charges.pop(name)
        if successor and successor in self.charges:
            self.charges[successor]["former"] += [name, *former["former"]]
        self.log.append(f"{source}: {name} → {successor or '(abolished)'}")

    def apply_row(self, refs: list[Ref], names: list[str], abolished: list[str], source: str) -> None:
        # implicit replacement: same article set, no explicit 取消, name from an earlier document
        if not abolished and refs:
            for n in names:
                same = [
                    k for k, v in self.charges.items()
                    if k != n and v["source"] != source and sorted(map(tuple, v["articles"])) == sorted(refs)
                ]
                if len(same) == 1:
                    abolished = same
        for n in names:
            self.add(n, refs, source)
        successor = names[0] if len(names) == 1 else None
        for a in abolished:
            self.abolish(a, source, successor)


def parse_base(text: str, cat: Catalogue) -> None:
    body = text.split("<!-- INFO END -->", 1)[-1]
    for m in NAME_RE.finditer(body):
        name, cell = m.group(1), m.group(2)
        cell = cell.replace("第371条第2条", "第371条第2款")
        cat.add(name, parse_refs(cell), "罪名意见(1997)")


def parse_supplement(text: str, source: str, cat: Catalogue) -> None:
    last = 0
    prev_refs: list[Ref] = []
    for line in text.splitlines():
        if not line.startswith("|") or "---" in line or "刑法条文" in line:
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2:
            continue
        art_cell, name_cell = cells[0], cells[1]
        names, abolished = _split_names(name_cell)
        groups = [g for g in re.split(r"\s+", strip_notes(art_cell)) if g]
        if not art_cell:
            groups_refs = [prev_refs]
        else:
            groups_refs = []
            for g in groups:
                r = parse_refs(g, last)
                if r:
                    last = r[-1][0]
                    groups_refs.append(r)
            if "《决定》" in art_cell:
                groups_refs = [[]]  # 骗购外汇罪: 全国人大常委会《决定》第一条, not a 刑法 article
        if len(groups_refs) == len(names) and len(names) > 1:
            # paired: "第229条第1款、第2款 第3款 | A（取消X） B（取消Y）"
            pair_abol = [_split_names(p)[1] for p in re.findall(r"\S+?罪(?:（取消[^）]*）)?", name_cell)]
            pair_abol = [a for a in pair_abol] if len(pair_abol) == len(names) else [[]] * len(names)
            for n, r, ab in zip(names, groups_refs, pair_abol, strict=True):
                cat.apply_row(r, [n], ab, source)
        else:
            refs = [r for g in groups_refs for r in g]
            if names:
                cat.apply_row(refs, names, abolished, source)
            else:
                for a in abolished:
                    cat.abolish(a, source, None)
        prev_refs = groups_refs[-1] if groups_refs else prev_refs


_IN_FORCE = re.compile(r"自?(\d{4})年(\d{1,2})月(\d{1,2})日\s*起?施行")


def in_force_date(text: str) -> str | None:
    """ISO date of "自2015年11月1日起施行" / "2007年11月6日 施行" in a document."""
    m = _IN_FORCE.search(text)
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None


def parse_supplement8(text: str, cat: Catalogue) -> None:
    cat.effective["补充规定（八）(2024)"] = in_force_date(text) or "2024-03-01"
    for m in re.finditer(r"第([一二三四五六七八九十百零]+)条[^罪]*?罪名由“([^”]+)”修改为“([^”]+)”", text):
        ref = (_num(m.group(1)), 0, 0)
        cat.apply_row([ref], [m.group(3)], [m.group(2)], "补充规定（八）(2024)")


def build(laws_dir: Path, out: Path = OUT) -> dict:
    cat = Catalogue()
    parse_base((laws_dir / BASE).read_text(encoding="utf-8"), cat)
    for f in SUPPLEMENTS:
        src = re.search(r"补充规定(（[^）]*）)?\((\d{4})", f)
        label = f"补充规定{src.group(1) or ''}({src.group(2)})" if src else f
        text = (laws_dir / f).read_text(encoding="utf-8")
        day = in_force_date(text)
        if day is None:
            raise SystemExit(f"no 施行 date in {f}")
        cat.effective[label] = day
        parse_supplement(text, label, cat)
    s7 = load_yaml(HERE / "supplement7_2021.yaml")
    cat.effective[s7["source"]] = str(s7["in_force"])
    for row in s7["rows"]:
        cat.apply_row(parse_refs(row["articles"]), [row["name"]], row.get("abolish", []), s7["source"])
    parse_supplement8((laws_dir / SUPPLEMENT_8).read_text(encoding="utf-8"), cat)

    from knowledge.statutes import article_exists

    problems = []
    for name, v in cat.charges.items():
        for a, s, c in v["articles"]:
            if not article_exists("刑法", a, s, c or None):
                problems.append(f"{name}: 第{a}条之{s}第{c}款 not in force")
    charges = []
    for name, v in sorted(cat.charges.items(), key=lambda kv: (kv[1]["articles"] or [[0]])[0]):
        charges.append({
            "name": name[:-1],
            "articles": v["articles"],
            "source": v["source"],
            "former": [f[:-1] for f in v["former"]],
        })
    aliases = load_yaml(HERE / "aliases.yaml")
    verbs = set(aliases["verbs"])
    official = {c["name"] for c in charges}
    parts: dict[str, list[str]] = {}  # accepted partial form → official names
    for c in charges:
        name = c["name"]
        single_list = all(len(p) <= 2 for p in name.split("、"))
        forms = selective_forms(name, verbs) | set(aliases["selective"].get(name, ()))
        for f in forms:
            if f == name or f in official:
                continue
            if not single_list and (len(f) <= 2 or f in verbs):
                continue
            parts.setdefault(f, []).append(name)
    for k in aliases["selective"]:
        if k not in official:
            problems.append(f"aliases.yaml selective: {k} is not an official name")
    for k, v in {**aliases["cail"], **aliases["colloquial"]}.items():
        if v not in official:
            problems.append(f"aliases.yaml: {k} → {v} is not an official name")
    # a part shared by several charges ("伪造、变造证件": 国家机关 or 武装部队?) is an artefact of the
    # split, not something a document writes: drop it rather than guess
    unique = {f: v[0] for f, v in sorted(parts.items()) if len(v) == 1}
    # parts of former names ("伪造居民身份证" of 伪造、变造居民身份证) normalise to the successor
    former_parts: dict[str, str] = {}
    for c in charges:
        for old in c["former"]:
            for f in selective_forms(old, verbs) | {old}:
                if f not in official and f not in unique and len(f) > 2 and f not in verbs:
                    former_parts.setdefault(f, c["name"])
    # the date each former name (and each part of one) stopped being official: a document dated
    # before it may use it
    former_until = {k[:-1]: v for k, v in sorted(cat.until.items())}
    for c in charges:
        for old in c["former"]:
            day = former_until.get(old)
            if day is None:
                continue
            for f in selective_forms(old, verbs) | {old}:
                if f in former_parts:
                    former_until.setdefault(f, day)
    data = {"version": 1, "charges": charges, "cail": aliases["cail"], "colloquial": aliases["colloquial"],
            "former_until": former_until}
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    payload = json.dumps({"part": unique, "former": former_parts}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    (out.parent / "parts.json.gz").write_bytes(gzip.compress(payload, compresslevel=9, mtime=0))
    return {"count": len(charges), "log": cat.log, "problems": problems}


def main() -> None:
    ap = argparse.ArgumentParser(description="Build knowledge/charges/charges.json")
    ap.add_argument("--laws", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    res = build(args.laws, args.out)
    if args.verbose:
        print("\n".join(res["log"]))
    for p in res["problems"]:
        print("PROBLEM", p)
    print(f"{res['count']} charges → {args.out}")
    if res["problems"]:
        raise SystemExit(1)


# --------------------------------------------------------------------------- selective charges
# A 选择性罪名 lists alternative acts/objects ("走私、贩卖、运输、制造毒品"); a judgment may name only
# the part that applies ("贩卖、运输毒品罪"). We split the name at "、" into lists of items and
# enumerate every non-empty, order-keeping choice of items per list. Where an item boundary is
# ambiguous ("…储存枪支、弹药、爆炸物": 爆炸物 or 爆炸+物?) every plausible split is tried: a
# spurious form is harmless (nobody writes it), a missing one would be a false alarm.

MAX_FORMS_PER_CHARGE = 4000


def _segmentations(name: str, verbs: set[str]) -> list[tuple[list[str], list[list[str]]]]:
    pieces = name.split("、")
    n = len(pieces)
    if n < 2:
        return []
    out: list[tuple[list[str], list[list[str]]]] = []

    def prefixes(p: str, lens: set[int]) -> set[str]:
        c = {p[:k] for k in lens if 0 < k <= len(p)}
        c |= {v for v in verbs if p.startswith(v)}
        return c

    def suffixes(p: str, lens: set[int]) -> set[str]:
        c = {p[len(p) - k :] for k in lens if 0 < k <= len(p)}
        c |= {v for v in verbs if p.endswith(v)}
        return c

    def rec(i: int, texts: list[str], lists: list[list[str]], cur: list[str]) -> None:
        if len(out) > 200:
            return
        p = pieces[i]
        if i == n - 1:
            for h in prefixes(p, {len(p), len(cur[-1]), 2}):
                out.append((texts + [p[len(h) :]], lists + [cur + [h]]))
            return
        rec(i + 1, texts, lists, cur + [p])  # a whole item
        for h in prefixes(p, {len(cur[-1]), 2}):
            rest = p[len(h) :]
            if not rest:
                continue
            for nh in suffixes(rest, {len(pieces[i + 1]), len(rest), 2}):
                rec(i + 1, texts + [rest[: len(rest) - len(nh)]], lists + [cur + [h]], [nh])

    p0 = pieces[0]
    for t in suffixes(p0, {len(pieces[1]), len(p0), 2}):
        rec(1, [p0[: len(p0) - len(t)]], [], [t])
    return out


def _choices(items: list[str]) -> list[str]:
    from itertools import combinations

    res = []
    for k in range(1, len(items) + 1):
        for combo in combinations(items, k):
            res.append("、".join(combo))
    return res


def selective_forms(name: str, verbs: set[str]) -> set[str]:
    """Legitimate partial names of a selective charge (without 罪), the full name included."""
    from itertools import product

    forms: set[str] = set()
    for texts, lists in _segmentations(name, verbs):
        for combo in product(*[_choices(lst) for lst in lists]):
            s = texts[0]
            for part, text in zip(combo, texts[1:], strict=True):
                s += part + text
            forms.add(s)
            if len(forms) >= MAX_FORMS_PER_CHARGE:
                return forms
    forms.discard("")
    return forms


if __name__ == "__main__":
    main()
