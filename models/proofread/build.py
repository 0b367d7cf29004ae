"""Build ``lexicon.json.gz``: the word lexicon and the pronunciations the candidate generator uses.

Development-time step (needs ``pypinyin``): ``python -m models.proofread.build``.
Words: jieba's dictionary words (2–4 characters, frequency ≥ 20) that occur in the LM base corpus,
plus the legal dictionary and the phrase lexicon. Pronunciations: toneless pinyin, every reading
of a character (heteronyms) and the phrase-level reading of each word.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections import Counter
from pathlib import Path

from knowledge.yamlfile import load_yaml

HERE = Path(__file__).resolve().parent
OUT = HERE / "lexicon.json.gz"
_CJK = re.compile(r"^[\u4e00-\u9fff]+$")
MAX_CHARS = 3800


def build() -> dict[str, int]:
    import jieba
    from pypinyin import Style, lazy_pinyin, pinyin

    from knowledge.lexicon import DICT_FILE
    from knowledge.lm.train import base_sentences

    sents = base_sentences()
    cc: Counter[str] = Counter()
    ngram: Counter[str] = Counter()
    for s in sents:
        cc.update(s)
        for n in (2, 3, 4):
            ngram.update(s[i : i + n] for i in range(len(s) - n + 1))
    chars = [c for c, k in cc.most_common() if _CJK.match(c)][:MAX_CHARS]
    char_py = {c: sorted({p for p in pinyin(c, heteronym=True, style=Style.NORMAL)[0]}) for c in chars}
    words: dict[str, int] = {}
    jd = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    with open(jd, encoding="utf-8") as f:
        for line in f:
            w, freq, *_ = line.split()
            if 2 <= len(w) <= 4 and _CJK.match(w) and int(freq) >= 20 and ngram.get(w, 0) >= 1:
                words[w] = ngram[w]
    for line in DICT_FILE.read_text(encoding="utf-8").splitlines():
        w = line.split()[0] if line.strip() else ""
        if 2 <= len(w) <= 6 and _CJK.match(w):
            words.setdefault(w, ngram.get(w, 0))
    spec = load_yaml(HERE / "phrases.yaml")
    for w in spec["phrases"]:
        if _CJK.match(w):
            words.setdefault(w, ngram.get(w, 0))
    word_py = {w: " ".join(lazy_pinyin(w, style=Style.NORMAL)) for w in words}
    data = {"chars": char_py, "words": {w: [word_py[w], words[w]] for w in sorted(words)}}
    with open(OUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return {"chars": len(char_py), "words": len(words), "bytes": OUT.stat().st_size}


if __name__ == "__main__":
    print(build())
