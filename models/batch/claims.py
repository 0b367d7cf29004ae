"""Which process runs which batch: claiming queued batches for a batch worker.

SQLite (the embedded default, one server process): a compare-and-set ``queued → running``; batches
left ``running`` by a killed process are queued again when the worker starts (``shared`` is False).

PostgreSQL (several web workers, possibly on several hosts, one database): a worker claims in one
short transaction: ``SELECT … FOR UPDATE SKIP LOCKED`` over the queued and running batches (oldest
first; rows another worker is claiming at that moment are skipped, not waited for), and of those the
first whose session-level advisory lock it can take (``pg_try_advisory_lock``) is its batch: a queued
one becomes ``running``; a ``running`` one whose lock nobody holds was left by a worker that died,
and is resumed. The advisory lock lives on a connection the claim keeps open while the batch runs,
so it is held exactly as long as the claiming process is alive and connected: a killed worker's
connection closes, PostgreSQL drops its lock, and the next poll of another worker resumes the batch
with its pending cases (results are recorded exactly once by ``BatchStore.record``). No lease to
tune, no long transaction held open during the run (nothing holds back VACUUM).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select, text, update

from .store import BatchStore, batches, utcnow

logger = logging.getLogger(__name__)

NAMESPACE = 0x6A630001  # first key of the two-key advisory locks of running batches
SCAN = 100  # batches looked at per claim attempt (more than the running ones: at most one per worker)


@dataclass
class Claim:
    batch_id: str
    resumed: bool = False  # a running batch whose worker had died
    conn: Connection | None = field(default=None, repr=False)  # PostgreSQL: holds the advisory lock


class Claims:
    """``claim()`` the next batch to run, ``alive()`` while running it, ``release()`` afterwards."""

    def __init__(self, store: BatchStore) -> None:
        self.store = store

    @property
    def shared(self) -> bool:
        """True when several processes may share the database (PostgreSQL): claims are locks."""
        return self.store.engine.dialect.name == "postgresql"

    def claim(self) -> Claim | None:
        if not self.shared:
            for bid in self.store.batches_in(("queued",)):
                if self.store.set_state(bid, "running", only_from=("queued",)):
                    return Claim(bid)
            return None
        return self._claim_pg()

    def _claim_pg(self) -> Claim | None:
        conn = self.store.engine.connect()
        chosen: Claim | None = None
        try:
            with conn.begin():
                rows = conn.execute(
                    select(batches.c.id, batches.c.state).where(batches.c.state.in_(("queued", "running")))
                    .order_by(batches.c.created_at).limit(SCAN).with_for_update(skip_locked=True)).all()
                for bid, state in rows:
                    got = conn.execute(text("SELECT pg_try_advisory_lock(:ns, hashtext(:id))"),
                                       {"ns": NAMESPACE, "id": bid}).scalar()
                    if not got:  # another live worker runs it
                        continue
                    if state == "queued":
                        conn.execute(update(batches).where(batches.c.id == bid).values(
                            state="running", started_at=func.coalesce(batches.c.started_at, utcnow()),
                            finished_at=None))
                    chosen = Claim(bid, resumed=state == "running", conn=conn)
                    break
        except Exception:
            conn.invalidate()  # never return a connection that may still hold a lock to the pool
            conn.close()
            raise
        if chosen is None:
            conn.close()
        elif chosen.resumed:
            logger.info("resuming batch %s (its worker is gone)", chosen.batch_id)
        return chosen

    def alive(self, claim: Claim) -> bool:
        """Whether the claim still holds: on PostgreSQL its connection (and so its lock) is up."""
        if claim.conn is None:
            return True
        try:
            claim.conn.exec_driver_sql("SELECT 1")
            claim.conn.commit()
            return True
        except Exception:  # noqa: BLE001 - connection lost: the lock is gone with it
            logger.warning("lost the database connection holding batch %s", claim.batch_id)
            return False

    def release(self, claim: Claim) -> None:
        """Give the batch back (finished, cancelled, or stopping: a running one is then resumable)."""
        conn, claim.conn = claim.conn, None
        if conn is None:
            return
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:ns, hashtext(:id))"),
                         {"ns": NAMESPACE, "id": claim.batch_id})
            conn.commit()
        except Exception:  # noqa: BLE001 - a dead connection holds no lock any more
            conn.invalidate()
        finally:
            conn.close()
