"""``jiancha analyze``: facts or a whole document → charges, articles, amount, suggested sentence.

Output per input (DESIGN.md contract): ``{"id", "expert", "experts": [[name, score]…], "charges",
"charges_current", "charges_source", "articles", "amount_yuan", "term_months", "term_range_months",
"fine_yuan", "probation", "circumstances", "similar_cases"}``. ``--jsonl`` reads ``{"id", "text"[, "charges"]}``
lines and writes one line per input in the same order; large inputs are spread over the CPU cores.

Charges given by the user (``--charge``, a ``"charges"`` field, a ``罪名：…`` / ``案由：…`` line at the
head or tail of the text) are not predicted: articles, amount and sentence are computed for them.
``charges_source`` says where the charges came from: ``given``, ``documents`` (named in the text:
以/犯/构成/涉嫌…罪) or ``predicted`` (the charge classifier). ``charges`` are the names in force on the
day of the latest act (刑法第十二条: 强制猥亵、侮辱妇女 for acts before 2015-11-01), ``charges_current``
the names in force today (the same unless a charge was renamed since).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from knowledge.yamlfile import load_yaml
from models.commands._io import read_jsonl, read_text
from models.errors import BadInput

_MIN_PARALLEL = 200  # items: below this, one process is faster than starting workers
_BATCH = 64  # items analysed together (see analyze_many)
_warned: set[str] = set()


def _warn_once(msg: str) -> None:
    if msg not in _warned:
        _warned.add(msg)
        sys.stderr.write(msg + "\n")


def _elements(text: str, source: str):
    from models.documents import parse_text
    from models.extract.assemble import extract
    from models.types import Case

    doc = parse_text(text, source=source)
    case = Case(case_id=source, documents=[doc])
    el = extract(doc)
    case.elements[doc.kind] = el
    return case, el


Item = tuple[str, str] | tuple[str, str, list[str]]  # (id, text[, given charges])


def given_charges(values: Any, where: str = "") -> list[str]:
    """Official names of charges given by the user (a string or a list of strings, each may hold
    several names separated by ；;，,、); BadInput naming the first unknown item."""
    from knowledge.charges.given import normalize_given

    if values is None or values == "" or values == []:
        return []
    if not isinstance(values, (str, list)):
        raise BadInput(f"{where}charges 应为罪名或罪名列表")
    names, unknown = normalize_given(values)
    if unknown:
        raise BadInput(f"{where}无法识别的罪名：{unknown[0][:40]}")
    return names


def analyze_one(text: str, case_id: str = "", *, similar: bool = False,
                charges: list[str] | None = None) -> dict[str, Any]:
    """Analyze one fact description or document (``similar``: fill ``similar_cases``; ``charges``:
    charges given by the user, any accepted written form)."""
    given = given_charges(charges)
    return analyze_many([(case_id, text, given) if given else (case_id, text)], similar=similar)[0]


def analyze_many(items: list[Item], *, similar: bool = False) -> list[dict[str, Any]]:
    """Analyze ``(id, text[, given charges])`` items in one process (the gate's classifier is batched,
    64 at a time so the n-gram counts it computes are still cached when the term model reads the
    same facts). Given charges must be official names (``given_charges``). ``similar``: ask the
    similar-case store for ``similar_cases`` (``models.similar``; about 20 ms per item, so off by
    default)."""
    if len(items) > _BATCH:
        return [r for i in range(0, len(items), _BATCH)
                for r in _analyze_batch(items[i : i + _BATCH], i, similar)]
    return _analyze_batch(items, 0, similar)


def _similar_ids(facts: str, charges: list[str]) -> list[str]:
    """Ids of similar past cases; [] when the similar-case module or its store is not available."""
    try:
        from models.similar import similar_case_ids
    except (ImportError, AttributeError):
        return []
    try:
        return list(similar_case_ids(facts, charges, 10))
    except Exception as e:  # noqa: BLE001 - similar cases are an extra; the analysis stands
        _warn_once(f"类案检索失败（{type(e).__name__}: {e}），similar_cases 留空")
        return []


def _analyze_batch(items: list[Item], offset: int, similar: bool = False) -> list[dict[str, Any]]:
    from models.extract.given import given_charges_in_text
    from models.gate import explicit_charges, facts_of, route_many

    cases, els, facts, named, sources, texts = [], [], [], [], [], []
    for item in items:
        cid, text = item[0], item[1]
        if not isinstance(text, str) or not text.strip():
            raise BadInput(f"第{offset + len(cases) + 1}条输入没有文本" if len(items) > 1 or offset else "输入为空")
        given = list(item[2]) if len(item) > 2 else []  # type: ignore[misc]
        head = given_charges_in_text(text)
        given = given or head.charges
        if not head.text.strip():
            raise BadInput(f"第{offset + len(cases) + 1}条输入只有罪名，没有案情" if len(items) > 1 or offset
                           else "输入只有罪名，没有案情")
        case, el = _elements(head.text, cid or "-")
        texts.append(head.text)
        cases.append(case)
        els.append(el)
        facts.append(facts_of(case))
        doc = explicit_charges([el])
        named.append(given or doc)
        sources.append("given" if given else "documents" if doc else "predicted")
    gates = route_many(facts, named)
    out = [_result(item[0], f, el, g, src, t)
           for item, f, el, g, src, t in zip(items, facts, els, gates, sources, texts, strict=True)]
    from models.llm import enabled as llm_enabled  # LLM extraction fallback, only when configured

    if llm_enabled():
        from models.llm.features import assist_analysis

        out = [assist_analysis(r, f) for r, f in zip(out, facts, strict=True)]
    if similar:
        for o, f in zip(out, facts, strict=True):
            o["similar_cases"] = _similar_ids(f, o["charges_current"])
    return out


def _result(cid: str, facts: str, el, g, source: str = "predicted", text: str = "") -> dict[str, Any]:
    """One analysis. ``text``: the whole input, read for the accessory articles' cues (a document's evidence
    list and particulars are outside its facts section)."""
    from models.articles.cues import convictions

    charges = [c for c, _ in g.charges]
    out: dict[str, Any] = {
        "id": cid, "expert": g.expert, "experts": [[n, round(s, 4)] for n, s in g.experts],
        "charges": charges, "charges_current": charges, "charges_source": source,
        "articles": _articles(charges, text or facts, convictions(el)), "amount_yuan": None, "term_months": None,
        "term_range_months": None, "fine_yuan": None, "probation": None,
        "circumstances": list(dict.fromkeys(c.name for c in el.circumstances if not c.negated)),
        "similar_cases": [],
    }
    sug, parts = _suggest(facts, charges, el)
    if sug is not None:
        out["articles"] = list(dict.fromkeys(list(sug.articles) + out["articles"]))
        out["amount_yuan"] = sug.amount_yuan
        out["term_months"] = sug.term_months
        out["term_range_months"] = list(sug.term_range_months) if sug.term_range_months else None
        out["fine_yuan"] = sug.fine_yuan
        out["probation"] = sug.probation
        if sug.circumstances:
            out["circumstances"] = list(dict.fromkeys(list(sug.circumstances) + out["circumstances"]))
    out.update(_amount_fields(facts, parts, out["amount_yuan"]))
    learned = _learned_term(facts, charges, el, out["term_months"], parts)
    if learned is not None:
        out["term_months"] = learned
        rng = out["term_range_months"]
        if rng:  # the range still holds the suggested term
            out["term_range_months"] = [min(rng[0], learned), max(rng[1], learned)]
    # one pass over the charges' own articles and the engine's: basic/aggravated article, then the 1979 law's
    out["articles"] = _old_law_articles(_chosen_articles(out["articles"], charges, facts), charges, facts)
    out["charges"] = _names_in_force(charges, facts)
    return out


_OLD_YEAR = re.compile(r"19[4-9]\d年")
# the text itself says the old law applies: 其行为已触犯1979年《中华人民共和国刑法》… (CAIL train+dev: 14 cases
# name it, all 故意伤害 citing 134; three of them cannot be dated — 同年9月6日 after 1997年期间)
_OLD_LAW = re.compile(r"1979年[《〈]?(?:中华人民共和国)?刑法")


def _old_law_articles(articles: list[int], charges: list[str], facts: str) -> list[int]:
    """Acts done before the 1997 刑法 came into force are judged under the 1979 law's article (刑法第十二条):
    the charge's 1997 article is replaced by its 1979 one (``knowledge/charges/articles_1979.yaml``). The
    facts are dated only when they mention a year before 2000 and a charge has a 1979 article (cheap otherwise);
    facts that name the 1979 law as the one the acts violate need no date."""
    since, table = _articles_1979()
    old = {c: table[c] for c in charges if c in table}
    if not old or not _OLD_YEAR.search(facts):
        return articles
    from knowledge.charges import articles_for
    from models.extract.act_date import earliest_act_date

    if not _OLD_LAW.search(facts):
        first = earliest_act_date(facts)
        if first is None or first >= since:
            return articles
    out = list(articles)
    for c, a79 in old.items():
        new = {a for a, _ in articles_for(c)}
        out = [a79 if a in new else a for a in out]
    return list(dict.fromkeys(out))


@functools.lru_cache(maxsize=1)
def _articles_1979() -> tuple[dt.date, dict[str, int]]:
    from knowledge.charges import HERE

    raw = load_yaml(HERE / "articles_1979.yaml") or {}
    since = raw["since"]
    since = since if isinstance(since, dt.date) else dt.date.fromisoformat(str(since))
    return since, {str(k): int(v) for k, v in (raw.get("articles") or {}).items()}


def _names_in_force(charges: list[str], facts: str) -> list[str]:
    """The charges' names in force on the day of the latest act (刑法第十二条): 强制猥亵、侮辱妇女 for acts
    before 2015-11-01. The facts are dated only when a charge was renamed (cheap otherwise)."""
    from knowledge.charges.in_force import former_names, name_in_force

    if not any(former_names(c) for c in charges):
        return charges
    from models.extract.act_date import latest_act_date

    day = latest_act_date(facts)
    return list(dict.fromkeys(n for c in charges for n in name_in_force(c, day, facts)))


def _amount_fields(facts: str, parts, rule_amount: float | None) -> dict[str, Any]:
    """The learned ranker's crime amount (models.experts.amounts.rank) over every figure of the facts,
    with the engine's per-charge amounts among its votes: ``amount_yuan`` (the whole case, all charges),
    ``amount_confidence`` (calibrated 0..1), ``amount_uncertain`` (below the threshold chosen on the
    train/dev labels' cross-validation) and ``amounts_by_charge`` (each charge's own amount, read with
    its expert). Without the ranker artifact the rules' amount stands, with no confidence."""
    parts = parts or []
    out: dict[str, Any] = {"amount_confidence": None, "amount_uncertain": None,
                           "amounts_by_charge": [{"charge": p.charge, "amount_yuan": p.amount_yuan} for p in parts]}
    if not _reads_amounts([p.expert for p in parts]):
        out["amount_yuan"] = rule_amount  # no charge measured in money (drugs, injury, driving…)
        return out
    try:
        from models.experts.amounts.rank import pick

        got = pick(facts, [p.expert for p in parts], [p.amount_yuan for p in parts], [p.charge for p in parts])
    except Exception as e:  # noqa: BLE001 - the rules' amount stands
        _warn_once(f"金额排序模型失败（{type(e).__name__}: {e}），采用规则读出的金额")
        return out
    if got is not None:
        out.update(amount_yuan=got.value, amount_confidence=got.confidence, amount_uncertain=got.uncertain)
    else:
        out["amount_yuan"] = rule_amount
    return out


