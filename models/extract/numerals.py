"""Chinese numerals for the extractors: re-exported from ``knowledge.numerals``, the one parser."""

from knowledge.numerals import CN_DIGITS, CN_UNITS, NUMERAL_CHARS, NUMERAL_RE, to_int, to_number, year_digits

__all__ = ["CN_DIGITS", "CN_UNITS", "NUMERAL_CHARS", "NUMERAL_RE", "to_int", "to_number", "year_digits"]
