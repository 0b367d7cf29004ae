"""Prompt registry and rendering (prompts/), the output schemas, and the vLLM serving recipe."""

from __future__ import annotations

import json
import shlex

import jinja2
import pytest

import prompts
from models.llm.schemas import SCHEMAS

VARS = {
    "elements": {"missing": ["amount_yuan", "charges"], "kind": "起诉书", "text": "被告人张三窃取手机一部，价值3000元。"},
    "review": {"case_id": "（2024）沪0120刑初684号", "charges": ["盗窃"], "grade": "瑕疵", "steps": ["基准刑：6个月"],
               "findings": [{"severity": "warning", "rule_id": "COMPARE.TERM_MISMATCH", "message": "判处刑期不在建议范围内。"}]},
    "proofread_review": {"candidates": [{"context": "可以从清处罚", "original": "从清", "suggestion": "从轻", "type": "typo"}]},
    "gate_vote": {"candidates": ["盗窃", "诈骗"], "facts": "被告人以投资为名骗取他人钱财。"},
    "summarize_facts": {"facts": "被告人入户盗窃手机一部。"},
    "repair": {"error": "Invalid json output", "schema": "{}"},
    "ping": {},
}


def test_every_prompt_renders_and_its_examples_validate():
    for p in prompts.all_prompts():
        msgs = p.render(**VARS[p.name])
        assert msgs[0]["role"] == "system" and msgs[-1]["role"] == "user"
        assert all(m["content"].strip() for m in msgs)
        assert "{{" not in json.dumps(msgs, ensure_ascii=False)
        assert isinstance(p.version, int) and p.version >= 1
        if p.name != "repair":
            assert p.schema in SCHEMAS, p.key
        for ex in p.examples:  # few-shot answers are valid answers
            SCHEMAS[p.schema].model_validate(ex["output"])
        assert len(msgs) == 2 + 2 * len(p.examples)


def test_no_few_shot_example_comes_from_the_demo_case():
    """A demo on knowledge/samples/case-001 must not show the model its own answer: no example
    (of any prompt or expert variant) shares a 20-character run with the demo's documents (boilerplate such as
    "到案后如实供述自己的罪行" is shorter)."""
    from pathlib import Path

    demo = Path(__file__).resolve().parents[1] / "knowledge" / "samples" / "case-001"
    text = "".join(f.read_text(encoding="utf-8") for f in sorted(demo.glob("*.txt")))
    runs = {text[i : i + 20] for i in range(len(text) - 19)}
    n = 0
    for p in prompts.all_prompts():
        for ex in p.examples:
            s = json.dumps(ex, ensure_ascii=False)
            hit = next((s[i : i + 20] for i in range(len(s) - 19) if s[i : i + 20] in runs), None)
            assert hit is None, (p.key, hit)
            n += 1
    assert n > 0


def test_expert_variant_and_generic_fallback():
    theft = prompts.get("elements", expert="theft")
    assert theft.key == "elements/theft@1" and theft.schema == "ElementsOut"
    system = theft.render(**VARS["elements"])[0]["content"]
    assert "本案属于“盗窃”类犯罪" in system and "入户" in system
    generic = prompts.get("elements", expert="generic")
    assert generic.key == "elements@1" and "类犯罪" not in generic.render(**VARS["elements"])[0]["content"]
    assert prompts.get("gate_vote", expert="theft").key == "gate_vote@1"  # no variant: generic
    assert prompts.get("summarize_facts", expert="nonexistent").key == "summarize_facts@1"
    with pytest.raises(prompts.PromptNotFound):
        prompts.get("no_such_task")


def test_expert_registry_prompt_names_resolve():
    from models.experts import registry

    for name, e in registry().items():
        assert e.prompts, name
        for pn in e.prompts:
            p = prompts.get(pn)
            assert p.expert == (None if name == "generic" else name), pn
            assert p.name in ("elements", "review")


def test_rendering_is_strict_and_user_turn_carries_the_text():
    p = prompts.get("gate_vote")
    with pytest.raises(jinja2.UndefinedError):
        p.render(candidates=["盗窃"])  # facts missing
    last = p.render(**VARS["gate_vote"])[-1]["content"]
    assert last.startswith("候选罪名：盗窃、诈骗") and last.endswith("被告人以投资为名骗取他人钱财。")
    review = prompts.get("review", expert="dui").render(**VARS["review"])[-1]["content"]
    assert "1. [warning] COMPARE.TERM_MISMATCH：判处刑期不在建议范围内。" in review


def test_prompt_hash_is_stable_and_short():
    m = prompts.get("ping").render()
    assert prompts.prompt_hash(m) == prompts.prompt_hash(json.loads(json.dumps(m))) and len(prompts.prompt_hash(m)) == 16


