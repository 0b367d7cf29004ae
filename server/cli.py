"""`jiancha serve` (the web app) and `jiancha user …` (accounts, API tokens, login locks).

These commands live with the server; ``models`` does not import ``server``: ``models.cli`` finds
them through the ``jiancha.commands`` entry-point group (pyproject.toml), which names
``server.cli:register``."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer

from models.commands._io import fail

user_app = typer.Typer(no_args_is_help=True, help="账号管理：创建账号、API 令牌、重置密码、解除锁定")


def _session():
    from knowledge.settings import get_settings
    from server.app import database_url, private_data_dir, private_sqlite_file
    from server.db import make_engine, migrate, session_factory

    s = get_settings()
    private_data_dir(Path(s.data_dir))
    private_sqlite_file(database_url(s))
    engine = make_engine(database_url(s))
    migrate(engine)
    return session_factory(engine)()


def _find(db, username: str):
    from server.accounts import find

    return find(db, username)


def _user(db, username: str):
    u = _find(db, username)
    if u is None:
        fail(f"用户 {username} 不存在")
    return u


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
    days: Annotated[int | None, typer.Option("--days", help="有效天数（默认取 JIANCHA_TOKEN_DAYS，90；0 为永久）",
                                             min=0, max=3650)] = None,
) -> None:
    """为账号创建 API 令牌（脚本使用：Authorization: Bearer <令牌>），令牌只显示这一次。"""
    from knowledge.settings import get_settings
    from server.accounts import create_token

    db = _session()
    u = _user(db, username)
    tok, _row = create_token(db, u, name, get_settings().token_days if days is None else days)
    db.commit()
    typer.echo(tok)


@user_app.command("tokens")
def user_tokens(username: Annotated[str | None, typer.Argument(help="用户名（不给则列出全部）")] = None) -> None:
    """列出 API 令牌：编号、账号、名称、状态、创建、到期、最近使用（时间为北京时间）。"""
    from server.accounts import TOKEN_STATE, list_tokens, token_state
    from server.db import User
    from server.timefmt import local

    db = _session()
    uid = _user(db, username).id if username else None
    names = {u.id: u.username for u in db.query(User).all()}
    for t in list_tokens(db, uid):
        typer.echo(f"{t.id}\t{names.get(t.user_id, '')}\t{t.name}\t{TOKEN_STATE[token_state(t)]}\t"
                   f"创建 {local(t.created_at)}\t到期 {local(t.expires_at) or '永久'}\t"
                   f"最近使用 {local(t.last_used_at) or '从未'}")


@user_app.command("revoke-token")
def user_revoke_token(token_id: Annotated[int, typer.Argument(help="令牌编号（见 jiancha user tokens）")]) -> None:
    """撤销一个 API 令牌（立即失效）。"""
    from server.accounts import revoke_token

    db = _session()
    if revoke_token(db, token_id) is None:
        fail(f"没有编号为 {token_id} 的令牌")
    db.commit()
    typer.echo(f"已撤销令牌 {token_id}")


@user_app.command("passwd")
def user_passwd(
    username: Annotated[str, typer.Argument(help="用户名")],
    password: Annotated[str | None, typer.Option("--password")] = None,
) -> None:
    """重置密码（该账号的所有登录会话随即失效）。"""
    from server.accounts import set_password

    pw = _password(password)
    db = _session()
    u = _user(db, username)
    n = set_password(db, u, pw)
    db.commit()
    typer.echo(f"已重置 {username} 的密码（结束 {n} 个登录会话）")


@user_app.command("disable")
def user_disable(username: Annotated[str, typer.Argument(help="用户名")]) -> None:
    """停用账号（其登录会话与 API 令牌随之失效）。"""
    from server.accounts import set_active

    db = _session()
    set_active(db, _user(db, username), False)
    db.commit()
    typer.echo(f"已停用 {username}")


@user_app.command("enable")
def user_enable(username: Annotated[str, typer.Argument(help="用户名")]) -> None:
    """重新启用账号。"""
    from server.accounts import set_active

    db = _session()
    set_active(db, _user(db, username), True)
    db.commit()
    typer.echo(f"已启用 {username}")


@user_app.command("locked")
def user_locked() -> None:
    """列出因多次密码错误被锁定的账号名。"""
    from server.throttle import locked_names

    db = _session()
    names = locked_names(db)
    typer.echo("\n".join(names) if names else "没有被锁定的账号")


@user_app.command("unlock")
def user_unlock(username: Annotated[str, typer.Argument(help="用户名")]) -> None:
    """解除账号的登录锁定与等待。"""
    from server.throttle import unlock

    db = _session()
    done = unlock(db, username)
    db.commit()
    typer.echo(f"已解除 {username} 的登录锁定" if done else f"{username} 没有被锁定")


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")

    @app.command()
    def serve(
        host: Annotated[str | None, typer.Option("--host", help="监听地址（默认 127.0.0.1，仅本机）")] = None,
        port: Annotated[int | None, typer.Option("--port", help="端口（默认 8000）")] = None,
        workers: Annotated[int, typer.Option("--workers", min=1, max=64,
                                             help="网页进程数（多于 1 个须使用 PostgreSQL：JIANCHA_DATABASE_URL）")] = 1,
    ) -> None:
        """启动网页与 API 服务（OpenAPI 文档：/docs）。"""
        import uvicorn

        from knowledge.settings import get_settings
        from server.app import database_url
        from server.security import load_secret_key

        s = get_settings()
        if workers > 1 and database_url(s).startswith("sqlite"):
            # each process would run its own batch worker on one SQLite file, and each would take
            # the others' running batches for its own on start
            fail("多个网页进程须共用 PostgreSQL 数据库：请设置 JIANCHA_DATABASE_URL=postgresql+psycopg://…"
                 "（见 docs/DEPLOY.md），或使用 --workers 1")
        _session().close()  # create/migrate the database once, before any worker process starts
        load_secret_key(s.secret_key_file or Path(s.data_dir) / "secret_key")  # one key for all workers
        # behind a reverse proxy the client's address comes from X-Forwarded-For, from trusted proxies only
        uvicorn.run("server.main:app", host=host or s.host, port=port or s.port, workers=workers,
                    proxy_headers=bool(s.trusted_proxies), forwarded_allow_ips=",".join(s.trusted_proxies) or None,
                    log_level="info")
