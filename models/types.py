"""Core types shared by the whole pipeline.

Data flows one way: ``Document`` (parsed text with sections) → ``DocElements`` (what extraction
found in one document, every item with its character span) → ``Case`` (the documents of one case
and their elements) → ``Finding`` list → ``Report``.

Offsets are character offsets into ``Document.text`` (Python ``str`` indices), end exclusive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

DocKind = Literal["indictment", "recommendation", "judgment", "other"]
Severity = Literal["error", "warning", "info"]
Source = Literal["rule", "model", "llm"]

DOC_KIND_NAMES: dict[str, str] = {
    "indictment": "起诉书",
    "recommendation": "量刑建议书",
    "judgment": "刑事判决书",
    "other": "其他文书",
}


# --------------------------------------------------------------------------- documents


@dataclass
class Section:
    """A named part of a document, e.g. ``facts`` or ``verdict``; ``[start, end)`` in the text."""

    name: str
    start: int
    end: int


@dataclass
class Document:
    kind: DocKind
    text: str
    sections: list[Section] = field(default_factory=list)
    source: str = ""  # file name (or "-" for stdin)

    def section(self, name: str) -> Section | None:
        for s in self.sections:
            if s.name == name:
                return s
        return None

    def section_text(self, name: str) -> str:
        s = self.section(name)
        return self.text[s.start : s.end] if s else ""

    @property
    def body(self) -> str:
        """The text without a judgment's appendix of quoted law (附：本判决适用的法律条文 …): the
        appendix quotes statutes and judicial interpretations verbatim, so a word found there says
        nothing about the case. Other kinds keep their appendix (an indictment's list of the
        case's own materials: custody, 具结书, evidence)."""
        if self.kind == "judgment":
            s = self.section("appendix")
            if s is not None:
                return self.text[: s.start]
        return self.text


# --------------------------------------------------------------------------- elements


@dataclass
class Mention:
    """Base of every extracted item: where it was found."""

    start: int
    end: int
    text: str


@dataclass
class Citation(Mention):
    """A cited article: 《中华人民共和国刑法》第一百三十三条之一第一款第（二）项."""

    law: str  # normalised law name, e.g. "刑法", "刑事诉讼法"
    article: int
    sub: int = 0  # 之一 → 1, 之二 → 2
    clause: int | None = None  # 款
    item: int | None = None  # 项

    @property
    def key(self) -> str:
        s = f"{self.law}第{self.article}条"
        if self.sub:
            s += f"之{self.sub}"
        return s


@dataclass
class Amount(Mention):
    """A sum of money in yuan. ``approx`` marks 余/多/许 (a lower bound)."""

    yuan: float
    approx: bool = False
    written_in_words: bool = False  # 人民币叁万元 / 三万元 vs 30000元
    penalty: bool = False  # a fine (罚金/罚款), e.g. in a quoted earlier judgment: not a crime amount


@dataclass
class Quantity(Mention):
    """A measured quantity other than money.

    kind: ``drug`` (unit g, ``substance`` set), ``bac`` (mg/100ml), ``injury`` (``grade`` set,
    e.g. 轻伤二级), ``disability`` (``grade`` e.g. 十级), ``death`` (value = persons).
    ``persons``: for injury / death, the victims the text names for it ("被害人甲的损伤程度为轻伤一级"
    → ["甲"]); [] when the text names none.
    """

    kind: str
    value: float | None = None
    unit: str = ""
    substance: str = ""
    grade: str = ""
    persons: list[str] = field(default_factory=list)


@dataclass
class DateMention(Mention):
    """A date with its procedural role.

    role is one of: offence, detention (刑事拘留), arrest (逮捕), bail (取保候审),
    residence (监视居住), transfer (移送审查起诉), prosecution (提起公诉 / 起诉书落款),
    trial (开庭), judgment (判决落款), term_start, term_end, birth, other.
    """

    date: dt.date
    role: str = "other"


@dataclass
class Circumstance(Mention):
    """A sentencing circumstance: one of CIRCUMSTANCES below."""

    name: str
    negated: bool = False  # "不构成自首" / "不予认定"


CIRCUMSTANCES: tuple[str, ...] = (
    "自首", "坦白", "认罪认罚", "累犯", "前科", "退赃退赔", "谅解", "未遂",
    "从犯", "未成年", "立功", "当庭认罪", "中止", "预备", "胁从犯", "老年", "赔偿",
    "刑事和解", "限制刑事责任能力", "防卫过当", "避险过当", "减轻处罚",
)

PENALTY_TYPES: tuple[str, ...] = ("死刑", "无期徒刑", "有期徒刑", "拘役", "管制", "免予刑事处罚")


@dataclass
class SentenceTerm(Mention):
    """A sentence, recommended or judged.

    A recommendation may be a range (``term_range_months``) or fixed (``term_months``).
    ``suspended_death`` marks 死刑缓期二年执行. Money in yuan. ``political_rights_months`` of
    剥夺政治权利 (``political_rights_life`` for 终身).
    """

    penalty: str | None = None  # one of PENALTY_TYPES, or None for 单处罚金
    term_months: int | None = None
    term_range_months: tuple[int, int] | None = None
    probation: bool = False
    probation_months: int | None = None
    fine_yuan: float | None = None
    fine_range_yuan: tuple[float, float] | None = None
    confiscation_yuan: float | None = None
    confiscation_all: bool = False
    political_rights_months: int | None = None
    political_rights_life: bool = False
    suspended_death: bool = False
    charge: str = ""  # the charge this sentence is for; "" for 决定执行 / the whole
    combined: bool = False  # 数罪并罚 决定执行的刑罚


@dataclass
class ChargeMention(Mention):
    """A charge as written, with 罪. ``official``: the official name without 罪 when the written form
    is an official name (or an accepted short form), None when it is not ("偷窃罪", "销售有毒有害食品罪").
    ``normalized``: the official name it most likely means even when not official (偷窃罪 → 盗窃)."""

    written: str = ""  # as written, with 罪
    official: str | None = None
    normalized: str | None = None
    defendants: list[str] = field(default_factory=list)  # names the sentence attributes it to


@dataclass
class Defendant:
    """One defendant and what a document says about him or her."""

    name: str
    start: int = 0
    end: int = 0
    sex: str | None = None
    birth_date: dt.date | None = None
    id_number: str | None = None
    ethnicity: str | None = None
    charges: list[str] = field(default_factory=list)  # official names without 罪
    circumstances: list[Circumstance] = field(default_factory=list)
    recommended: SentenceTerm | None = None
    judged: SentenceTerm | None = None  # final (决定执行) sentence
    judged_parts: list[SentenceTerm] = field(default_factory=list)  # per charge, for 数罪
    measures: list[DateMention] = field(default_factory=list)  # 拘留/逮捕/取保 with dates
    record: list[str] = field(default_factory=list)  # prior convictions text
    # the judgment's "即自A起至B止" for this defendant's final sentence, and the whole clause
    term_start: DateMention | None = None
    term_end: DateMention | None = None
    term_clause: str = ""


@dataclass
class DocElements:
    """Everything extraction found in one document."""

    kind: DocKind
    case_number: str | None = None  # （2024）沪0120刑初684号 / 沪奉检诉刑诉〔2017〕700号
    court: str | None = None
    procuratorate: str | None = None
    defendants: list[Defendant] = field(default_factory=list)
    charges: list[str] = field(default_factory=list)  # all charges named in the document
    citations: list[Citation] = field(default_factory=list)
    amounts: list[Amount] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    circumstances: list[Circumstance] = field(default_factory=list)
    sentences: list[SentenceTerm] = field(default_factory=list)  # all sentence statements
    procedure: str | None = None  # 简易程序 / 普通程序 / 速裁程序
    indictment_ref: str | None = None  # judgment: the indictment number it cites
    # every charge mention with its written form (unofficial names have official=None)
    charge_mentions: list[ChargeMention] = field(default_factory=list)
    # the document's own date: judgment signature date, indictment / recommendation closing date
    date: dt.date | None = None

    def defendant(self, name: str) -> Defendant | None:
        for d in self.defendants:
            if d.name == name:
                return d
        return None


@dataclass
class Case:
    case_id: str
    documents: list[Document] = field(default_factory=list)
    elements: dict[str, DocElements] = field(default_factory=dict)  # by DocKind
    # charges the user gave (official names: --charge, a "charges" field, a 罪名：/案由： line); they
    # take the place of the documents' charges in the sentence suggestion
    given_charges: list[str] = field(default_factory=list)
    # procedural events from a case-management export (models.timeline.Event), merged with the
    # documents' own events into the case timeline
    events: list[Any] = field(default_factory=list)

    def document(self, kind: str) -> Document | None:
        for d in self.documents:
            if d.kind == kind:
                return d
        return None


# --------------------------------------------------------------------------- findings


@dataclass
class Span:
    document: str  # DocKind
    start: int
    end: int
    text: str = ""  # the text at [start, end), filled by the pipeline


@dataclass
class Finding:
    rule_id: str
    severity: Severity
    message: str
    spans: list[Span] = field(default_factory=list)
    suggestion: str | None = None
    basis: str | None = None
    source: Source = "rule"
    confidence: float = 1.0
    defendant: str | None = None
    title: str | None = None  # the rule's Chinese title (rule catalogue / models/titles.yaml)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    case_id: str
    experts: list[tuple[str, float]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    sentence_suggestion: dict[str, Any] = field(default_factory=dict)
    grade: str | None = None
    documents: list[dict[str, Any]] = field(default_factory=list)  # kind, source, length
    # the case documents not given (Chinese names: 起诉书 / 量刑建议书 / 刑事判决书); grade 材料不全
    missing_documents: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    # LLM assistance (models/llm; source "llm"): explanation, votes, fallbacks, warnings. Left out
    # of to_dict() when empty, so reports without an LLM are unchanged.
    llm: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["experts"] = [[n, s] for n, s in self.experts]
        if not d["llm"]:
            del d["llm"]
        return d
