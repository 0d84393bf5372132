"""backend: a matrix product laid out in memory like a template, and the one layout rule."""

import numpy as np
import pytest

import backprop as bp
from backprop import backend, nn, optim
from backprop.backend import matmul_into_layout
from backprop.layered import Network


@pytest.mark.parametrize("order", ["C", "F"])
def test_matmul_into_layout_follows_the_template(order):
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((4, 6)), rng.standard_normal((6, 3))
    like = np.zeros((4, 3), order=order)
    out = matmul_into_layout(a, b, like)
    np.testing.assert_allclose(out, a @ b, rtol=1e-14)
    assert out.base is None  # a fresh array, not a view: backward() keeps it as the gradient
    assert out.flags.f_contiguous == (order == "F") and out.flags.c_contiguous == (order == "C")


# ---------------------------------------------------------------------------- the layout rule
def weight_orders(model) -> set[str]:
    """The memory order of every weight matrix of ``model``: "F" or "C" (never both: n, m > 1)."""
    orders = set()
    for p in model.parameters():
        if p.data.ndim == 2:
            assert p.data.flags.f_contiguous != p.data.flags.c_contiguous, p.data.shape
            orders.add("F" if p.data.flags.f_contiguous else "C")
    return orders


def models() -> dict[str, object]:
    return {
        "Sequential": nn.Sequential(nn.Linear(3, 4, seed=0), nn.Tanh(), nn.Linear(4, 2, seed=1)),
        "Network": Network([3, 4, 2], seed=0),
    }


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.standard_normal((12, 3)).astype(np.float32), rng.integers(0, 2, 12)


@pytest.mark.parametrize("order", ["F", "C"])
@pytest.mark.parametrize("kind", ["Sequential", "Network"])
def test_every_weight_follows_the_one_layout_rule(kind, order, tmp_path, monkeypatch):
    """Weights made by init, read by load and load_checkpoint, and moved by every optimizer all
    have backend.WEIGHT_ORDER's layout; setting that one name to "C" changes every path."""
    monkeypatch.setattr(backend, "WEIGHT_ORDER", order)
    X, y = data()
    model = models()[kind]
    assert weight_orders(model) == {order}  # from nn.init
    before = [p.data.copy() for p in model.parameters()]
    bp.save(model, tmp_path / "model.npz")
    loaded = bp.load(tmp_path / "model.npz")
    assert weight_orders(loaded) == {order}  # from io.load
    assert all(np.array_equal(a, p.data) for a, p in zip(before, loaded.parameters(), strict=True))
    loss = None if kind == "Network" else "cross_entropy"
    for opt in (
        optim.SGD(loaded.parameters(), lr=0.5),  # the fused BP1-BP4 step for the Network
        optim.SGD(loaded.parameters(), lr=0.5, momentum=0.9),
        optim.Adam(loaded.parameters(), lr=0.01),
    ):
        bp.fit(loaded, X, y, loss=loss, optimizer=opt, epochs=2, batch_size=4, progress=False)
        assert weight_orders(loaded) == {order}, type(opt).__name__  # after optimizer steps
    assert not all(
        np.array_equal(a, p.data) for a, p in zip(before, loaded.parameters(), strict=True)
    )
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    bp.save_checkpoint(tmp_path / "ckpt.npz", loaded, epoch=6)
    bp.load_checkpoint(tmp_path / "ckpt.npz", model)
    assert weight_orders(model) == {order}  # from io.load_checkpoint, in place
    bp.fit(model, X, y, loss=loss, optimizer=opt, epochs=1, batch_size=4, progress=False)
    assert weight_orders(model) == {order}


def test_parameter_array_lays_out_matrices_only_and_copies_only_when_needed():
    w = np.arange(6.0).reshape(2, 3)
    out = backend.parameter_array(w, np.float32)
    assert out.dtype == np.float32 and out.flags.f_contiguous and not out.flags.c_contiguous
    np.testing.assert_array_equal(out, w)
    assert backend.parameter_array(out) is out  # already in the layout: no copy
    b = np.arange(3.0)
    assert backend.parameter_array(b) is b  # a bias vector as it is
    assert backend.parameter_array(b, np.float32).dtype == np.float32
