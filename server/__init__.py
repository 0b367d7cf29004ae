"""The FastAPI web application (API, pages, batch review). Built on the public functions of
``models`` and ``knowledge``; no check logic lives here."""
