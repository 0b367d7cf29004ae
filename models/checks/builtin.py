"""Imports every module that registers checks (the registry's table of contents)."""

from models.checks import citations, dates, identity, money  # noqa: F401
from models.compare import charges, defendants, facts, numbers, sentence  # noqa: F401
from models.experts import component as _experts  # noqa: F401  (experts.*, sentencing.guideline_range)
from models.sentencing import checks  # noqa: F401
