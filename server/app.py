"""The FastAPI application: ``create_app(settings)`` wires storage (migrated on start), sessions,
the body-size limit, security headers, the API (``/api/v1``), the pages and the batch worker.
OpenAPI at ``/openapi.json``, interactive docs at ``/docs``."""

from __future__ import annotations

import logging
import os
import weakref
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import TimeoutError as SATimeout
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from knowledge.settings import Settings, get_settings
from models.errors import BadInput
from server import throttle
from server.db import make_engine, migrate, session_factory
from server.deps import NeedLogin
from server.security import install_log_masking, load_secret_key

logger = logging.getLogger("server")
STATIC = Path(__file__).resolve().parent / "static"


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("jiancha")
    except Exception:  # noqa: BLE001 - not installed as a distribution
        return "0.1.0"


def database_url(settings: Settings) -> str:
    return settings.database_url or f"sqlite:///{Path(settings.data_dir) / 'jiancha.db'}"


def private_data_dir(data_dir: Path) -> None:
    """The data directory holds full case texts with ID numbers: only its owner may enter it (700)."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)


def private_sqlite_file(url: str) -> None:
    """Create a SQLite database file readable by its owner only (600) before SQLite does (SQLite gives
    its -wal/-shm files the database file's mode); tighten an existing one."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if not u.drivername.startswith("sqlite") or not u.database or u.database == ":memory:":
        return
    db = Path(u.database)
    db.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(db, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    for f in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        if f.exists():
            os.chmod(f, 0o600)


class _TooLarge(Exception):
    pass


def _too_large(scope: Scope, msg: str) -> Any:
    """413 as JSON for the API, as a small Chinese page for a browser's form post."""
    if scope.get("path", "").startswith("/api/"):
        return JSONResponse({"detail": msg}, status_code=413)
    page = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>上传内容过大 · jiancha</title>'
            f'<link rel="stylesheet" href="/static/app.css"></head><body><main><section class="card narrow">'
            f'<h1>413 上传内容过大</h1><p class="alert">{msg}</p><p><a href="/">返回首页</a></p>'
            f'</section></main></body></html>')
    return HTMLResponse(page, status_code=413)


class BodyLimitMiddleware:
    """Reject request bodies above ``limit`` bytes with 413 (by Content-Length, or while streaming)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        msg = f"上传内容过大，单次请求不得超过{self.limit // 1024 // 1024}MB"
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    too_big = int(v) > self.limit
                except ValueError:
                    too_big = False
                if too_big:
                    await _too_large(scope, msg)(scope, receive, send)
                    return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            m = await receive()
            if m["type"] == "http.request":
                seen += len(m.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return m

        async def tracking_send(m: Message) -> None:
            nonlocal started
            if m["type"] == "http.response.start":
                started = True
            await send(m)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _too_large(scope, msg)(scope, receive, send)


class SecurityHeadersMiddleware:
    """No inline scripts, no third-party origins, no framing."""

    CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
           "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope.get("path", "").startswith(("/docs", "/redoc"))

        async def add_headers(m: Message) -> None:
            if m["type"] == "http.response.start":
                h = list(m.get("headers", []))
                h += [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                      (b"referrer-policy", b"same-origin")]
                if not docs:
                    h.append((b"content-security-policy", self.CSP.encode()))
                m["headers"] = h
            await send(m)

        await self.app(scope, receive, add_headers)


def _make_worker(db_url: str, data_dir: Path) -> Any:
    try:
        from server.worker import BatchWorker  # type: ignore[attr-defined]
    except ImportError:
        return None
    return BatchWorker(db_url, data_dir)


def warm_up() -> None:
    """Check the bundled sample case once so lazily loaded data (lexicon, statutes, rules, gate)
    is ready before the first user request; concurrent first requests would each load it."""
    sample = Path(__file__).resolve().parents[1] / "knowledge" / "samples" / "case-001"
    try:
        from models.pipeline import check_paths

        if sample.is_dir():
            check_paths([sample])
    except Exception:  # noqa: BLE001 - warming is best effort
        logger.exception("预热失败（不影响服务）")


def create_app(settings: Settings | None = None, start_worker: bool = True, warm: bool = True) -> FastAPI:
    """Build the app. ``settings`` default: ``knowledge.settings.get_settings()``; ``start_worker``:
    run the batch worker while the app runs; ``warm``: load the pipeline's data on startup."""
    from server import account_pages, analysis_pages, api, notice_api, notice_pages, pages
    from server.services import status_of

    settings = settings or get_settings()
    data_dir = Path(settings.data_dir)
    private_data_dir(data_dir)
    install_log_masking()
    url = database_url(settings)
    private_sqlite_file(url)
    engine = make_engine(url)
    migrate(engine)
    worker = _make_worker(url, data_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        if warm:
            await run_in_threadpool(warm_up)
        if worker is not None and start_worker:
            worker.start()
        try:
            yield
        finally:
            if worker is not None and start_worker:
                worker.stop()
            engine.dispose()
            app.state.health_engine.dispose()

    app = FastAPI(title="jiancha 检察文书智能核查", version=_version(), lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="三书比对与法定检查、文书校对、案情分析、类案检索、批量评查。"
                              "脚本请使用 API 令牌：Authorization: Bearer <令牌>。")
    app.state.settings = settings
    app.state.engine = engine
    app.state.health_engine = make_engine(url, pool_size=1, max_overflow=0, timeout=1)
    app.state.Session = session_factory(engine)
    app.state.worker = worker
    app.state.db_url = url
    app.state.login_policy = throttle.Policy.from_settings(settings)
    app.state.hash_gates = weakref.WeakKeyDictionary()
    app.state.address_blocks = {}

    secret = load_secret_key(settings.secret_key_file or data_dir / "secret_key")
    app.add_middleware(SessionMiddleware, secret_key=secret, session_cookie="jiancha_session",
                       max_age=settings.session_max_age, same_site="strict", https_only=settings.cookie_secure)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_upload_bytes + 1024 * 1024)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(notice_api.router)
    app.include_router(pages.router)
    app.include_router(account_pages.router)
    app.include_router(notice_pages.router)
    app.include_router(analysis_pages.router)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        """Swagger UI from the vendored files (no CDN)."""
        return get_swagger_ui_html(openapi_url="/openapi.json", title="jiancha API",
                                   swagger_js_url="/static/vendor/swagger-ui-bundle.js",
                                   swagger_css_url="/static/vendor/swagger-ui.css",
                                   swagger_favicon_url="/static/favicon.svg")

    def _is_api(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    @app.exception_handler(BadInput)
    async def bad_input(request: Request, exc: BadInput):  # noqa: ANN202
        if _is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=status_of(exc))
        return pages.error_page(request, str(exc), status_of(exc))

    @app.exception_handler(NeedLogin)
    async def need_login(request: Request, exc: NeedLogin):  # noqa: ANN202
        return RedirectResponse("/login", status_code=303)

    english = {"Not Found": "页面或接口不存在", "Method Not Allowed": "不支持的请求方法"}

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):  # noqa: ANN202
        detail = english.get(exc.detail, exc.detail) if isinstance(exc.detail, str) else exc.detail
        if _is_api(request) or request.url.path.startswith(("/docs", "/openapi")):
            return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)
        return pages.error_page(request, str(detail), exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):  # noqa: ANN202
        errs = exc.errors()
        first = errs[0] if errs else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body") or "请求"
        msg = f"请求参数有误（{where}）：{first.get('msg', '')}"
        if not _is_api(request) and not request.url.path.startswith(("/docs", "/openapi")):
            return pages.error_page(request, msg, 422)
        return JSONResponse({"detail": msg}, status_code=422)

    @app.exception_handler(SATimeout)
    async def busy(request: Request, exc: Exception):  # noqa: ANN202
        """The database pool stayed exhausted: tell the caller to come back, do not crash."""
        logger.warning("数据库繁忙：%s %s", request.method, request.url.path)
        msg = "服务器繁忙，请稍后重试"
        if _is_api(request):
            return JSONResponse({"detail": msg}, status_code=503, headers={"Retry-After": "5"})
        return pages.error_page(request, msg, 503)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception):  # noqa: ANN202
        logger.exception("内部错误：%s %s", request.method, request.url.path)
        msg = "服务器内部错误，请联系管理员（详情见服务器日志）"
        if not _is_api(request):
            return pages.error_page(request, msg, 500)
        return JSONResponse({"detail": msg}, status_code=500)

    return app
