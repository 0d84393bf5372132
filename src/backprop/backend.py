"""The array module, behind one name, and two array routines the engines share.

Every engine file takes its array functions from ``xp`` here, so that a GPU array library with the
NumPy interface (CuPy) can slot in later by changing this one line.
"""

from typing import Any

import numpy as xp

__all__ = ["axpy", "matmul_into_layout", "xp"]

# BLAS axpy for the native float32 and float64 dtypes, looked up on first use: importing SciPy's
# BLAS takes about as long as importing backprop itself, so programs that never train skip it.
_BLAS_AXPY: dict[Any, Any] = {xp.dtype(xp.float32): None, xp.dtype(xp.float64): None}


def axpy(a: float, x: Any, y: Any) -> None:
    """y <- y + a x in place: the gradient descent update w <- w - eta g is axpy(-eta, g, w).

    For float32/float64 arrays of one shape, dtype and contiguous layout (both row-major or both
    column-major) this is BLAS axpy, one pass over memory with no temporary; NumPy's
    ``y += a * x`` makes a temporary a x first and then adds it, which for a 784 x 100 weight
    matrix takes three times as long. Anything else (broadcasting, strided views, mixed layouts,
    other dtypes) takes NumPy's route.
    """
    if (
        y.dtype in _BLAS_AXPY
        and x.dtype == y.dtype
        and x.shape == y.shape
        and y.flags.behaved  # aligned and writeable: BLAS can write into it
        and y.size
        # Both row-major or both column-major (weights): element i of each in memory order
        # ("K") is then the same entry, and flattening gives views that BLAS updates in place.
        and (
            (x.flags.c_contiguous and y.flags.c_contiguous)
            or (x.flags.f_contiguous and y.flags.f_contiguous)
        )
    ):
        blas = _BLAS_AXPY[y.dtype]
        if blas is None:
            from scipy.linalg import blas as scipy_blas

            blas = _BLAS_AXPY[y.dtype] = scipy_blas.get_blas_funcs("axpy", dtype=y.dtype)
        blas(x.ravel("K"), y.ravel("K"), a=a)
    else:
        y += a * x


def matmul_into_layout(a: Any, b: Any, like: Any) -> Any:
    """a @ b in a new array laid out in memory as ``like`` (column-major if ``like`` is).

    A weight gradient dC/dW = sum_x delta^x (a^x)^T in W's own layout lets the update
    W <- W - eta dC/dW run through both arrays in one contiguous pass (``axpy``).
    """
    column_major = like.flags.f_contiguous and not like.flags.c_contiguous
    return xp.matmul(a, b, order="F" if column_major else "C")
