"""End-to-end in a real headless browser (Debian's /usr/bin/chromium driven by the playwright
package; no browser download): log in, upload the bundled sample case, see highlighted findings,
dismiss one, run a batch of 20 cases, open the dashboard. A screenshot of each page is saved under
tests/e2e/screenshots/ (git-ignored). Skipped when chromium or playwright is missing."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("/usr/bin/chromium not installed (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

from tests.test_server_helpers import DOC_NAMES, PASSWORD, SAMPLE, batch_zip  # noqa: E402

# every test here runs on SQLite (one server process) and on PostgreSQL (two) — tests/conftest.py
pytestmark = pytest.mark.usefixtures("db_backend")

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(__file__).resolve().parent / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, db_backend, request):
    data = tmp_path_factory.mktemp("e2e")
    env = {**os.environ, "JIANCHA_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)}
    # on PostgreSQL: two web worker processes sharing the database (sessions, CSRF, throttle, batches)
    workers = ["--workers", "2"] if db_backend == "postgres" else []
    if db_backend == "postgres":
        env["JIANCHA_DATABASE_URL"] = request.getfixturevalue("postgres").create_database()
    cli = [sys.executable, "-m", "models.cli"]
    subprocess.run([*cli, "user", "add", "wang", "--role", "承办检察官", "--department", "第一检察部",
                    "--name", "王检察官", "--password", PASSWORD], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    subprocess.run([*cli, "user", "add", "zhao", "--role", "案管", "--department", "案件管理部",
                    "--name", "赵案管", "--password", PASSWORD], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    # a small similar-case store of real judgments (30 theft cases shipped in knowledge/cases), so the
    # case page lists similar cases and /similar/{id} has something to show
    from knowledge.cases.corpus import JUDGMENTS_FILE, read_jsonl

    theft = [d for d in read_jsonl(JUDGMENTS_FILE) if "盗窃" in "".join(d.get("charges") or [])][:30]
    src = data / "similar-src.jsonl"
    src.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in theft), encoding="utf-8")
    subprocess.run([*cli, "index", "build", "--from", str(src)], env=env, cwd=ROOT, check=True, capture_output=True)
    port = _free_port()
    log = open(data / "server.log", "wb")  # noqa: SIM115 - closed in teardown
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "server.main:app", "--host", "127.0.0.1",
                             "--port", str(port), *workers], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            pytest.fail("server did not start:\n" + (data / "server.log").read_text(errors="replace")[-3000:])
        time.sleep(0.3)
    yield url, data
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def page(server, tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as pw:
        # a fresh profile directory (playwright passes it as --user-data-dir)
        ctx = pw.chromium.launch_persistent_context(str(profile), executable_path=str(CHROMIUM), headless=True,
                                                    args=ARGS, viewport={"width": 1400, "height": 900},
                                                    locale="zh-CN")
        pg = ctx.new_page()
        pg.set_default_timeout(60_000)
        yield pg
        ctx.close()


def _shot(pg, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_review_flow(server, page):
    url, _data = server
    pg = page
    pg.goto(f"{url}/login")
    _shot(pg, "01-login")
    pg.fill("input[name=username]", "wang")
    pg.fill("input[name=password]", PASSWORD)
    pg.click("#login-form button[type=submit]")
    pg.wait_for_url(f"{url}/")
    assert "核查案件" in pg.content()
    _shot(pg, "02-upload")

    pg.set_input_files("#upload-form input[name=files]", [str(SAMPLE / n) for n in DOC_NAMES])
    pg.click("#upload-form button[type=submit]")
    pg.wait_for_url(f"{url}/cases/*")
    marks = pg.locator("mark.sev-error")
    assert marks.count() >= 1
    assert "2013年8月5日" in pg.locator("#doc-judgment mark").all_inner_texts()
    _shot(pg, "03-case")

    # click a finding: its legal basis and suggestion appear, its evidence is highlighted
    item = pg.locator("li.finding", has_text="SENT.TERM_DATES").first
    item.click()
    detail = item.locator(".detail")
    assert detail.is_visible()
    assert "法律依据" in detail.inner_text() and "建议" in detail.inner_text()
    assert pg.locator("mark.active").count() >= 1
    _shot(pg, "04-finding")

    # dismiss the term-mismatch warning with a reason: stored and shown after reload
    warn = pg.locator("li.finding", has_text="COMPARE.TERM_MISMATCH").first
    warn.click()
    warn.locator("input[name=note]").fill("刑期已在庭审中变更")
    warn.locator("button.dismiss-btn").click()
    pg.wait_for_load_state()
    warn = pg.locator("li.finding", has_text="COMPARE.TERM_MISMATCH").first
    assert "已驳回" in warn.inner_text() and "理由：刑期已在庭审中变更" in warn.inner_text()
    assert "dismiss" in (warn.get_attribute("class") or "")
    _shot(pg, "05-dismissed")

    # the similar-case ids on the case page open the read-only view of that stored judgment
    link = pg.locator('#similar a[href^="/similar/"]').first
    assert link.count() == 1, pg.locator("#similar").inner_text()
    case_id = link.inner_text()
    link.click()
    pg.wait_for_url(f"{url}/similar/{case_id}")
    main = pg.locator("main")
    # a stored judgment is headed by its 案号 (shown again in its particulars), not by the store's id
    heading = main.locator("h1").inner_text()
    assert heading.startswith("类案 ") and case_id not in heading, heading
    assert f"案号：{heading.removeprefix('类案 ')}" in main.inner_text() and "判决书全文" in main.inner_text()
    assert main.locator("form, button, input, textarea").count() == 0  # read-only
    _shot(pg, "05b-similar-case")


def test_batch_of_20(server, page, tmp_path):
    url, _data = server
    pg = page
    z = tmp_path / "二十件.zip"
    z.write_bytes(batch_zip(20))
    pg.goto(f"{url}/batches")
    pg.fill("#batch-form input[name=name]", "二十件评查")
    pg.set_input_files("#batch-form input[name=file]", str(z))
    pg.click("#batch-form button[type=submit]")
    pg.wait_for_url(f"{url}/batches/*")
    _shot(pg, "06-batch-progress")
    # the page polls the API and reloads itself when the batch is finished
    pg.wait_for_selector("#batch[data-state=done]", timeout=300_000)
    assert pg.locator("#b-done").inner_text() == "20"
    assert pg.locator("#result-table tbody tr").count() == 20
    assert pg.locator("a", has_text="Excel").count() == 1
    _shot(pg, "07-batch-done")
    # a batch case, read-only, with its findings highlighted
    pg.locator("#result-table tbody a").first.click()
    pg.wait_for_url(f"{url}/batches/*/cases/*")
    assert pg.locator("mark.sev-error").count() >= 1
    _shot(pg, "07b-batch-case")


def test_dashboard(server, page):
    url, _data = server
    pg = page
    pg.goto(f"{url}/dashboard")
    pg.wait_for_selector(".chart canvas")
    assert pg.locator(".chart canvas").count() >= 5
    _shot(pg, "08-dashboard")
    # drill-down: the case list filtered by a rule, then the case
    pg.goto(f"{url}/cases?rule=SENT.TERM_DATES")
    assert pg.locator("#case-table tbody a").count() >= 1
    pg.locator("#case-table tbody a").first.click()
    pg.wait_for_url(f"{url}/cases/*")
    _shot(pg, "09-drilldown-case")


def _login(pg, url: str, who: str) -> None:
    if pg.locator(".who button[type=submit]").count():
        pg.click(".who button[type=submit]")
        pg.wait_for_url(f"{url}/login")
    pg.goto(f"{url}/login")
    pg.fill("input[name=username]", who)
    pg.fill("input[name=password]", PASSWORD)
    pg.click("#login-form button[type=submit]")
    pg.wait_for_url(f"{url}/")


def test_timeline_and_export(server, page, tmp_path):
    """The case page's timeline; a case-management export with a conflicting arrest date is merged
    and the conflict marked; a bad export gets a Chinese message."""
    url, _data = server
    pg = page
    _login(pg, url, "wang")
    pg.goto(f"{url}/cases/1")
    rows = pg.locator("#timeline-table tbody tr")
    assert rows.count() >= 5
    assert "2013-09-06" in pg.locator("#timeline-table").inner_text()
    csv = tmp_path / "案管导出.csv"
    # a 逮捕 date two days off the documents', and three 退回补充侦查 rounds (at most two are allowed)
    csv.write_text("案号,事件,日期,承办人,部门\n（2014）西刑初字第10号,逮捕,2013-09-08,王检察官,第一检察部\n"
                   + "".join(f"（2014）西刑初字第10号,退回补充侦查,{d},王检察官,第一检察部\n"
                             for d in ("2013-10-10", "2013-11-10", "2013-12-10")), encoding="utf-8")
    pg.set_input_files("#export-form input[name=file]", str(csv))
    pg.click("#export-form button[type=submit]")
    pg.wait_for_url(f"{url}/cases/1#timeline")
    assert pg.locator("#timeline .conflicts").count() == 1
    assert pg.locator("#timeline-table tr.conflict").count() >= 1
    assert "退回补充侦查" in pg.locator("#timeline-table").inner_text()
    assert pg.locator("li.finding", has_text="TL.RETURNS_OVER_TWO").count() == 1  # re-checked with the export
    pg.locator("#timeline").screenshot(path=str(SHOTS / "10-timeline-export.png"))
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"not a workbook")
    pg.set_input_files("#export-form input[name=file]", str(bad))
    pg.click("#export-form button[type=submit]")
    pg.wait_for_selector("#export-error")
    assert "无法读取 Excel" in pg.locator("#export-error").inner_text()
    _shot(pg, "11-export-bad-file")


def test_notice_workflow(server, page):
    """发出 (案管 confirms a warning) → 整改 (the 承办人 replies) → 销号 (案管 closes); the .docx downloads;
    then bulk issue from the finished batch."""
    from docx import Document

    url, data = server
    pg = page
    _login(pg, url, "zhao")
    pg.goto(f"{url}/cases/1")
    item = pg.locator("li.finding.sev-error").first
    item.click()
    item.locator("button.notice-btn").click()
    pg.wait_for_url(f"{url}/notices/*")
    assert pg.locator("#notice").get_attribute("data-state") == "issued"
    fields = pg.locator("#notice-fields").inner_text()
    for name in ("文号", "案号", "承办人", "问题", "依据", "整改要求", "期限"):
        assert name in fields
    assert "（2014）西刑初字第10号" in fields and "王检察官" in fields
    notice_url = pg.url
    with pg.expect_download() as dl:
        pg.click("#notice-docx")
    path = data / "notice.docx"
    dl.value.save_as(str(path))
    got = {r.cells[0].text: r.cells[1].text for r in Document(str(path)).tables[0].rows}
    assert got["案号"] == "（2014）西刑初字第10号" and got["承办人"] == "王检察官"
    assert pg.locator("#reply-form").count() == 0  # 案管 does not reply in the 承办人's place
    _shot(pg, "12-notice-issued")

    _login(pg, url, "wang")
    pg.goto(notice_url)
    pg.fill("#reply-form textarea[name=reply]", "已核对刑期起止日期并更正判决书引用")
    _shot(pg, "13-notice-reply-form")
    pg.click("#reply-form button[type=submit]")
    pg.wait_for_url(notice_url)
    assert pg.locator("#notice").get_attribute("data-state") == "replied"
    assert pg.locator("#close-form").count() == 0  # only 案管 closes
    _shot(pg, "14-notice-replied")

    _login(pg, url, "zhao")
    pg.goto(notice_url)
    pg.fill("#close-form input[name=note]", "整改到位，予以销号")
    pg.click("#close-form button[type=submit]")
    pg.wait_for_url(notice_url)
    assert pg.locator("#notice").get_attribute("data-state") == "closed"
    history = pg.locator("#notice-history").inner_text()
    assert "发出流程通知书" in history and "整改回复" in history and "流程通知书销号" in history
    assert "wang" in history and "zhao" in history
    _shot(pg, "15-notice-closed")

    # bulk: the finished batch of 20 copies of the sample, one rule confirmed → one notice per case
    batch = pg.evaluate("fetch('/api/v1/batches').then(r => r.json())")
    done = [b for b in batch if b["state"] == "done"]
    assert done
    pg.goto(f"{url}/batches/{done[0]['id']}")
    box = pg.locator("#batch-notice-form input[value='SENT.TERM_DATES']")
    box.check()
    _shot(pg, "16-batch-notices-form")
    pg.click("#batch-notice-form button[type=submit]")
    pg.wait_for_url(f"{url}/notices?batch=*")
    assert pg.locator("#notice-table tbody tr").count() == done[0]["done"]
    _shot(pg, "17-batch-notices-issued")


TOPICS = ("sentencing", "mismatch", "plea", "returns", "deadlines", "notices")


def test_thematic_pages(server, page):
    """Each 专题分析 page with data (the sample case, the batch, the notices above): chart and table."""
    url, _data = server
    pg = page
    _login(pg, url, "zhao")
    pg.goto(f"{url}/analysis")
    assert pg.locator("#topic-list a").count() == len(TOPICS)
    for i, key in enumerate(TOPICS):
        pg.goto(f"{url}/analysis/{key}")
        pg.wait_for_selector("#analysis-chart canvas")
        body = pg.locator("#analysis-table tbody").inner_text()
        assert "暂无数据" not in body, (key, body)
        assert pg.locator("#analysis-table tbody tr").count() >= 1
        _shot(pg, f"2{i}-analysis-{key}")
    # drill-down from a row to the matching cases
    pg.goto(f"{url}/analysis/plea")
    pg.locator("#analysis-table tbody a").first.click()
    pg.wait_for_url(f"{url}/cases?*")
    assert pg.locator("#case-table tbody a").count() + pg.locator("#batch-case-table tbody a").count() >= 1


PAGES = [("login", "/login"), ("upload", "/"), ("cases", "/cases"), ("case", "/cases/1"), ("batches", "/batches"),
         ("dashboard", "/dashboard"), ("analysis", "/analysis"), ("analysis-sentencing", "/analysis/sentencing"),
         ("notices", "/notices"), ("notice", "/notices/1"), ("account", "/account"), ("users", "/users"), ("audit", "/audit"),
         ("not-found", "/no-such-page")]


@pytest.mark.parametrize("width,label", [(1400, "desktop"), (390, "phone")])
def test_every_page_in_chinese(server, page, width, label):
    """Every page as 案管, at desktop width and at 390 px: Chinese throughout (rule titles, not codes,
    on the case page), no page wider than the screen, a screenshot of each."""
    import re

    url, _data = server
    pg = page.context.new_page()
    pg.set_default_timeout(60_000)
    pg.set_viewport_size({"width": width, "height": 900})
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.goto(f"{url}/login")
    pg.fill("input[name=username]", "zhao")
    pg.fill("input[name=password]", PASSWORD)
    pg.click("#login-form button[type=submit]")
    pg.wait_for_url(f"{url}/")
    batch = pg.evaluate("fetch('/api/v1/batches').then(r => r.json())")
    pages = PAGES + ([("batch", f"/batches/{batch[0]['id']}"), ("batch-case", f"/batches/{batch[0]['id']}/cases/0")]
                     if batch else [])
    for name, path in pages:  # the case page appends its first similar case (/similar/{id})
        if name == "login":
            continue
        pg.goto(url + path)
        if name == "dashboard":
            pg.wait_for_selector(".chart canvas")
        assert pg.evaluate("document.documentElement.lang") == "zh-CN", (name, pg.content()[:300])
        text = pg.locator("main").inner_text()
        assert len(re.findall(r"[\u4e00-\u9fff]", text)) >= 4, (name, text[:200])
        overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (name, label, overflow)
        if name == "case":
            titles = pg.locator(".finding .rule-title").all_inner_texts()
            assert titles and not any(re.fullmatch(r"[A-Z_.]+", t) for t in titles), titles
            assert "系统参考量刑" in text
            href = pg.locator('#similar a[href^="/similar/"]').first.get_attribute("href")
            assert href, "no similar-case link on the case page"
            pages.append(("similar", href))
        if name == "similar":
            assert "判决书全文" in text and "案情事实" in text
        if name == "batch-case":
            titles = pg.locator(".finding .rule-title").all_inner_texts()
            assert titles and not any(re.fullmatch(r"[A-Z_.]+", t) for t in titles), titles
        if name == "audit":
            assert "登录" in text and "login" not in pg.locator("tbody").inner_text().split()
        if name == "not-found":
            assert "页面不存在" in text
        pg.screenshot(path=str(SHOTS / f"{label}-{name}.png"), full_page=True)
    pg.click(".who button[type=submit]")  # 退出: then the login page as a visitor sees it
    pg.wait_for_url(f"{url}/login")
    assert "登录" in pg.locator("main").inner_text()
    assert pg.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    pg.screenshot(path=str(SHOTS / f"{label}-login.png"), full_page=True)
    pg.close()
