"""What people read instead of internal codes: rule titles (from a finding's own ``title``, else
the rule catalogue knowledge/rules/*.yaml), audit actions, severity names."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}

AUDIT_ACTIONS = {
    "login": "登录", "login_failed": "登录失败", "logout": "退出", "check": "核查案件", "view": "查看",
    "decide": "处理核查结果", "batch": "新建批量评查", "batch_cancel": "取消批量评查", "export": "导出报告",
    "proofread": "文书校对", "analyze": "案情分析", "similar": "类案检索", "token": "创建API令牌",
    "token_revoke": "撤销API令牌", "password": "修改密码", "user_add": "新建账号", "user_enable": "启用账号",
    "user_disable": "停用账号", "unlock": "解除登录锁定", "search": "搜索案件",
    "case_export": "上传案管导出", "notice_issue": "发出流程通知书", "notice_reply": "整改回复",
    "notice_close": "流程通知书销号", "notice_download": "下载流程通知书",
}


@lru_cache(maxsize=1)
def _catalogue_titles() -> dict[str, str]:
    try:
        from knowledge.rules import catalogue

        rules, _problems = catalogue()
    except Exception:  # noqa: BLE001 - titles are cosmetic: a broken catalogue must not break pages
        return {}
    return {r.id: r.title for r in rules}


def rule_title(rule_id: str) -> str:
    """The rule's Chinese title from the catalogue; the id itself when the catalogue has none."""
    return _catalogue_titles().get(rule_id) or rule_id


def finding_title(f: dict[str, Any]) -> str:
    """A finding's title: its own (findings may carry one), else the catalogue's."""
    return f.get("title") or rule_title(f.get("rule_id", ""))


def audit_action(code: str) -> str:
    return AUDIT_ACTIONS.get(code, code)


def rule_titles(ids: list[str]) -> dict[str, str]:
    return {i: rule_title(i) for i in ids}
