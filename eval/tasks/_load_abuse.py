"""`python -m eval load --abuse` — the web app under a login attack while people work.

40 attackers (no account) post wrong logins as fast as the server answers — each one fetches the
login form (cookie + CSRF token) and posts a random user name with a wrong password, over and over,
all from 127.0.0.1 — for --seconds, while 16 users work with their API tokens: each user repeats
check the sample case (POST /api/v1/check), list cases, open the case, dashboard statistics, with
--think seconds between requests (a person reading, not a closed loop). A prober asks
/api/v1/health every 0.5 s. Reported: the users' latency p50/p95/max per request and overall,
server errors (5xx or broken connections, anyone), /health p50/p95/max, the attackers' answers by
status (401 wrong password, 429 throttled) and how many password hashes they cost.
Targets (issue 19): users' p95 < 2 s, 0 server errors, /health < 100 ms.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from typing import Any

from eval.tasks.load import KINDS, SAMPLE


def _pct(xs: list[float], q: float) -> float | None:
    if not xs:
        return None
    s = sorted(xs)
    return round(s[min(len(s) - 1, int(q * len(s)))] * 1000, 1)


async def abuse(url: str, tokens: list[str], attackers: int, seconds: float, warmup: float,
                think: float) -> dict[str, Any]:
    import re

    import httpx

    body = {k: (SAMPLE / n).read_text(encoding="utf-8") for k, n in KINDS.items()}
    t0 = time.monotonic()
    t_measure, t_end = t0 + warmup, t0 + warmup + seconds
    lat: dict[str, list[float]] = {"check": [], "cases": [], "case": [], "stats": []}
    health: list[float] = []
    slow_health: list[tuple[float, int]] = []  # (s since measuring began, ms) of /health answers over 100 ms
    errors: Counter = Counter()
    details: list[str] = []
    attack: Counter = Counter()
    csrf_re = re.compile(r'name="csrf_token" value="([^"]+)"')

    def measured(t: float) -> bool:
        return t_measure <= t < t_end

    async def timed(kind: str, coro) -> Any:
        t = time.monotonic()
        try:
            r = await coro
        except httpx.HTTPError as e:
            if measured(t):
                errors[f"{kind}:{type(e).__name__}"] += 1
                details.append(f"{kind} {e!r}"[:200])
            return None
        dt = time.monotonic() - t
        if measured(t):
            if r.status_code >= 500:
                errors[f"{kind}:{r.status_code}"] += 1
                details.append(f"{kind} {r.status_code} {r.text[:150]}")
            elif kind in lat:
                lat[kind].append(dt)
        return r

    async def user(token: str, i: int) -> None:
        h = {"Authorization": f"Bearer {token}"}
        await asyncio.sleep(i * think / max(1, len(tokens)))  # spread the users' starts
        async with httpx.AsyncClient(base_url=url, timeout=120, headers=h) as c:
            while time.monotonic() < t_end:
                r = await timed("check", c.post("/api/v1/check", json=body))
                rid = r.json().get("record_id") if r is not None and r.status_code == 200 else None
                await asyncio.sleep(think)
                await timed("cases", c.get("/api/v1/cases?limit=20"))
                await asyncio.sleep(think)
                if rid:
                    await timed("case", c.get(f"/api/v1/cases/{rid}"))
                    await asyncio.sleep(think)
                await timed("stats", c.get("/api/v1/stats"))
                await asyncio.sleep(think)

    async def attacker() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=120) as c:
            while time.monotonic() < t_end:
                t = time.monotonic()
                try:
                    form = await c.get("/login")
                    m = csrf_re.search(form.text)
                    r = await c.post("/login", data={"username": f"intruder{random.randrange(10**9)}",
                                                     "password": "wrong-password", "csrf_token": m.group(1) if m else ""})
                except httpx.HTTPError as e:
                    if measured(t):
                        errors[f"login:{type(e).__name__}"] += 1
                    continue
                if measured(t):
                    attack[r.status_code] += 1
                    if r.status_code >= 500:
                        errors[f"login:{r.status_code}"] += 1

    async def prober() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=120) as c:
            while time.monotonic() < t_end:
                t = time.monotonic()
                r = await timed("health", c.get("/api/v1/health"))
                if r is not None and measured(t):
                    health.append(time.monotonic() - t)
                    if health[-1] > 0.1:
                        slow_health.append((round(t - t_measure, 1), round(health[-1] * 1000)))
                await asyncio.sleep(0.5)

    await asyncio.gather(prober(), *(user(t, i) for i, t in enumerate(tokens)),
                         *(attacker() for _ in range(attackers)))
    every = [x for xs in lat.values() for x in xs]
    return {
        "seconds": seconds, "users": len(tokens), "attackers": attackers, "think_s": think,
        "users_requests": len(every), "users_p50_ms": _pct(every, 0.5), "users_p95_ms": _pct(every, 0.95),
        "users_max_ms": _pct(every, 1.0),
        "by_request": {k: {"n": len(v), "p50_ms": _pct(v, 0.5), "p95_ms": _pct(v, 0.95), "max_ms": _pct(v, 1.0)}
                       for k, v in lat.items()},
        "health": {"n": len(health), "p50_ms": _pct(health, 0.5), "p95_ms": _pct(health, 0.95),
                   "max_ms": _pct(health, 1.0), "slow": slow_health},
        "server_errors": dict(errors), "attack_answers": {str(k): v for k, v in sorted(attack.items())},
        "error_details": details[:20],
    }
