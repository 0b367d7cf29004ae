"""The official charge names (罪名), for the second generator's reading of a verdict.

Built once from the 罪名 texts in /work/shared/data/laws (the 最高人民检察院 意见 and the
补充规定 一 to 八, development only) into charges.txt beside this file; the generator reads only
that file. Former names (取消…罪名) are kept: an older judgment uses them. Independent of the
product's own catalogue (knowledge/charges), like the rest of eval/gen2.

    python -m eval.gen2.catalogue
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).parent
FILE = HERE / "charges.txt"
LAWS = Path("/work/shared/data/laws")  # development only

_NAME = r"[\u4e00-\u9fff][\u4e00-\u9fff、]{0,40}?罪"


def build(laws: Path = LAWS) -> list[str]:
    names: set[str] = set()
    for p in sorted(laws.glob("*罪名*.md")):
        text = p.read_text(encoding="utf-8")
        for rx in (rf"(?:^|[\s．])({_NAME})（第", rf"\|\s*({_NAME})\s*(?:（|\|)", rf"[“\"]({_NAME})[”\"]",
                   rf"取消({_NAME})(?:和|、|罪名)", rf"和({_NAME})罪名"):
            for m in re.finditer(rx, text, re.M):
                n = m.group(1)
                if 3 <= len(n) <= 40 and not n.startswith(("关于", "刑法")) and not n.endswith("犯罪"):
                    names.add(n)
    return sorted(names)


@lru_cache(maxsize=1)
def charges() -> frozenset[str]:
    return frozenset(x.strip() for x in FILE.read_text(encoding="utf-8").splitlines() if x.strip())


if __name__ == "__main__":
    out = build()
    FILE.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"{len(out)} charge names → {FILE}")