def _reads_amounts(experts: list[str]) -> bool:
    """Some charge's expert reads a crime amount in money."""
    from models.experts import registry

    reg = registry()
    return any(e in reg and reg[e].amount_fn is not None for e in experts)


def _articles(charges: list[str], facts: str = "", convictions: list[str] | None = None) -> list[int]:
    """The given charges' own articles and those that go with them when their condition holds
    (``knowledge/charges/article_cues.yaml``). ``convictions``: the defendants' prior convictions read from the
    particulars (None or [] when the input has none): where they are known, they decide an article that has a
    ``record`` cue, and its weaker ``evidence`` cue in the facts is not read."""
    from knowledge.charges import articles_for
    from models.articles.cues import cue_articles
    from models.articles.habit import habit_articles

    out = list(dict.fromkeys(a for c in charges for a, _ in articles_for(c)))
    out.extend(a for a in cue_articles(charges, facts, convictions or []) if a not in out)
    out.extend(a for a in habit_articles(charges, facts) if a not in out)  # 357, some courts' habit (learned)
    return out


def _chosen_articles(articles: list[int], charges: list[str], facts: str) -> list[int]:
    """Of a charge split over a basic and an aggravated article, the one the facts' result falls under."""
    from knowledge.charges import articles_for

    result, choice = _article_choice()
    if not any(c in choice for c in charges):
        return articles
    hit = bool(result.search(facts))
    drop: set[int] = set()
    keep: set[int] = set()
    for c in charges:
        if c in choice:
            basic, aggravated = choice[c]
            drop.add(basic if hit else aggravated)
            keep.add(aggravated if hit else basic)
        else:
            keep.update(a for a, _ in articles_for(c))
    return [a for a in articles if a not in drop or a in keep]


