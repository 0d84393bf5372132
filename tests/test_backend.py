"""backend.axpy: the in-place update y <- y + a x, through BLAS where it can, NumPy elsewhere."""

import numpy as np
import pytest

from backprop.backend import axpy, matmul_into_layout


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_axpy_updates_in_place_and_equals_numpy(dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((100, 78)).astype(dtype)
    y = rng.standard_normal((100, 78)).astype(dtype)
    a = np.asarray(-0.1, dtype)
    expected = y + a * x
    # BLAS may round a x + y once (fused multiply-add) where NumPy rounds twice: allow an ulp or
    # two of the terms, which is more than the result where they cancel.
    bound = 2 * np.finfo(dtype).eps * (np.abs(y) + np.abs(a * x))
    axpy(-0.1, x, y)  # returns nothing: the values can only have changed in place
    assert y.dtype == dtype
    assert np.all(np.abs(y - expected) <= bound)


@pytest.mark.parametrize(
    "case",
    ["strided view", "transposed view", "broadcast", "big-endian", "float16", "mixed dtypes"],
)
def test_axpy_takes_numpys_route_where_blas_cannot_write_in_place(case):
    rng = np.random.default_rng(1)
    base = rng.standard_normal((6, 8))
    x = rng.standard_normal((6, 8))
    if case == "strided view":
        y, x = base[:, ::2], x[:, ::2]
    elif case == "transposed view":
        y, x = base.T, x.T
    elif case == "broadcast":
        y, x = base, x[0]
    elif case == "big-endian":
        y, x = base.astype(">f8"), x.astype(">f8")
    elif case == "float16":
        y, x = base.astype(np.float16), x.astype(np.float16)
    else:
        y, x = base, x.astype(np.float32)
    expected = y + 2.5 * x
    axpy(2.5, x, y)
    np.testing.assert_allclose(y, expected.astype(y.dtype), rtol=1e-3)
    if case in ("strided view", "transposed view"):
        # The update reached the array the view belongs to.
        np.testing.assert_allclose(base[:, ::2] if case == "strided view" else base.T, y)


def test_axpy_refuses_a_read_only_array_instead_of_updating_a_copy():
    y = np.ones(5)
    y.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        axpy(1.0, np.ones(5), y)
    np.testing.assert_array_equal(y, 1.0)


def test_axpy_on_empty_and_zero_dimensional_arrays():
    y = np.zeros(0, dtype=np.float32)
    axpy(1.0, np.zeros(0, dtype=np.float32), y)
    assert y.shape == (0,)
    y = np.array(2.0)
    axpy(3.0, np.array(0.5), y)
    assert y == 3.5


def test_axpy_on_two_column_major_arrays_stays_in_place():
    rng = np.random.default_rng(2)
    y = np.asfortranarray(rng.standard_normal((5, 7)))
    x = np.asfortranarray(rng.standard_normal((5, 7)))
    expected = y - 0.5 * x
    axpy(-0.5, x, y)
    assert y.flags.f_contiguous
    np.testing.assert_allclose(y, expected, rtol=1e-14)


@pytest.mark.parametrize("order", ["C", "F"])
def test_matmul_into_layout_follows_the_template(order):
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((4, 6)), rng.standard_normal((6, 3))
    like = np.zeros((4, 3), order=order)
    out = matmul_into_layout(a, b, like)
    np.testing.assert_allclose(out, a @ b, rtol=1e-14)
    assert out.base is None  # a fresh array, not a view: backward() keeps it as the gradient
    assert out.flags.f_contiguous == (order == "F") and out.flags.c_contiguous == (order == "C")
