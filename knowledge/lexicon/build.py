"""Build ``legal_dict.txt`` (jieba user dictionary) from ``terms.yaml`` and the charge catalogue.

Run: ``python -m knowledge.lexicon.build``. Lines are ``word freq pos``; charges get the POS
``nz``, with and without 罪.
"""

from __future__ import annotations

from pathlib import Path

from knowledge.charges import all_charges
from knowledge.yamlfile import load_yaml

HERE = Path(__file__).resolve().parent
OUT = HERE / "legal_dict.txt"
POS = {"procedure": "n", "sentencing": "n", "drugs": "nz"}
FREQ = 2000  # high enough to beat jieba's own splits of these compounds


def build(out: Path = OUT) -> int:
    terms = load_yaml(HERE / "terms.yaml")
    lines: dict[str, str] = {}
    for group, words in terms.items():
        for w in words:
            lines.setdefault(str(w), f"{w} {FREQ} {POS.get(group, 'n')}")
    for c in all_charges():
        for w in (c + "罪", c):
            if " " not in w:
                lines.setdefault(w, f"{w} {FREQ} nz")
    out.write_text("\n".join(lines.values()) + "\n", encoding="utf-8")
    return len(lines)


if __name__ == "__main__":
    n = build()
    print(f"{n} entries → {OUT}")
