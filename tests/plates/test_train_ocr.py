"""The OCR training script's widening (`train_ocr.widen`): needs torch (the `[train]` extra)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from edge.models.plates.train_ocr import CRNN, widen  # noqa: E402


def _trained_like(model: CRNN) -> CRNN:
    """A base model whose BatchNorms hold statistics of their own, as a trained one's do."""
    gen = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for m in model.cnn:
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.3)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
    return model.eval()


@pytest.mark.parametrize("arch", ["wide", "base"])
def test_widened_model_computes_what_it_started_from(arch: str) -> None:
    torch.manual_seed(0)
    small = _trained_like(CRNN(arch="base"))
    big = CRNN(arch=arch)
    widen(small, big)
    big.eval()
    x = torch.rand(4, 1, 32, 128) * 255
    with torch.no_grad():
        assert float((big(x) - small(x)).abs().max()) < 1e-4


def test_new_units_learn() -> None:
    """The new units' weights out start at zero but get gradients (they are not dead)."""
    torch.manual_seed(0)
    small = _trained_like(CRNN(arch="base"))
    big = CRNN(arch="wide")
    widen(small, big)
    assert sum(p.numel() for p in big.parameters()) > sum(p.numel() for p in small.parameters())
    big.train()
    loss = big(torch.rand(2, 1, 32, 128) * 255)[:, :, 1].sum()
    loss.backward()
    hs, hb = small.rnn.hidden_size, big.rnn.hidden_size
    assert big.head.weight.grad is not None
    assert float(big.head.weight.grad[:, hs:hb].abs().sum()) > 0
    assert big.proj.weight.grad is not None
    assert float(big.proj.weight.grad[:, small.proj.in_features :].abs().sum()) > 0
