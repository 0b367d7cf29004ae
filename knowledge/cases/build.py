"""Development-time copy of the real cases into ``knowledge/cases/cases.jsonl.gz`` (run once, by hand).

``python -m knowledge.cases.build [SRC]`` reads the CAIL2018 exercise set and writes the fields the
product needs: id, fact, official charge names, articles, sentence, source. The shipped default
similar-case store is built from this file (on first use or by ``jiancha index build``).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from pathlib import Path

from knowledge.cases.corpus import CASES_FILE, official_charge

SOURCE = Path("/work/shared/data/cases/cail2018_exercise.jsonl")  # development only


def copy_cases(src: Path = SOURCE, dst: Path = CASES_FILE) -> int:
    seen: dict[str, int] = {}
    n = 0
    with open(dst, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        for line in src.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            base = "cail-" + hashlib.sha1(r["fact"].encode("utf-8")).hexdigest()[:10]
            seen[base] = seen.get(base, 0) + 1
            cid = base if seen[base] == 1 else f"{base}-{seen[base]}"
            out = {
                "id": cid,
                "fact": r["fact"],
                # once each: CAIL gives a section's title beside the charge it names (two labels, one charge)
                "charges": list(dict.fromkeys(official_charge(c) for c in r["charges"])),
                "articles": r.get("articles", []),
                "term_months": int(r.get("prison_months") or 0),
                "fine_yuan": float(r.get("fine_yuan") or 0),
                "life": bool(r.get("life")),
                "death": bool(r.get("death")),
                "source": "CAIL2018-exercise",
            }
            gz.write((json.dumps(out, ensure_ascii=False) + "\n").encode("utf-8"))
            n += 1
    return n


if __name__ == "__main__":
    print(copy_cases(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE))
