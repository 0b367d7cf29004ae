"""ASGI entry point for uvicorn: ``uvicorn server.main:app`` (settings from JIANCHA_* variables)."""

import os

from server.app import create_app

os.umask(0o077)  # everything the server writes (database, uploads, reports) is its owner's only

app = create_app()
