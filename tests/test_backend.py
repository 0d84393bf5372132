"""backend.matmul_into_layout: a matrix product laid out in memory like a template."""

import numpy as np
import pytest

from backprop.backend import matmul_into_layout


@pytest.mark.parametrize("order", ["C", "F"])
def test_matmul_into_layout_follows_the_template(order):
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((4, 6)), rng.standard_normal((6, 3))
    like = np.zeros((4, 3), order=order)
    out = matmul_into_layout(a, b, like)
    np.testing.assert_allclose(out, a @ b, rtol=1e-14)
    assert out.base is None  # a fresh array, not a view: backward() keeps it as the gradient
    assert out.flags.f_contiguous == (order == "F") and out.flags.c_contiguous == (order == "C")
