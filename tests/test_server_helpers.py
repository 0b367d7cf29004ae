"""Shared helpers of the web-app tests (tests/test_server*.py, tests/e2e); no tests here."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "knowledge" / "samples" / "case-001"
DOC_NAMES = ("起诉书.txt", "量刑建议书.txt", "刑事判决书.txt")
PASSWORD = "correct-horse-1"

# username → (role, department)
USERS = {
    "p1": ("prosecutor", "第一检察部"),
    "p2": ("prosecutor", "第一检察部"),
    "p3": ("prosecutor", "第二检察部"),
    "h1": ("head", "第一检察部"),
    "h2": ("head", "第二检察部"),
    "admin": ("admin", "案件管理部"),
}


def sample_files() -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (n, (SAMPLE / n).read_bytes(), "text/plain")) for n in DOC_NAMES]


def sample_texts() -> dict[str, str]:
    kinds = ("indictment", "recommendation", "judgment")
    return {k: (SAMPLE / n).read_text(encoding="utf-8") for k, n in zip(kinds, DOC_NAMES, strict=True)}


def batch_zip(n: int) -> bytes:
    """A zip of ``n`` case folders (copies of the sample case) for batch review."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(n):
            for name in DOC_NAMES:
                zf.writestr(f"case-{i:03d}/{name}", (SAMPLE / name).read_bytes())
    return buf.getvalue()


def server_env(data_dir: Path):
    """A web app on ``data_dir`` (no worker, no warm-up) with the USERS: (app, TestClient, username → token)."""
    from fastapi.testclient import TestClient

    from knowledge.settings import Settings
    from server.app import create_app

    app = create_app(Settings(data_dir=data_dir), start_worker=False, warm=False)
    return app, TestClient(app), make_users(app)


def make_users(app) -> dict[str, str]:
    """Create the USERS with one API token each; returns username → token."""
    from server.db import ApiToken, User
    from server.security import hash_password, new_token, token_digest

    db = app.state.Session()
    tokens = {}
    pw = hash_password(PASSWORD)
    for name, (role, dept) in USERS.items():
        u = User(username=name, display_name=name, password_hash=pw, role=role, department=dept, active=True)
        db.add(u)
        db.flush()
        tok = new_token()
        db.add(ApiToken(user_id=u.id, name="test", token_hash=token_digest(tok)))
        tokens[name] = tok
    db.commit()
    db.close()
    return tokens


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in page"
    return m.group(1)


def login(client, username: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token."""
    tok = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": tok},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/").text)
