"""ASGI entry point for uvicorn: ``uvicorn server.main:app`` (settings from JIANCHA_* variables)."""

from server.app import create_app

app = create_app()
