"""The cn2an-free path of knowledge.numerals (standard numerals 1–9999) agrees with cn2an."""

from __future__ import annotations

import itertools

import cn2an

from knowledge.numerals import _small_int, small_forms, to_number


def test_every_small_form_reads_as_cn2an_does() -> None:
    for n in range(1, 10000):
        assert cn2an.an2cn(n) in small_forms(n)
        for form in small_forms(n):
            assert _small_int(form) == n == int(cn2an.cn2an(form, "smart")), form


def test_anything_else_the_fast_path_accepts_agrees_with_cn2an() -> None:
    alphabet = "零一二两三四五六七八九十百千"
    for k in range(1, 4):
        for t in itertools.product(alphabet, repeat=k):
            s = "".join(t)
            v = _small_int(s)
            if v is not None:
                assert v == int(cn2an.cn2an(s, "smart")), s


def test_the_rest_still_goes_to_cn2an() -> None:
    assert _small_int("二零一三") is None and _small_int("三万") is None and _small_int("叁佰") is None
    assert to_number("三万") == 30000.0 and to_number("叁佰") == 300.0 and to_number("二百六十四") == 264.0
