"""ASGI entry point for uvicorn: ``uvicorn server.main:app`` (settings from JIANCHA_* variables)."""

import os
import sys

from server.app import create_app

os.umask(0o077)  # everything the server writes (database, uploads, reports) is its owner's only

# checks run in worker threads and hold the GIL in pure Python; a shorter switch interval (default
# 5 ms) gives the event loop (/health, the login tarpit) the interpreter back sooner under load
sys.setswitchinterval(0.001)

app = create_app()
