"""Optional neural backend: a tiny randomly initialised BertForMaskedLM saved to tmp (no download)."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from transformers import BertConfig, BertForMaskedLM, BertTokenizer

    d = tmp_path_factory.mktemp("csc")
    chars = list("被告人张某犯盗窃罪本院认为已以构成上述诉事实的证据如下，。")
    (d / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars]) + "\n",
                                 encoding="utf-8")
    tok = BertTokenizer(str(d / "vocab.txt"))
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=len(tok.vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=64)
    BertForMaskedLM(cfg).save_pretrained(str(d))
    tok.save_pretrained(str(d))
    return d


def test_neural_edits_are_well_formed(tiny_model: Path) -> None:
    from models.proofread.neural import neural_edits

    sents = ["本院认为被告人张某的行为以构成盗窃罪。", "认定上诉事实的证据如下："]
    for thr, s_edits in ((0.0, neural_edits(sents, str(tiny_model), threshold=0.0)),
                         (1.01, neural_edits(sents, str(tiny_model), threshold=1.01))):
        assert len(s_edits) == 2
        for s, edits in zip(sents, s_edits, strict=True):
            for e in edits:
                assert s[e.start : e.end] == e.original and len(e.suggestion) == 1
                assert e.rule_id == "PROOF.TYPO" and 0 <= e.confidence <= 1
            if thr > 1:
                assert edits == []
    # a random model proposes something somewhere at threshold 0 on an unprotected character
    assert any(neural_edits(sents, str(tiny_model), threshold=0.0))


def test_proofread_neural_backend(tiny_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from models.proofread import proofread

    monkeypatch.setenv("JIANCHA_CSC_MODEL", str(tiny_model))
    text = "认定上诉事实的证据如下："
    r = proofread(text, backend="neural")
    # a random model's edits cannot be predicted, but each one must be a one-character
    # substitution that the corrected text applies, and nothing else may change
    assert len(r.corrected) == len(text)
    edited = {f["start"] for f in r.findings if f["suggestion"]}
    for f in r.findings:
        assert text[f["start"] : f["end"]] == f["original"]
        if f["suggestion"]:
            assert r.corrected[f["start"] : f["end"]] == f["suggestion"]
    assert all(r.corrected[i] == text[i] for i in range(len(text)) if i not in edited)


def test_bad_model_dir(tmp_path: Path) -> None:
    from models.errors import BadInput
    from models.proofread.neural import neural_edits

    with pytest.raises(BadInput):
        neural_edits(["被告人张某犯盗窃罪。"], str(tmp_path))
