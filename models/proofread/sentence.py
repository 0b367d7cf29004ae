"""Sentence proofreading with the legal character LM: generate candidate edits (homophone words and
characters via pinyin, the sound / shape confusion sets of ``knowledge/confusion``, two adjacent
confusable characters forming a word, similar shapes, legal phrases, near misses of legal terms,
missing / redundant characters, swapped neighbours) at the positions the LM finds unlikely, score
each edit by the LM log-probability gain of the whole sentence, and decide:

- with the learned decider (``models.proofread.decider``, the default): gradient-boosted trees over
  the gain and word-level / lexicon / confusion features (``models.proofread.features``) give each
  candidate a probability; edits above the trained threshold are kept; missing / redundant / swapped
  characters and legal-term near misses keep their calibrated LM-gain thresholds (``threshold_kinds``);
  a corrected sentence is checked once more;
- without it: the per-kind LM-gain thresholds of ``config.yaml``.

Correctly written legal terms (3+ characters) are protected like names and numbers.
Everything for one batch of texts is scored in one vectorised LM call (``CharLM.windows_logp``).
"""

from __future__ import annotations

import gzip
import itertools
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.lm import CharLM, get_lm
from knowledge.yamlfile import load_yaml
from models.proofread.phrases import phrase_confusions

HERE = Path(__file__).resolve().parent
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
_SPLIT = re.compile(r"[^。！？；\n\r]+[。！？；]?")
_KIND_RULE = {"word": "PROOF.TYPO", "char": "PROOF.TYPO", "shape": "PROOF.TYPO", "phrase": "PROOF.TYPO",
              "conf": "PROOF.TYPO", "legal": "PROOF.TYPO",
              "missing": "PROOF.MISSING", "redundant": "PROOF.REDUNDANT", "order": "PROOF.ORDER"}
_KIND_TYPE = {"word": "typo", "char": "typo", "shape": "typo", "phrase": "typo", "conf": "typo", "legal": "typo",
              "missing": "missing", "redundant": "redundant", "order": "order"}
_MAX_R = 8  # longest replacement (phrase confusions are ≤ 6 characters)
CONFUSION_DIR = Path(__file__).resolve().parents[2] / "knowledge" / "confusion"

# names after a role word, anonymised names (张某某, 张3), places/organisations before a suffix,
# quotations of other documents, numbers and case numbers: never edited
# what follows a person's name (a role word's name, 张某X): punctuation or a function or act word
_AFTER_NAME = "[，,、。；：:（(的等系犯与和及在于将被因到驾持酒曾自供辩签同共向把对从又即还也便遂伙出]"
_PROTECT = [
    re.compile(r"(?:被告人|被害人|证人|辩护人|代理人|审判长|审判员|书记员|陪审员|公诉人|检察员|检察官|"
               r"上诉人|嫌疑人|罪犯|申请人|被申请人|原告人|法定代表人|驾驶员|司机)"
               r"([\u4e00-\u9fff]{1,3}?)(?=" + _AFTER_NAME + "|$)"),
    re.compile(r"[\u4e00-\u9fff]{1,2}(?:某+|[0-9０-９]+|[ＡＢＣＸＹA-Z]+)"),
    re.compile(r"(?<=[\u4e00-\u9fff]某)[\u4e00-\u9fff](?=" + _AFTER_NAME + ")"),
    re.compile(r"[\u4e00-\u9fff]{1,4}检[\u4e00-\u9fff]{0,6}(?=[（(〔\[［【])"),  # case numbers: 鼓检公诉刑诉〔…〕
    re.compile(r"第[零一二三四五六七八九十百0-9]+[师团旅营连]"),  # units of 生产建设兵团
    re.compile(r"[\u4e00-\u9fff]{2,6}?(?:省|市|县|区|镇|乡|村|街道|路|街|巷|弄|号|小区|大厦|广场|公司|派出所|"
               r"公安局|分局|检察院|法院|看守所|医院|银行|酒店|宾馆|超市|商场|中心|集团|大学|学校)"),
    re.compile(r"“[^”]{0,80}”|\"[^\"]{0,80}\"|「[^」]{0,80}」"),
    re.compile(r"[零〇一二三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬元角分整]*[壹贰叁肆伍陆柒捌玖拾佰仟萬]"
               r"[零〇一二三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬元角分整]*"),
    re.compile(r"[（(〔\[]?[0-9０-９]{4}[）)〕\]]?[\u4e00-\u9fff0-9０-９]{0,12}[号]"),
]