@functools.lru_cache(maxsize=1)
def _article_choice() -> tuple[re.Pattern[str], dict[str, tuple[int, int]]]:
    """Charges split over a basic and an aggravated article (放火 114/115, 破坏… 116–118/119): the facts'
    result picks one (``knowledge/charges/article_choice.yaml``)."""
    from knowledge.charges import HERE

    raw = load_yaml(HERE / "article_choice.yaml") or {}
    return re.compile(raw["result"]), {str(k): (int(v["basic"]), int(v["aggravated"]))
                                       for k, v in (raw.get("charges") or {}).items()}


def _suggest(facts: str, charges: list[str], el):
    """(the engine's suggestion, its per-charge parts) — (None, None) when it cannot say."""
    if not charges:
        return None, None
    try:
        from models.sentencing.engine import combine, suggest
    except ImportError:
        return None, None
    try:
        from models.experts.amounts.by_charge import split_facts

        own = split_facts(facts, charges) if len(charges) > 1 else {}
        parts = [suggest(own.get(c, facts), c, el) for c in charges]
        return combine(parts), parts
    except Exception as e:  # noqa: BLE001 - the sentence is optional; the charges still stand
        _warn_once(f"量刑计算失败（{type(e).__name__}: {e}），term 字段留空")
        return None, None


