"""Storage of the web app: SQLAlchemy 2 tables (users, API tokens, checked cases and their findings,
finding decisions, audit log), the engine, and Alembic migrations run on startup.

Schemas the API returns live in ``server.schemas``; these are storage models only.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s",
    })


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))  # prosecutor | head | admin (see server.auth.ROLES)
    department: Mapped[str | None] = mapped_column(String(64), nullable=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)  # sha256 hex
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)  # None: never
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class WebSession(Base):
    """A browser session: the cookie carries a random id, stored here as its SHA-256, so logout,
    a password change or disabling the account ends it at once (row deleted)."""

    __tablename__ = "web_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    ip: Mapped[str] = mapped_column(String(64), default="")


class LoginThrottle(Base):
    """Failed-login counters per account name (``u:<name>``, also for names that do not exist)
    and per client address (``ip:<addr>``); kept in the database so every web worker sees them."""

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    locked: Mapped[bool] = mapped_column(default=False)


class CheckedCase(Base):
    """One case checked through the web app or the API: its documents and its report."""

    __tablename__ = "checked_cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(String(200), default="", index=True)  # 案号 from the documents
    owner: Mapped[str] = mapped_column(String(64), index=True)
    department: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    grade: Mapped[str | None] = mapped_column(String(16), nullable=True)
    charge: Mapped[str] = mapped_column(String(64), default="")  # first charge, for the dashboard
    court: Mapped[str] = mapped_column(String(128), default="")
    month: Mapped[str] = mapped_column(String(7), default="", index=True)  # judgment/document month YYYY-MM
    documents: Mapped[dict] = mapped_column(JSON, default=dict)  # kind → {"source", "text"}
    report: Mapped[dict] = mapped_column(JSON, default=dict)  # Report.to_dict()
    # digest of 案号 + the documents' texts (server.services.upload_key): the same person uploading
    # the same documents twice, even at the same moment, gets one row (NULL on rows made before 0004)
    upload_key: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (UniqueConstraint("owner", "upload_key", name="uq_checked_cases_owner_upload_key"),)


class CaseFinding(Base):
    """A finding of a checked case, one row each (the dashboard counts these)."""

    __tablename__ = "case_findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("checked_cases.id", ondelete="CASCADE"), index=True)
    idx: Mapped[int] = mapped_column(Integer)  # position in report["findings"]
    rule_id: Mapped[str] = mapped_column(String(80), index=True)
    severity: Mapped[str] = mapped_column(String(8), index=True)


class FindingDecision(Base):
    """A reviewer's decision on one finding: accept (采纳) or dismiss (驳回/误报)."""

    __tablename__ = "finding_decisions"
    __table_args__ = (UniqueConstraint("case_pk", "idx"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("checked_cases.id", ondelete="CASCADE"), index=True)
    idx: Mapped[int] = mapped_column(Integer)
    rule_id: Mapped[str] = mapped_column(String(80))
    decision: Mapped[str] = mapped_column(String(8))  # accept | dismiss
    user: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)  # login, check, view, decide, batch…
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="")  # ID numbers masked
    ip: Mapped[str] = mapped_column(String(64), default="")


class ProcessNotice(Base):
    """A 流程通知书 (case-process supervision notice) for one confirmed warning, tracked through
    发出 (issued) → 整改 (replied: the 承办人's reply) → 销号 (closed). ``source_key`` names the
    finding it came from (``case:<pk>#<idx>`` or ``batch:<id>#<seq>#<idx>``): one notice each."""

    __tablename__ = "process_notices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)  # 文号
    source_key: Mapped[str] = mapped_column(String(200), unique=True)
    case_pk: Mapped[int | None] = mapped_column(ForeignKey("checked_cases.id", ondelete="SET NULL"),
                                                nullable=True, index=True)
    batch_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    batch_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    finding_idx: Mapped[int] = mapped_column(Integer)
    rule_id: Mapped[str] = mapped_column(String(80), index=True)
    case_number: Mapped[str] = mapped_column(String(200), default="")  # 案号
    handler: Mapped[str] = mapped_column(String(64), default="")  # 承办人 (display name)
    handler_user: Mapped[str] = mapped_column(String(64), default="", index=True)  # who may reply
    department: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    problem: Mapped[str] = mapped_column(Text, default="")  # 问题
    basis: Mapped[str] = mapped_column(Text, default="")  # 依据
    remedy: Mapped[str] = mapped_column(Text, default="")  # 整改要求
    deadline: Mapped[dt.date] = mapped_column(Date)  # 期限
    state: Mapped[str] = mapped_column(String(16), default="issued", index=True)  # issued|replied|closed
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    issued_by: Mapped[str] = mapped_column(String(64))
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    replied_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    close_note: Mapped[str] = mapped_column(Text, default="")