@dataclass
class Edit:
    """One correction inside a text: replace ``text[start:end]`` (``original``) by ``suggestion``."""

    start: int
    end: int
    original: str
    suggestion: str
    kind: str  # word | char | shape | phrase | conf | legal | missing | redundant | order
    gain: float  # LM log10 gain of the sentence
    confidence: float

    @property
    def type(self) -> str:
        return _KIND_TYPE[self.kind]

    @property
    def rule_id(self) -> str:
        return _KIND_RULE[self.kind]

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "original": self.original, "suggestion": self.suggestion,
                "type": self.type, "confidence": round(self.confidence, 3), "rule_id": self.rule_id}


@lru_cache(maxsize=1)
def config() -> dict[str, Any]:
    return load_yaml(HERE / "config.yaml")


class Lexicon:
    """Confusion data: word lexicon by pinyin, character readings, shapes, legal phrases."""

    def __init__(self) -> None:
        with gzip.open(HERE / "lexicon.json.gz", "rt", encoding="utf-8") as f:
            data = json.load(f)
        self.char_py: dict[str, list[str]] = data["chars"]
        self.sound_cache: dict[str, list[str]] = {}  # caches filled while checking (see _candidates)
        self._homo: dict[str, tuple[str, ...]] = {}
        self._after: dict[str, frozenset[str]] | None = None
        self._before: dict[str, frozenset[str]] | None = None
        self.words: dict[str, str] = {w: v[0] for w, v in data["words"].items()}
        self.freq: dict[str, int] = {w: v[1] for w, v in data["words"].items()}
        self.py2words: dict[str, list[str]] = {}
        for w, py in self.words.items():
            self.py2words.setdefault(py, []).append(w)
        self.py2chars: dict[str, list[str]] = {}
        for c, pys in self.char_py.items():  # chars are in corpus-frequency order
            for p in pys:
                self.py2chars.setdefault(p, []).append(c)
        self.shapes: dict[str, list[str]] = {}
        for line in (HERE / "shapes.txt").read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                for c in line:
                    self.shapes.setdefault(c, []).extend(x for x in line if x != c)
        spec = load_yaml(HERE / "phrases.yaml")
        self.confusions: dict[str, str] = phrase_confusions()
        # sound / shape confusion sets (ECSpell, MIT): only characters the lexicon knows, most frequent first
        uni = _unigram(get_lm())
        rank = {c: i for i, c in enumerate(sorted(self.char_py, key=lambda c: -uni.get(c, -99.0)))}
        self.char_rank = rank
        self.conf_sound = self._confusion("sound.json.gz", rank)
        self.conf_shape = self._confusion("shape.json.gz", rank)
        self.conf_cands: dict[str, str] = {}
        self.conf_set: dict[str, frozenset[str]] = {}
        cap = int(config()["confusion_max"])
        for c in set(self.conf_sound) | set(self.conf_shape) | set(self.char_py):
            homo = "".join(sorted(self.homophone_chars(c), key=rank.__getitem__))
            both = dict.fromkeys(self.conf_sound.get(c, "")[:cap] + homo[:cap] + self.conf_shape.get(c, "")[:cap])
            self.conf_cands[c] = "".join(both)
            self.conf_set[c] = frozenset(both)
        # two-character words by first character (pair candidates: both characters confusable)
        self.words_by_first: dict[str, list[str]] = {}
        for w in self.words:
            if len(w) == 2:
                self.words_by_first.setdefault(w[0], []).append(w)
        # legal terms: protected when written right, repaired when one character is a confusable near miss
        from knowledge.lexicon import DICT_FILE

        terms = {ln.split()[0] for ln in DICT_FILE.read_text(encoding="utf-8").splitlines() if ln.strip()}
        terms |= set(spec.get("phrases") or ())
        terms |= set(load_yaml(HERE / "legal_terms.yaml")["terms"])
        self.legal_terms: frozenset[str] = frozenset(t for t in terms if len(t) >= 2 and _CJK_RE.match(t[0]))
        self.legal_re = re.compile("|".join(re.escape(t) for t in sorted(
            (t for t in self.legal_terms if len(t) >= 3), key=len, reverse=True)))
        # near-miss index: every 2-character piece of a term (4–10 characters) → (term, offset)
        self.legal_near: dict[str, list[tuple[str, int]]] = {}
        for t in self.legal_terms:
            if 4 <= len(t) <= 10:
                for i in range(len(t) - 1):
                    self.legal_near.setdefault(t[i : i + 2], []).append((t, i))
        # missing-character index: the word with one character dropped → (word, index)
        self.deletions: dict[str, list[tuple[str, int]]] = {}
        for w in sorted(self.words, key=lambda x: -self.freq[x]):
            if len(w) >= 3 and self.freq[w] >= 3:
                for i in range(len(w)):
                    lst = self.deletions.setdefault(w[:i] + w[i + 1 :], [])
                    if len(lst) < 4:
                        lst.append((w, i))

    @staticmethod
    def _confusion(name: str, rank: dict[str, int]) -> dict[str, str]:
        with gzip.open(CONFUSION_DIR / name, "rt", encoding="utf-8") as f:
            raw: dict[str, str] = json.load(f)
        out = {}
        for c, alts in raw.items():
            if len(c) == 1:
                keep = sorted((x for x in dict.fromkeys(alts) if x in rank and x != c), key=rank.__getitem__)
                if keep:
                    out[c] = "".join(keep)
        return out

    def homophones(self, c: str) -> tuple[str, ...]:
        """``homophone_chars(c)`` in a fixed order, cached."""
        got = self._homo.get(c)
        if got is None:
            got = self._homo[c] = tuple(self.homophone_chars(c))
        return got

    def word_after(self, p: str) -> frozenset[str]:
        """Characters ``c`` such that ``p + c`` is a lexicon word."""
        if self._after is None:
            self._index_pairs()
        return self._after.get(p, frozenset())  # type: ignore[union-attr]

    def word_before(self, n: str) -> frozenset[str]:
        """Characters ``c`` such that ``c + n`` is a lexicon word."""
        if self._before is None:
            self._index_pairs()
        return self._before.get(n, frozenset())  # type: ignore[union-attr]

    def _index_pairs(self) -> None:
        after: dict[str, set[str]] = {}
        before: dict[str, set[str]] = {}
        for w in self.words:
            if len(w) == 2:
                after.setdefault(w[0], set()).add(w[1])
                before.setdefault(w[1], set()).add(w[0])
        self._after = {k: frozenset(v) for k, v in after.items()}
        self._before = {k: frozenset(v) for k, v in before.items()}

    def homophone_chars(self, c: str) -> set[str]:
        out: set[str] = set()
        for p in self.char_py.get(c, ()):
            out.update(self.py2chars.get(p, ()))
        out.discard(c)
        return out

    def same_sound_words(self, s: str) -> list[str]:
        """Lexicon words read like ``s`` (one of its first 8 readings), other than ``s`` (cached)."""
        got = self.sound_cache.get(s)
        if got is None:
            if len(self.sound_cache) > 500_000:
                self.sound_cache.clear()
            got = self.sound_cache[s] = list(dict.fromkeys(
                w for key in self.word_keys(s) for w in self.py2words.get(key, ()) if w != s))
        return got

    def word_keys(self, s: str) -> list[str]:
        readings = [self.char_py.get(c) for c in s]
        if any(not r for r in readings):
            return []
        combos = itertools.islice(itertools.product(*readings), 8)  # type: ignore[arg-type]
        return list(dict.fromkeys(" ".join(c) for c in combos))


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return Lexicon()


