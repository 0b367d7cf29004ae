"""Crime amounts of a facts text, in yuan.

``read_amounts(text, kind)`` is the entry point (``read``); ``kind`` is an expert's name or a kind of
sums of ``context.yaml`` (``vat``, ``sales``…). The steps live in their own modules: ``patterns`` (the
words of ``context.yaml`` and the shared regular expressions), ``context`` (where a sum stands and what
surrounds it), ``legal`` (rules of law applied first), ``totals`` (totals against incidents).
"""

from models.experts.amounts.context import normalize_digits
from models.experts.amounts.read import AmountRead, findings_part, read_amounts

__all__ = ["AmountRead", "findings_part", "normalize_digits", "read_amounts"]