def _learned_term(facts: str, charges: list[str], el, engine_months: int | None, parts=None) -> int | None:
    """The combined term (guideline engine + learned model) when the learned model is present."""
    if not charges:
        return None
    try:
        from models.sentencing.learned import combined_term
    except ImportError:
        return None
    try:
        return combined_term(facts, charges, el, engine_months, parts=parts)
    except Exception as e:  # noqa: BLE001 - the engine's term stands
        _warn_once(f"学习模型量刑失败（{type(e).__name__}: {e}），采用量刑指导意见的结果")
        return engine_months


# --------------------------------------------------------------------------- CLI


def _chunks(items: list[Item], size: int) -> list[list[Item]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def run_jsonl(items: list[Item], workers: int | None = None, similar: bool = False):
    """Results in input order; several processes (fork, model loaded once before) for large inputs."""
    workers = workers or min(os.cpu_count() or 1, 8)
    if workers <= 1 or len(items) < _MIN_PARALLEL:
        for chunk in _chunks(items, _BATCH):
            yield from analyze_many(chunk, similar=similar)
        return
    import multiprocessing as mp

    from models.gate.model import blend

    blend()  # load before forking: the workers share it
    analyze_many(items[:1], similar=similar)  # warm every lazy cache (statutes, experts, guidelines, store)
    ctx = mp.get_context("fork")
    with ctx.Pool(workers) as pool:
        for res in pool.imap(functools.partial(analyze_many, similar=similar), _chunks(items, _BATCH)):
            yield from res


def register(app: typer.Typer) -> None:
    @app.command()
    def analyze(
        path: Annotated[str, typer.Argument(help="事实描述或文书文件；- 表示标准输入")] = "-",
        as_json: Annotated[bool, typer.Option("--json", help="输出一个 JSON 对象")] = False,
        jsonl: Annotated[bool, typer.Option("--jsonl", help='逐行读入 {"id","text"[,"charges"]}，逐行输出')] = False,
        workers: Annotated[int, typer.Option("--workers", help="并行进程数（默认 CPU 核数）")] = 0,
        similar: Annotated[bool, typer.Option("--similar/--no-similar",
                                              help="检索类案填入 similar_cases（每条约 20 毫秒，默认关闭）")] = False,
        charge: Annotated[list[str] | None, typer.Option(
            "--charge", help="已知罪名（可重复；一项内可用；、，分隔多个罪名；新旧罪名、CAIL 简称均可）。"
                             "给出后不再预测罪名，按此罪名计算法条、数额与量刑；--jsonl 时用于没有 charges 字段的行")] = None,
    ) -> None:
        """案情分析：罪名、法条、涉案金额、量刑建议（专家路由）。

        罪名来源（输出 charges_source）：given = 用户给出（--charge、JSONL/API 的 charges 字段、
        文首或文末的“罪名：…”/“案由：…”行）；documents = 文中写明（构成/犯/涉嫌…罪）；
        predicted = 由案情预测。charges 为行为时（最后一次行为之日）有效的罪名（刑法第十二条，
        如 2015年11月1日前的行为为“强制猥亵、侮辱妇女”），charges_current 为现行罪名。
        """
        try:
            given = given_charges(charge or [], "--charge ")
            if jsonl:
                items: list[Item] = []
                for n, row in read_jsonl(path):
                    own = given_charges(row.get("charges"), f"第{n}行 ") if "charges" in row else []
                    items.append((str(row.get("id", n)), row["text"], own or given))
                out = sys.stdout
                for res in run_jsonl(items, workers or None, similar):
                    out.write(json.dumps(res, ensure_ascii=False) + "\n")
                out.flush()
                return
            res = analyze_one(read_text(path), "-" if path == "-" else Path(path).name, similar=similar,
                              charges=given)
        except BadInput as e:
            sys.stderr.write(f"输入有误：{e}".replace("\n", " ") + "\n")
            raise typer.Exit(2) from None
        if as_json:
            sys.stdout.write(json.dumps(res, ensure_ascii=False) + "\n")
            return
        _print(res)


def _print(res: dict[str, Any]) -> None:
    from rich.console import Console

    c = Console(highlight=False)
    c.print(f"[bold]专家[/bold] {res['expert']}　" + "、".join(f"{n}({s:.2f})" for n, s in res["experts"]))
    src = {"given": "（用户给出）", "documents": "（文中写明）", "predicted": "（预测）"}.get(res.get("charges_source", ""), "")
    c.print(f"[bold]罪名[/bold] {'、'.join(x + '罪' for x in res['charges']) or '—'}{src if res['charges'] else ''}")
    c.print(f"[bold]法条[/bold] {'、'.join(f'第{a}条' for a in res['articles']) or '—'}")
    if res["amount_yuan"] is not None:
        note = ""
        if res.get("amount_confidence") is not None:
            note = f"（置信度{res['amount_confidence']:.2f}" + ("，不确定，请人工核对" if res.get("amount_uncertain") else "") + "）"
        c.print(f"[bold]涉案金额[/bold] {res['amount_yuan']:,.0f}元{note}")
    elif res.get("amount_uncertain"):
        c.print("[bold]涉案金额[/bold] 未读出（不确定，请人工核对）")
    if res["term_months"] is not None:
        rng = res["term_range_months"]
        c.print(f"[bold]建议刑期[/bold] {res['term_months']}个月" + (f"（{rng[0]}–{rng[1]}个月）" if rng else ""))
    if res["fine_yuan"]:
        c.print(f"[bold]罚金[/bold] {res['fine_yuan']:,.0f}元")
    if res["probation"] is not None:
        c.print(f"[bold]缓刑[/bold] {'可以适用' if res['probation'] else '不适用'}")
    if res["circumstances"]:
        c.print(f"[bold]量刑情节[/bold] {'、'.join(res['circumstances'])}")
    if res["similar_cases"]:
        c.print(f"[bold]类案[/bold] {'、'.join(res['similar_cases'])}")
