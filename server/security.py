"""Passwords (argon2), API tokens, the session secret, roles and ID-number masking."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# role code → label shown in the UI; what each role sees is decided in server.access
ROLES: dict[str, str] = {"prosecutor": "承办检察官", "head": "部门负责人", "admin": "案管"}
ROLE_BY_LABEL = {v: k for k, v in ROLES.items()}

_HASHER = PasswordHasher()
TOKEN_PREFIX = "jc_"


def normalize_role(role: str) -> str:
    """Accept a role code or its Chinese label; raise ValueError otherwise."""
    r = role.strip()
    if r in ROLES:
        return r
    if r in ROLE_BY_LABEL:
        return ROLE_BY_LABEL[r]
    raise ValueError(f"未知角色：{role}（可选：{'、'.join(ROLES.values())}）")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password against its hash. ``None`` (no such account, or disabled) is checked
    against a dummy hash of the same parameters and always fails, so it takes the same time."""
    try:
        return _HASHER.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(_HASHER.hash(secrets.token_urlsafe(24)))
    return _DUMMY[0]


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Tokens are stored as their SHA-256 (they are random, so no slow hash is needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def load_secret_key(path: Path) -> str:
    """The session signing key, generated (0600) on first start; never a hard-coded secret.

    Every web worker must sign with the same key: a new key is written to a temporary file and
    linked into place only if no key is there yet (``os.link`` fails on an existing name), so of
    several workers starting together one key wins and all of them read that one."""
    path = Path(path)
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if len(key) >= 32:
            return key
        path.unlink()  # too short to be ours: replace it
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(secrets.token_urlsafe(48) + "\n")
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass  # another worker was first: use its key
    finally:
        tmp.unlink()
    return path.read_text(encoding="utf-8").strip()


# 18-digit resident ID numbers (last char may be X) and 15-digit old ones, not inside longer digit runs
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8}|\d{6})(\d{3}[0-9Xx]|\d{3})(?![0-9A-Za-z])")


def mask_ids(text: str) -> str:
    """Mask resident ID numbers: keep the first 6 and last 4 characters (110101********123X)."""
    def repl(m: re.Match[str]) -> str:
        whole = m.group(0)
        if len(whole) not in (15, 18):
            return whole
        return whole[:6] + "*" * (len(whole) - 10) + whole[-4:]

    return _ID_RE.sub(repl, text)


class MaskIdsFilter(logging.Filter):
    """Logging filter that masks ID numbers in every record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:  # noqa: BLE001 - never break logging
            return True
        masked = mask_ids(msg)
        if masked != msg:
            record.msg, record.args = masked, None
        return True


_FACTORY_INSTALLED = False


def install_log_masking() -> None:
    """Mask ID numbers in every log record of the process (all loggers: uvicorn, server, models),
    by wrapping the log-record factory; also attach the filter to existing handlers. Idempotent."""
    global _FACTORY_INSTALLED
    if not _FACTORY_INSTALLED:
        base = logging.getLogRecordFactory()

        def factory(*args, **kwargs) -> logging.LogRecord:  # noqa: ANN002, ANN003
            record = base(*args, **kwargs)
            MaskIdsFilter().filter(record)
            return record

        logging.setLogRecordFactory(factory)
        _FACTORY_INSTALLED = True
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access"):
        for h in logging.getLogger(name).handlers:
            if not any(isinstance(f, MaskIdsFilter) for f in h.filters):
                h.addFilter(MaskIdsFilter())
