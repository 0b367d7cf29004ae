"""Alembic environment of the web app. Run by ``server.db.migrate`` on startup (the connection is
passed in ``config.attributes``); the target metadata includes the batch engine's tables when
``models.batch.store`` is importable (they are created by the batch engine itself)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from server.db import all_metadata

config = context.config
target_metadata = all_metadata()


def _run(connection) -> None:  # noqa: ANN001
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    conn = config.attributes.get("connection")
    if conn is not None:
        _run(conn)
        return
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
