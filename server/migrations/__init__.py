"""Alembic migrations of the web app (see server.db.migrate)."""