def protected_mask(text: str, extra_names: tuple[str, ...] = ()) -> np.ndarray:
    """True where a character must not be edited (names, places, quotations, numbers)."""
    mask = np.zeros(len(text) + 1, dtype=bool)
    for rx in _PROTECT:
        for m in rx.finditer(text):
            a, b = (m.span(1) if m.re.groups else m.span())
            mask[a:b] = True
    for name in extra_names:
        if name:
            for m in re.finditer(re.escape(name), text):
                mask[m.start() : m.end()] = True
    for i, ch in enumerate(text):
        if not _CJK_RE.match(ch):
            mask[i] = True
    return mask


def split_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``[start, end)`` (split after 。！？； and at line breaks)."""
    return [m.span() for m in _SPLIT.finditer(text) if m.group().strip()]


def _candidates(s: str, mask: np.ndarray, susp: np.ndarray, lex: Lexicon, cfg: dict,
                bigrams: frozenset[str], low: np.ndarray | None = None,
                seen2: frozenset[str] = frozenset(), char_subs=None) -> list[tuple]:
    """(start, end, replacement, kind) edits of sentence ``s`` near suspicious positions."""
    n = len(s)
    out: dict[tuple[int, int, str], str] = {}
    sc = [0]
    for x in susp.tolist():
        sc.append(sc[-1] + x)
    mc = [0]
    for x in mask.tolist():
        mc.append(mc[-1] + x)

    def near(a: int, b: int) -> bool:  # any suspicious position in [a, b]
        return sc[min(b + 1, n + 1)] - sc[max(a, 0)] > 0

    def free(a: int, b: int) -> bool:
        return mc[b] - mc[a] == 0

    def add(a: int, b: int, r: str, kind: str) -> None:
        if (a, b, r) not in out and s[a:b] != r:
            out[(a, b, r)] = kind

    for wrong, right in lex.confusions.items():
        if wrong in s:
            for m in re.finditer(re.escape(wrong), s):
                add(m.start(), m.end(), right, "phrase")
    # near misses of a legal term: one character replaced by a confusable one (依法制国 → 依法治国)
    lnear, cset = lex.legal_near, lex.conf_set
    for j in range(n - 1):
        for t, k in lnear.get(s[j : j + 2], ()):
            st = j - k
            if st < 0 or st + len(t) > n:
                continue
            w = s[st : st + len(t)]
            diff = [i for i in range(len(t)) if w[i] != t[i]]
            if len(diff) == 1:
                i = diff[0]
                a = st + i
                if not mask[a] and t[i] in cset.get(w[i], ()):
                    add(a, a + 1, t[i], "legal")
    if char_subs is None:
        def char_subs(p: str, c0: str, nx: str, pair: bool) -> list[tuple[int, str, str]]:
            return _char_subs(lex, p, c0, nx, pair, seen2)
    sus = [i for i, x in enumerate(susp.tolist()) if x]
    starts = sorted({a for j in sus for a in range(j - 4, j + 1) if 0 <= a < n})
    mk = mask.tolist()
    lowk = (low if low is not None else susp).tolist()
    for a in starts:
        if mk[a]:
            continue
        for ln in (2, 3, 4):
            b = a + ln
            if b > n or not free(a, b) or not near(a, b - 1):
                continue
            for w in lex.same_sound_words(s[a:b]):
                add(a, b, w, "word")
        if not near(a, a):
            continue
        prev_c = s[a - 1] if a > 0 else ""
        next_c = s[a + 1] if a + 1 < n else ""
        pair = a + 1 < n and not mk[a + 1] and lowk[a] and lowk[a + 1]  # both characters of a word wrong
        for db, r, kind in char_subs(prev_c, s[a], next_c, pair):
            add(a, a + db, r, kind)
        add(a, a + 1, "", "redundant")
        if a + 1 < n and not mask[a + 1] and s[a] != s[a + 1]:
            add(a, a + 2, s[a + 1] + s[a], "order")
    # missing characters: a known word with one character dropped, or a function word
    for a in starts:
        for ln in (2, 3, 4, 5):
            b = a + ln
            if b > n or not near(a, b) or not free(a, b):
                continue
            for w, i in lex.deletions.get(s[a:b], ()):
                add(a + i, a + i, w[i], "missing")
    ins = cfg["insert_chars"]
    for a in sus:
        if 0 < a < n and not (mk[a - 1] and mk[a]):
            p, q = s[a - 1], s[a]
            for c in ins:
                if c != p and c != q and (p + c) in bigrams and (c + q) in bigrams:
                    add(a, a, c, "missing")
    return [(a, b, r, k) for (a, b, r), k in out.items()]


_NUMERALS = frozenset("零〇一二三四五六七八九十百千万亿两")


def _char_subs(lex: Lexicon, prev_c: str, c0: str, next_c: str, pair: bool,
               seen2: frozenset[str], bigram: _BigramGain | None = None,
               bigram_min: float = -99.0) -> list[tuple[int, str, str]]:
    """Substitutions of the character ``c0`` between ``prev_c`` and ``next_c``: (length, replacement,
    kind) — homophones making a word, similar shapes, confusion-set characters making a seen pair,
    and (``pair``) a word of two confusable characters replacing ``c0`` and the next one. With
    ``bigram`` a single-character substitution whose two character bigrams lose more than
    ``bigram_min`` (log10) is dropped before the full LM scores it."""
    out: list[tuple[int, str, str]] = []
    words = lex.words
    if prev_c and next_c:  # same test as below without building strings
        wa, wb = lex.word_after(prev_c), lex.word_before(next_c)
        for c in lex.homophones(c0):
            if c in wa or c in wb:
                out.append((1, c, "char"))
    else:
        for c in lex.homophones(c0):
            if (prev_c + c) in words or (c + next_c) in words:
                out.append((1, c, "char"))
    for c in lex.shapes.get(c0, ()):
        out.append((1, c, "shape"))
    if bigram is None or not prev_c or not next_c:
        for c in lex.conf_cands.get(c0, ""):
            if (prev_c + c) in seen2 or (c + next_c) in seen2:
                out.append((1, c, "conf"))
    else:  # the same test with the bigram table split by neighbour (no string building)
        after, before = bigram.after.get(prev_c, _NO_PAIRS), bigram.before.get(next_c, _NO_PAIRS)
        for c in lex.conf_cands.get(c0, ""):
            if c in after or c in before:
                out.append((1, c, "conf"))
    if bigram is not None and out:
        p1, b1 = bigram.p1, bigram.b1
        if prev_c and next_c:
            after, before = bigram.after.get(prev_c, _NO_PAIRS), bigram.before.get(next_c, _NO_PAIRS)
            bo_prev = b1.get(prev_c, 0.0)
            p_next = p1.get(next_c, -7.0)
            v = after.get(c0)
            floor = bigram_min + (v if v is not None else bo_prev + p1.get(c0, -7.0))
            v = before.get(c0)
            floor += v if v is not None else b1.get(c0, 0.0) + p_next
            kept = []
            for x in out:
                c = x[1]
                v = after.get(c)
                g = v if v is not None else bo_prev + p1.get(c, -7.0)
                v = before.get(c)
                g += v if v is not None else b1.get(c, 0.0) + p_next
                if g > floor:
                    kept.append(x)
            out = kept
        else:
            out = [x for x in out if bigram.gain(prev_c, c0, x[1], next_c) > bigram_min]
    if c0 in _NUMERALS:  # a number is never changed into another number (七日 / 十日 both read well)
        out = [x for x in out if x[1] not in _NUMERALS]
    if pair:
        second = lex.conf_set.get(next_c, frozenset())
        for c in lex.conf_cands.get(c0, ""):
            for w in lex.words_by_first.get(c, ()):
                if w[1] in second:
                    out.append((2, w, "conf"))
    return out


class SentenceChecker:
    def __init__(self, lm: CharLM | None = None, thresholds: dict[str, float] | None = None) -> None:
        self.lm = lm or get_lm()
        self.lex = lexicon()
        self.cfg = config()
        self.thr = dict(self.cfg["thresholds"])
        if thresholds:
            self.thr.update(thresholds)
        self.bigrams = _bigrams(self.lm, int(self.cfg["insert_min_count"]))
        self._uni: dict[str, float] | None = None
        self.seen2 = _bigrams(self.lm, 0, floor=-99.0)
        self._rid: dict[str, tuple[int, ...]] = {}  # replacement → LM ids padded to _MAX_R
        self._subs_cache: dict[tuple[str, str, str, bool], list[tuple[int, str, str]]] = {}
        self._bigram = _BigramGain(self.lm) if self.lm is not None else None
        self._bigram_min = float(self.cfg.get("subst_bigram_min", -99.0))

    def char_subs(self, prev_c: str, c0: str, next_c: str, pair: bool) -> list[tuple[int, str, str]]:
        """``_char_subs`` with the bigram pre-filter, cached by the character and its neighbours."""
        key = (prev_c, c0, next_c, pair)
        got = self._subs_cache.get(key)
        if got is None:
            if len(self._subs_cache) > 500_000:
                self._subs_cache.clear()
            got = self._subs_cache[key] = _char_subs(self.lex, prev_c, c0, next_c, pair, self.seen2,
                                                      self._bigram, self._bigram_min)
        return got

    def score_edits(self, texts: list[str], masks: list[np.ndarray], with_lp: bool = False):
        """All candidate edits of each text with their LM gain: [(a, b, r, kind, gain)…] per text
        (and, with ``with_lp``, the LM log10 p of every character of each text, EOS last)."""
        lm = self.lm
        if lm is None:
            empty: list[list[tuple]] = [[] for _ in texts]
            return (empty, [np.zeros(len(t) + 1) for t in texts]) if with_lp else empty
        order = lm.order
        cfg = self.cfg
        encs = [lm.encode(t) for t in texts]
        # base log-probabilities of every position of every text in one call
        pos_rows = []
        for ids in encs:
            pos_rows.append(_windows(ids, np.arange(1, len(ids)), order))
        base = lm.windows_logp(np.concatenate(pos_rows)) if pos_rows else np.zeros(0)
        lps, k = [], 0
        for ids in encs:
            m = len(ids) - 1
            lps.append(base[k : k + m])
            k += m
        order1 = order - 1
        # all candidates of all texts as arrays: text, start, end, replacement ids (padded), kind
        cand_lists: list[tuple[int, list[tuple]]] = []
        pads, offs, csums = [], [], []
        pos = 0
        for ti, (t, ids, lp, mask) in enumerate(zip(texts, encs, lps, masks, strict=True)):
            if len(t) > cfg["max_sentence_chars"]:
                continue
            # lp[j] = log p(char j) for j < n, lp[n] = EOS
            low = lp < cfg["detect_logp"]
            susp = low.copy()
            susp[:-1] |= low[1:]
            cands = _candidates(t, mask, susp, self.lex, cfg, self.bigrams, lp < cfg["pair_logp"],
                                self.seen2, self.char_subs)
            if not cands:
                continue
            cand_lists.append((ti, cands))
            pads.append(ids)
            offs.append(pos + order1)
            csums.append(np.concatenate([[0.0], np.cumsum(lp)]))
            pos += len(ids) + 2 * order1
        out: list[list[tuple]] = [[] for _ in texts]
        if not cand_lists:
            return (out, lps) if with_lp else out
        # one padded id row per text block: order1 × -1 (before BOS), ids, order1 × -2 (after EOS)
        g = np.full(pos, -2, dtype=np.int64)
        cs = np.zeros(pos, dtype=np.float64)
        for ids, o, c in zip(pads, offs, csums, strict=True):
            g[o - order1 : o] = -1
            g[o : o + len(ids)] = ids
            cs[o : o + len(c)] = c
        rid = self._rid
        cid = lm.char_id
        t_off, t_n, a_l, b_l, r_l = [], [], [], [], []
        for (ti, cands), o in zip(cand_lists, offs, strict=True):
            m = len(cands)
            t_off += [o] * m
            t_n += [len(texts[ti])] * m
            for a, b, r, _k in cands:
                a_l.append(a)
                b_l.append(b)
                ri = rid.get(r)
                if ri is None:
                    ri = rid[r] = tuple(cid(c) for c in r) + (-2,) * (_MAX_R - len(r))
                r_l.append(ri)
        off = np.asarray(t_off, dtype=np.int64)
        nn = np.asarray(t_n, dtype=np.int64)
        aa = np.asarray(a_l, dtype=np.int64)
        bb = np.asarray(b_l, dtype=np.int64)
        rr = np.asarray(r_l, dtype=np.int64)
        rlen = (rr != -2).sum(axis=1)
        lmax = int(rlen.max())
        m = len(aa)
        arr = np.full((m, 2 * order1 + lmax), -2, dtype=np.int64)
        k1 = np.arange(order1)
        arr[:, :order1] = g[(off + aa + 1 - order1)[:, None] + k1[None, :]]  # ids[a+1-order1 .. a]
        arr[:, order1 : order1 + lmax] = rr[:, :lmax]
        cols = order1 + rlen[:, None] + k1[None, :]
        arr[np.arange(m)[:, None], cols] = g[(off + bb + 1)[:, None] + k1[None, :]]  # ids[b+1 .. b+order1]
        cnts = rlen + np.minimum(order1, nn + 1 - bb)
        old_end = np.minimum(bb + order1, nn + 1)
        old = cs[off + old_end] - cs[off + aa]
        sw = np.lib.stride_tricks.sliding_window_view(arr, order, axis=1)
        valid = np.arange(sw.shape[1])[None, :] < cnts[:, None]
        new_lp = lm.windows_logp(sw[valid])
        gain = (np.bincount(np.nonzero(valid)[0], weights=new_lp, minlength=m) - old).tolist()
        k = 0
        for ti, cands in cand_lists:
            o = out[ti]
            for (a, b, r, kind), gn in zip(cands, gain[k : k + len(cands)], strict=True):
                o.append((a, b, r, kind, gn))
            k += len(cands)
        return (out, lps) if with_lp else out

    def protect_legal(self, text: str, mask: np.ndarray) -> np.ndarray:
        """``mask`` plus every legal term (3+ characters) written correctly: never edited."""
        out = mask
        for m in self.lex.legal_re.finditer(text):
            if out is mask:
                out = mask.copy()
            out[m.start() : m.end()] = True
        return out

    def check(self, texts: list[str], masks: list[np.ndarray] | None = None) -> list[list[Edit]]:
        """Accepted edits per sentence (offsets within each sentence). With the learned decider a
        sentence that received corrections is checked once more (a second error near the first one
        is scored against the corrected context)."""
        if masks is None:
            masks = [protected_mask(t) for t in texts]
        masks = [self.protect_legal(t, m) for t, m in zip(texts, masks, strict=True)]
        trees = self.trees()
        scored, lps = self.score_edits(texts, masks, with_lp=True)
        if trees is None:
            return [self.decide_thresholds(t, c) for t, c in zip(texts, scored, strict=True)]
        result = self.decide_batch(texts, scored, lps, trees)
        if not self.cfg["decider"]["second_pass"]:
            return result
        again = [i for i, es in enumerate(result) if es and all(len(e.suggestion) == e.end - e.start for e in es)]
        if not again:
            return result
        new_texts = [_apply_edits(texts[i], result[i]) for i in again]
        new_masks = [masks[i] for i in again]  # same length: the protected positions are unchanged
        scored2, lps2 = self.score_edits(new_texts, new_masks, with_lp=True)
        second = self.decide_batch(new_texts, scored2, lps2, trees)
        for i, es2 in zip(again, second, strict=True):
            done = {(e.start, e.end) for e in result[i]}
            busy = [(e.start, e.end) for e in result[i]]
            extra = [e for e in es2
                     if (e.start, e.end) not in done and len(e.suggestion) == e.end - e.start
                     and not any(e.start < b and a < e.end for a, b in busy)]
            if extra:
                orig = texts[i]
                extra = [Edit(e.start, e.end, orig[e.start : e.end], e.suggestion, e.kind, e.gain, e.confidence)
                         for e in extra]
                result[i] = sorted(result[i] + extra, key=lambda e: e.start)
        return result

    def trees(self):
        if not self.cfg["decider"]["enabled"]:
            return None
        from models.proofread.decider import load

        return load()

    def decide(self, t: str, cands: list[tuple], lp: np.ndarray | None = None) -> list[Edit]:
        trees = self.trees()
        if trees is not None and lp is not None:
            return self.decide_learned(t, cands, lp, trees)
        return self.decide_thresholds(t, cands)

    def candidate_matrix(self, t: str, cands: list[tuple], lp: np.ndarray) -> tuple[list[tuple], np.ndarray]:
        """The candidates worth a decision (LM gain above the floor) and their feature matrix."""
        from models.proofread.features import candidate_features, seg_multi_mask

        floor = float(self.cfg["decider"]["min_gain"])
        by_kind = dict(self.cfg["decider"].get("min_gain_kind") or {})
        for k in self.cfg["decider"].get("threshold_kinds") or ():  # decided by their LM-gain threshold
            by_kind[k] = max(by_kind.get(k, floor), self.thr[k])
        keep = [c for c in _drop_beaten(cands, self.cfg["decider"]) if c[4] > by_kind.get(c[3], floor)]
        if not keep:
            return keep, np.zeros((0, 0), dtype=np.float32)
        seg = seg_multi_mask(t, _cut)
        return keep, candidate_features(t, lp, keep, self.lex, self.unigram(), seg)

    def decide_batch(self, texts: list[str], scored: list[list[tuple]], lps: list[np.ndarray], trees) -> list[list[Edit]]:
        """Learned decisions for many sentences with one call of the trees."""
        mats = [self.candidate_matrix(t, c, lp) for t, c, lp in zip(texts, scored, lps, strict=True)]
        xs = [x for keep, x in mats if keep]
        if not xs:
            return [[] for _ in texts]
        prob = trees.proba(np.concatenate(xs)).tolist()
        out, k = [], 0
        gap, most = int(self.cfg["decider"]["gap"]), int(self.cfg["decider"]["max_edits"])
        for t, (keep, _x) in zip(texts, mats, strict=True):
            if not keep:
                out.append([])
                continue
            out.append(select(t, keep, self._policy(keep, prob[k : k + len(keep)], trees.decision),
                              trees.decision, gap, most))
            k += len(keep)
        return out

    def _policy(self, keep: list[tuple], prob: list[float], decision: float) -> list[float]:
        """Kinds listed in ``decider.threshold_kinds`` keep the calibrated LM-gain thresholds (the
        decider saw few of them in training): accepted above their threshold, never otherwise."""
        kinds = self.cfg["decider"].get("threshold_kinds") or ()
        if not kinds:
            return prob
        return [(max(p, decision) if c[4] > self.thr[c[3]] else 0.0) if c[3] in kinds else p
                for c, p in zip(keep, prob, strict=True)]

    def decide_learned(self, t: str, cands: list[tuple], lp: np.ndarray, trees) -> list[Edit]:
        keep, x = self.candidate_matrix(t, cands, lp)
        if not keep:
            return []
        prob = self._policy(keep, trees.proba(x).tolist(), trees.decision)
        return select(t, keep, prob, trees.decision, int(self.cfg["decider"]["gap"]),
                      int(self.cfg["decider"]["max_edits"]))

    def unigram(self) -> dict[str, float]:
        if self._uni is None:
            self._uni = _unigram(self.lm)
        return self._uni

    def decide_thresholds(self, t: str, cands: list[tuple]) -> list[Edit]:
        acc = []
        for a, b, r, kind, gain in cands:
            margin = gain - self.thr[kind]
            if margin > 0:
                acc.append((margin, a, b, r, kind, gain))
        acc.sort(key=lambda x: -x[0])
        chosen: list[Edit] = []
        gap = self.lm.order - 1 if self.lm else 4
        for margin, a, b, r, kind, gain in acc:
            if len(chosen) >= self.cfg["max_edits_per_sentence"]:
                break
            if any(a < e.end + gap and e.start < b + gap for e in chosen):
                continue
            conf = 1.0 / (1.0 + math.exp(-1.5 * margin)) * 0.5 + 0.5
            chosen.append(Edit(a, b, t[a:b], r, kind, gain, conf))
        chosen.sort(key=lambda e: e.start)
        return chosen


def select(t: str, cands: list[tuple], prob: list[float], decision: float, gap: int, max_edits: int) -> list[Edit]:
    """Edits whose probability reaches ``decision``, most probable first, none within ``gap``
    characters of an edit already chosen."""
    acc = sorted((p, i) for i, p in enumerate(prob) if p >= decision)
    chosen: list[Edit] = []
    for p, i in reversed(acc):
        if len(chosen) >= max_edits:
            break
        a, b, r, kind, gain = cands[i]
        if any(a < e.end + gap and e.start < b + gap for e in chosen):
            continue
        chosen.append(Edit(a, b, t[a:b], r, kind, gain, 0.5 + 0.5 * p))
    chosen.sort(key=lambda e: e.start)
    return chosen


def _drop_beaten(cands: list[tuple], dcfg: dict) -> list[tuple]:
    """Candidates without the insertions / deletions / swaps that a rival of those kinds touching the
    same characters beats on LM gain by more than ``rival_margin`` (a stray character in 被告径人 is
    deleted, not swapped to 被告人径; 志强犯奸 is swapped back, not given a second 强)."""
    kinds = frozenset(dcfg.get("rival_kinds") or ())
    if not kinds:
        return cands
    margin = float(dcfg.get("rival_margin", 0.0))
    rivals = [(c[0], c[1], c[4]) for c in cands if c[3] in kinds]
    if len(rivals) < 2:
        return cands
    by_start: dict[int, list[tuple[int, int, float]]] = {}
    for r in rivals:
        by_start.setdefault(r[0], []).append(r)
    out = []
    for c in cands:
        if c[3] in kinds:
            a, b, g = c[0], c[1], c[4] + margin
            if any(r[2] > g and r[1] >= a and (r[0], r[1]) != (a, b)
                   for x in range(a - 2, b + 1) for r in by_start.get(x, ())):
                continue
        out.append(c)
    return out


def _apply_edits(t: str, edits: list[Edit]) -> str:
    for e in sorted(edits, key=lambda e: -e.start):
        t = t[: e.start] + e.suggestion + t[e.end :]
    return t


def _cut(s: str) -> list[str]:
    from knowledge.lexicon import cut

    return cut(s)


_NO_PAIRS: dict[str, float] = {}


class _BigramGain:
    """The character-bigram part of the LM as dicts: a cheap estimate of a substitution's gain."""

    def __init__(self, lm: CharLM) -> None:
        inv = {i: c for c, i in lm.vocab.items()}
        k = lm.keys[1]
        a = (k >> np.uint64(12)).astype(np.int64).tolist()
        b = (k & np.uint64(4095)).astype(np.int64).tolist()
        self.after: dict[str, dict[str, float]] = {}  # prev → {c: log10 p(c | prev)}
        self.before: dict[str, dict[str, float]] = {}  # next → {c: log10 p(next | c)}
        for x, y, v in zip(a, b, lm.probs[1].tolist(), strict=True):
            cx, cy = inv.get(x, ""), inv.get(y, "")
            if cx and cy:  # pairs with BOS / EOS are not needed
                self.after.setdefault(cx, {})[cy] = v
                self.before.setdefault(cy, {})[cx] = v
        ks = lm.keys[0].tolist()
        self.p1 = {inv[x]: v for x, v in zip(ks, lm.probs[0].tolist(), strict=True) if x in inv}
        self.b1 = {inv[x]: v for x, v in zip(ks, lm.bows[0].tolist(), strict=True) if x in inv}

    def lp(self, p: str, c: str) -> float:
        v = self.after.get(p, _NO_PAIRS).get(c)
        return v if v is not None else self.b1.get(p, 0.0) + self.p1.get(c, -7.0)

    def gain(self, prev: str, old: str, new: str, nxt: str) -> float:
        """log10 gain of the two bigrams around a one-character substitution (a unigram at the start)."""
        g = self.lp(prev, new) - self.lp(prev, old) if prev else self.p1.get(new, -7.0) - self.p1.get(old, -7.0)
        if nxt:
            g += self.lp(new, nxt) - self.lp(old, nxt)
        return g


