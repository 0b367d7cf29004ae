"""`jiancha user …` account commands, the configurable database URL, the session secret file,
ID-number masking in logs."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

# every test here runs on SQLite and on PostgreSQL (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("db_backend")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    from knowledge.settings import get_settings

    monkeypatch.setenv("JIANCHA_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_user_commands(data_dir):
    from knowledge.settings import Settings
    from models.cli import app
    from server.app import create_app

    r = CliRunner()
    res = r.invoke(app, ["user", "add", "li", "--role", "局长", "--password", "password-123"])
    assert res.exit_code == 2 and "未知角色" in res.output
    res = r.invoke(app, ["user", "add", "li", "--role", "部门负责人", "--password", "password-123"])
    assert res.exit_code == 2 and "--department" in res.output
    res = r.invoke(app, ["user", "add", "li", "--role", "承办检察官", "--password", "short"])
    assert res.exit_code == 2 and "至少 8 位" in res.output
    res = r.invoke(app, ["user", "add", "li", "--role", "承办检察官", "--department", "一部", "--password", "password-123"])
    assert res.exit_code == 0, res.output
    assert r.invoke(app, ["user", "add", "li", "--role", "案管", "--password", "password-123"]).exit_code == 2
    assert "承办检察官" in r.invoke(app, ["user", "list"]).output
    tok = r.invoke(app, ["user", "token", "li"]).output.strip()
    assert tok.startswith("jc_")
    client = TestClient(create_app(Settings(data_dir=data_dir), start_worker=False))
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tok}"}).json()
    assert me == {"username": "li", "display_name": "", "role": "prosecutor", "role_label": "承办检察官",
                  "department": "一部"}
    assert r.invoke(app, ["user", "disable", "li"]).exit_code == 0
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {tok}"}).status_code == 401


def test_database_url_and_secret_file(tmp_path):
    from knowledge.settings import Settings
    from server.app import create_app

    db = tmp_path / "elsewhere" / "web.sqlite"
    db.parent.mkdir()
    key = tmp_path / "keys" / "session.key"
    s = Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{db}", secret_key_file=key)
    create_app(s, start_worker=False, warm=False)
    assert db.exists() and key.exists()
    assert (key.stat().st_mode & 0o777) == 0o600
    first = key.read_text()
    create_app(s, start_worker=False, warm=False)  # migrations are idempotent, the key is kept
    assert key.read_text() == first and len(first.strip()) >= 32


def test_id_numbers_masked_in_logs(caplog):
    from server.security import install_log_masking, mask_ids

    assert mask_ids("身份证号码36010219761130887X，") == "身份证号码360102********887X，"
    assert mask_ids("案号（2014）西刑初字第10号") == "案号（2014）西刑初字第10号"
    install_log_masking()
    lg = logging.getLogger("models.some.module")  # any logger, no filter of its own
    with caplog.at_level(logging.INFO, logger="models.some.module"):
        lg.info("checked %s", "被告人身份证号码110101199003071234")
    assert "110101199003071234" not in caplog.text and "110101********1234" in caplog.text


def test_migrations_match_the_models(tmp_path):
    """The Alembic revisions create exactly what the SQLAlchemy models describe."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from server.db import all_metadata, make_engine, metadata, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    migrate(engine)
    migrate(engine)  # idempotent
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    ours = [d for d in diffs if not (d[0] == "remove_table" and d[1].name == "alembic_version")]
    assert ours == []
    try:
        import models.batch.store  # noqa: F401
    except ImportError:
        assert len(all_metadata()) == 1
    else:
        assert len(all_metadata()) == 2


@pytest.mark.sqlite_only
def test_serve_several_workers_refuses_sqlite(data_dir):
    from models.cli import app

    res = CliRunner().invoke(app, ["serve", "--workers", "2", "--port", "1"])
    assert res.exit_code == 2 and "PostgreSQL" in res.output and "JIANCHA_DATABASE_URL" in res.output


@pytest.mark.sqlite_only
def test_workers_starting_together_share_one_secret_key(tmp_path):
    """Several processes create the missing key file at once: all of them end up with the same key."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    key = tmp_path / "k" / "secret_key"
    code = f"from server.security import load_secret_key; print(load_secret_key({str(key)!r}))"
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=root, stdout=subprocess.PIPE, text=True)
             for _ in range(8)]
    keys = {p.communicate(timeout=120)[0].strip() for p in procs}
    assert len(keys) == 1 and keys == {key.read_text().strip()} and len(keys.pop()) >= 32
    assert (key.stat().st_mode & 0o777) == 0o600
    assert [p.name for p in key.parent.iterdir()] == ["secret_key"]  # no temporary files left
