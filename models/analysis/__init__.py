"""Per-case facts for the thematic analyses (专题分析): what each case contributes to the
sentencing-recommendation, 诉判不一, 认罪认罚, 退回补充侦查 and deadline analyses. Computed
once when a case is checked (web) or reviewed (batch) and stored in a row of its own, so the
analysis pages are plain SQL over small rows."""

from models.analysis.facts import FACT_FIELDS, case_facts

__all__ = ["FACT_FIELDS", "case_facts"]