def _unigram(lm: CharLM | None) -> dict[str, float]:
    """log10 unigram probability of every character the LM knows."""
    if lm is None:
        return {}
    inv = {i: c for c, i in lm.vocab.items()}
    return {inv[k]: float(p) for k, p in zip(lm.keys[0].tolist(), lm.probs[0].tolist(), strict=True) if k in inv}


def _windows(ids: np.ndarray, positions: np.ndarray, order: int) -> np.ndarray:
    offs = np.arange(-(order - 1), 1)
    idx = positions[:, None] + offs[None, :]
    return np.where(idx >= 0, ids[np.clip(idx, 0, len(ids) - 1)], -1)


def _bigrams(lm: CharLM | None, min_count: int, floor: float = -2.5) -> frozenset[str]:
    """Character pairs the LM knows well (log-prob of the pair's 2-gram above a floor)."""
    if lm is None:
        return frozenset()
    inv = {i: c for c, i in lm.vocab.items()}
    k, p = lm.keys[1], lm.probs[1]
    keep = p > floor
    a = (k[keep] >> np.uint64(12)).astype(np.int64).tolist()
    b = (k[keep] & np.uint64(4095)).astype(np.int64).tolist()
    return frozenset(inv.get(x, "") + inv.get(y, "") for x, y in zip(a, b, strict=True))


@lru_cache(maxsize=1)
def default_checker() -> SentenceChecker:
    return SentenceChecker()
