"""The OCR training script's widening (`train_ocr.widen`) and training step (`train_step`):
needs torch (the `[train]` extra)."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from edge.models.plates import train_ocr  # noqa: E402
from edge.models.plates.train_ocr import CRNN, native_bf16, train_step, widen  # noqa: E402


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


@pytest.mark.parametrize("bf16", [False, True])
def test_a_training_step_learns_and_keeps_float32_weights(bf16: bool) -> None:
    """Steps on one batch lower its loss, in bfloat16 as in float32, and the weights stay
    float32 (autocast computes in bfloat16, the optimiser updates float32 weights)."""
    torch.manual_seed(0)
    model = CRNN().train()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3)
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    x = torch.rand(8, 1, 32, 128) * 255
    targets = [torch.randint(1, 37, (int(n),)) for n in torch.randint(2, 8, (8,))]
    losses = [train_step(model, opt, ctc, x, targets, bf16) for _ in range(30)]
    assert losses[-1] < 0.8 * losses[0], losses
    assert all(p.dtype == torch.float32 for p in model.parameters())


def test_bfloat16_is_native_only_with_its_cpu_flags() -> None:
    """`--bf16` is refused on a CPU that would emulate bfloat16 (AVX2 only: 11 steps a minute
    against 131 in float32); a CPU with AVX-512 BF16 or AMX computes it itself."""
    avx2 = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma\n\nprocessor\t: 1\nflags\t\t: fpu avx2\n"
    assert not native_bf16(avx2)
    assert native_bf16(avx2.replace("fma", "fma avx512f avx512_bf16"))
    assert native_bf16("flags\t\t: avx2 amx_tile amx_bf16\n")
    assert not native_bf16("flags\t\t: avx512f avx512_vnni\n")  # VNNI is int8, not bfloat16
    assert native_bf16("Features\t: fp asimd sve bf16 i8mm\n")  # Arm (Neoverse V1)
    assert not native_bf16("Features\t: fp asimd\n")
    assert native_bf16("")  # no /proc/cpuinfo: not refused


def test_bf16_is_refused_before_any_work_on_a_cpu_without_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The script stops at once with a message that says why, rather than train 12 times slower."""
    monkeypatch.setattr(train_ocr, "read_cpuinfo", lambda: "flags\t\t: fpu avx2\n")
    out = tmp_path / "crops.npz"
    monkeypatch.setattr("sys.argv", ["train_ocr.py", "--bf16", "--samples", "8", "--render-only", str(out)])
    with pytest.raises(SystemExit, match="no native bfloat16"):
        train_ocr.main()
    assert not out.exists()
