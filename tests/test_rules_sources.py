"""The README's rules-by-source table is what the catalogue generates (it cannot drift)."""

from pathlib import Path

from knowledge.rules import catalogue
from knowledge.rules.sources import readme_block, sources_of, table

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_table_matches_catalogue():
    rules, problems = catalogue()
    assert not problems
    block = readme_block(README.read_text(encoding="utf-8"))
    assert block is not None, "README has no rules-by-source block"
    assert block == table(rules), "README table out of date: python -m knowledge.rules.sources --write README.md"


def test_catalogue_has_at_least_the_issue_23_count():
    rules, _ = catalogue()
    assert len(rules) >= 370


def test_sources_primary_first():
    rules, _ = catalogue()
    r = next(r for r in rules if r.id == "TL.PLEA_WITHOUT_LAWYER")
    assert sources_of(r)[:2] == ["刑事诉讼法（2018）", "人民检察院刑事诉讼规则（2019）"]
    assert "认罪认罚从宽指导意见（2019）" in sources_of(r)


def test_runtime_catalogue_skips_only_the_examples():
    from knowledge.rules import load_rules

    full, p1 = load_rules()
    lean, p2 = load_rules(examples=False)
    assert not p1 and not p2
    assert [r.model_dump(exclude={"examples"}) for r in full] == [r.model_dump(exclude={"examples"}) for r in lean]
    assert all(r.examples for r in full) and not any(r.examples for r in lean)
