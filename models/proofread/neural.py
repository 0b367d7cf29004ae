"""Optional neural backend: a BERT-style Chinese spelling-correction model (e.g. a MacBERT-CSC
checkpoint) loaded with ``transformers`` from a local directory — never downloaded.

Install with ``pip install -e ".[neural]"``; point ``JIANCHA_CSC_MODEL`` (or ``model_dir``) at a
directory holding ``config.json``, the weights and ``vocab.txt``. Each character is one token; a
character is replaced when the model predicts another single CJK character with probability
≥ ``threshold`` (substitutions only, as CSC models do). Protected positions are left alone.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from models.errors import BadInput
from models.proofread.sentence import Edit, protected_mask

_CJK = re.compile(r"^[\u4e00-\u9fff]$")


def available() -> bool:
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=2)
def load(model_dir: str) -> tuple[Any, Any]:
    if not available():
        raise BadInput("未安装神经网络纠错依赖：pip install -e \".[neural]\"")
    p = Path(model_dir)
    if not (p / "config.json").exists():
        raise BadInput(f"纠错模型目录无效：{model_dir}")
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(p), local_files_only=True)
    model = AutoModelForMaskedLM.from_pretrained(str(p), local_files_only=True)
    model.eval()
    return tok, model


def neural_edits(sentences: list[str], model_dir: str | None = None, threshold: float = 0.9,
                 batch_size: int = 16) -> list[list[Edit]]:
    """Substitution edits per sentence from the CSC model."""
    model_dir = model_dir or os.environ.get("JIANCHA_CSC_MODEL")
    if not model_dir:
        raise BadInput("未配置神经网络纠错模型目录（环境变量 JIANCHA_CSC_MODEL）")
    tok, model = load(model_dir)
    import torch

    vocab = tok.get_vocab()
    unk = tok.unk_token_id
    inv = {i: t for t, i in vocab.items()}
    out: list[list[Edit]] = []
    max_chars = 510
    for k in range(0, len(sentences), batch_size):
        batch = [s[:max_chars] for s in sentences[k : k + batch_size]]
        ids = [[tok.cls_token_id] + [vocab.get(c, unk) for c in s] + [tok.sep_token_id] for s in batch]
        width = max(len(x) for x in ids)
        pad = tok.pad_token_id or 0
        inp = torch.tensor([x + [pad] * (width - len(x)) for x in ids])
        att = torch.tensor([[1] * len(x) + [0] * (width - len(x)) for x in ids])
        with torch.no_grad():
            probs = torch.softmax(model(input_ids=inp, attention_mask=att).logits, dim=-1)
        best_p, best_i = probs.max(dim=-1)
        for row, s in enumerate(batch):
            mask = protected_mask(s)
            edits = []
            for i, ch in enumerate(s):
                j = i + 1
                pid = int(best_i[row, j])
                if pid == ids[row][j] or ids[row][j] == unk or mask[i]:
                    continue
                cand = inv.get(pid, "")
                p = float(best_p[row, j])
                if _CJK.match(cand) and p >= threshold:
                    edits.append(Edit(i, i + 1, ch, cand, "char", p, p))
            out.append(edits)
    return out
