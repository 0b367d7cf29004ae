"""Account pages: 我的账号 (change one's password, API tokens: create, list, revoke) and, for 案管,
用户管理 (add, disable/enable, reset password, lift login locks, every token)."""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from server import accounts, sessions, throttle
from server import services as sv
from server.db import User
from server.deps import DB, PageUser, client_ip, require_admin
from server.pages import _hash_gate, render
from server.security import ROLES, hash_password, normalize_role, verify_password

router = APIRouter(include_in_schema=False)


def _account_page(request: Request, user: User, db: DB, status_code: int = 200, **ctx) -> HTMLResponse:
    tokens = accounts.list_tokens(db, user.id)
    return render(request, "account.html", user, status_code=status_code, tokens=tokens,
                  token_state=accounts.token_state, TOKEN_STATE=accounts.TOKEN_STATE,
                  token_days=request.app.state.settings.token_days, **ctx)


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, user: PageUser, db: DB) -> HTMLResponse:
    return _account_page(request, user, db)


@router.post("/account/password")
async def change_password(request: Request, user: PageUser, db: DB, current: str = Form("", max_length=1000),
                          new: str = Form("", max_length=1000), again: str = Form("", max_length=1000)) -> Response:
    """Change one's own password: every session of the account ends, this browser gets a new one."""
    db.commit()  # hold no connection while hashing
    async with _hash_gate(request):
        ok = await run_in_threadpool(verify_password, user.password_hash, current)
    error = None
    if not ok:
        error = "当前密码不正确"
    elif new != again:
        error = "两次输入的新密码不一致"
    else:
        try:
            accounts.check_password_rules(new)
        except accounts.AccountError as e:
            error = str(e)
    if error:
        return _account_page(request, user, db, status_code=400, error=error)
    async with _hash_gate(request):
        new_hash = await run_in_threadpool(hash_password, new)
    u = db.get(User, user.id)
    accounts.set_password(db, u, new, new_hash)
    sid, _row = sessions.start(db, u.id, request.app.state.settings.session_max_age, client_ip(request))
    sv.audit(db, u.username, "password", "", "本人修改", client_ip(request))
    db.commit()
    request.session.clear()
    request.session["sid"] = sid
    return RedirectResponse("/account?done=password", status_code=303)


@router.post("/account/tokens")
def create_token(request: Request, user: PageUser, db: DB, name: str = Form("", max_length=64),
                 days: int = Form(90, ge=0, le=3650)) -> HTMLResponse:
    tok, _row = accounts.create_token(db, user, name.strip() or "网页创建", days)
    sv.audit(db, user.username, "token", name, f"{days}天" if days else "永久", client_ip(request))
    db.commit()
    return _account_page(request, user, db, new_token=tok)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(token_id: int, request: Request, user: PageUser, db: DB) -> Response:
    """Revoke a token: one's own, or any (案管)."""
    t = accounts.revoke_token(db, token_id, None if user.role == "admin" else user.id)
    if t is None:
        raise HTTPException(404, "令牌不存在")
    sv.audit(db, user.username, "token_revoke", f"token:{token_id}", t.name, client_ip(request))
    db.commit()
    back = request.headers.get("referer", "")
    return RedirectResponse("/users" if back.endswith("/users") else "/account", status_code=303)


# --------------------------------------------------------------------------- 用户管理 (案管)


def _users_page(request: Request, user: User, db: DB, status_code: int = 200, **ctx) -> HTMLResponse:
    users = db.scalars(select(User).order_by(User.id)).all()
    names = {u.id: u.username for u in users}
    return render(request, "users.html", user, status_code=status_code, users=users,
                  locked=set(throttle.locked_names(db)), tokens=accounts.list_tokens(db), names=names,
                  token_state=accounts.token_state, TOKEN_STATE=accounts.TOKEN_STATE, **ctx)


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, user: PageUser, db: DB) -> HTMLResponse:
    require_admin(user)
    return _users_page(request, user, db)


@router.post("/users")
async def add_user(request: Request, user: PageUser, db: DB, username: str = Form(..., max_length=64),
                   role: str = Form(...), department: str = Form("", max_length=64),
                   display_name: str = Form("", max_length=64), password: str = Form(..., max_length=1000)) -> Response:
    require_admin(user)
    username = username.strip()
    error = None
    try:
        code = normalize_role(role)
        accounts.check_password_rules(password)
    except ValueError as e:
        error = str(e)
    else:
        if not username:
            error = "请填写用户名"
        elif accounts.find(db, username) is not None:
            error = f"用户 {username} 已存在"
        elif code == "head" and not department.strip():
            error = "部门负责人必须填写部门"
    if error:
        return _users_page(request, user, db, status_code=400, error=error)
    db.commit()
    pw_hash = await run_in_threadpool(hash_password, password)
    db.add(User(username=username, display_name=display_name.strip(), password_hash=pw_hash, role=code,
                department=department.strip() or None, active=True))
    sv.audit(db, user.username, "user_add", username, ROLES[code], client_ip(request))
    db.commit()
    return RedirectResponse("/users", status_code=303)


def _target(db: DB, user_id: int) -> User:
    u = db.get(User, user_id)
    if u is None:
        raise HTTPException(404, "用户不存在")
    return u


@router.post("/users/{user_id}/active")
def set_active(user_id: int, request: Request, user: PageUser, db: DB, active: str = Form(...)) -> Response:
    require_admin(user)
    u = _target(db, user_id)
    if u.id == user.id:
        return _users_page(request, user, db, status_code=400, error="不能停用自己的账号")
    accounts.set_active(db, u, active == "1")
    sv.audit(db, user.username, "user_enable" if active == "1" else "user_disable", u.username, "",
             client_ip(request))
    db.commit()
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{user_id}/password")
async def reset_password(user_id: int, request: Request, user: PageUser, db: DB,
                         password: str = Form(..., max_length=1000)) -> Response:
    require_admin(user)
    u = _target(db, user_id)
    try:
        accounts.check_password_rules(password)
    except accounts.AccountError as e:
        return _users_page(request, user, db, status_code=400, error=str(e))
    db.commit()
    pw_hash = await run_in_threadpool(hash_password, password)
    u = db.get(User, user_id)
    accounts.set_password(db, u, password, pw_hash)
    sv.audit(db, user.username, "password", u.username, "案管重置", client_ip(request))
    db.commit()
    return RedirectResponse("/users", status_code=303)


@router.post("/users/unlock")
def unlock(request: Request, user: PageUser, db: DB, username: str = Form(..., max_length=200)) -> Response:
    require_admin(user)
    throttle.unlock(db, username)
    sv.audit(db, user.username, "unlock", username.strip()[:64], "", client_ip(request))
    db.commit()
    return RedirectResponse("/users", status_code=303)
