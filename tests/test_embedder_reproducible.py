"""The similar-case embedder is the same whatever the string hash seed of the process that fits it.

Its word and character vocabularies are cut at a size; terms tied at the cut used to be kept in set
order, which follows PYTHONHASHSEED, so two builds of the same cases kept different vocabularies."""

from __future__ import annotations

import os
import subprocess
import sys

# many bigrams share the same document frequency, so the cut below falls inside a tie
FIT = """
from knowledge.cases.embeddings import TfidfSvdEmbeddings
texts = ["被告人张某盗窃电动车一辆价值三千元", "被告人李某盗窃手机一部价值二千元", "被告人王某诈骗现金五万元",
         "被告人赵某抢劫现金八百元", "被告人钱某盗窃现金一千元", "被告人孙某诈骗手机一部"]
e = TfidfSvdEmbeddings.fit(texts, dim=2, max_words=6, max_chars=9, min_df=2)
print(sorted(e.char_vocab), sorted(e.word_vocab))
"""


def _fit(seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run([sys.executable, "-c", FIT], env=env, capture_output=True, text=True, check=True).stdout


def test_vocabulary_does_not_follow_the_hash_seed() -> None:
    outs = {_fit(s) for s in ("1", "2", "3", "4")}
    assert len(outs) == 1, outs
