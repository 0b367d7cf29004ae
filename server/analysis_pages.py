"""专题分析 pages: the index of topics and one page per topic (table, chart, filters, drill-down)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from server import analysis
from server.deps import DB, PageUser
from server.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/analysis", response_class=HTMLResponse)
def analysis_index(request: Request, user: PageUser) -> HTMLResponse:
    return render(request, "analysis_index.html", user, topics=analysis.topics())


@router.get("/analysis/{key}", response_class=HTMLResponse)
def analysis_topic(key: str, request: Request, user: PageUser, db: DB, court: str | None = None,
                   charge: str | None = None, month: str | None = None,
                   department: str | None = None) -> HTMLResponse:
    topic = next((t for t in analysis.topics() if t["key"] == key), None)
    if topic is None:
        raise HTTPException(404, "没有这个专题分析")
    filters = {"court": court, "charge": charge, "month": month, "department": department}
    data = analysis.compute(db, user, key, filters)
    return render(request, "analysis.html", user, topic=topic, topics=analysis.topics(), data=data,
                  filters={k: v for k, v in filters.items() if v}, options=analysis.filter_options(db, user))
