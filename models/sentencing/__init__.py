"""Sentencing: statutory limits and term arithmetic (this package's ``checks``); the guideline
engine (量刑起点 → 基准刑 → 调节) arrives with the experts."""
