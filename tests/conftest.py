"""Database backends of the web tests: SQLite (the embedded default) and a real PostgreSQL.

A web test module opts in with ``pytestmark = pytest.mark.usefixtures("db_backend")``: each of its
tests then runs twice, ``[sqlite]`` and ``[postgres]``. In the PostgreSQL run every data directory an
app is created with (``Settings.database_url`` unset) gets its own fresh database on one throw-away
server (``eval/pgserver.py``: ``initdb`` + ``pg_ctl`` on a free 127.0.0.1 port, started once per
session, stopped at the end); an explicit ``database_url`` is left alone. A test about SQLite itself
is marked ``@pytest.mark.sqlite_only`` and runs once.

Without PostgreSQL's server binaries (Debian: ``apt-get install postgresql``, which ``.ci/run``
does) the PostgreSQL tests fail; they are skipped only when ``JIANCHA_TEST_SKIP_POSTGRES=1`` is
set (a developer's machine without PostgreSQL; CI never sets it).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

BACKENDS = ("sqlite", "postgres")
SKIP_ENV = "JIANCHA_TEST_SKIP_POSTGRES"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: a web test about the SQLite file itself (runs once)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" in metafunc.fixturenames:
        only = metafunc.definition.get_closest_marker("sqlite_only")
        metafunc.parametrize("db_backend", ("sqlite",) if only else BACKENDS, indirect=True, scope="module")


@pytest.fixture(scope="session")
def postgres() -> Iterator:
    """One throw-away PostgreSQL server for the session (``eval.pgserver.LoopbackPostgres``)."""
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{SKIP_ENV}=1: PostgreSQL tests skipped")
    from eval.pgserver import LoopbackPostgres, PostgresMissing

    try:
        pg = LoopbackPostgres().start()
    except PostgresMissing as e:
        pytest.fail(f"{e} — the PostgreSQL tests need it (set {SKIP_ENV}=1 to skip them on purpose)",
                    pytrace=False)
    try:
        yield pg
    finally:
        pg.stop()


@pytest.fixture
def pg_url(postgres) -> str:
    """A fresh, empty PostgreSQL database."""
    return postgres.create_database()


@pytest.fixture(scope="module")
def db_backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """``sqlite`` or ``postgres``; in the latter, apps without an explicit database_url use PostgreSQL."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        yield backend
        return
    pg = request.getfixturevalue("postgres")
    import server.app as server_app

    original: Callable = server_app.database_url
    per_dir: dict[str, str] = {}

    def database_url(settings) -> str:  # noqa: ANN001
        if settings.database_url:
            return original(settings)
        key = str(Path(settings.data_dir).resolve())
        if key not in per_dir:
            per_dir[key] = pg.create_database()
        return per_dir[key]

    mp = pytest.MonkeyPatch()
    mp.setattr(server_app, "database_url", database_url)
    try:
        yield backend
    finally:
        mp.undo()


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every connection and DNS lookup off loopback refused and recorded (``test_similar_offline.
    block_network``); the test fails if any was attempted. Yields the record."""
    from test_similar_offline import block_network  # tests/ is on sys.path (rootdir, no __init__)

    attempts = block_network(monkeypatch)
    yield attempts
    assert not attempts, f"network access attempted: {attempts}"
