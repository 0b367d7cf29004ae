"""Login throttling kept in the database (table ``login_throttle``) so several web workers share it.

Two counters are kept per attempt: the account name (``u:<name>``, counted alike whether or not the
account exists, so the answers tell nothing about which names exist) and the client address
(``ip:<addr>``). After ``free`` failures each further attempt must wait a delay that doubles with
every failure (``base · 2^(n−free)``, at most ``max_delay``); an account name with
``lockout_failures`` failures is locked until a 案管 unlocks it (``jiancha user unlock`` or the
user page). A counter that is not locked starts again after ``window`` seconds without a failure.

An attempt is *reserved* before the password is hashed: the failure count is raised by a
compare-and-set update (``WHERE failures = <seen>``), so of many simultaneous attempts on one name
or address only one passes per count, whatever the number of workers; the rest are refused without
hashing. A successful login clears the account counter and gives back the address's reservation.

Each web worker remembers, for an address the database told it to delay, when that delay ends
(``app.state.address_blocks``) and refuses that address's attempts until then without asking the
database again: the delay only runs out with time, so this cache never lets through an attempt the
database would refuse — it spares the database and the threads during an attack.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.db import LoginThrottle, utcnow


@dataclass(frozen=True)
class Policy:
    free: int = 3
    lockout: int = 10
    address_free: int = 10
    base_delay: float = 1.0
    max_delay: float = 60.0
    window: int = 900

    @classmethod
    def from_settings(cls, s: Any) -> Policy:
        return cls(free=s.login_free_failures, lockout=s.login_lockout_failures,
                   address_free=s.login_address_free_failures, base_delay=s.login_base_delay,
                   max_delay=s.login_max_delay, window=s.login_window)

    def delay(self, failures: int, free: int) -> float:
        """Seconds to wait after ``failures`` failures (0 while within the free attempts)."""
        if failures < free:
            return 0.0
        return min(self.max_delay, self.base_delay * 2 ** min(failures - free, 30))


@dataclass
class Verdict:
    ok: bool
    locked: bool = False
    wait: int = 0  # seconds to wait when refused
    by_address: bool = False  # refused for the address (not the account)


def account_key(username: str) -> str:
    return "u:" + username.strip().lower()[:120]


def address_key(ip: str) -> str:
    return "ip:" + (ip or "-")[:120]


def _reserve(db: Session, key: str, free: int, policy: Policy, now: dt.datetime, lockable: bool) -> Verdict:
    row = db.get(LoginThrottle, key, populate_existing=True)
    if row is None:
        db.add(LoginThrottle(key=key, failures=1, last_at=now, locked=False))
        try:
            db.flush()
        except IntegrityError:  # created at the same moment by another attempt
            db.rollback()
            return Verdict(False, wait=1)
        return Verdict(True)
    if row.locked:
        return Verdict(False, locked=True)
    if lockable and row.failures >= policy.lockout:
        db.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(locked=True))
        return Verdict(False, locked=True)
    failures = row.failures
    if (now - row.last_at).total_seconds() > policy.window:
        failures = 0
    ready = row.last_at + dt.timedelta(seconds=policy.delay(failures, free))
    if now < ready:
        return Verdict(False, wait=max(1, math.ceil((ready - now).total_seconds())))
    n = failures + 1
    res = db.execute(update(LoginThrottle)
                     .where(LoginThrottle.key == key, LoginThrottle.failures == row.failures,
                            LoginThrottle.last_at == row.last_at)
                     .values(failures=n, last_at=now))
    if res.rowcount != 1:  # another attempt took this count first
        return Verdict(False, wait=1)
    return Verdict(True)


def reserve(db: Session, username: str, ip: str, policy: Policy) -> Verdict:
    """Count one attempt for the name and the address, or refuse it (locked / wait). Commits."""
    now = utcnow()
    a = _reserve(db, address_key(ip), policy.address_free, policy, now, lockable=False)
    if not a.ok:
        db.commit()
        a.by_address = True
        return a
    v = _reserve(db, account_key(username), policy.free, policy, now, lockable=True)
    db.commit()
    return v


def succeeded(db: Session, username: str, ip: str) -> None:
    """A correct password: clear the account's counter and give back the address's reservation."""
    db.execute(delete(LoginThrottle).where(LoginThrottle.key == account_key(username)))
    db.execute(update(LoginThrottle).where(LoginThrottle.key == address_key(ip), LoginThrottle.failures > 0)
               .values(failures=LoginThrottle.failures - 1))


def locked_names(db: Session) -> list[str]:
    """Account names locked now (existing or not)."""
    rows = db.scalars(select(LoginThrottle.key).where(LoginThrottle.locked.is_(True),
                                                      LoginThrottle.key.like("u:%"))).all()
    return sorted(k[2:] for k in rows)


def unlock(db: Session, username: str) -> bool:
    """Lift the lock and the delays of an account name; True when there was anything to lift."""
    res = db.execute(delete(LoginThrottle).where(LoginThrottle.key == account_key(username)))
    return bool(res.rowcount)