def test_serve_command_from_expert_registry(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from models.cli import app
    from models.experts import registry

    (tmp_path / "theft").mkdir()
    (tmp_path / "dui").mkdir()
    r = CliRunner().invoke(app, ["llm", "serve-command", "--base-model", "/models/Qwen2.5-7B-Instruct",
                                 "--adapter-dir", str(tmp_path), "--tp", "2", "--max-model-len", "16384",
                                 "--port", "8100", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    argv = out["argv"]
    assert argv[:3] == ["vllm", "serve", "/models/Qwen2.5-7B-Instruct"]
    assert "--enable-lora" in argv and argv[argv.index("--tensor-parallel-size") + 1] == "2"
    assert argv[argv.index("--host") + 1] == "127.0.0.1" and argv[argv.index("--port") + 1] == "8100"
    assert argv[argv.index("--max-model-len") + 1] == "16384" and "--max-loras" in argv
    mods = argv[argv.index("--lora-modules") + 1:]
    adapters = {e.adapter for e in registry().values() if e.adapter}
    assert {m.split("=")[0] for m in mods} == adapters
    assert f"theft={tmp_path / 'theft'}" in mods
    assert set(out["missing_adapters"]) == adapters - {"theft", "dui"}
    assert shlex.split(out["command"]) == argv
    assert out["client_env"]["JIANCHA_LLM_BASE_URL"] == "http://127.0.0.1:8100/v1"

    r = CliRunner().invoke(app, ["llm", "serve-command", "--adapter-dir", str(tmp_path), "--only-existing", "--json"])
    mods = json.loads(r.stdout)["argv"]
    assert [m for m in mods if "=" in m] == [f"dui={tmp_path / 'dui'}", f"theft={tmp_path / 'theft'}"]


def test_serve_command_uses_settings_adapter_map(tmp_path, monkeypatch):
    from knowledge.settings import get_settings
    from models.llm.serve import serve_command

    monkeypatch.setenv("JIANCHA_LLM_ADAPTERS", '{"theft": "theft-v2"}')
    get_settings.cache_clear()
    try:
        argv, _ = serve_command("/m", tmp_path)
        assert f"theft-v2={tmp_path / 'theft-v2'}" in argv and not any(a.startswith("theft=") for a in argv)
    finally:
        monkeypatch.delenv("JIANCHA_LLM_ADAPTERS")
        get_settings.cache_clear()


def test_offline_backend_is_guarded_without_vllm():
    try:
        import vllm  # noqa: F401
    except ImportError:
        pass
    else:  # pragma: no cover - GPU box
        pytest.skip("vLLM installed")
    from models.llm.offline import VLLMOfflineBackend

    with pytest.raises(RuntimeError, match="jiancha\\[gpu\\]"):
        VLLMOfflineBackend("/models/base")


def test_offline_backend_requests_the_expert_lora(tmp_path, monkeypatch):
    """The offline backend behind the same client, with a stand-in ``vllm`` module (no GPU here)."""
    import sys
    import types

    import models.llm as llm

    calls = []

    class LLM:
        def __init__(self, **kw):
            self.kw = kw

        def chat(self, conversations, sampling, lora_request=None, use_tqdm=False):
            calls.append((conversations, sampling, lora_request))
            out = types.SimpleNamespace(text='{"ok": true}', token_ids=[1, 2, 3])
            return [types.SimpleNamespace(outputs=[out], prompt_token_ids=[0] * 40) for _ in conversations]

    class LoRARequest:
        def __init__(self, name, id_, path):
            self.name, self.id, self.path = name, id_, path

    vllm = types.ModuleType("vllm")
    vllm.LLM, vllm.SamplingParams = LLM, lambda **kw: kw
    lora = types.ModuleType("vllm.lora")
    req = types.ModuleType("vllm.lora.request")
    req.LoRARequest = LoRARequest
    for name, mod in (("vllm", vllm), ("vllm.lora", lora), ("vllm.lora.request", req)):
        monkeypatch.setitem(sys.modules, name, mod)
    (tmp_path / "theft").mkdir()
    from models.llm.offline import VLLMOfflineBackend

    backend = VLLMOfflineBackend("/models/base", tmp_path, tensor_parallel_size=2)
    assert backend.llm.kw["enable_lora"] and backend.llm.kw["tensor_parallel_size"] == 2
    monkeypatch.delenv("JIANCHA_LLM_BASE_URL", raising=False)
    llm.reset()
    llm.use_backend(backend)
    try:
        assert llm.enabled()
        client = llm.get_client()
        res = client.structured("ping", {}, expert="theft")
        assert res.ok and calls[-1][2].name == "theft" and calls[-1][2].path == str(tmp_path / "theft")
        assert client.structured("ping", {}).ok and calls[-1][2] is None  # base model
        res = client.structured("ping", {}, expert="dui")  # no adapter directory: degraded, not raised
        assert res.value is None and res.warning
    finally:
        llm.use_backend(None)
        llm.reset()
