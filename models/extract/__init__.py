"""Element extraction: what a document says (people, charges, citations, amounts, quantities,
dates, circumstances, sentences), every item with its character span.

``extract(document) -> DocElements`` is the entry point (see ``models.extract.assemble``).
"""
