"""`jiancha serve` (the web app) and `jiancha user add|list|token|passwd|disable` (accounts)."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer

from models.commands._io import fail

user_app = typer.Typer(no_args_is_help=True, help="账号管理：创建账号、API 令牌、重置密码")


def _session():
    from knowledge.settings import get_settings
    from server.app import database_url
    from server.db import make_engine, migrate, session_factory

    s = get_settings()
    s.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(database_url(s))
    migrate(engine)
    return session_factory(engine)()


def _find(db, username: str):
    from sqlalchemy import select

    from server.db import User

    return db.scalars(select(User).where(User.username == username)).first()


def _password(password: str | None) -> str:
    if password is None:
        if not sys.stdin.isatty():
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("密码：")
            if getpass.getpass("再次输入：") != password:
                fail("两次输入的密码不一致")
    if len(password or "") < 8:
        fail("密码至少 8 位")
    return password or ""


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="用户名")],
    role: Annotated[str, typer.Option("--role", help="角色：承办检察官、部门负责人、案管（或 prosecutor/head/admin）")],
    department: Annotated[str | None, typer.Option("--department", help="部门，如 第一检察部")] = None,
    name: Annotated[str, typer.Option("--name", help="显示名")] = "",
    password: Annotated[str | None, typer.Option("--password", help="密码（不给则交互输入或从标准输入读一行）")] = None,
) -> None:
    """创建账号。"""
    from server.db import User
    from server.security import hash_password, normalize_role

    try:
        code = normalize_role(role)
    except ValueError as e:
        fail(str(e))
        return
    if code == "head" and not department:
        fail("部门负责人必须指定 --department")
    pw = _password(password)
    db = _session()
    if _find(db, username) is not None:
        fail(f"用户 {username} 已存在")
    db.add(User(username=username, display_name=name, password_hash=hash_password(pw), role=code,
                department=department, active=True))
    db.commit()
    typer.echo(f"已创建用户 {username}")


@user_app.command("list")
def user_list() -> None:
    """列出账号。"""
    from sqlalchemy import select

    from server.db import User
    from server.security import ROLES

    db = _session()
    for u in db.scalars(select(User).order_by(User.id)).all():
        typer.echo(f"{u.username}\t{ROLES.get(u.role, u.role)}\t{u.department or ''}\t{'启用' if u.active else '停用'}")


@user_app.command("token")
def user_token(
    username: Annotated[str, typer.Argument(help="用户名")],
    name: Annotated[str, typer.Option("--name", help="令牌名称")] = "cli",
) -> None:
    """为账号创建 API 令牌（脚本使用：Authorization: Bearer <令牌>），令牌只显示这一次。"""
    from server.db import ApiToken
    from server.security import new_token, token_digest

    db = _session()
    u = _find(db, username)
    if u is None:
        fail(f"用户 {username} 不存在")
    tok = new_token()
    db.add(ApiToken(user_id=u.id, name=name, token_hash=token_digest(tok)))
    db.commit()
    typer.echo(tok)


@user_app.command("passwd")
def user_passwd(
    username: Annotated[str, typer.Argument(help="用户名")],
    password: Annotated[str | None, typer.Option("--password")] = None,
) -> None:
    """重置密码。"""
    from server.security import hash_password

    db = _session()
    u = _find(db, username)
    if u is None:
        fail(f"用户 {username} 不存在")
    u.password_hash = hash_password(_password(password))
    db.commit()
    typer.echo(f"已重置 {username} 的密码")


@user_app.command("disable")
def user_disable(username: Annotated[str, typer.Argument(help="用户名")]) -> None:
    """停用账号（其 API 令牌随之失效）。"""
    db = _session()
    u = _find(db, username)
    if u is None:
        fail(f"用户 {username} 不存在")
    u.active = False
    db.commit()
    typer.echo(f"已停用 {username}")


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")

    @app.command()
    def serve(
        host: Annotated[str | None, typer.Option("--host", help="监听地址（默认 127.0.0.1，仅本机）")] = None,
        port: Annotated[int | None, typer.Option("--port", help="端口（默认 8000）")] = None,
        workers: Annotated[int, typer.Option("--workers", help="进程数（SQLite 下请用 1）")] = 1,
    ) -> None:
        """启动网页与 API 服务（OpenAPI 文档：/docs）。"""
        import uvicorn

        from knowledge.settings import get_settings

        s = get_settings()
        _session().close()  # create/migrate the database once, before any worker process starts
        uvicorn.run("server.main:app", host=host or s.host, port=port or s.port, workers=workers,
                    proxy_headers=False, log_level="info")
