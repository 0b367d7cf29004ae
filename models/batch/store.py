"""Batch state in SQL tables (SQLAlchemy Core on ``metadata``; SQLite file by default, PostgreSQL
through a ``postgresql+psycopg://`` URL; which process runs a batch: ``models.batch.claims``).

Exactly-once bookkeeping: one ``batch_items`` row per (batch_id, source) — the unique key — made
when the batch is created (and topped up on resume, for cases added since). A case's result, its
findings and its status change are written in the same transaction, guarded by
``status = 'pending'``; the engine records a group of cases per transaction (``record_many``), so a
process killed at any moment leaves each case of a group either untouched (pending, run again on
resume) or completely recorded; never half-written, never recorded twice.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)

from .discover import CaseSource

metadata = MetaData()

GRADES: tuple[str, ...] = ("优质", "合格", "瑕疵", "材料不全", "不合格")
STATES: tuple[str, ...] = ("queued", "running", "done", "cancelled", "failed")

batches = Table(
    "batches",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False, default=""),
    Column("owner", String(100), nullable=True),
    Column("department", String(100), nullable=True),
    Column("origin", String(16), nullable=False, default="cli"),  # cli | web
    Column("source", Text, nullable=False),  # absolute path of the folder / zip
    Column("state", String(16), nullable=False, default="queued"),
    Column("total", Integer, nullable=False, default=0),
    Column("created_at", DateTime, nullable=False),
    Column("started_at", DateTime, nullable=True),
    Column("finished_at", DateTime, nullable=True),
    Column("error", Text, nullable=True),
    Index("ix_batches_owner", "owner"),
    Index("ix_batches_state", "state"),
)

items = Table(
    "batch_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", String(64), ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("source", String(1000), nullable=False),  # CaseSource.key
    Column("name", String(300), nullable=False, default=""),
    Column("members", Text, nullable=False, default="[]"),  # JSON list of member paths
    Column("status", String(16), nullable=False, default="pending"),  # pending | done | failed
    Column("case_id", String(300), nullable=True),
    Column("grade", String(8), nullable=True),
    Column("expert", String(64), nullable=True),
    Column("charges", Text, nullable=True),  # JSON list
    Column("court", String(200), nullable=True),
    Column("month", String(7), nullable=True),  # YYYY-MM of the judgment (or latest document)
    Column("n_error", Integer, nullable=False, default=0),
    Column("n_warning", Integer, nullable=False, default=0),
    Column("n_info", Integer, nullable=False, default=0),
    Column("ms", Float, nullable=True),
    Column("result", Text, nullable=True),  # the full per-case result as JSON
    Column("error", Text, nullable=True),
    Column("finished_at", DateTime, nullable=True),
    UniqueConstraint("batch_id", "source", name="uq_batch_items_batch_source"),
    Index("ix_batch_items_status", "batch_id", "status"),
    Index("ix_batch_items_seq", "batch_id", "seq"),
)

findings = Table(
    "batch_findings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Integer, ForeignKey("batch_items.id", ondelete="CASCADE"), nullable=False),
    Column("batch_id", String(64), nullable=False),
    Column("rule_id", String(100), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("message", Text, nullable=False, default=""),
    Column("defendant", String(100), nullable=True),
    Index("ix_batch_findings_rule", "batch_id", "rule_id"),
    Index("ix_batch_findings_item", "item_id"),
)

# the thematic-analysis facts of a finished case (models.analysis.FACT_FIELDS), one row per item
facts = Table(
    "batch_facts",
    metadata,
    Column("item_id", Integer, ForeignKey("batch_items.id", ondelete="CASCADE"), primary_key=True),
    Column("batch_id", String(64), nullable=False),
    Column("case_number", String(300), nullable=True),
    Column("charge", String(100), nullable=True),
    Column("court", String(200), nullable=True),
    Column("month", String(7), nullable=True),
    Column("handler", String(100), nullable=True),
    *(Column(c, Integer, nullable=False, default=0)
      for c in ("rec_fixed", "rec_fixed_adopted", "rec_range", "rec_range_adopted")),
    Column("charge_mismatch", Integer, nullable=True),
    *(Column(c, Integer, nullable=False, default=0) for c in ("plea", "returns", "extensions", "events", "conflicts")),
    Index("ix_batch_facts_batch", "batch_id"),
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def default_db_url(data_dir: Path | None = None) -> str:
    """``sqlite:///<data_dir>/batch.sqlite`` (data_dir from settings when not given)."""
    if data_dir is None:
        from knowledge.settings import get_settings

        data_dir = get_settings().data_dir
    return f"sqlite:///{Path(data_dir).expanduser().resolve() / 'batch.sqlite'}"


