"""The array module, behind one name, and the one BLAS routine NumPy does not expose.

Every engine file takes its array functions from ``xp`` here, so that a GPU array library with the
NumPy interface (CuPy) can slot in later by changing this one line.
"""

from typing import Any

import numpy as xp

__all__ = ["axpy", "xp"]

# BLAS axpy for the native float32 and float64 dtypes, looked up on first use: importing SciPy's
# BLAS takes about as long as importing backprop itself, so programs that never train skip it.
_BLAS_AXPY: dict[Any, Any] = {xp.dtype(xp.float32): None, xp.dtype(xp.float64): None}


def axpy(a: float, x: Any, y: Any) -> None:
    """y <- y + a x in place: the gradient descent update w <- w - eta g is axpy(-eta, g, w).

    For contiguous float32/float64 arrays of one shape and dtype this is BLAS axpy, one pass over
    memory with no temporary; NumPy's ``y += a * x`` makes a temporary a x first and then adds it,
    which for a 784 x 100 weight matrix takes three times as long. Anything else (broadcasting,
    strided views, other dtypes) takes NumPy's route.
    """
    if (
        y.dtype in _BLAS_AXPY
        and x.dtype == y.dtype
        and x.shape == y.shape
        and x.flags.c_contiguous
        and y.flags.carray  # C-contiguous, aligned and writeable: BLAS can write into it
        and y.size
    ):
        blas = _BLAS_AXPY[y.dtype]
        if blas is None:
            from scipy.linalg import blas as scipy_blas

            blas = _BLAS_AXPY[y.dtype] = scipy_blas.get_blas_funcs("axpy", dtype=y.dtype)
        # A reshape of a contiguous array is a view, and BLAS updates the view in place.
        blas(x.reshape(-1), y.reshape(-1), a=a)
    else:
        y += a * x