class CaseExport(Base):
    """The case-management export rows (案管导出) uploaded for a checked case (latest upload)."""

    __tablename__ = "case_exports"
    case_pk: Mapped[int] = mapped_column(ForeignKey("checked_cases.id", ondelete="CASCADE"), primary_key=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list] = mapped_column(JSON, default=list)  # Event fields, dates ISO
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CaseFacts(Base):
    """The analysis facts of a checked case (``models.analysis.FACT_FIELDS``), one row each."""

    __tablename__ = "case_facts"
    case_pk: Mapped[int] = mapped_column(ForeignKey("checked_cases.id", ondelete="CASCADE"), primary_key=True)
    case_number: Mapped[str | None] = mapped_column(String(200), nullable=True)
    charge: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    court: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    month: Mapped[str | None] = mapped_column(String(7), nullable=True, index=True)
    handler: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rec_fixed: Mapped[int] = mapped_column(Integer, default=0)
    rec_fixed_adopted: Mapped[int] = mapped_column(Integer, default=0)
    rec_range: Mapped[int] = mapped_column(Integer, default=0)
    rec_range_adopted: Mapped[int] = mapped_column(Integer, default=0)
    charge_mismatch: Mapped[int | None] = mapped_column(Integer, nullable=True)
    plea: Mapped[int] = mapped_column(Integer, default=0)
    returns: Mapped[int] = mapped_column(Integer, default=0)
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    events: Mapped[int] = mapped_column(Integer, default=0)
    conflicts: Mapped[int] = mapped_column(Integer, default=0)


metadata = Base.metadata


def all_metadata() -> list[MetaData]:
    """The web's tables plus the batch engine's (``models.batch.store.metadata``) when installed."""
    out = [metadata]
    try:
        from models.batch.store import metadata as batch_metadata  # type: ignore[import-not-found]

        out.append(batch_metadata)
    except ImportError:
        pass
    return out


# --------------------------------------------------------------------------- engine


def make_engine(url: str, pool_size: int = 10, max_overflow: int = 30, timeout: float = 30) -> Engine:
    """The engine; the default pool (10 + 30 overflow) matches the 40 threads of the request thread
    pool, so a request never waits for a connection another thread is not using."""
    # reports may hold dates or other non-JSON values: store them as strings (as the CLI prints them)
    kwargs: dict = {"future": True, "pool_pre_ping": True,
                    "json_serializer": lambda o: json.dumps(o, ensure_ascii=False, default=str)}
    if ":memory:" not in url and url not in ("sqlite://", "sqlite+pysqlite://"):
        kwargs.update(pool_size=pool_size, max_overflow=max_overflow, pool_timeout=timeout)
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": timeout}
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record) -> None:  # noqa: ANN001
            cur = conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url:
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
    return engine


_MIGRATE_LOCK = threading.Lock()
MIGRATE_LOCK_KEY = 0x6A69616E  # PostgreSQL advisory lock id held while migrating ("jian")


def migrate(engine: Engine) -> None:
    """Bring the database to the latest Alembic revision (run on every start; idempotent).

    SQLite and PostgreSQL alike; on PostgreSQL the upgrade runs under a transaction-level advisory
    lock, so processes starting together do not race to create the same tables."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    with _MIGRATE_LOCK, engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # several web workers (or hosts) starting at once: one migrates, the others wait for it
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATE_LOCK_KEY})")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)