def make_engine(url: str) -> Engine:
    """An engine; SQLite files get WAL (readers during writes) and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record) -> None:  # noqa: ANN001 - DBAPI connection
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    # a server database (PostgreSQL): each web worker's batch thread and its requests share the pool
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


TABLES_LOCK_KEY = 0x6A630002  # PostgreSQL advisory lock id held while creating the tables


def create_tables(engine: Engine) -> None:
    """Create the missing batch tables. On PostgreSQL under a transaction-level advisory lock:
    web workers (or hosts) starting together would otherwise race on the same CREATE TABLE."""
    with engine.begin() as c:
        if c.dialect.name == "postgresql":
            c.exec_driver_sql(f"SELECT pg_advisory_xact_lock({TABLES_LOCK_KEY})")
        metadata.create_all(c)


def _result(r: Any) -> dict[str, Any]:
    if r["result"]:
        d = json.loads(r["result"])
    else:
        d = {"case_id": None, "source": r["source"], "name": r["name"], "grade": None,
             "counts": {"error": 0, "warning": 0, "info": 0}, "findings": [], "error": None}
    d["status"] = r["status"]
    return d


def _iso(t: dt.datetime | None) -> str | None:
    return t.replace(microsecond=0).isoformat() + "Z" if t else None


class BatchStore:
    """All reads and writes of batch state."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        create_tables(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ batches

    def create_batch(self, source: Path, cases: list[CaseSource], name: str = "", owner: str | None = None,
                     department: str | None = None, origin: str = "cli", batch_id: str | None = None,
                     state: str = "queued") -> str:
        """One transaction for the batch and its items: a worker polling for queued batches must never
        claim one whose items are not there yet (it would find nothing pending and mark it done)."""
        bid = batch_id or uuid.uuid4().hex
        with self.engine.begin() as c:
            c.execute(insert(batches).values(
                id=bid, name=name or Path(source).name, owner=owner, department=department, origin=origin,
                source=str(Path(source).resolve()), state=state, total=0, created_at=utcnow()))
            self._insert_items(c, bid, cases)
        return bid

    def add_items(self, batch_id: str, cases: Iterable[CaseSource]) -> int:
        """Insert the cases not yet in the batch (by source key); returns how many were added."""
        with self.engine.begin() as c:
            return self._insert_items(c, batch_id, cases)

    @staticmethod
    def _insert_items(c: Connection, batch_id: str, cases: Iterable[CaseSource], chunk: int = 5000) -> int:
        """Insert in chunks of ``chunk`` rows: 100k cases never sit in memory as one list of row dicts."""
        have = set(c.execute(select(items.c.source).where(items.c.batch_id == batch_id)).scalars())
        seq = c.execute(select(func.coalesce(func.max(items.c.seq), -1))
                        .where(items.c.batch_id == batch_id)).scalar_one() + 1
        added = 0
        rows: list[dict[str, Any]] = []
        for cs in cases:
            if cs.key in have:
                continue
            rows.append({"batch_id": batch_id, "seq": seq, "source": cs.key, "name": cs.name,
                         "members": json.dumps(list(cs.members), ensure_ascii=False), "status": "pending"})
            seq += 1
            if len(rows) >= chunk:
                c.execute(insert(items), rows)
                added += len(rows)
                rows = []
        if rows:
            c.execute(insert(items), rows)
            added += len(rows)
        total = c.execute(select(func.count()).select_from(items)
                          .where(items.c.batch_id == batch_id)).scalar_one()
        c.execute(update(batches).where(batches.c.id == batch_id).values(total=total))
        return added

    def batch_row(self, batch_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as c:
            r = c.execute(select(batches).where(batches.c.id == batch_id)).mappings().first()
        return dict(r) if r else None

    def set_state(self, batch_id: str, state: str, *, only_from: tuple[str, ...] | None = None,
                  error: str | None = None) -> bool:
        """Move a batch to ``state`` (when it is in one of ``only_from``); timestamps follow."""
        values: dict[str, Any] = {"state": state}
        now = utcnow()
        if state == "running":
            values["started_at"] = func.coalesce(batches.c.started_at, now)
            values["finished_at"] = None
        elif state in ("done", "cancelled", "failed"):
            values["finished_at"] = now
        if error is not None:
            values["error"] = error
        q = update(batches).where(batches.c.id == batch_id)
        if only_from:
            q = q.where(batches.c.state.in_(only_from))
        with self.engine.begin() as c:
            return c.execute(q.values(**values)).rowcount == 1

    def reset_batch(self, batch_id: str) -> None:
        """Forget every result of a batch (all cases pending again)."""
        with self.engine.begin() as c:
            c.execute(findings.delete().where(findings.c.batch_id == batch_id))
            c.execute(facts.delete().where(facts.c.batch_id == batch_id))
            c.execute(update(items).where(items.c.batch_id == batch_id).values(
                status="pending", case_id=None, grade=None, expert=None, charges=None, court=None, month=None,
                n_error=0, n_warning=0, n_info=0, ms=None, result=None, error=None, finished_at=None))
            c.execute(update(batches).where(batches.c.id == batch_id).values(
                state="queued", started_at=None, finished_at=None, error=None))

    def batches_in(self, states: tuple[str, ...]) -> list[str]:
        with self.engine.connect() as c:
            return list(c.execute(select(batches.c.id).where(batches.c.state.in_(states))
                                  .order_by(batches.c.created_at)).scalars())

    def latest_for_source(self, source: Path, origin: str = "cli") -> dict[str, Any] | None:
        with self.engine.connect() as c:
            r = c.execute(select(batches).where(batches.c.source == str(Path(source).resolve()),
                                                batches.c.origin == origin)
                          .order_by(batches.c.created_at.desc())).mappings().first()
        return dict(r) if r else None

    # ------------------------------------------------------------------ items

    def pending(self, batch_id: str) -> list[CaseSource]:
        return list(self.iter_pending(batch_id))

    def iter_pending(self, batch_id: str, page: int = 2000) -> Iterator[CaseSource]:
        """The pending cases in discovery order, read a page at a time (keyset on ``seq``): a batch of
        100k cases is never one list in memory. Cases recorded while iterating are skipped when their
        page has not been read yet; none is returned twice."""
        last = -1
        while True:
            with self.engine.connect() as c:
                rows = c.execute(select(items.c.seq, items.c.source, items.c.name, items.c.members)
                                 .where(items.c.batch_id == batch_id, items.c.status == "pending",
                                        items.c.seq > last)
                                 .order_by(items.c.seq).limit(page)).all()
            for r in rows:
                yield CaseSource(r.source, r.name, tuple(json.loads(r.members)))
            if len(rows) < page:
                return
            last = rows[-1].seq

    def record(self, batch_id: str, result: dict[str, Any]) -> bool:
        """Store one case's result with its status change, atomically; False if it was not pending."""
        return self.record_many(batch_id, [result]) == [True]

    def record_many(self, batch_id: str, results: list[dict[str, Any]],
                    finished_at: list[dt.datetime] | None = None) -> list[bool]:
        """Store several cases' results in ONE transaction (each with its findings and status change).

        Each case is written only while its row is still ``pending`` (checked inside the
        transaction), so a duplicate delivery is refused; the transaction commits all of them or,
        when the process dies first, none (those cases stay pending and run again on resume).
        Returns, per result, whether it was recorded. ``finished_at`` (per result; default now)
        is when the parent received each result.
        """
        if not results:
            return []
        now = utcnow()
        with self.engine.begin() as c:
            wanted = [r["source"] for r in results]
            ids: dict[str, int] = {}
            for i in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
                ids.update(c.execute(select(items.c.source, items.c.id).where(
                    items.c.batch_id == batch_id, items.c.source.in_(wanted[i:i + 500]),
                    items.c.status == "pending")).all())
            out: list[bool] = []
            frows: list[dict[str, Any]] = []
            fact_rows: list[dict[str, Any]] = []
            fact_cols = set(facts.c.keys())
            for k, result in enumerate(results):
                item_id = ids.pop(result["source"], None)  # pop: the same case twice in one call counts once
                if item_id is None:
                    out.append(False)
                    continue
                counts = result.get("counts") or {}
                n = c.execute(update(items).where(items.c.id == item_id, items.c.status == "pending").values(
                    status="failed" if result.get("error") else "done", case_id=result.get("case_id"),
                    grade=result.get("grade"), expert=result.get("expert"),
                    charges=json.dumps(result.get("charges") or [], ensure_ascii=False),
                    court=result.get("court"), month=result.get("month"),
                    n_error=counts.get("error", 0), n_warning=counts.get("warning", 0),
                    n_info=counts.get("info", 0), ms=(result.get("timings_ms") or {}).get("total"),
                    result=json.dumps(result, ensure_ascii=False, default=str), error=result.get("error"),
                    finished_at=finished_at[k] if finished_at else now)).rowcount
                if n != 1:  # pragma: no cover - guarded by the select in the same transaction
                    out.append(False)
                    continue
                out.append(True)
                frows.extend({"item_id": item_id, "batch_id": batch_id, "rule_id": f["rule_id"],
                              "severity": f["severity"], "message": f.get("message", ""),
                              "defendant": f.get("defendant")} for f in result.get("findings") or [])
                if result.get("facts"):
                    fact_rows.append({"item_id": item_id, "batch_id": batch_id,
                                      **{k: v for k, v in result["facts"].items() if k in fact_cols}})
            if frows:
                c.execute(insert(findings), frows)
            for row in fact_rows:  # one statement each: rows may carry different columns
                c.execute(insert(facts).values(**row))
        return out

    def counts(self, batch_id: str) -> dict[str, int]:
        with self.engine.connect() as c:
            rows = c.execute(select(items.c.status, func.count()).where(items.c.batch_id == batch_id)
                             .group_by(items.c.status)).all()
        out = {"pending": 0, "done": 0, "failed": 0}
        out.update({s: n for s, n in rows})
        return out

    def status(self, batch_id: str) -> dict[str, Any] | None:
        """id, name, owner, department, state, total, done, failed, pending, grades, times, error."""
        b = self.batch_row(batch_id)
        if b is None:
            return None
        n = self.counts(batch_id)
        with self.engine.connect() as c:
            g = dict(c.execute(select(items.c.grade, func.count()).where(
                items.c.batch_id == batch_id, items.c.status == "done").group_by(items.c.grade)).all())
        return {
            "id": b["id"], "name": b["name"], "owner": b["owner"], "department": b["department"],
            "origin": b["origin"], "source": Path(b["source"]).name, "state": b["state"],
            "total": b["total"], "done": n["done"], "failed": n["failed"], "pending": n["pending"],
            "grades": {k: int(g.get(k, 0)) for k in GRADES},
            "created_at": _iso(b["created_at"]), "started_at": _iso(b["started_at"]),
            "finished_at": _iso(b["finished_at"]), "error": b["error"],
        }

    def results(self, batch_id: str, offset: int = 0, limit: int | None = 100,
                with_pending: bool = False) -> list[dict[str, Any]]:
        """Per-case results in discovery order (finished cases; pending ones too if asked)."""
        q = select(items).where(items.c.batch_id == batch_id)
        if not with_pending:
            q = q.where(items.c.status != "pending")
        q = q.order_by(items.c.seq).offset(max(0, offset))
        if limit is not None:
            q = q.limit(max(0, limit))
        with self.engine.connect() as c:
            rows = c.execute(q).mappings().all()
        return [_result(r) for r in rows]

    def iter_results(self, batch_id: str, with_pending: bool = False, page: int = 500) -> Iterator[dict[str, Any]]:
        """Like ``results(limit=None)`` but read a page at a time (keyset on ``seq``), for reports over
        batches of any size: the parent never holds every result at once."""
        last = -1
        while True:
            q = select(items).where(items.c.batch_id == batch_id, items.c.seq > last)
            if not with_pending:
                q = q.where(items.c.status != "pending")
            with self.engine.connect() as c:
                rows = c.execute(q.order_by(items.c.seq).limit(page)).mappings().all()
            for r in rows:
                yield _result(r)
            if len(rows) < page:
                return
            last = rows[-1]["seq"]

    def list_batches(self, owner: str | None = None) -> list[dict[str, Any]]:
        q = select(batches.c.id).order_by(batches.c.created_at.desc())
        if owner is not None:
            q = q.where(batches.c.owner == owner)
        with self.engine.connect() as c:
            ids = list(c.execute(q).scalars())
        return [s for s in (self.status(i) for i in ids) if s]

    def finding_rows(self, batch_id: str) -> int:
        with self.engine.connect() as c:
            return c.execute(select(func.count()).select_from(findings)
                             .where(findings.c.batch_id == batch_id)).scalar_one()
