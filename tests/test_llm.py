"""The LLM layer against a local OpenAI-compatible test server over real HTTP (127.0.0.1).

The server (``http.server``, started here) returns canned chat completions chosen by the prompt and
records every request. Outbound sockets are restricted to it (``socket.create_connection`` and
``socket.socket.connect`` patched), so any other destination fails the test.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import models.llm as llm
from models.types import Report

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "knowledge" / "samples" / "case-001"
CASES = ROOT / "tests" / "data" / "llm_cases.jsonl"

CANNED = {  # chosen by a phrase of the prompt's system message
    "要素提取": {"charges": ["盗窃"], "amount_yuan": 1027, "judged": [], "elements": {"burglary": True},
                 "evidence": "价值874元", "confidence": 0.8},
    "通俗易懂": {"summary": "本案判决书的刑期止日多算了一天，且判处刑期低于量刑建议。", "points": ["刑期止日有误"],
                 "confidence": 0.7},
    "校对复核": {"verdicts": [{"index": 0, "verdict": "reject", "confidence": 0.9, "reason": "专有名词"}]},
    "罪名判断": {"charges": ["诈骗"], "reason": "虚构事实骗取财物", "confidence": 0.9},
    "摘要助手": {"summary": "被告人入户盗窃笔记本电脑等物品，价值2027.9元。", "keywords": ["入户盗窃"],
                 "confidence": 0.8},
    "只输出 JSON": {"ok": True},
}


def canned(body: dict[str, Any]) -> tuple[int, str, float]:
    system = body["messages"][0]["content"]
    for key, out in CANNED.items():
        if key in system:
            return 200, json.dumps(out, ensure_ascii=False), 0.0
    return 200, "{}", 0.0


class FakeOpenAI:
    """A minimal ``/v1/chat/completions`` server. ``script``: responses for the next requests
    (``(status, content, delay)`` or a callable of the request body); then ``canned``."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: list[Any] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                step = fake.script.pop(0) if fake.script else canned
                status, content, delay = step(body) if callable(step) else step
                if delay:
                    time.sleep(delay)
                if status == 200:
                    payload = {"id": "cmpl-1", "object": "chat.completion", "created": 0, "model": body.get("model"),
                               "choices": [{"index": 0, "finish_reason": "stop",
                                            "message": {"role": "assistant", "content": content}}],
                               "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}}
                else:
                    payload = {"error": {"message": "internal error", "type": "server_error"}}
                data = json.dumps(payload, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def models(self) -> list[str]:
        return [r["body"].get("model") for r in self.requests]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server():
    s = FakeOpenAI()
    yield s
    s.close()


@pytest.fixture
def guard(monkeypatch, server):
    """Only the test server may be connected to; every other attempt is recorded and refused."""
    blocked: list[Any] = []
    real_create = socket.create_connection
    real_connect = socket.socket.connect

    def allowed(addr: Any) -> bool:
        return isinstance(addr, tuple) and addr[0] in ("127.0.0.1", "localhost") and addr[1] == server.port

    def create_connection(address, *a, **kw):
        if not allowed(address):
            blocked.append(address)
            raise OSError(f"blocked outbound connection to {address}")
        return real_create(address, *a, **kw)

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not allowed(address):
            blocked.append(address)
            raise OSError(f"blocked outbound connection to {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return blocked


@pytest.fixture
def llm_on(monkeypatch, server, guard):
    """The LLM configured at the test server (fast timeout, long breaker)."""
    monkeypatch.setenv("JIANCHA_LLM_BASE_URL", server.url)
    monkeypatch.setenv("JIANCHA_LLM_TIMEOUT", "0.5")
    monkeypatch.setenv("JIANCHA_LLM_RETRIES", "1")
    monkeypatch.setenv("JIANCHA_LLM_BREAKER_SECONDS", "60")
    monkeypatch.delenv("JIANCHA_LLM_ADAPTERS", raising=False)
    llm.reset()
    server.requests.clear()
    server.script.clear()
    yield server
    server.script.clear()
    monkeypatch.delenv("JIANCHA_LLM_BASE_URL")
    llm.reset()


@pytest.fixture
def llm_off(monkeypatch, guard):
    monkeypatch.delenv("JIANCHA_LLM_BASE_URL", raising=False)
    llm.reset()
    yield guard
    llm.reset()


def _sample_texts() -> dict[str, str]:
    names = {"indictment": "起诉书.txt", "recommendation": "量刑建议书.txt", "judgment": "刑事判决书.txt"}
    return {k: (SAMPLE / n).read_text(encoding="utf-8") for k, n in names.items()}


def _cases() -> list[tuple[str, dict[str, str]]]:
    rows = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [("sample", _sample_texts())] + [(r["id"], r["documents"]) for r in rows]


def _check(texts: dict[str, str]) -> Report:
    from models.pipeline import check_texts

    return check_texts(texts)


def _stable(report: Report) -> dict[str, Any]:
    d = report.to_dict()
    d.pop("timings_ms")
    return d


# --------------------------------------------------------------------------- client


def test_adapter_requested_per_expert(llm_on, guard):
    from models.experts import registry

    client = llm.get_client()
    for name, e in registry().items():
        res = client.structured("ping", {}, expert=name)
        assert res.ok, res.warning
        assert llm_on.requests[-1]["body"]["model"] == (e.adapter or "base")
        assert llm_on.requests[-1]["path"] == "/v1/chat/completions"
    assert set(llm_on.models()) == {e.adapter for e in registry().values() if e.adapter} | {"base"}
    assert not guard


def test_adapter_map_from_settings(llm_on, monkeypatch):
    monkeypatch.setenv("JIANCHA_LLM_ADAPTERS", '{"theft": "theft-lora-v2", "generic": "qwen-base"}')
    monkeypatch.setenv("JIANCHA_LLM_MODEL", "qwen-base")
    llm.reset()
    client = llm.get_client()
    assert client.structured("ping", {}, expert="theft").ok
    assert client.structured("ping", {}, expert="dui").ok
    assert client.structured("ping", {}).ok
    assert llm_on.models() == ["theft-lora-v2", "dui", "qwen-base"]


def test_expert_prompt_and_few_shot_sent(llm_on):
    res = llm.get_client().structured("elements", {"missing": ["amount_yuan"], "kind": "起诉书",
                                                   "text": "被告人张三窃取手机一部。"}, expert="theft")
    assert res.ok and res.prompt == "elements/theft@1"
    msgs = llm_on.requests[-1]["body"]["messages"]
    assert "盗窃数额以“共计/合计”的总数为准" in msgs[0]["content"]
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "user"]
    assert json.loads(msgs[2]["content"])["amount_yuan"] == 1027
    assert msgs[-1]["content"].endswith("被告人张三窃取手机一部。")


def test_malformed_json_is_repaired_by_a_second_call(llm_on):
    llm_on.script = [(200, "好的，金额是1027元", 0.0), (200, '```json\n{"ok": true}\n```', 0.0)]
    res = llm.get_client().structured("ping", {}, expert="theft")
    assert res.ok and res.repaired and res.calls == 2
    second = llm_on.requests[-1]["body"]["messages"]
    assert second[-2] == {"role": "assistant", "content": "好的，金额是1027元"}
    assert "不符合要求" in second[-1]["content"] and '"ok"' in second[-1]["content"]
    assert llm_on.models() == ["theft", "theft"]


def test_malformed_json_twice_is_rejected(llm_on):
    llm_on.script = [(200, "not json", 0.0), (200, '{"confidence": 0.9}', 0.0)]
    res = llm.get_client().structured("summarize_facts", {"facts": "被告人张三窃取手机一部。"})
    assert res.value is None and "不符合格式" in res.warning
    assert len(llm_on.requests) == 2


def test_5xx_is_retried_then_degrades(llm_on):
    llm_on.script = [(500, "", 0.0), (200, '{"ok": true}', 0.0)]
    assert llm.get_client().structured("ping", {}).ok
    llm_on.script = [(503, "", 0.0), (502, "", 0.0)]
    res = llm.get_client().structured("ping", {})
    assert res.value is None and "HTTP 502" in res.warning
    assert len(llm_on.requests) == 4
    assert llm.get_client().structured("ping", {}).ok  # a 5xx does not open the breaker


def test_call_log_has_no_document_text(llm_on, caplog):
    from models.llm.client import call_log

    secret = "被告人魏建军在本市铁路二村胖妹旅社"
    with caplog.at_level("INFO", logger="jiancha.llm"):
        llm.get_client().structured("summarize_facts", {"facts": secret})
        llm_on.script = [(200, secret, 0.0), (200, secret, 0.0)]
        llm.get_client().structured("summarize_facts", {"facts": secret})
    rec = call_log()[-4]
    assert rec["prompt"] == "summarize_facts@1" and rec["status"] == "ok" and len(rec["hash"]) == 16
    assert rec["input_tokens"] == 120 and rec["output_tokens"] == 30 and rec["latency_ms"] >= 0
    assert call_log()[-1]["status"] == "rejected"
    assert secret not in caplog.text and "胖妹" not in json.dumps(call_log(), ensure_ascii=False)


def test_token_budget_stops_calls(llm_on):
    from models.llm.client import Budget

    res = llm.get_client().structured("summarize_facts", {"facts": "案" * 500}, budget=Budget(300))
    assert res.value is None and "预算" in res.warning
    assert llm_on.requests == []
    b = Budget(5000)
    assert llm.get_client().structured("ping", {}, budget=b).ok
    assert b.used == 150  # settled to the usage the server reported


# --------------------------------------------------------------------------- degradation


def test_timeout_degrades_and_breaker_costs_one_timeout(llm_on, guard):
    base = {cid: _stable(_check(t)) for cid, t in _cases()}  # breaker closed: features answered
    assert all("explanation" in base[c].get("llm", {}) for c in base)
    llm_on.requests.clear()
    llm_on.script = [(200, "{}", 2.0)] * 3  # slower than the 0.5 s timeout
    reports = [(cid, _check(t)) for cid, t in _cases() * 3]
    assert len(llm_on.requests) == 1  # one timeout, then the endpoint is considered down
    from models.pipeline import check_texts

    for cid, r in reports:
        d = _stable(r)
        assert d["llm"]["warnings"] and "大模型服务" in d["llm"]["warnings"][0]
        assert "explanation" not in d["llm"]
        # the deterministic result is intact: same findings and grade as with the LLM answering
        assert d["findings"] == [f for f in base[cid]["findings"]] and d["grade"] == base[cid]["grade"]
        assert d["experts"] == base[cid]["experts"]
    assert check_texts(_sample_texts()).grade == "不合格"
    assert not guard


def test_connection_refused_degrades(monkeypatch, guard):
    with socket.socket() as s:  # a port with nobody listening
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    monkeypatch.setenv("JIANCHA_LLM_BASE_URL", f"http://127.0.0.1:{dead}/v1")
    llm.reset()
    try:
        from models.llm.client import call_log

        n0 = len(call_log())
        r = _check(_sample_texts())
        assert r.grade == "不合格" and r.llm["warnings"]
        tried = [c for c in call_log()[n0:] if c["status"] == "down"]
        assert len(tried) == 1
    finally:
        monkeypatch.delenv("JIANCHA_LLM_BASE_URL")
        llm.reset()


def test_no_request_leaves_the_configured_url(llm_on, guard, monkeypatch):
    # proxies, an OpenAI base URL and LangSmith tracing in the environment must all be ignored
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy", "OPENAI_PROXY"):
        monkeypatch.setenv(k, "http://10.255.255.1:3128")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://10.255.255.2:8000/v1")
    monkeypatch.setenv("LANGSMITH_TRACING", "true")
    monkeypatch.setenv("LANGCHAIN_TRACING_V2", "true")
    monkeypatch.setenv("LANGSMITH_API_KEY", "lsv2-test")
    llm.reset()
    before = set(threading.enumerate())
    for _cid, texts in _cases():
        r = _check(texts)
        assert "explanation" in r.llm
    from models.commands.analyze import analyze_one

    analyze_one(_sample_texts()["indictment"], "a")
    # any thread the call started (e.g. tracing) is given until a deadline to try to connect
    deadline = time.monotonic() + 10
    for t in set(threading.enumerate()) - before:
        t.join(max(0.0, deadline - time.monotonic()))
    assert llm_on.requests and all(r["path"] == "/v1/chat/completions" for r in llm_on.requests)
    assert guard == []


# --------------------------------------------------------------------------- features


def test_report_features_marked_llm(llm_on):
    r = _check(_sample_texts())
    d = r.to_dict()
    ex = d["llm"]["explanation"]
    assert ex["source"] == "llm" and 0 < ex["confidence"] <= 1 and ex["summary"].startswith("本案")
    assert ex["model"] == "theft" and ex["prompt"] == "review/theft@1"
    sim = d["llm"]["similar"]
    assert sim["source"] == "llm" and "入户盗窃" in sim["keywords"]
    assert "warnings" not in d["llm"]
    assert r.grade == "不合格"  # LLM output is not a finding: the grade is the rules'
    assert all(f["source"] != "llm" for f in d["findings"])


def test_gate_vote_on_ambiguous_facts(llm_on):
    from models.llm.features import gate_vote

    v = gate_vote("被告人张三以投资为名，骗取李四人民币五万元。", [("盗窃", 0.41), ("诈骗", 0.38), ("侵占", 0.1)])
    assert v["chosen"] == ["诈骗"] and v["charges"][0][0] == "诈骗" and v["source"] == "llm"
    msgs = llm_on.requests[-1]["body"]["messages"]
    assert "候选罪名：盗窃、诈骗、侵占" in msgs[-1]["content"]


def test_gate_vote_component_reorders_experts(llm_on):
    from models.documents import parse_text
    from models.llm.component import llm_gate
    from models.pipeline import build_case

    case = build_case([parse_text("2019年5月，被告人张三以投资理财为名，虚构高额回报，骗取被害人李四人民币五万元。",
                                  source="facts", kind="other")])
    report = Report(case_id="x", experts=[("theft", 0.41), ("fraud", 0.38)])
    import models.gate as gate_mod

    class G:
        explicit = False
        charges = [("盗窃", 0.41), ("诈骗", 0.38)]

    orig = gate_mod.gate_case
    gate_mod.gate_case = lambda c: G()  # the classifier's scores are the gate owner's; fix them here
    try:
        llm_gate(case, report)
    finally:
        gate_mod.gate_case = orig
    assert report.experts[0][0] == "fraud"
    assert report.llm["gate_vote"]["chosen"] == ["诈骗"] and report.llm["gate_vote"]["confidence"] == 0.9
    report2 = Report(case_id="y", experts=[("theft", 0.9), ("fraud", 0.05)])
    n = len(llm_on.requests)
    llm_gate(case, report2)  # a clear margin: no vote
    assert len(llm_on.requests) == n and report2.experts[0][0] == "theft" and not report2.llm


def test_extraction_fallback_fills_missing_amount(llm_on):
    from models.llm.features import assist_analysis

    res = assist_analysis({"id": "1", "expert": "theft", "charges": ["盗窃"], "amount_yuan": None},
                          "被告人袁甲某窃取平板电脑一部、手机一部。")
    assert res["amount_yuan"] == 1027.0 and res["llm"]["filled"] == ["amount_yuan"]
    assert res["llm"]["extraction"]["source"] == "llm" and res["llm"]["extraction"]["confidence"] == 0.8
    assert llm_on.models() == ["theft"]
    # nothing missing: no call
    res = assist_analysis({"id": "2", "expert": "theft", "charges": ["盗窃"], "amount_yuan": 500.0}, "x")
    assert "llm" not in res and len(llm_on.requests) == 1
    # a low-confidence reading is dropped
    llm_on.script = [(200, json.dumps({"amount_yuan": 99, "confidence": 0.2}), 0.0)]
    res = assist_analysis({"id": "3", "expert": "fraud", "charges": ["诈骗"], "amount_yuan": None}, "被告人骗取财物。")
    assert res["amount_yuan"] is None and "llm" not in res


def test_extraction_fallback_rejects_unknown_charges(llm_on):
    from models.llm.features import extract_missing

    llm_on.script = [(200, json.dumps({"charges": ["偷东西罪", "盗窃罪"], "confidence": 0.9}), 0.0)]
    got = extract_missing("被告人张三窃取手机一部。", ["charges"], "theft")
    assert got["values"] == {"charges": ["盗窃"]}


def test_proofreading_second_opinion(llm_on):
    from models.llm.features import annotate_proofreading

    text = "被告人魏建军在本市铁路二村胖妹旅社盗窃电脑包一个。"
    findings = [{"start": 12, "end": 14, "original": "胖妹", "suggestion": "胖妺", "type": "typo",
                 "confidence": 0.8, "rule_id": "PROOF.TYPO"},
                {"start": 0, "end": 1, "original": "被", "suggestion": None, "type": "punctuation",
                 "confidence": 0.95, "rule_id": "PROOF.PUNCT_WIDTH"}]
    out = annotate_proofreading(text, findings)
    assert out[0]["llm"]["verdict"] == "reject" and out[0]["llm"]["source"] == "llm"
    assert out[0]["confidence"] == pytest.approx(0.1)
    assert "llm" not in out[1] and out[1]["confidence"] == 0.95  # rule findings are not sent
    sent = llm_on.requests[-1]["body"]["messages"][-1]["content"]
    assert "原文：“胖妹”" in sent and "PUNCT" not in sent


def test_analyze_and_proofread_with_llm_on(llm_on):
    from models.commands.analyze import analyze_one
    from models.proofread import proofread

    a = analyze_one(_sample_texts()["indictment"], "s")
    assert a["charges"] == ["盗窃"] and a["amount_yuan"]  # rules found them: no fallback needed
    assert "llm" not in a
    p = proofread("被告人到案后如实供述自己的罪行，系坦白，可以从清处罚。")
    assert p.corrected == "被告人到案后如实供述自己的罪行，系坦白，可以从轻处罚。"
    assert [(f["original"], f["suggestion"], f["rule_id"]) for f in p.findings] == [("清", "轻", "PROOF.TYPO")]


# --------------------------------------------------------------------------- identity when off


def test_outputs_identical_without_llm(llm_off, monkeypatch):
    """With no LLM configured, check / analyze / proofread outputs equal those of a pipeline
    without the LLM components at all (and nothing connects anywhere)."""
    import models.components as comps
    from models.commands.analyze import analyze_many
    from models.proofread import proofread

    cases = _cases()
    with_module = [_stable(_check(t)) for _, t in cases]
    items = [(cid, t.get("indictment") or next(iter(t.values()))) for cid, t in cases]
    an_with = analyze_many(items)
    texts = [t["judgment"] for _, t in cases if "judgment" in t][:2] + ["被告人到案后如实供述，可以从清处罚。"]
    pr_with = [proofread(t).to_dict() for t in texts]

    full = comps.configured()
    assert any(n.startswith("llm_") for n, _ in full)
    monkeypatch.setattr(comps, "configured", lambda: tuple((n, f) for n, f in full if not n.startswith("llm_")))
    monkeypatch.setattr(llm, "enabled", lambda: False)
    without = [_stable(_check(t)) for _, t in cases]
    assert with_module == without
    assert all("llm" not in d for d in with_module)
    assert analyze_many(items) == an_with and all("llm" not in a for a in an_with)
    assert [proofread(t).to_dict() for t in texts] == pr_with
    assert llm_off == []


def test_llm_off_imports_no_client_library():
    import subprocess
    import sys

    code = ("import sys, os; os.environ.pop('JIANCHA_LLM_BASE_URL', None)\n"
            "from pathlib import Path\nfrom models.pipeline import check_paths\n"
            f"check_paths([Path({str(SAMPLE)!r})])\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('langchain_openai', 'openai', 'langsmith', 'httpx')]\n"
            "print(bad)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"


def test_socket_guard_blocks_other_destinations(guard, server):
    import httpx

    with pytest.raises(httpx.ConnectError):
        httpx.get("http://127.0.0.1:9/v1/models", timeout=1.0)
    assert guard and guard[-1][1] == 9


# --------------------------------------------------------------------------- CLI


def test_cli_ping(llm_off, server):
    from typer.testing import CliRunner

    from models.cli import app

    server.script.clear()
    r = CliRunner().invoke(app, ["llm", "ping", "--url", server.url, "--expert", "drugs", "--json"])
    try:
        assert r.exit_code == 0, r.output
        out = json.loads(r.stdout)
        assert out["ok"] and out["model"] == "drugs" and out["input_tokens"] == 120
        assert server.requests[-1]["body"]["model"] == "drugs"
        server.script = [(500, "", 0.0), (500, "", 0.0)]
        r = CliRunner().invoke(app, ["llm", "ping", "--url", server.url])
        assert r.exit_code == 1 and "HTTP 500" in r.stdout
    finally:
        import os

        os.environ.pop("JIANCHA_LLM_BASE_URL", None)
        llm.reset()


def test_cli_ping_without_endpoint(llm_off):
    from typer.testing import CliRunner

    from models.cli import app

    r = CliRunner().invoke(app, ["llm", "ping"])
    assert r.exit_code == 2 and "未配置大模型服务" in r.output
