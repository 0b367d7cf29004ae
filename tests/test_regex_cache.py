"""models.regex_cache: patterns rebuilt from the cross-process cache are the ones ``re`` builds."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from models import regex_cache

PATTERNS = [
    (r"(?P<name>[\u4e00-\u9fa5]{2,4})(?:犯|涉嫌)(?P<charge>[^，。；]{2,20}?罪)", 0),
    (r"[一二三四五六七八九十百千万零〇两\d]+(?:年|个月)", 0),
    (r"^\s*(被告人|辩护人)[:：]?", re.M),
    (r"abc|ABC", re.I),
    (rb"\x00+", 0),
    (r"(a)(b)?(?:c)(?P<d>d)\2", 0),
]
TEXTS = ["被告人张三犯盗窃罪，判处有期徒刑三年六个月。", "  辩护人：李四\n被告人王五", "xABCx", "abbd", "", "ab d"]


@pytest.fixture(autouse=True)
def _not_installed():
    """Importing models.cli (other tests) installs the cache in this process: start without it."""
    regex_cache.uninstall()
    yield
    regex_cache.uninstall()


def test_cached_patterns_equal_re_s_own(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("JIANCHA_DATA_DIR", str(tmp_path))
    own = [re._compiler.compile(p, f) for p, f in PATTERNS]  # re's compiler, no cache installed
    try:
        assert regex_cache.install()
        first = [re._compiler.compile(p, f) for p, f in PATTERNS]  # compiled and recorded
    finally:
        regex_cache.uninstall()
    files = list((tmp_path / "cache" / "regex").glob("*.marshal"))
    assert len(files) == 1
    try:
        assert regex_cache.install()
        assert len(regex_cache._state["table"]) >= len(PATTERNS)  # read back from the file
        again = [re._compiler.compile(p, f) for p, f in PATTERNS]  # from the cache
    finally:
        regex_cache.uninstall()
    for a, b, c in zip(own, first, again, strict=True):
        for x in (b, c):
            assert (x.pattern, x.flags, x.groups, x.groupindex) == (a.pattern, a.flags, a.groups, a.groupindex)
        for t in TEXTS:
            tt = t.encode() if isinstance(a.pattern, bytes) else t
            assert [m.span() for m in a.finditer(tt)] == [m.span() for m in c.finditer(tt)]
            assert [m.groups() for m in a.finditer(tt)] == [m.groups() for m in c.finditer(tt)]


def test_bad_pattern_still_raises_and_damaged_file_is_ignored(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("JIANCHA_DATA_DIR", str(tmp_path))
    try:
        assert regex_cache.install()
        with pytest.raises(re.error):
            re._compiler.compile("(unclosed", 0)
        re._compiler.compile("[丁-丙]+", 0)
        path = regex_cache._state["path"]
    finally:
        regex_cache.uninstall()
    Path(path).write_bytes(b"not marshal")
    code = ("import re, models.regex_cache as r; assert r.install(); "
            "print(bool(re._compiler.compile('[甲乙丙丁]+', 0).fullmatch('甲乙')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                         env={**__import__("os").environ, "JIANCHA_DATA_DIR": str(tmp_path)})
    assert out.returncode == 0 and out.stdout.strip() == "True", out.stderr[-2000:]
