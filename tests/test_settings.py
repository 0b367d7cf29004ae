"""``knowledge.settings.Settings`` reads the environment as pydantic-settings would for the same
fields (the reference: a ``BaseSettings`` twin with ``env_prefix="JIANCHA_"``), without importing it."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import ValidationError, create_model
from pydantic_settings import BaseSettings, SettingsConfigDict

from knowledge.settings import Settings


class _Base(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JIANCHA_")


Twin = create_model("Twin", __base__=_Base, **{n: (f.annotation, f) for n, f in Settings.model_fields.items()})

ENVS = [
    {},
    {"JIANCHA_DATA_DIR": "/srv/jiancha", "JIANCHA_BATCH_WORKERS": "3", "JIANCHA_COOKIE_SECURE": "true",
     "JIANCHA_LLM_TIMEOUT": "2.5", "JIANCHA_LLM_ADAPTERS": '{"theft": "theft-lora-v2", "generic": "qwen-base"}',
     "JIANCHA_TRUSTED_PROXIES": '["127.0.0.1", "10.0.0.2"]', "JIANCHA_BATCH_ROOTS": '["/srv/cases"]',
     "JIANCHA_CHROMA_URL": "http://chroma.internal:8000", "JIANCHA_SIMILAR_AUTOBUILD": "0",
     "JIANCHA_UNKNOWN_THING": "1", "OTHER_DATA_DIR": "/nowhere"},
    {"jiancha_province": "zhejiang", "Jiancha_Port": "9000", "JIANCHA_RULES_EXTRA_DIR": "",
     "JIANCHA_LLM_BASE_URL": "", "JIANCHA_UPLOAD_TYPES": "[]", "JIANCHA_COOKIE_SECURE": "no"},
]


@pytest.fixture
def env(monkeypatch):
    import os

    for k in list(os.environ):
        if k.upper().startswith("JIANCHA_"):
            monkeypatch.delenv(k)

    def set_(values: dict[str, str]) -> None:
        for k, v in values.items():
            monkeypatch.setenv(k, v)

    return set_


@pytest.mark.parametrize("values", ENVS)
def test_same_values_as_pydantic_settings(env, values):
    env(values)
    assert Settings().model_dump() == Twin().model_dump()
    kw = {"data_dir": "/tmp/kw", "batch_workers": 5}  # keyword arguments win over the environment
    assert Settings(**kw).model_dump() == Twin(**kw).model_dump()


@pytest.mark.parametrize("values", [{"JIANCHA_BATCH_WORKERS": "abc"}, {"JIANCHA_TRUSTED_PROXIES": "127.0.0.1"},
                                    {"JIANCHA_COOKIE_SECURE": "perhaps"}, {"JIANCHA_LLM_ADAPTERS": "[1, 2]"}])
def test_bad_values_refused_like_pydantic_settings(env, values):
    env(values)
    with pytest.raises(ValueError):  # noqa: PT011 - pydantic's ValidationError or the JSON error
        Twin()
    with pytest.raises(ValueError):  # noqa: PT011
        Settings()


def test_unknown_keyword_refused(env):
    with pytest.raises(ValidationError):
        Settings(no_such_setting=1)


def test_settings_import_no_pydantic_settings():
    code = "import sys, knowledge.settings as s; s.get_settings(); print('pydantic_settings' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0 and out.stdout.strip() == "False", out.stderr[-2000:]


@pytest.mark.parametrize("given", [None, "0"])
def test_cli_turns_pydantic_plugin_scan_off_unless_the_operator_set_it(given):
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if given is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = given
    code = "import os, models.cli; print(os.environ['PYDANTIC_DISABLE_PLUGINS'])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env)
    assert out.returncode == 0 and out.stdout.strip() == (given or "__all__"), out.stderr[-2000:]
